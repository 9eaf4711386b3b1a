#!/bin/bash
# The "try it" demo, run inside a throwaway guest: a denial and a grant, in
# plain words.
set -u
BROKERD="$LDB_BUILD/broker/lockdown-brokerd"
CTL="$LDB_BUILD/tests/ld-testctl"
TRIG="$LDB_BUILD/tests/vm/ld-trigger"
say() { printf '\n==> %s\n' "$*"; }
try_devmem() { # try_devmem [cgroup]
    local out
    if [[ -n ${1:-} ]]; then
        out=$(bash -c 'echo $$ > "/sys/fs/cgroup/$0/cgroup.procs" && exec "$1" dev-mem' "$1" "$TRIG")
    else
        out=$("$TRIG" dev-mem)
    fi
    case $out in
    *result=allowed*) echo "    open(\"/dev/mem\") as root: ALLOWED" ;;
    *result=denied*) echo "    open(\"/dev/mem\") as root: REFUSED (Operation not permitted)" ;;
    *) echo "    could not test: $out" ;;
    esac
}

say "Guest kernel $(uname -r); the kernel's own lockdown: $(cat /sys/kernel/security/lockdown)"
say "Before enforcement:"
try_devmem
say "Starting enforcement: Mode=integrity (lockdown-brokerd --enforce-only)"
mkdir -p /etc/lockdown-broker
printf '[Lockdown]\nMode=integrity\n' >/etc/lockdown-broker/broker.conf
"$BROKERD" --enforce-only || exit 1
try_devmem
say "The BPF program logged the refusal:"
"$CTL" events | sed 's/^/    /'

say "Granting reason 'dev-mem' to cgroup /demo for 30 seconds (lease checked in the kernel):"
mkdir -p /sys/fs/cgroup/demo
echo "    grant id $("$CTL" grant --reason dev-mem --cgroup /demo --seconds 30)"
echo "  from a process inside /demo:"
try_devmem demo
echo "  from a process outside /demo:"
try_devmem
"$CTL" events | sed 's/^/    /'

say "The policy in force (lockdown-brokerd --check-config):"
"$BROKERD" --check-config | sed 's/^/    /'
