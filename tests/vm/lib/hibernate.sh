# shellcheck shell=bash
# Helpers for guest scripts that hibernate (sourced, bash), in a guest of
# `run-vm --root-image --swap-drive FILE --resumes N`:
#
#   ldvm_swap_info            load /run/ldvm/swap (what the initramfs did
#                             with ld.swap=: LDVM_SWAP_DEV, LDVM_SWAP_MAJMIN,
#                             LDVM_SWAP_TYPE, ...); fails if there is none
#   ldvm_swapon               swapon LDVM_SWAP_DEV (once)
#   ldvm_disk_by_serial NAME  print /dev/vdX of the virtio disk with that
#                             serial: ldvm-swap, ldvm-drive0, ldvm-drive1...
#                             (run-vm --drive, in order), ldvm-root, ...
#   ldvm_hibernate [MODE]     hibernate with the kernel's own writer and come
#                             back: checks that /sys/power/resume is the swap,
#                             sets /sys/power/disk to MODE (default shutdown:
#                             qemu exits at the power-off), prints
#                             LDVM-HIBERNATING and writes disk to
#                             /sys/power/state. Returns 0 in the resumed
#                             system, after printing LDVM-RESUMED; 1 with the
#                             reason (and the kernel's last PM messages) if
#                             the kernel refused or failed, in which case
#                             this same guest goes on.
#   ldvm_reboot_for_check     end this boot for run-vm's check boot: prints
#                             LDVM-REBOOTING and powers the guest off
#                             cleanly (systemctl poweroff: units stopped,
#                             swaps off, mappings closed); does not return.
#                             run-vm then boots the same disks afresh with
#                             ldvm.check=1, where the initramfs refuses to
#                             resume any image it finds (a stale one) and
#                             says so in /run/ldvm/swap (LDVM_SWAP_CHECK), and
#                             the same test script runs again from the start.
#   ldvm_is_check_run         true in that check boot (ldvm.check=1 in
#                             /proc/cmdline; also after a resume in it): the
#                             script then does only its verification, e.g.
#                               ldvm_swap_info
#                               [[ $LDVM_SWAP_CHECK == clean ]]  # else stale
#                             and ends as usual (LDVM-EXIT, the final rc).
#
# The markers are run-vm's contract: LDVM-HIBERNATING, on a line of its own,
# right before the hibernation, tells run-vm that the next qemu exit is one to
# resume from (--resumes); LDVM-RESUMED, printed once the test runs again in
# the resumed system, gives run-vm the resume time. A test that hibernates
# some other way (a userspace writer, systemctl hibernate) prints them
# itself; ldvm_marker does it with the console drained. LDVM-REBOOTING, on a
# line of its own, tells run-vm that the next qemu exit (without LDVM-EXIT) is
# one to boot again for a check (run-vm --check-boots, default 1).
#   LDVM_HIB_IMAGE_SIZE  if set, written to /sys/power/image_size first
#                        (bytes; 0 = as small as possible)
#   LDVM_HIB_PRINTK      if set (e.g. 7), the console log level while the
#                        image is written, to see the kernel's "PM: ..."
#                        lines (image size, write speed) on the serial
#                        console; the old level is put back after the resume

ldvm_swap_info() {
    [[ -r /run/ldvm/swap ]] || { echo "ldvm_swap_info: no /run/ldvm/swap: the guest was booted without ld.swap= (run-vm --swap-drive)"; return 1; }
    # shellcheck disable=SC1091
    . /run/ldvm/swap
}

# A marker line for run-vm, on the serial console before anything else
# happens: stty applies settings with TCSADRAIN, i.e. it waits until the
# console has sent what was written (as the drivers do for LDVM-EXIT).
ldvm_marker() { # TEXT
    local up
    read -r up _ </proc/uptime
    echo "$1 uptime=$up"
    stty -F /dev/console -ixon 2>/dev/null || true
}

ldvm_disk_by_serial() { # NAME
    local s
    for s in /sys/block/vd*/serial; do
        [[ -f $s && $(<"$s") == "$1" ]] || continue
        s=${s%/serial}
        echo "/dev/${s##*/}"
        return 0
    done
    echo "ldvm_disk_by_serial: no virtio disk with serial '$1'" >&2
    return 1
}

