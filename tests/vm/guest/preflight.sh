#!/bin/bash
# Runs in a guest booted WITHOUT bpf in its LSM list: lockdown-brokerd must
# refuse with an actionable message and leave nothing behind.
set -u
SUITE=preflight
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
BROKERD="$LDB_BUILD/broker/lockdown-brokerd"

lsm=$(cat /sys/kernel/security/lsm)
[[ ,$lsm, != *,bpf,* ]] && ok "guest booted without the BPF LSM ($lsm)" || not_ok "bpf is in the LSM list: $lsm"
out=$("$BROKERD" --enforce-only 2>&1)
rc=$?
[[ $rc -eq 1 ]] && ok "--enforce-only fails with exit 1" || not_ok "--enforce-only exit $rc"
assert_grep "error says the BPF LSM is not active" "the BPF LSM is not active" "$out"
assert_grep "hint gives the boot parameter to add" "boot with lsm=$lsm,bpf" "$out"
if grep -q '^libbpf:' <<<"$out"; then not_ok "libbpf log leaked: $out"; else ok "no libbpf log in the error"; fi
[[ ! -e /sys/fs/bpf/lockdown-broker/link_locked_down ]] && ok "nothing pinned" || not_ok "a link was pinned"
finish
