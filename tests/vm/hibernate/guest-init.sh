#!/bin/sh
# /init of the hibernation-durability initramfs (busybox sh, PID 1).
#
# The whole guest lives in this initramfs (no 9p root: a 9p root does not
# survive a resume into a fresh QEMU process). The host driver (hib-experiment)
# boots it in three phases, chosen by hib.phase= on the kernel command line:
#
#   format     luksFormat /dev/vda as LUKS2 --integrity hmac-sha256, mkswap.
#   hibernate  open the swap with the configuration hib.cfg=, swapon, put a
#              marker in RAM (tmpfs file + a running process), hibernate with
#              /sys/power/disk = hib.mode=.
#   resume     open the swap, report the swap header signature, resume.
#
# Everything the host parses is a line starting with "HIB-".
PATH=/bin:/sbin
export PATH

mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys

fatal() {
    echo "HIB-FATAL $*"
    dmesg | tail -n 40
    sleep 1
    poweroff -f
}

phase='' cfg=journal mode=shutdown after=none bcommit= fill= scan=
# shellcheck disable=SC2013 # the words of the command line are wanted
for w in $(cat /proc/cmdline); do
    case "$w" in
        hib.phase=*) phase=${w#hib.phase=} ;;
        hib.cfg=*)   cfg=${w#hib.cfg=} ;;
        hib.mode=*)  mode=${w#hib.mode=} ;;
        hib.after=*) after=${w#hib.after=} ;;
        hib.bcommit=*) bcommit=${w#hib.bcommit=} ;;
        hib.fill=*) fill=${w#hib.fill=} ;;
        hib.scan=*) scan=${w#hib.scan=} ;;
    esac
done

while read -r m; do
    [ -n "$m" ] || continue
    insmod "/modules/$m" || fatal "insmod $m"
done </modules/order

# No udev here: let libdevmapper create the /dev/mapper nodes itself.
export DM_DISABLE_UDEV=1
mkdir -p /run/cryptsetup /mem
i=0
while [ ! -b /dev/vda ]; do
    i=$((i + 1)); [ $i -lt 50 ] || fatal "no /dev/vda"; sleep 0.1
done

name=hswap
dev=/dev/mapper/$name
dif=${name}_dif

# Replace (or add) one optional argument KEY:VALUE in the dm-integrity table
# and reload it (suspend/reload/resume of the integrity device only).
integrity_set() { # KEY VALUE
    t=$(dmsetup table "$dif") || fatal "dmsetup table $dif"
    new=$(echo "$t" | awk -v k="$1" -v v="$2" '{
        # start len integrity dev offset tag_size mode #opt opt...
        n = $8; out = $1; for (i = 2; i <= 7; i++) out = out " " $i
        opts = ""; found = 0
        for (i = 9; i <= 8 + n; i++) {
            split($i, kv, ":")
            if (kv[1] == k) { $i = k ":" v; found = 1 }
            opts = opts " " $i
        }
        if (!found) { opts = opts " " k ":" v; n++ }
        print out " " n opts
    }')
    dmsetup suspend "$dif" || fatal "suspend $dif"
    dmsetup reload "$dif" --table "$new" || fatal "reload $dif"
    dmsetup resume "$dif" || fatal "resume $dif"
}

integrity_mode() { # J|B|D
    t=$(dmsetup table "$dif") || fatal "dmsetup table $dif"
    new=$(echo "$t" | awk -v m="$1" '{ $7 = m; print }')
    dmsetup suspend "$dif" || fatal "suspend $dif"
    dmsetup reload "$dif" --table "$new" || fatal "reload $dif"
    dmsetup resume "$dif" || fatal "resume $dif"
}

do_hibernate() {
    if [ "$after" = reload-frozen ]; then
        /sbin/hib-snapshot-writer --reload-off "$dif" "$name" "$dev"
    elif [ "$cfg" = uswsusp ] || [ "$cfg" = uswsusp-reopen ] || [ "$cfg" = uswsusp-reload ]; then
        # shutdown mode only: the writer powers off with reboot(2)
        /sbin/hib-snapshot-writer "$dev"
    elif [ "$cfg" = uswsusp-noflush ]; then
        /sbin/hib-snapshot-writer --no-flush "$dev"
    elif [ "$cfg" = uswsusp-reset ]; then
        /sbin/hib-snapshot-writer --reset-after-resume "$dev"
    else
        echo disk >/sys/power/state
    fi
}

open_swap() { # extra cryptsetup args
    cryptsetup open --key-file /key "$@" /dev/vda "$name" || fatal "cryptsetup open $*"
    [ -b "$dev" ] || fatal "$dev missing after open"
}

case "$phase" in
format)
    cryptsetup luksFormat -q --type luks2 --integrity hmac-sha256 \
        --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file /key /dev/vda ||
        fatal "luksFormat"
    open_swap
    mkswap "$dev" || fatal "mkswap"
    cryptsetup close "$name" || fatal "close"
    echo "HIB-FORMAT-OK"
    poweroff -f
    ;;
