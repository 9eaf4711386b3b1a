#!/bin/bash
# Broker benchmark, run inside a `run-vm --systemd` guest by
# bench/run-broker-bench: real systemd, dbus, logind and polkitd, the project
# installed, ldbuser logged in on seat0. Runs as root from ldvm-test.service
# (in no session); session commands go through the session agent.
# Prints progress lines ("# ...") and one JSON object on a line of its own
# that starts with {"bench":"broker". Everything is measured in this one
# boot; the headline figures are ratios (TCG timings are emulated).
#
# Needs: LDB_BUILD (for bench/ld-broker-bench), LDB_SRC (for session.sh).
# Knobs: LDB_BB_CALLS (read-only calls of each kind, 1000),
# LDB_BB_AUTH_CALLS (RequestException+ReleaseException pairs and polkit
# checks, 100), LDB_BB_CYCLES (lock cycles, 20), LDB_BB_FLOOD_SECONDS (10),
# LDB_BB_PROBE_US (probe interval in the session, 2000).
set -u
# shellcheck source=../tests/vm/guest/session.sh disable=SC1091
. "$LDB_SRC/tests/vm/guest/session.sh"

BB=$LDB_BUILD/bench/ld-broker-bench
LDCTL=/usr/bin/lockdownctl
CALLS=${LDB_BB_CALLS:-1000}
AUTH_CALLS=${LDB_BB_AUTH_CALLS:-100}
CYCLES=${LDB_BB_CYCLES:-20}
FLOOD_SECONDS=${LDB_BB_FLOOD_SECONDS:-10}
PROBE_US=${LDB_BB_PROBE_US:-2000}
MID_DENIED=29417f12c63e4de89dc86de0dba98c7a
MID_DROPPED=bf45e8bd6ab34dc5906ddc3122982c92
WORK=/var/lib/ldvm-bench
# The probe needs CAP_SYS_RAWIO to reach the dev-mem check as ldbuser (who
# is in kmem, /dev/mem's group): a copy with that file capability.
RAW=/usr/local/libexec/ldvm-bench/ld-broker-bench

t_start=${EPOCHREALTIME/./}
say() { echo "# broker-bench (t+$(((${EPOCHREALTIME/./} - t_start) / 1000)) ms): $*"; }
fail() {
    echo "broker-bench: FAILED: $*"
    exit 1
}
is_json() { jq -e . >/dev/null 2>&1 <<<"$1"; }

