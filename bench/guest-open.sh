#!/bin/bash
# Cost of the dynamic-debug hook (lsm/file_open), run inside the guest by
# bench/run-open-bench. Prints one JSON object. open()+close() of a tmpfs
# file, read-only (the hook returns after the f_mode test) and write-only
# (it returns after the file system test), with and without the hook, in
# alternating rounds; plus the program's own ns per call from the kernel's
# BPF stats. Compare ratios only (TCG timings are emulated).
set -eu
B="$LDB_BUILD"
BROKERD="$B/broker/lockdown-brokerd"
BENCH="$B/bench/ld-bench"
N=${LDB_BENCH_OPENS:-20000}
ROUNDS=${LDB_BENCH_ROUNDS:-9}
HOOK=/sys/fs/bpf/lockdown-broker/link_dyndbg_open
FILE=/run/ldb-bench-open
: >"$FILE"
mkdir -p /etc/lockdown-broker
printf '[Lockdown]\nMode=integrity\nProtectPins=no\n' >/etc/lockdown-broker/broker.conf
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
opens() { "$BENCH" opens "$FILE" "$N" "${LDB_BENCH_CHUNKS:-50}" "$1"; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", (a / b - 1) * 100 }'; }

sysctl -q -w kernel.bpf_stats_enabled=0
rb=() rw=() wb=() ww=() pr=() pw=()
for ((i = 0; i < ROUNDS; i++)); do
    rm -f "$HOOK" # benchmark only (ProtectPins=no): dropping the pin detaches the hook
    b_r=$(opens r) b_w=$(opens w)
    "$BROKERD" --enforce-only >/dev/null
    w_r=$(opens r) w_w=$(opens w)
    rb+=("$b_r") rw+=("$w_r") wb+=("$b_w") ww+=("$w_w")
    pr+=("$(pct "$w_r" "$b_r")") pw+=("$(pct "$w_w" "$b_w")")
done

# The program's own cost per call, from the kernel's BPF stats.
sysctl -q -w kernel.bpf_stats_enabled=1
read -r c0 t0 < <("$BENCH" stats "$HOOK")
opens r >/dev/null
read -r c1 t1 < <("$BENCH" stats "$HOOK")
opens w >/dev/null
read -r c2 t2 < <("$BENCH" stats "$HOOK")
sysctl -q -w kernel.bpf_stats_enabled=0
prog_r=$(awk -v c="$((c1 - c0))" -v t="$((t1 - t0))" 'BEGIN { printf "%.1f", t / c }')
prog_w=$(awk -v c="$((c2 - c1))" -v t="$((t2 - t1))" 'BEGIN { printf "%.1f", t / c }')

printf '{"bench":"open","kernel":"%s","vcpus":%d,"opens_per_round":%d,"rounds":%d,' "$(uname -r)" "$(nproc)" "$N" "$ROUNDS"
printf '"open_ns_is":"fastest of 50 chunks, open+close of a tmpfs file",'
printf '"rdonly_ns_without":%s,"rdonly_ns_with":%s,"rdonly_overhead_pct":%.2f,' "$(median "${rb[@]}")" "$(median "${rw[@]}")" "$(median "${pr[@]}")"
printf '"wronly_ns_without":%s,"wronly_ns_with":%s,"wronly_overhead_pct":%.2f,' "$(median "${wb[@]}")" "$(median "${ww[@]}")" "$(median "${pw[@]}")"
printf '"prog_ns_rdonly":%s,"prog_ns_wronly":%s}\n' "$prog_r" "$prog_w"