hibernate)
    case "$cfg" in
        journal)   open_swap ;;
        commit1)   open_swap; integrity_set commit_time 1 ;;
        nojournal) open_swap --integrity-no-journal ;;
        bitmap)    open_swap; integrity_mode B ;;
        uswsusp|uswsusp-noflush|uswsusp-reset|uswsusp-reopen|uswsusp-reload) open_swap ;;
        *) fatal "unknown hib.cfg=$cfg" ;;
    esac
    echo "HIB-TABLE-INTEGRITY $(dmsetup table "$dif")"
    echo "HIB-TABLE-CRYPT $(dmsetup table "$name" | awk '{$5 = "<key>"; print}')"
    swapon "$dev" || fatal "swapon"
    mm=$(dmsetup info -c --noheadings -o major,minor --separator : "$name" | tr -d " ")
    echo "$mode" >/sys/power/disk || fatal "mode $mode not accepted: $(cat /sys/power/disk)"
    echo "HIB-DISKMODE $(cat /sys/power/disk)"
    echo "$mm" >/sys/power/resume || fatal "resume $mm"
    mount -t tmpfs tmpfs /mem || fatal "tmpfs"
    token=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
    echo "$token" >/mem/marker
    # The swap header as it is now, to put back after a resume (reopen).
    dd if="$dev" of=/mem/hdr0 bs=4096 count=1 2>/dev/null || fatal "reading the swap header"
    if [ -n "$fill" ]; then
        # hib.fill=MIB: that much random data in tmpfs, and the smallest
        # image: the snapshot's memory preallocation then swaps it out, so
        # dm-integrity holds fresh journal entries at the atomic copy.
        head -c "$((fill * 1024 * 1024))" /dev/urandom >/mem/fill || fatal "fill"
        echo 0 >/sys/power/image_size
    fi
    sleep 100000 &
    pid=$!
    echo "HIB-TOKEN=$token"
    echo "HIB-GO $(date +%s)"
    do_hibernate
    rc=$?
    # Reached either after a failed hibernation (in this same QEMU run) or
    # after a resume (in the second QEMU run); the host tells them apart.
    got=$(cat /mem/marker 2>/dev/null)
    alive=dead; kill -0 "$pid" 2>/dev/null && alive=alive
    echo "HIB-RETURNED rc=$rc marker=$got proc=$alive"
    dmesg | grep -iE 'integrity|PM: |hibernat|swsusp|resume' | tail -n 20
    if [ "$after" = off ]; then
        # The control for reload-off: power off at once, nothing written.
        echo "HIB-OFF-NOW"
        poweroff -f
    fi
    if [ "$after" = reload-off ]; then
        # What lockdown-hibernate's renewal does first (swap still on),
        # then a power-off before the header write: is the image that the
        # next boot finds still intact?
        t=$(dmesg | grep -c 'AEAD')
        tb=$(dmsetup table "$dif")
        (
            dmsetup suspend "$name" && echo "HIB-STEP crypt-suspended" && dmsetup suspend "$dif" &&
                echo "HIB-STEP integrity-suspended" && dmsetup reload "$dif" --table "$tb" &&
                dmsetup resume "$dif" && dmsetup resume "$name" && echo "HIB-STEP resumed" ||
                echo "HIB-RELOAD-FAIL reload"
        ) &
        rl=$!
        i=0
        while kill -0 "$rl" 2>/dev/null && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done
        if kill -0 "$rl" 2>/dev/null; then
            echo "HIB-RELOAD-HUNG after ${i}s: $(dmsetup info -c --noheadings -o name,attr 2>&1 | tr '\n' ' ')"
            echo 1 >/proc/sys/kernel/sysrq
            echo w >/proc/sysrq-trigger
            sleep 2
            dmesg | sed -n '/Show Blocked State/,$p' | head -80
        fi
        echo "HIB-RELOAD-ONLY aead_before=$t"
        poweroff -f
    fi
    if [ "$cfg" = uswsusp-reopen ]; then
        # The dm-integrity instance restored from the image is stale: drop
        # it, open the swap afresh (the activation replays the on-disk
        # journal), put the header back through the fresh instance, flush,
        # and swap on again.
        swapoff "$dev" || echo "HIB-REOPEN-FAIL swapoff"
        cryptsetup close "$name" || echo "HIB-REOPEN-FAIL close"
        open_swap
        if dd if="$dev" of=/hdr bs=4096 count=1 2>/dev/null; then
            s0=$(tail -c 10 /hdr | tr -cd 'A-Za-z0-9')
        else
            s0=IOERROR
        fi
        dd if=/mem/hdr0 of="$dev" bs=4096 count=1 conv=fsync 2>/dev/null || echo "HIB-REOPEN-FAIL write header"
        swapon "$dev" || echo "HIB-REOPEN-FAIL swapon"
        echo "HIB-REOPENED fresh-instance-saw=$s0"
    fi
    if [ "$cfg" = uswsusp-reload ]; then
        # The same without the key: swapoff, then replace the stale
        # dm-integrity instance by reloading its own table (a new target
        # instance replays the on-disk journal when it is resumed).
        swapoff "$dev" || echo "HIB-RELOAD-FAIL swapoff"
        t=$(dmsetup table "$dif")
        dmsetup suspend "$name" && dmsetup suspend "$dif" &&
            dmsetup reload "$dif" --table "$t" &&
            dmsetup resume "$dif" && dmsetup resume "$name" || echo "HIB-RELOAD-FAIL reload"
        if dd if="$dev" of=/hdr bs=4096 count=1 2>/dev/null; then
            s0=$(tail -c 10 /hdr | tr -cd 'A-Za-z0-9')
        else
            s0=IOERROR
        fi
        dd if=/mem/hdr0 of="$dev" bs=4096 count=1 conv=fsync 2>/dev/null || echo "HIB-RELOAD-FAIL write header"
        swapon "$dev" || echo "HIB-RELOAD-FAIL swapon"
        echo "HIB-RELOADED fresh-instance-saw=$s0"
    fi
    # After a resume: what does the resumed system see in the header, and
    # how does it go down (hib.after=clean: swapoff + close, as a normal
    # shutdown does; abrupt: power off at once)? Boot C then checks the disk.
    blockdev --flushbufs "$dev" 2>/dev/null
    if dd if="$dev" of=/hdr bs=4096 count=1 2>/dev/null; then
        echo "HIB-RESUMED-SIG=$(tail -c 10 /hdr | tr -cd 'A-Za-z0-9')"
    else
        echo "HIB-RESUMED-SIG=IOERROR"
    fi
    if [ "$after" = rehibernate ]; then
        # A second cycle without a reboot in between, as a laptop does.
        token2=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
        echo "$token2" >/mem/marker2
        echo "HIB-TOKEN2=$token2"
        do_hibernate
        rc=$?
        got=$(cat /mem/marker2 2>/dev/null)
        alive=dead; kill -0 "$pid" 2>/dev/null && alive=alive
        echo "HIB-RETURNED2 rc=$rc marker=$got proc=$alive"
        dmesg | grep -iE 'integrity|AEAD|PM: |swsusp|hib-snap' | tail -n 10
    fi
    if [ "$after" = clean ]; then
        kill "$pid" 2>/dev/null
        swapoff "$dev"; r1=$?
        cryptsetup close "$name"; r2=$?
        echo "HIB-CLOSED swapoff=$r1 close=$r2"
    fi
    poweroff -f
    ;;