main_pid() {
    local p
    p=$(systemctl show -p MainPID --value "$1")
    [[ $p =~ ^[1-9][0-9]*$ ]] || fail "$1 has no main process (MainPID=$p): $(systemctl show -p ActiveState -p Result "$1" | tr '\n' ' ')"
    echo "$p"
}
rss_kb() { # PID
    local k v _
    while read -r k v _; do
        [[ $k == VmRSS: ]] && { echo "$v"; return 0; }
    done <"/proc/$1/status"
    fail "no VmRSS for pid $1"
}
# rollup_json PID: the kB figures of /proc/PID/smaps_rollup that say what
# the RSS is made of (file pages are shared with other processes; Pss
# shares them out).
rollup_json() {
    awk '$1 ~ /^(Rss|Pss|Pss_Anon|Pss_File|Private_Clean|Private_Dirty|Shared_Clean|Anonymous):$/ {
            printf "%s\"%s\":%d", (n++ ? "," : "{"), tolower(substr($1, 1, length($1) - 1)), $2 }
         END { print "}" }' "/proc/$1/smaps_rollup" || fail "cannot read /proc/$1/smaps_rollup"
}
# top_mappings PID N: the N files (or [anon], [heap], [stack]) with the
# most resident kB, largest first.
top_mappings() {
    awk '/^[0-9a-f]+-[0-9a-f]+ / { name = (NF >= 6 ? $6 : "[anon]"); sub(".*/", "", name) }
         $1 == "Rss:" { rss[name] += $2 }
         END { for (n in rss) print rss[n], n }' "/proc/$1/smaps" | sort -rn | head -"$2" |
        jq -R -s -c 'split("\n") | map(select(length > 0) | split(" ") | {(.[1]): (.[0] | tonumber)}) | add'
}
CLK_TCK=$(getconf CLK_TCK)
cpu_ms() { # PID: utime+stime so far
    local s
    read -r s <"/proc/$1/stat" || fail "cannot read /proc/$1/stat"
    s=${s##*) }
    # shellcheck disable=SC2086 # split the fields after "(comm) "
    set -- $s
    echo $(((${12} + ${13}) * 1000 / CLK_TCK))
}
usec_of() { # UNIT PROPERTY: a *Monotonic timestamp, must be set
    local v
    v=$(systemctl show -p "$2" --value "$1")
    [[ $v =~ ^[1-9][0-9]*$ ]] || fail "$1 has no $2 (got '$v')"
    echo "$v"
}
journal_count() { # MESSAGE_ID
    journalctl -b -q --no-pager -o cat "MESSAGE_ID=$1" | wc -l
}

say "prerequisites"
session_wait 30 || fail "no session agent answers (harness)"
for f in "$BB" "$LDCTL" /usr/sbin/lockdown-brokerd /usr/share/polkit-1/actions/org.freedesktop.LockdownBroker1.policy; do
    [[ -e $f ]] || fail "missing in the guest: $f (not built, or not installed)"
done
command -v jq >/dev/null || fail "jq is missing on the host image (apt-get install jq)"
systemctl is-active --quiet lockdown-enforce.service || fail "lockdown-enforce.service is not active"
wait_for 60 systemctl is-active --quiet lockdown-broker.service ||
    fail "lockdown-broker.service not active: $(journalctl -b -u lockdown-broker.service -o cat --no-pager | tail -5)"
mkdir -p "$WORK" "${RAW%/*}"
chown 1000:1000 "$WORK"
{ install -m 0755 "$BB" "$RAW" && setcap cap_sys_rawio+ep "$RAW"; } || fail "cannot install $RAW with cap_sys_rawio"
BROKER_PID=$(main_pid lockdown-broker.service)
LOGIND_PID=$(main_pid systemd-logind.service)
JOURNALD_PID=$(main_pid systemd-journald.service)
DBUS_PID=$(main_pid dbus.service)

# --- 4. start to enforcing (systemd's monotonic clock: 0 = kernel start) -------
say "boot timeline"
# Userspace: systemd (in this guest, after the harness's own setup in the
# initramfs and systemd-init, which a real boot does not have).
userspace=$(systemctl show -p UserspaceTimestampMonotonic --value)
[[ $userspace =~ ^[1-9][0-9]*$ ]] || fail "systemd reports no UserspaceTimestampMonotonic ('$userspace')"
enf_start=$(usec_of lockdown-enforce.service ExecMainStartTimestampMonotonic)
enf_done=$(usec_of lockdown-enforce.service ExecMainExitTimestampMonotonic)
sysinit=$(usec_of sysinit.target ActiveEnterTimestampMonotonic)
session_up=$(loginctl show-session "$LDVM_SESSION_ID" -p TimestampMonotonic --value)
[[ $session_up =~ ^[1-9][0-9]*$ ]] || fail "session $LDVM_SESSION_ID has no TimestampMonotonic ('$session_up')"
brk_begin=$(usec_of lockdown-broker.service InactiveExitTimestampMonotonic)
brk_ready=$(usec_of lockdown-broker.service ActiveEnterTimestampMonotonic)
lgd_begin=$(usec_of systemd-logind.service InactiveExitTimestampMonotonic)
lgd_ready=$(usec_of systemd-logind.service ActiveEnterTimestampMonotonic)
boot=$(jq -n -c --argjson us "$userspace" --argjson es "$enf_start" --argjson ed "$enf_done" --argjson si "$sysinit" --argjson su "$session_up" \
    --argjson bb "$brk_begin" --argjson br "$brk_ready" --argjson lb "$lgd_begin" --argjson lr "$lgd_ready" '
    def ms: . / 1000 | . * 10 | round / 10;
    def r2: . * 100 | round / 100;
    {systemd_start_ms: ($us | ms), enforcing_ms: ($ed | ms), enforce_run_ms: ($ed - $es | ms), sysinit_target_ms: ($si | ms),
     session_up_ms: ($su | ms),
     enforcing_fraction_of_sysinit: ($ed / $si | r2), enforcing_fraction_of_session_up: ($ed / $su | r2),
     enforcing_fraction_of_sysinit_since_systemd: (($ed - $us) / ($si - $us) | r2),
     enforcing_fraction_of_session_up_since_systemd: (($ed - $us) / ($su - $us) | r2),
     broker_ready_ms: ($br | ms), broker_startup_ms: ($br - $bb | ms),
     logind_ready_ms: ($lr | ms), logind_startup_ms: ($lr - $lb | ms),
     broker_ready_vs_logind_ready: ($br / $lr | r2), broker_startup_vs_logind_startup: (($br - $bb) / ($lr - $lb) | r2)}')
say "boot: $boot"

# --- 3. memory, idle -----------------------------------------------------------
# polkitd is restarted below (to read the benchmark's rule), so its idle
# figure is taken after that restart.
rss_idle_broker=$(rss_kb "$BROKER_PID")
rss_idle_logind=$(rss_kb "$LOGIND_PID")
idle_detail=$(jq -n -c --argjson b "$(rollup_json "$BROKER_PID")" --argjson l "$(rollup_json "$LOGIND_PID")" \
    --argjson bt "$(top_mappings "$BROKER_PID" 16)" --argjson lt "$(top_mappings "$LOGIND_PID" 16)" \
    --argjson bth "$(ls "/proc/$BROKER_PID/task" | wc -l)" --argjson lth "$(ls "/proc/$LOGIND_PID/task" | wc -l)" \
    '{broker: ($b + {threads: $bth}), logind: ($l + {threads: $lth}), broker_top_mappings_kb: $bt, logind_top_mappings_kb: $lt}')
say "memory idle: $idle_detail"

# --- 1. method round trips -----------------------------------------------------
mkdir -p /etc/polkit-1/rules.d
cat >/etc/polkit-1/rules.d/50-ldvm-bench.rules <<'EOF'
polkit.addRule(function(action, subject) {
    if (action.id == "org.freedesktop.LockdownBroker1.request-exception" &&
        subject.user == "ldbuser" && subject.active && subject.local) {
        return polkit.Result.YES;
    }
});
EOF
systemctl restart polkit.service || fail "polkit.service did not restart"
POLKIT_PID=$(main_pid polkit.service)
rss_idle_polkit=$(rss_kb "$POLKIT_PID")

say "round trips: $CALLS read-only calls of each kind, $AUTH_CALLS authorized request+release pairs (in session $LDVM_SESSION_ID)"
rtt=$(AS_USER_TIMEOUT=900 as_user "$BB rtt $LDVM_SESSION_ID $CALLS $AUTH_CALLS") || fail "rtt in the session: $rtt"
is_json "$rtt" || fail "rtt printed no JSON: $rtt"
say "rtt: $rtt"
# Method calls the daemon served, warm-up (10 rounds) included.
served=$((2 * (CALLS + 10) + 2 * (AUTH_CALLS + 10)))
rss_req_broker=$(rss_kb "$BROKER_PID")
rss_req_logind=$(rss_kb "$LOGIND_PID")
rss_req_polkit=$(rss_kb "$POLKIT_PID")

# --- 2. revocation on lock -----------------------------------------------------
say "revocation: $CYCLES lock cycles, probe every $PROBE_US us in the session"
cycles=()
for ((c = 1; c <= CYCLES; c++)); do
    # The probe asks for the exception itself (one session round trip less).
    rm -f "$WORK"/probe*
    as_user_bg "$RAW probe $PROBE_US $WORK/probe" >/dev/null || fail "cycle $c: cannot start the probe"
    wait_for 15 test -s "$WORK/probe.ready" ||
        fail "cycle $c: the probe in the session got no exception or no /dev/mem: $(cat "$WORK/probe" 2>/dev/null)"
    read -r id <"$WORK/probe.ready"
    [[ $id =~ ^[0-9a-f]{16}$ ]] || fail "cycle $c: the probe wrote '$id', not an exception id"
    lc=$("$BB" lock-cycle "$LDVM_SESSION_ID" "$id" 2>&1) || fail "cycle $c: $lc"
    wait_for 15 test -s "$WORK/probe" || fail "cycle $c: the probe saw no refusal within 15 s of the lock"
    read -r t_denied <"$WORK/probe"
    [[ $t_denied =~ ^[0-9]+$ ]] || fail "cycle $c: probe: $t_denied"
    cycles+=("$(jq -c --argjson td "$t_denied" '. + {call_to_refused_us: (($td - .t0_ns) / 1000 | round),
        lock_signal_to_map_gone_us: ((.call_to_map_gone_us - .call_to_lock_signal_us) * 10 | round / 10)} | del(.t0_ns)' <<<"$lc")")
done
revoke=$(printf '%s\n' "${cycles[@]}" | jq -s -c --argjson probe "$PROBE_US" '
    def pct($p): sort | .[((length * $p) | ceil) - 1];
    def ms: . / 1000 | . * 10 | round / 10;
    def stat($k): [.[] | .[$k]] | {p50_ms: (pct(0.5) | ms), p99_ms: (pct(0.99) | ms)};
    {cycles: length, probe_interval_us: $probe, samples: .,
     logind_lock_call_to_reply: stat("call_to_reply_us"),
     logind_lock_call_to_lock_signal: stat("call_to_lock_signal_us"),
     lock_signal_to_grant_gone: stat("lock_signal_to_map_gone_us"),
     lock_call_to_grant_gone: stat("call_to_map_gone_us"),
     lock_call_to_next_op_refused: stat("call_to_refused_us")}
    | .ratio_grant_gone_vs_logind_lock_signal_p50 = (.lock_call_to_grant_gone.p50_ms / .logind_lock_call_to_lock_signal.p50_ms * 100 | round / 100)
    | .ratio_grant_gone_vs_logind_lock_reply_p50 = (.lock_call_to_grant_gone.p50_ms / .logind_lock_call_to_reply.p50_ms * 100 | round / 100)
    | .ratio_refused_vs_logind_lock_reply_p50 = (.lock_call_to_next_op_refused.p50_ms / .logind_lock_call_to_reply.p50_ms * 100 | round / 100)')
say "revocation: $revoke"

# --- 5. denial flood -----------------------------------------------------------
# flood_phase MODE SECONDS: root in the test unit (outside every grant)
# hammers /dev/mem; prints one JSON object.
flood_phase() {
    local mode=$1 secs=$2 mon=$WORK/monitor-$1.json
    local c0 c1 b0 b1 j0 j1 d0 d1 r0 r1 jd0 jd1 jx0 jx1 out sig mpid args=(/dev/mem "$secs")
    [[ $mode == fork ]] && args+=(fork)
    "$LDCTL" --json monitor >"$mon" 2>"$mon.err" &
    mpid=$!
    wait_for 15 eval "busctl list --no-legend | awk '\$2 == $mpid' | grep -q ." ||
        fail "lockdownctl monitor not on the bus after 15 s: $(cat "$mon.err")"
    c0=$("$BB" counters) || fail "counters: $c0"
    jd0=$(journal_count "$MID_DENIED")
    jx0=$(journal_count "$MID_DROPPED")
    r0=$(rss_kb "$BROKER_PID")
    b0=$(cpu_ms "$BROKER_PID") j0=$(cpu_ms "$JOURNALD_PID") d0=$(cpu_ms "$DBUS_PID")
    out=$("$BB" flood "${args[@]}") || fail "flood ($mode): $out"
    # The broker flushes once per 1 s window; journald writes asynchronously.
    ldvm_sleep 3
    b1=$(cpu_ms "$BROKER_PID") j1=$(cpu_ms "$JOURNALD_PID") d1=$(cpu_ms "$DBUS_PID")
    r1=$(rss_kb "$BROKER_PID")
    c1=$("$BB" counters) || fail "counters: $c1"
    jd1=$(journal_count "$MID_DENIED")
    jx1=$(journal_count "$MID_DROPPED")
    kill "$mpid"
    wait "$mpid" 2>/dev/null
    sig=$(jq -s -c '[.[] | select(.event == "denied")] | {denied_signals: length, denied_signal_count_sum: (map(.count) | add // 0)}' <"$mon") ||
        fail "monitor output is not JSON lines: $(head -c 300 "$mon")"
    jq -n -c --argjson f "$out" --argjson c0 "$c0" --argjson c1 "$c1" --argjson sig "$sig" \
        --argjson b "$((b1 - b0))" --argjson j "$((j1 - j0))" --argjson d "$((d1 - d0))" \
        --argjson r0 "$r0" --argjson r1 "$r1" --argjson jd "$((jd1 - jd0))" --argjson jx "$((jx1 - jx0))" '
        def r3: . * 1000 | round / 1000;
        $f + {kernel_denied: ($c1.denied - $c0.denied), kernel_dropped_events: ($c1.dropped - $c0.dropped),
              broker_cpu_ms: $b, journald_cpu_ms: $j, dbus_daemon_cpu_ms: $d,
              broker_cpu_vs_flooder: (if $f.cpu_ms > 0 then $b / $f.cpu_ms | r3 else null end),
              journald_cpu_vs_flooder: (if $f.cpu_ms > 0 then $j / $f.cpu_ms | r3 else null end),
              broker_rss_kb_before: $r0, broker_rss_kb_after: $r1,
              journal_denied_records: $jd, journal_dropped_records: $jx,
              attempts_per_journal_record: (if ($jd + $jx) > 0 then $f.attempts / ($jd + $jx) | round else null end)} + $sig'
}
say "flood: one process, ${FLOOD_SECONDS} s"
flood_loop=$(flood_phase loop "$FLOOD_SECONDS")
say "flood loop: $flood_loop"
say "flood: a new process per attempt, ${FLOOD_SECONDS} s"
flood_fork=$(flood_phase fork "$FLOOD_SECONDS")
say "flood fork: $flood_fork"

rss=$(jq -n -c --argjson bi "$rss_idle_broker" --argjson li "$rss_idle_logind" --argjson pi "$rss_idle_polkit" \
    --argjson br "$rss_req_broker" --argjson lr "$rss_req_logind" --argjson pr "$rss_req_polkit" \
    --argjson bf "$(rss_kb "$BROKER_PID")" --argjson lf "$(rss_kb "$LOGIND_PID")" --argjson pf "$(rss_kb "$POLKIT_PID")" \
    --argjson served "$served" --argjson detail "$idle_detail" '
    def r2: . * 100 | round / 100;
    {broker_kb: {idle: $bi, after_requests: $br, after_floods: $bf}, broker_calls_served: $served, idle_detail_kb: $detail,
     broker_vs_logind_idle_pss: ($detail.broker.pss / $detail.logind.pss | r2),
     logind_kb: {idle: $li, after_requests: $lr, after_floods: $lf},
     polkitd_kb: {idle: $pi, after_requests: $pr, after_floods: $pf},
     broker_vs_logind_idle: ($bi / $li | r2), broker_vs_polkitd_idle: ($bi / $pi | r2),
     broker_vs_logind_after_floods: ($bf / $lf | r2)}')
[[ $(systemctl show -p MainPID --value lockdown-broker.service) == "$BROKER_PID" ]] ||
    fail "lockdown-brokerd was restarted during the benchmark (pid $BROKER_PID is gone): $(journalctl -b -u lockdown-broker.service -o cat --no-pager | tail -5)"

jq -n -c -M --arg kver "$(uname -r)" --argjson ncpu "$(nproc)" --argjson rtt "$rtt" --argjson revoke "$revoke" \
    --argjson rss "$rss" --argjson boot "$boot" --argjson fl "$flood_loop" --argjson ff "$flood_fork" '
    {bench: "broker", kernel: $kver, vcpus: $ncpu, round_trips: $rtt, revocation: $revoke, memory: $rss,
     boot: $boot, flood: {loop: $fl, fork: $ff}}'
