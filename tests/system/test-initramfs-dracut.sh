#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The dracut module (initramfs/dracut) builds into a real image: dracut
# (dracut-core) runs its check() and install() with the modules base and
# lockdown-broker, and the image must hold lockdown-brokerd with its
# libraries, the configuration (a drop-in that masks with a symlink to
# /dev/null stays one) and the pre-udev hook. Booting such an image is not
# tested (the guest test e2e-initramfs boots the initramfs-tools image).
#
# dracut looks for modules and the binary at their installed paths; the test
# runs in a mount namespace of its own with overlays on /usr/lib and the
# sbindir that add them there (the host's file systems are not changed).
# Root only.
#
# Usage: test-initramfs-dracut.sh MODULE_SETUP HOOK BUILT_DAEMON SBINDIR
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ $# -eq 4 ]] || fail "usage: $0 MODULE_SETUP HOOK BUILT_DAEMON SBINDIR"
setup=$(realpath "$1") hook=$(realpath "$2") daemon=$(realpath "$3") sbindir=$4
[[ $(id -u) -eq 0 ]] || fail "needs root (mount namespace, overlays)"
command -v dracut >/dev/null || fail "dracut is missing (apt-get install dracut-core)"
command -v lsinitrd >/dev/null || fail "lsinitrd is missing (apt-get install dracut-core)"

work=$(mktemp -d /var/tmp/ldb-dracut.XXXXXX)
trap 'rm -rf "$work"' EXIT
mod=$work/lib/dracut/modules.d/90lockdown-broker
mkdir -p "$mod" "$work/lib/lockdown-broker/broker.conf.d" "$work/sbin" "$work/lib.w" "$work/sbin.w"
cp "$setup" "$mod/module-setup.sh"
cp "$hook" "$mod/lockdown-broker-enforce.sh"
printf '[Lockdown]\nMode=integrity\n' >"$work/lib/lockdown-broker/broker.conf"
printf '[Lockdown]\nDeny=kcore\n' >"$work/lib/lockdown-broker/broker.conf.d/50-test.conf"
ln -s /dev/null "$work/lib/lockdown-broker/broker.conf.d/60-masked.conf"
cp "$daemon" "$work/sbin/lockdown-brokerd"

unshare -m /bin/bash -euo pipefail -c '
    mount --make-rprivate /
    mount -t overlay overlay -o "lowerdir=$1/lib:/usr/lib" /usr/lib
    mount -t overlay overlay -o "lowerdir=$1/sbin:$2" "$2"
    dracut --quiet --no-kernel --no-hostonly --no-compress --modules "base lockdown-broker" \
        --force "$1/initrd.img" 2>&1 | grep -v "^$" || true
' test "$work" "$sbindir" || fail "dracut in the mount namespace failed"
[[ -s $work/initrd.img ]] || fail "dracut made no image"
list=$(lsinitrd "$work/initrd.img")
want() { # PATTERN WHAT
    grep -qE -- "$1" <<<"$list" || fail "the image lacks $2 (pattern '$1'); dracut modules: $(lsinitrd -m "$work/initrd.img" 2>&1 | tr '\n' ' ')"
    echo "ok: the image has $2"
}
want " ${sbindir#/}/lockdown-brokerd\$" "lockdown-brokerd"
want " usr/lib/lockdown-broker/broker.conf\$" "broker.conf"
want " usr/lib/lockdown-broker/broker.conf.d/50-test.conf\$" "the drop-in"
want "^l.* usr/lib/lockdown-broker/broker.conf.d/60-masked.conf -> /dev/null\$" "the mask (a symlink to /dev/null)"
want " (usr/)?lib/dracut/hooks/pre-udev/00-lockdown-broker-enforce.sh\$" "the pre-udev hook"
want " (usr/)?lib/x86_64-linux-gnu/libbpf\.so" "libbpf (lockdown-brokerd's libraries)"
echo "ok: dracut $(dracut --version 2>/dev/null | head -1): the lockdown-broker module installs its files"