verify)
    # Boot C, after a resumed run has ended: the header must say SWAPSPACE2
    # (anything else would resume a stale image), and the whole device must
    # read back without integrity errors.
    case "$cfg" in
        nojournal) open_swap --integrity-no-journal ;;
        *)         open_swap ;;
    esac
    if dd if="$dev" of=/hdr bs=4096 count=1 2>/dev/null; then
        sig=$(tail -c 10 /hdr | tr -cd 'A-Za-z0-9'); [ -n "$sig" ] || sig=EMPTY
    else
        sig=IOERROR
    fi
    dd if="$dev" of=/dev/null bs=1M 2>/dev/null; rd=$?
    n=$(dmesg | grep -c 'INTEGRITY AEAD ERROR')
    echo "HIB-VERIFY sig=$sig fullread=$rd aead_errors=$n"
    mm=$(dmsetup info -c --noheadings -o major,minor --separator : "$name" | tr -d " ")
    echo "$mm" >/sys/power/resume
    echo "HIB-VERIFY-NORESUME"
    poweroff -f
    ;;
resume)
    case "$cfg" in
        nojournal) open_swap --integrity-no-journal ;;
        *)         open_swap ;;
    esac
    if dd if="$dev" of=/hdr bs=4096 count=1 2>/dev/null; then
        sig=$(tail -c 10 /hdr | tr -cd 'A-Za-z0-9')
        [ -n "$sig" ] || sig=EMPTY
    else
        sig=IOERROR
    fi
    echo "HIB-SIG=$sig"
    dmesg | grep -iE 'integrity|AEAD|I/O error' | tail -n 5
    [ "$scan" != 1 ] || /sbin/hib-scan "$dev"
    # Model a resume that is faster than commit_time (real hardware loads an
    # image in a second or two): nothing the boot kernel writes is committed
    # by the timer before it jumps into the image.
    [ -z "$bcommit" ] || integrity_set commit_time "$bcommit"
    mm=$(dmsetup info -c --noheadings -o major,minor --separator : "$name" | tr -d " ")
    echo "$mm" >/sys/power/resume
    # shellcheck disable=SC2320 # the status of that write is what we want
    rc=$?
    echo "HIB-NORESUME rc=$rc"
    dmesg | grep -iE 'integrity|AEAD|PM: |hibernat|swsusp|I/O error' | tail -n 20
    poweroff -f
    ;;
*)
    fatal "unknown hib.phase=$phase"
    ;;
esac
