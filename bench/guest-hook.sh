#!/bin/bash
# Hook benchmark, run inside the guest by bench/run-bench. Prints one JSON
# object. Everything is measured in this one boot; compare ratios only
# (TCG timings are emulated).
set -eu
B="$LDB_BUILD"
BROKERD="$B/broker/lockdown-brokerd"
BENCH="$B/bench/ld-bench"
CTL="$B/tests/ld-testctl"
N=${LDB_BENCH_READS:-20000}
ROUNDS=${LDB_BENCH_ROUNDS:-9}
OURS=/sys/fs/bpf/lockdown-broker/link_locked_down
EMPTY=/sys/fs/bpf/bench_empty
mkdir -p /etc/lockdown-broker

enforce() { printf '%b' "$1" >/etc/lockdown-broker/broker.conf; "$BROKERD" --enforce-only >/dev/null; }
stat_of() { "$BENCH" stats "$1"; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
reads() { "$BENCH" reads /sys/power/state "$N" "${LDB_BENCH_CHUNKS:-50}"; }

# Syscall path: /sys/power/state calls the hook (reason hibernation) on every
# read. BPF run-time stats stay off here (they add two clock reads per run).
# Rounds alternate bare / ours / empty program to cancel drift.
sysctl -q -w kernel.bpf_stats_enabled=0
allow_conf='[Lockdown]\nMode=integrity\nAllow=hibernation\nProtectPins=no\n'
base=() with=() empty=()
for ((i = 0; i < ROUNDS; i++)); do
    rm -f "$OURS" "$EMPTY" # benchmark only (ProtectPins=no): dropping the pins detaches
    base+=("$(reads)")
    enforce "$allow_conf"
    with+=("$(reads)")
    rm -f "$OURS"
    "$BENCH" attach "$B/bench/empty.bpf.o" "$EMPTY"
    empty+=("$(reads)")
done
mb=$(median "${base[@]}")
mw=$(median "${with[@]}")
me=$(median "${empty[@]}")
# Overheads from ratios paired within each round (drift cancels), then the median.
rw=() re=()
for ((i = 0; i < ROUNDS; i++)); do
    rw+=("$(awk -v a="${with[i]}" -v b="${base[i]}" 'BEGIN { printf "%.4f", (a / b - 1) * 100 }')")
    re+=("$(awk -v a="${empty[i]}" -v b="${base[i]}" 'BEGIN { printf "%.4f", (a / b - 1) * 100 }')")
done
ow=$(median "${rw[@]}")
oe=$(median "${re[@]}")

# Program cost: ours and the empty one attached together on the same hook,
# so they see the same calls. Per round: ns per call of each from the
# kernel's BPF stats; the figures are medians over the rounds.
sysctl -q -w kernel.bpf_stats_enabled=1
enforce "$allow_conf"
cost_rounds() { # cost_rounds VAR_OURS VAR_EMPTY: fills two arrays over ROUNDS rounds
    local -n _o=$1 _e=$2
    local i c0 t0 d0 u0 c1 t1 d1 u1
    _o=() _e=()
    for ((i = 0; i < ROUNDS; i++)); do
        read -r c0 t0 < <(stat_of "$OURS")
        read -r d0 u0 < <(stat_of "$EMPTY")
        reads >/dev/null
        read -r c1 t1 < <(stat_of "$OURS")
        read -r d1 u1 < <(stat_of "$EMPTY")
        _o+=("$(awk -v c="$((c1 - c0))" -v t="$((t1 - t0))" 'BEGIN { printf "%.2f", t / c }')")
        _e+=("$(awk -v c="$((d1 - d0))" -v t="$((u1 - u0))" 'BEGIN { printf "%.2f", t / c }')")
    done
}
ratios() { # ratios OURS_ARRAY EMPTY_ARRAY -> median of per-round ratios
    local -n _a=$1 _b=$2
    local i r=()
    for ((i = 0; i < ${#_a[@]}; i++)); do r+=("$(awk -v a="${_a[i]}" -v b="${_b[i]}" 'BEGIN { printf "%.4f", a / b }')"); done
    median "${r[@]}"
}
cost_rounds oa_r ea_r
oa=$(median "${oa_r[@]}") ea=$(median "${ea_r[@]}") ra=$(ratios oa_r ea_r)
# Deny path (policy deny: grant walk, event; a full ring counts a drop).
enforce '[Lockdown]\nMode=integrity\nProtectPins=no\n'
# The trampoline skips later programs once one refuses, so the empty program
# does not run on denied calls: compare with its figure from the allow rounds.
cost_rounds od_r ed_r
od=$(median "${od_r[@]}") rd=$(awk -v a="$od" -v b="$ea" 'BEGIN { printf "%.4f", a / b }')
# Granted path: a grant three cgroup levels above the caller.
mkdir -p /sys/fs/cgroup/b1/b2/b3
"$CTL" grant --reason hibernation --cgroup /b1 --seconds 600 >/dev/null
echo $$ >/sys/fs/cgroup/b1/b2/b3/cgroup.procs
cost_rounds og_r eg_r
og=$(median "${og_r[@]}") rg=$(ratios og_r eg_r)
echo $$ >/sys/fs/cgroup/cgroup.procs
"$CTL" events >/dev/null

awk -v kver="$(uname -r)" -v ncpu="$(nproc)" -v n="$N" -v rounds="$ROUNDS" -v mb="$mb" -v mw="$mw" -v me="$me" -v ow="$ow" -v oe="$oe" \
    -v oa="$oa" -v ea="$ea" -v od="$od" -v og="$og" -v ra="$ra" -v rd="$rd" -v rg="$rg" 'BEGIN {
    printf "{\"bench\":\"hook\",\"kernel\":\"%s\",\"vcpus\":%d,\"reads_per_round\":%d,\"rounds\":%d,\"read_ns_is\":\"fastest of 50 chunks\",", kver, ncpu, n, rounds
    printf "\"read_ns_without\":%s,\"read_ns_with\":%s,\"read_ns_empty_prog\":%s,", mb, mw, me
    printf "\"syscall_overhead_pct\":%.2f,\"syscall_overhead_empty_prog_pct\":%.2f,", ow, oe
    printf "\"prog_ns_empty\":%s,\"prog_ns_allow\":%s,\"prog_ns_deny_with_event\":%s,\"prog_ns_granted_depth3\":%s,", ea, oa, od, og
    printf "\"prog_marginal_pct_of_read\":%.2f,", (oa - ea) / mb * 100
    printf "\"ratio_allow_vs_empty\":%.2f,\"ratio_deny_vs_empty\":%.2f,\"ratio_granted_vs_empty\":%.2f}\n", ra, rd, rg
}'
