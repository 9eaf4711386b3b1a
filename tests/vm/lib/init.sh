#!/bin/sh
# /init of the lockdown-broker test initramfs (busybox sh, PID 1).
#
# Loads the few modules needed to reach the host root (virtio PCI, 9p over
# virtio, overlay), mounts the host's / read-only over 9p, puts a tmpfs-backed
# overlay on top so the guest gets a writable copy of the host userland,
# exposes the unpacked guest kernel's modules at /lib/modules/$KVER and then
# switch_roots into tests/vm/lib/guest-init (path given by ld.init=).
#
# Parameters come from the kernel command line. Words with a dot (ld.x=y) are
# treated by the kernel as (unused) module parameters and are NOT put in our
# environment, so they are read from /proc/cmdline.
#
# Any failure here prints "ldvm-init: FATAL" and powers off without an
# LDVM-EXIT marker, which run-vm reports as an infrastructure failure (125).

PATH=/bin
export PATH

# /dev/console is in the cpio, but make sure we have a console either way.
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1

fatal() {
    echo "ldvm-init: FATAL: $*"
    # Leave a moment for the serial line, then power off (qemu -no-reboot
    # also exits on the panic that would follow if this failed).
    sleep 1
    echo o >/proc/sysrq-trigger 2>/dev/null
    sleep 5
    poweroff -f
    exit 1
}

mount -t proc proc /proc || fatal "mount /proc"
mount -t sysfs sysfs /sys || fatal "mount /sys"

modroot=
ginit=
want_kver=
p9cache=loose
set -f  # no globbing of cmdline words
# shellcheck disable=SC2013 # word splitting of the cmdline is intended
for w in $(cat /proc/cmdline); do
    case "$w" in
        ld.modroot=*) modroot=${w#ld.modroot=} ;;
        ld.init=*)    ginit=${w#ld.init=} ;;
        ld.kver=*)    want_kver=${w#ld.kver=} ;;
        ld.9pcache=*) p9cache=${w#ld.9pcache=} ;;
    esac
done
set +f
kver=$(uname -r)
[ -n "$modroot" ] || fatal "no ld.modroot= on the kernel command line"
[ -n "$ginit" ] || fatal "no ld.init= on the kernel command line"
# Catch a kernel/initramfs/modroot mix-up early rather than with odd insmod errors.
[ -z "$want_kver" ] || [ "$want_kver" = "$kver" ] ||
    fatal "running kernel $kver but ld.kver=$want_kver"

# Modules in dependency order (modprobe --show-depends order, computed on the
# host by mkinitramfs and already decompressed).
while read -r m; do
    [ -n "$m" ] || continue
    insmod "/modules/$m" || fatal "insmod $m"
done </modules/order

mkdir -p /lower /rw /newroot
# The 9p channel appears when 9pnet_virtio probes the device; retry briefly in
# case that is not finished yet.
# cache=loose: the host root is exported read-only and the guest lives only for
# one test, so caching metadata/pages is safe and makes exec/stat much faster
# under TCG than the uncached default. (The guest will not notice host-side
# changes to a file it has already looked at; ld.9pcache=none to compare.)
opts=ro,trans=virtio,version=9p2000.L,msize=512000,cache=$p9cache
i=0
until mount -t 9p -o "$opts" hostroot /lower 2>/dev/null; do
    i=$((i + 1))
    [ "$i" -lt 50 ] || { mount -t 9p -o "$opts" hostroot /lower; fatal "mount 9p hostroot"; }
    sleep 0.1
done

mount -t tmpfs -o mode=0755 tmpfs /rw || fatal "mount tmpfs /rw"
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot ||
    fatal "mount overlay"

# Make `modprobe` in the guest find the guest kernel's modules. On Debian
# /lib is the relative symlink usr/lib, so this resolves inside /newroot.
src="/lower$modroot/lib/modules/$kver"
dst="/newroot/lib/modules/$kver"
[ -d "$src" ] || fatal "modules not visible through 9p: $src"
mkdir -p "$dst" || fatal "mkdir $dst"
mount -o bind "$src" "$dst" || fatal "bind $src"

# bpftool feature probe and friends look for the kernel config here.
if [ -f "/lower$modroot/boot/config-$kver" ]; then
    mkdir -p /newroot/boot && cp "/lower$modroot/boot/config-$kver" /newroot/boot/
fi

[ -x "/newroot$ginit" ] || fatal "guest init not found/executable: $ginit"

# Hand our mounts over and mount the rest of the API filesystems here rather
# than in guest-init: busybox runs from RAM, while every exec of a host binary
# in guest-init goes over 9p under TCG (measured: ~3 s for these mounts there).
# guest-init re-checks each one and mounts whatever is missing.
for d in dev proc sys; do
    mount --move "/$d" "/newroot/$d" || fatal "move /$d"
done
nr=/newroot
m() { # TYPE DIR [OPTS]
    mkdir -p "$nr$2" 2>/dev/null
    mount -t "$1" ${3:+-o "$3"} "$1" "$nr$2" || echo "ldvm-init: warning: cannot mount $1 on $2"
}
m devpts /dev/pts gid=5,mode=0620,ptmxmode=0666,nosuid,noexec
m tmpfs /dev/shm mode=1777,nosuid,nodev
m securityfs /sys/kernel/security
m bpf /sys/fs/bpf mode=0700
m cgroup2 /sys/fs/cgroup nsdelegate
m debugfs /sys/kernel/debug
m tracefs /sys/kernel/tracing
# Fresh /run and /tmp: the overlay would show the host's (and /tmp can be big).
m tmpfs /run mode=0755,nosuid,nodev
mkdir -p "$nr/run/lock"
m tmpfs /tmp mode=1777,nosuid,nodev
# devtmpfs lacks these; bash process substitution <(...) needs /dev/fd.
ln -sfn /proc/self/fd "$nr/dev/fd"
ln -sfn /proc/self/fd/0 "$nr/dev/stdin"
ln -sfn /proc/self/fd/1 "$nr/dev/stdout"
ln -sfn /proc/self/fd/2 "$nr/dev/stderr"
echo ldvm >/newroot/proc/sys/kernel/hostname
ip link set lo up 2>/dev/null

exec switch_root /newroot "$ginit"