ldvm_swapon() {
    ldvm_swap_info || return 1
    local dev
    dev=$(readlink -f "$LDVM_SWAP_DEV")
    if grep -q "^$dev " /proc/swaps; then
        return 0
    fi
    swapon "$LDVM_SWAP_DEV" || { echo "ldvm_swapon: swapon $LDVM_SWAP_DEV failed"; return 1; }
}

_ldvm_pm_log() { dmesg 2>/dev/null | grep -iE 'PM: |hibernat|swsusp|snapshot|swap' | tail -n "${1:-15}" | sed 's/^/#   /'; }

ldvm_hibernate() {
    local mode=${1:-shutdown} resume rc
    ldvm_swap_info || return 1
    resume=$(</sys/power/resume)
    if [[ $resume != "$LDVM_SWAP_MAJMIN" ]]; then
        echo "ldvm_hibernate: /sys/power/resume is '$resume', not the swap $LDVM_SWAP_DEV ($LDVM_SWAP_MAJMIN)"
        return 1
    fi
    if ! grep -q "^$(readlink -f "$LDVM_SWAP_DEV") " /proc/swaps; then
        echo "ldvm_hibernate: $LDVM_SWAP_DEV is not an active swap (ldvm_swapon first)"
        return 1
    fi
    if ! echo "$mode" >/sys/power/disk 2>/dev/null; then
        echo "ldvm_hibernate: /sys/power/disk does not accept '$mode' ($(</sys/power/disk))"
        return 1
    fi
    if [[ -n ${LDVM_HIB_IMAGE_SIZE:-} ]]; then
        echo "$LDVM_HIB_IMAGE_SIZE" >/sys/power/image_size || { echo "ldvm_hibernate: /sys/power/image_size refused $LDVM_HIB_IMAGE_SIZE"; return 1; }
    fi
    local printk=''
    if [[ -n ${LDVM_HIB_PRINTK:-} ]]; then
        read -r printk _ </proc/sys/kernel/printk
        echo "$LDVM_HIB_PRINTK" >/proc/sys/kernel/printk
    fi
    sync
    ldvm_marker LDVM-HIBERNATING
    # The kernel freezes everything, writes the image to the swap and powers
    # off; this write returns only in the resumed system, or on a failure.
    rc=0
    # shellcheck disable=SC2320 # the status of this very write is wanted
    echo disk >/sys/power/state 2>/dev/null || rc=$?
    [[ -z $printk ]] || echo "$printk" >/proc/sys/kernel/printk
    if [[ $rc -eq 0 ]]; then
        ldvm_marker LDVM-RESUMED
        return 0
    fi
    echo "ldvm_hibernate: writing disk to /sys/power/state FAILED (status $rc); the kernel says:"
    _ldvm_pm_log 20
    return 1
}

# True in run-vm's check boot (ldvm.check=1 on the kernel command line).
ldvm_is_check_run() {
    local w words
    read -r -a words </proc/cmdline
    for w in "${words[@]}"; do
        [[ $w == ldvm.check=1 ]] && return 0
    done
    return 1
}

# The flag tells lib/systemd-driver not to report an exit status (which
# would end run-vm's runs) if the script ends before the power-off kills it.
LDVM_REBOOT_FLAG=/run/ldvm/reboot-for-check

ldvm_reboot_for_check() {
    local i
    mkdir -p /run/ldvm && : >"$LDVM_REBOOT_FLAG"
    sync
    ldvm_marker LDVM-REBOOTING
    if [[ -d /run/systemd/system ]]; then
        # A clean shutdown, as the next boot on real hardware would follow.
        # The power-off stops ldvm-test.service, which ends this script.
        if systemctl poweroff; then
            for ((i = 0; i < 300; i++)); do sleep 1; done
            echo "ldvm_reboot_for_check: still running 300 s after systemctl poweroff; forcing the power-off"
        else
            echo "ldvm_reboot_for_check: systemctl poweroff failed; forcing the power-off"
        fi
        sync
        systemctl --force --force poweroff
    else
        # PID 1 is guest-init: nothing to stop.
        sync
        poweroff -f 2>/dev/null
    fi
    stty -F /dev/console -ixon 2>/dev/null || true
    echo o >/proc/sysrq-trigger 2>/dev/null
    sleep 30
    echo "ldvm_reboot_for_check: the guest did not power off"
    return 1
}
