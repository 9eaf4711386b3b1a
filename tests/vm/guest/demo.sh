#!/bin/bash
# The "try it" demo, run inside a throwaway guest: show a denial and a grant
# in plain words.
set -u
BROKERD="$LDB_BUILD/broker/lockdown-brokerd"
CTL="$LDB_BUILD/tests/ld-testctl"
TRIG="$LDB_BUILD/tests/vm/ld-trigger"
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

say "Kernel $(uname -r); its own lockdown: $(cat /sys/kernel/security/lockdown)"
say "Starting enforcement with Mode=integrity (lockdown-brokerd --enforce-only)"
mkdir -p /etc/lockdown-broker
printf '[Lockdown]\nMode=integrity\n' >/etc/lockdown-broker/broker.conf
"$BROKERD" --enforce-only || exit 1

say "As root, open /dev/mem:"
"$TRIG" dev-mem && echo "   -> allowed" || echo "   -> refused by lockdown-broker (reason dev-mem)"
say "What the BPF program recorded:"
"$CTL" events

say "Grant 'dev-mem' for 30 seconds to one cgroup (/demo) and try again from inside it:"
mkdir -p /sys/fs/cgroup/demo
"$CTL" grant --reason dev-mem --cgroup /demo --seconds 30 >/dev/null
bash -c 'echo $$ > /sys/fs/cgroup/demo/cgroup.procs; exec "$0" dev-mem' "$TRIG" && echo "   -> allowed through the grant"
say "The same operation from outside /demo:"
"$TRIG" dev-mem || echo "   -> still refused: the grant is scoped to its cgroup"
"$CTL" events
say "Reasons of this kernel and the policy in force:"
"$BROKERD" --check-config
