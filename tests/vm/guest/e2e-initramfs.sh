#!/bin/bash
# Enforcement from the initramfs (issue 16), in a `run-vm --systemd
# --root-image --initramfs-tools` guest: the kernel booted a real
# initramfs-tools image made by Debian's mkinitramfs with the project's hook
# and init-top script (lib/mkinitramfs-tools), whose policy has one drop-in
# more than the root's (e2e-initramfs-dropin.conf: Deny=kcore).
#   - In the initramfs: the init-top script ran lockdown-brokerd
#     --enforce-only --initramfs (its lines are in the kernel log), then the
#     harness probe opened /dev/mem and was refused, then the root was
#     mounted: all three in that order in the kernel log.
#   - After the switch: the pins moved with /sys; lockdown-enforce.service
#     (--tighten-only) succeeded, reused the pinned program, added the pins'
#     protection and kept the initramfs's tighter policy (kcore stays
#     denied although the root's configuration allows it; hibernation,
#     which the initramfs allows for a resume, is the root's deny again:
#     lockdown-enforce lists only kcore as kept); root is refused
#     /dev/mem and /proc/kcore; the pins cannot be removed.
# Needs: LDB_BUILD (meson build dir, for ld-trigger).
set -u
SUITE=e2e-initramfs
here=$(dirname "$0")
# shellcheck source=lib.sh
. "$here/lib.sh"

TRIG=$LDB_BUILD/tests/vm/ld-trigger
PINS=/sys/fs/bpf/lockdown-broker

section "in the initramfs, before the root was mounted (kernel log)"
klog=$(dmesg 2>&1) || abort "dmesg failed: $klog"
# first_line PATTERN: the number of the first kernel log line matching it (0: none).
first_line() { grep -nE -m1 -- "$1" <<<"$klog" | cut -d: -f1 | grep . || echo 0; }
n_enforce=$(first_line 'lockdown-broker \(initramfs\): lockdown-brokerd: enforcing Mode=integrity')
n_probe=$(first_line 'ldvm-initramfs: dev-mem probe before the root is mounted: ')
n_root=$(first_line 'ldvm-initramfs: root mounted on ')
echo "# kernel log lines: enforce $n_enforce, probe $n_probe, root mounted $n_root"
grep -E 'lockdown-broker \(initramfs\)|ldvm-initramfs' <<<"$klog" | sed 's/^/#   /'
[[ $n_enforce -gt 0 ]] && ok "the initramfs ran lockdown-brokerd --enforce-only: $(sed -n "${n_enforce}p" <<<"$klog" | cut -c1-200)" ||
    abort "no 'lockdown-broker (initramfs): ... enforcing' line in the kernel log: the init-top script did not enforce"
assert_grep "in the initramfs: pin protection left to the real root (--initramfs)" \
    'pin protection left to the real root' "$(sed -n "${n_enforce}p" <<<"$klog")"
assert_grep "in the initramfs: hibernation allowed (so that a resume works) until the real root" \
    'hibernation allowed until the real root' "$(sed -n "${n_enforce}p" <<<"$klog")"
[[ $n_probe -gt 0 && $n_root -gt 0 ]] || abort "the harness's probe ($n_probe) or root-mounted ($n_root) line is missing"
probe=$(sed -n "${n_probe}p" <<<"$klog")
assert_grep "in the initramfs: root was refused /dev/mem" 'dev-mem probe before the root is mounted: refused \(.*Operation not permitted' "$probe"
assert_grep "in the initramfs: the pins were there" 'pins present' "$probe"
[[ $n_enforce -lt $n_probe && $n_probe -lt $n_root ]] &&
    ok "order in the kernel log: enforcement ($n_enforce) < dev-mem refused ($n_probe) < root mounted ($n_root)" ||
    not_ok "order in the kernel log: enforcement $n_enforce, probe $n_probe, root mounted $n_root"

section "in the real root"
[[ -e $PINS/link_locked_down ]] && ok "the pins moved with /sys: $PINS/link_locked_down" ||
    abort "no $PINS/link_locked_down after the switch: $(ls "$PINS" 2>&1)"
assert "lockdown-enforce.service succeeded with the initramfs's pins in place" \
    systemctl is-active --quiet lockdown-enforce.service
log=$(journalctl -b -u lockdown-enforce.service -o cat --no-pager 2>&1)
echo "# lockdown-enforce.service:"
sed 's/^/#   /' <<<"$log" | head -20
assert_grep "lockdown-enforce: reused the program pinned by the initramfs" 'reused pinned program' "$log"
assert_grep "lockdown-enforce: the root's looser policy is not applied (kcore deny -> allow)" \
    'loosens kcore \(deny -> allow\)' "$log"
assert_grep "lockdown-enforce: kcore kept tighter, the rest as configured" '1 reasons kept tighter than configured' "$log"
assert_grep "lockdown-enforce: pins protected now" 'pins protected' "$log"
n=$(ls "$PINS" | grep -c '^link_protect_')
[[ $n -eq 8 ]] && ok "pin protection attached in the real root (8 links)" || not_ok "pin protection: $n links: $(ls "$PINS")"
expect "as root after boot: dev-mem" denied "$TRIG" dev-mem
expect "as root after boot: kcore (the initramfs's Deny=kcore kept)" denied "$TRIG" kcore
if rm -f "$PINS/link_locked_down" 2>/dev/null || [[ ! -e $PINS/link_locked_down ]]; then
    not_ok "root removed $PINS/link_locked_down"
else
    ok "root cannot remove the pins (rm refused)"
fi
if umount -l /sys/fs/bpf 2>/dev/null; then
    not_ok "root lazily unmounted /sys/fs/bpf"
else
    ok "root cannot unmount /sys/fs/bpf"
fi
finish
