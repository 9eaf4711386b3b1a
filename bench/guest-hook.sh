#!/bin/bash
# Hook benchmark, run inside the guest by bench/run-bench. Prints one JSON
# object. Everything is measured in this one boot; compare ratios only
# (TCG timings are emulated).
set -eu
B="$LDB_BUILD"
BROKERD=${LDB_BENCH_BROKERD:-$B/broker/lockdown-brokerd} # another build's, to compare two programs
BENCH="$B/bench/ld-bench"
CTL="$B/tests/ld-testctl"
N=${LDB_BENCH_READS:-20000}
ROUNDS=${LDB_BENCH_ROUNDS:-9}
COST_ROUNDS=${LDB_BENCH_COST_ROUNDS:-16}
FLAVOUR=${LDB_BENCH_FLAVOUR:-}
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

# Program cost, from the kernel's BPF stats: ours and the empty program
# attached together on the same hook, so they see the same calls.
#
# Under TCG a program's cost depends on where its JITed image and its part of
# the BPF trampoline land in memory, more than on the few instructions of the
# allow path: in one boot, two copies of the empty program differ by 0.5-2x,
# and ours against the empty one ranged 0.7-3.8x over 60 reloads of the same
# code. So every allow round loads both programs afresh (a new JIT placement
# and trampoline), in alternating order, and the figures are medians over the
# rounds (the ratio: see below). Within a round each program's figure is its
# fastest chunk (ld-bench cost): host preemption only ever adds time.
sysctl -q -w kernel.bpf_stats_enabled=1
cost() { "$BENCH" cost /sys/power/state "$N" "${LDB_BENCH_CHUNKS:-50}" "$@"; }
oa_r=() ea_r=() ra_r=() ra_of=() ra_ef=()
for ((i = 0; i < COST_ROUNDS; i++)); do
    rm -f "$OURS" "$EMPTY"
    if ((i % 2 == 0)); then
        enforce "$allow_conf"
        "$BENCH" attach "$B/bench/empty.bpf.o" "$EMPTY"
    else
        "$BENCH" attach "$B/bench/empty.bpf.o" "$EMPTY"
        enforce "$allow_conf"
    fi
    read -r o e < <(cost "$OURS" "$EMPTY")
    r=$(awk -v a="$o" -v b="$e" 'BEGIN { printf "%.4f", a / b }')
    oa_r+=("$o") ea_r+=("$e") ra_r+=("$r")
    if ((i % 2 == 0)); then ra_of+=("$r"); else ra_ef+=("$r"); fi
done
# The trampoline runs the programs in attach order, and one position can cost
# more than another whatever runs there (with eight programs attached in
# random order, one empty program's median over 60 reloads went from 75 to
# 125 ns by position alone): the ratio is the geometric mean of the medians
# of the per-round ratios of either order.
oa=$(median "${oa_r[@]}") ea=$(median "${ea_r[@]}")
ra_of_m=$(median "${ra_of[@]}") ra_ef_m=$(median "${ra_ef[@]}")
ra=$(awk -v a="$ra_of_m" -v b="$ra_ef_m" 'BEGIN { printf "%.4f", sqrt(a * b) }')
quart() { printf '%s\n' "$@" | sort -g | awk -v q="$Q" '{a[NR]=$1} END {print a[int((NR - 1) * q + 1.5)]}'; }
ra_lo=$(Q=0.25 quart "${ra_r[@]}") ra_hi=$(Q=0.75 quart "${ra_r[@]}")
ra_list=$(printf '%s\n' "${ra_r[@]}" | awk '{printf "%s%.2f", (NR > 1 ? "," : ""), $1}')
# Deny and granted paths: one placement (the last round's), ROUNDS rounds.
cost_rounds() { # cost_rounds VAR_OURS: fills an array with ROUNDS figures of ours
    local -n _o=$1
    local i o
    _o=()
    for ((i = 0; i < ROUNDS; i++)); do
        read -r o _ < <(cost "$OURS")
        _o+=("$o")
    done
}
# Deny path (policy deny: grant walk, event; a full ring counts a drop).
enforce '[Lockdown]\nMode=integrity\nProtectPins=no\n'
# The trampoline skips later programs once one refuses, so the empty program
# does not run on denied calls: compare with its figure from the allow rounds.
cost_rounds od_r
od=$(median "${od_r[@]}") rd=$(awk -v a="$od" -v b="$ea" 'BEGIN { printf "%.4f", a / b }')
# Granted path: a grant three cgroup levels above the caller; both programs
# run (the grant allows), so the ratio is paired within each round.
mkdir -p /sys/fs/cgroup/b1/b2/b3
"$CTL" grant --reason hibernation --cgroup /b1 --seconds 600 >/dev/null
echo $$ >/sys/fs/cgroup/b1/b2/b3/cgroup.procs
og_r=() rg_r=()
for ((i = 0; i < ROUNDS; i++)); do
    read -r o e < <(cost "$OURS" "$EMPTY")
    og_r+=("$o")
    rg_r+=("$(awk -v a="$o" -v b="$e" 'BEGIN { printf "%.4f", a / b }')")
done
og=$(median "${og_r[@]}") rg=$(median "${rg_r[@]}")
echo $$ >/sys/fs/cgroup/cgroup.procs
"$CTL" events >/dev/null

other=''
[[ -z ${LDB_BENCH_BROKERD:-} ]] || other="\"brokerd\":\"$BROKERD\","
awk -v other="$other" -v flavour="$FLAVOUR" -v kver="$(uname -r)" -v cost_rounds="$COST_ROUNDS" -v ra_lo="$ra_lo" -v ra_hi="$ra_hi" -v ra_of="$ra_of_m" -v ra_ef="$ra_ef_m" -v ra_list="$ra_list" -v ncpu="$(nproc)" -v n="$N" -v rounds="$ROUNDS" -v mb="$mb" -v mw="$mw" -v me="$me" -v ow="$ow" -v oe="$oe" \
    -v oa="$oa" -v ea="$ea" -v od="$od" -v og="$og" -v ra="$ra" -v rd="$rd" -v rg="$rg" 'BEGIN {
    printf "{\"bench\":\"hook\",%s\"flavour\":\"%s\",\"kernel\":\"%s\",\"vcpus\":%d,\"reads_per_round\":%d,\"rounds\":%d,\"cost_rounds_allow\":%d,\"read_ns_is\":\"fastest of 50 chunks\",", other, flavour, kver, ncpu, n, rounds, cost_rounds
    printf "\"read_ns_without\":%s,\"read_ns_with\":%s,\"read_ns_empty_prog\":%s,", mb, mw, me
    printf "\"syscall_overhead_pct\":%.2f,\"syscall_overhead_empty_prog_pct\":%.2f,", ow, oe
    printf "\"prog_ns_empty\":%s,\"prog_ns_allow\":%s,\"prog_ns_deny_with_event\":%s,\"prog_ns_granted_depth3\":%s,", ea, oa, od, og
    printf "\"prog_marginal_pct_of_read\":%.2f,", (oa - ea) / mb * 100
    printf "\"ratio_allow_vs_empty\":%.2f,\"ratio_allow_vs_empty_q1\":%.2f,\"ratio_allow_vs_empty_q3\":%.2f,", ra, ra_lo, ra_hi
    printf "\"ratio_allow_ours_first\":%.2f,\"ratio_allow_empty_first\":%.2f,\"ratio_allow_rounds\":[%s],", ra_of, ra_ef, ra_list
    printf "\"ratio_deny_vs_empty\":%.2f,\"ratio_granted_vs_empty\":%.2f}\n", rd, rg
}'
