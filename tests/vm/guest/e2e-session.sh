#!/bin/bash
# Issue 12, end to end in a `run-vm --systemd` guest: an exception reaches
# only the session, or the one command, that asked for it.
#  (a) ldbuser on tty1 (seat0) asks for dev-mem. While that is the user's
#      only session, the user manager is covered (systemd-run --user works:
#      desktop apps). A second login of the same user (PAMName=login, as ssh
#      makes) withdraws user@1000.service at once: from that session,
#      systemd-run --user is refused; the first session's own scope keeps
#      the exception; journal, D-Bus row and lockdownctl say so; and the
#      manager does not come back when the second session ends.
#  (b) lockdownctl run dev-mem -- COMMAND: COMMAND allowed, its parent shell
#      and siblings refused; the exception ends with COMMAND (released), and
#      when the scope is emptied from outside (scope-empty).
# Runs as root from ldvm-test.service (in no session); commands for the
# session go through the session agent (session.sh).
# Needs: LDB_BUILD (meson build dir, for ld-trigger and ld-testctl).
set -u
SUITE=e2e-session
here=$(dirname "$0")
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=session.sh
. "$here/session.sh"
# shellcheck source=broker.sh
. "$here/broker.sh"

TRIG=$LDB_BUILD/tests/vm/ld-trigger
CTL=$LDB_BUILD/tests/ld-testctl
LDCTL=/usr/bin/lockdownctl
MID_NARROWED=de187a6ff242401cbcb73580d46eba95
MID_REVOKED=f5cca6defcaa437f8bd238f08c72bc01
MANAGER_CG=/user.slice/user-1000.slice/user@1000.service
# Shared with ldbuser's processes.
W=/tmp/ldvm-session
rm -rf "$W"
mkdir -m 1777 "$W"

grants_of() { "$CTL" grants | grep "^grant=$(dec_of "$1") "; }
manager_key_gone() { ! grants_of "$1" | grep -q "cgroup=$MANAGER_CG "; }
row_of() { exceptions_json | jq -c --arg id "$1" '.exceptions[] | select(.id == $id)'; }
sessions_of_ldbuser() { loginctl list-sessions --no-legend | awk '$3 == "ldbuser"' | wc -l; }
user_run() { as_user "systemd-run --user --wait --pipe --quiet $RAW dev-mem"; }

section "0. prerequisites"
session_wait 30 || abort "no session agent answers (harness)"
ok "session $LDVM_SESSION_ID of $LDVM_USER is up, agent pid $LDVM_AGENT_PID"
for f in "$TRIG" "$CTL" "$LDCTL" /etc/pam.d/login; do
    [[ -e $f ]] || abort "missing in the guest: $f"
done
command -v jq >/dev/null || abort "jq is missing"
wait_for 30 systemctl is-active --quiet lockdown-broker.service || abort "lockdown-broker.service is not active"
polkit_allow org.freedesktop.LockdownBroker1.request-exception 50-ldvm-e2e
# ld-trigger with a file capability: an unprivileged process reaches the
# dev-mem check (ldbuser is in kmem).
RAW=/usr/local/libexec/ldvm/ld-trigger
mkdir -p "${RAW%/*}"
install -m 0755 "$TRIG" "$RAW"
setcap cap_sys_rawio+ep "$RAW"
n=$(sessions_of_ldbuser)
[[ $n -eq 1 ]] && ok "ldbuser has one logind session ($LDVM_SESSION_ID)" ||
    abort "ldbuser has $n sessions before the test :: $(loginctl list-sessions --no-legend)"

section "a1. the only session: the exception covers the user manager"
id=$(as_user "$LDCTL --no-ask-password request dev-mem --for 10min")
rc=$?
[[ $rc -eq 0 && $id =~ ^[0-9a-f]{16}$ ]] && ok "lockdownctl request dev-mem -> $id" ||
    abort "lockdownctl request in the session: rc=$rc :: $id"
row=$(row_of "$id")
assert_grep "the row's cgroups include $MANAGER_CG, narrowed \"\"" "\"cgroups\":\\[[^]]*\"$MANAGER_CG\"\\],\"narrowed\":\"\"" "$row"
assert_grep "kernel grant on user@1000.service" "cgroup=$MANAGER_CG " "$(grants_of "$id")"
out=$("$LDCTL" exceptions)
assert_grep "lockdownctl exceptions: session $LDVM_SESSION_ID + user manager" "session $LDVM_SESSION_ID \\+ user manager" "$out"
out=$(user_run)
rc=$?
[[ $rc -eq 0 ]] && ok "single session: systemd-run --user ld-trigger dev-mem allowed (desktop apps work)" ||
    not_ok "single session: systemd-run --user rc=$rc :: $out"

section "a2. a second login of the same user"
cat >"$W/second.sh" <<SH
#!/bin/sh
# The second session: says who it is, waits for 'go', tries, keeps the session until 'stop2'.
echo "\$XDG_SESSION_ID" >$W/second.sid
while [ ! -e $W/go ]; do sleep 0.1; done
echo "go seen" >$W/second.log
/usr/bin/lockdownctl --no-ask-password run dev-mem -- $RAW dev-mem </dev/null >$W/second.run 2>&1; echo \$? >$W/second.runrc
systemd-run --user --wait --pipe --quiet $RAW dev-mem </dev/null >$W/second.out 2>&1; echo \$? >$W/second.rc.tmp
mv $W/second.rc.tmp $W/second.rc
while [ ! -e $W/stop2 ]; do sleep 0.1; done
SH
chmod 0755 "$W/second.sh"
# Type=simple: with PAMName=, the PAM helper process keeps Type=exec's
# notification pipe open, and the start times out (seen on 6.12).
systemd-run --unit=ldvm-second --quiet -p PAMName=login -p User=ldbuser \
    -p Environment=XDG_RUNTIME_DIR=/run/user/1000 /bin/sh "$W/second.sh"
wait_for 30 test -s "$W/second.sid" || abort "the second session did not start :: $(systemctl status ldvm-second --no-pager 2>&1 | tail -5)"
sid2=$(cat "$W/second.sid")
[[ -n $sid2 && $sid2 != "$LDVM_SESSION_ID" ]] && ok "second session $sid2 of ldbuser (PAMName=login)" ||
    abort "no session id in the second session: '$sid2'"
if wait_for 15 manager_key_gone "$id"; then
    ok "kernel: the key of $MANAGER_CG is gone from grant $id"
else
    not_ok "kernel still grants $MANAGER_CG :: $(grants_of "$id")"
fi
grants=$(grants_of "$id")
assert_grep "kernel: the first session's scope keeps its key" "cgroup=$LDVM_SESSION_CGROUP " "$grants"
journal_has 15 ".LOCKDOWN_EXCEPTION_ID == \"$id\" and .LOCKDOWN_WHY == \"other-session\" and .LOCKDOWN_SESSION == \"$sid2\" and .LOCKDOWN_HOLDER_SESSION == \"$LDVM_SESSION_ID\"" \
    MESSAGE_ID=$MID_NARROWED &&
    ok "journal: MESSAGE_ID=$MID_NARROWED, LOCKDOWN_WHY=other-session, LOCKDOWN_SESSION=$sid2" ||
    not_ok "no narrowing record :: $(journalctl -b -o json --no-pager MESSAGE_ID=$MID_NARROWED | tail -2)"
row=$(row_of "$id")
assert_grep "D-Bus row: cgroups = the session scope only, narrowed other-session" \
    "\"cgroups\":\\[\"$LDVM_SESSION_CGROUP\"\\],\"narrowed\":\"other-session\"" "$row"
out=$("$LDCTL" exceptions)
assert_grep "lockdownctl exceptions: scope only" "session $LDVM_SESSION_ID \\(scope only: another session of the user appeared\\)" "$out"
printf '%s\n' "$out" | sed 's/^/#   /'
touch "$W/go"
second_done() { test -e "$W/second.rc" || ! systemctl is-active --quiet ldvm-second; }
wait_for 90 second_done
rc=$(cat "$W/second.rc" 2>/dev/null)
if [[ -z $rc ]]; then
    not_ok "the second session's systemd-run --user did not finish :: $(systemctl status ldvm-second --no-pager 2>&1 | tail -12 | tr '\n' '|') :: $(ls -la "$W" | tr '\n' '|')"
    journalctl -b --no-pager -o cat -u ldvm-second | tail -15 | sed 's/^/#   /'
    echo "# second.log: $(cat "$W/second.log" 2>&1) second.out: $(head -c 300 "$W/second.out" 2>&1)"
elif [[ $rc -ne 0 ]]; then
    ok "from the second session: systemd-run --user --wait --pipe ld-trigger dev-mem refused (rc=$rc)"
else
    not_ok "from the second session: systemd-run --user ld-trigger dev-mem ALLOWED :: $(cat "$W/second.out")"
fi
grep -q "result=denied" "$W/second.out" 2>/dev/null && ok "  ... by lockdown, not by a failure to start: $(head -c 120 "$W/second.out")" ||
    echo "# second session output: $(head -c 300 "$W/second.out" 2>/dev/null)"
out=$(as_user "$RAW dev-mem")
rc=$?
[[ $rc -eq 0 ]] && ok "the first session's own scope: still allowed" || not_ok "first session scope: rc=$rc :: $out"
out=$(user_run)
rc=$?
[[ $rc -ne 0 ]] && ok "the first session's systemd-run --user: refused now (rc=$rc)" || not_ok "systemd-run --user from the first session still allowed"

# Threat model row 14b: lockdownctl run from the second session is not credited
# to the console session.
runrc=$(cat "$W/second.runrc" 2>/dev/null)
[[ -n $runrc && $runrc != 0 ]] && ! grep -q "result=allowed" "$W/second.run" &&
    ok "from the second session: lockdownctl run refused (rc=$runrc) :: $(head -c 200 "$W/second.run" | tr '\n' ' ')" ||
    not_ok "from the second session: lockdownctl run rc=$runrc :: $(head -c 300 "$W/second.run" 2>/dev/null)"

section "a3. the second session ends: the user manager does not come back"
touch "$W/stop2"
systemctl stop ldvm-second 2>/dev/null
wait_for 30 eval "! loginctl show-session $sid2 >/dev/null 2>&1" && ok "session $sid2 is gone" ||
    not_ok "session $sid2 still there :: $(loginctl show-session "$sid2" 2>&1 | grep -E '^(State|Active)=')"
ldvm_sleep 1
row=$(row_of "$id")
assert_grep "still narrowed after the other session ended" "\"narrowed\":\"other-session\"" "$row"
manager_key_gone "$id" && ok "kernel: no key of $MANAGER_CG came back" || not_ok "the manager key came back :: $(grants_of "$id")"
out=$(user_run)
rc=$?
[[ $rc -ne 0 ]] && ok "systemd-run --user from the first session: still refused (rc=$rc)" || not_ok "the user manager got the exception back"
out=$(as_user "$LDCTL release $id" 2>&1)
rc=$?
[[ $rc -eq 0 ]] && ok "lockdownctl release $id" || not_ok "release rc=$rc :: $out"
wait_for 10 kernel_lacks_grant "$id" || not_ok "grant $id still in the kernel after release"

section "b1. lockdownctl run: the command only"
out=$(as_user "$LDCTL --no-ask-password run dev-mem --for 5min -- $RAW dev-mem; echo rc=\$?")
assert_grep "lockdownctl run dev-mem -- ld-trigger dev-mem: allowed (exit 0)" "rc=0$" "$out"
printf '%s\n' "$out" | sed 's/^/#   /'
out=$(as_user "$LDCTL --no-ask-password run dev-mem -- sh -c 'exit 7'; echo rc=\$?")
assert_grep "lockdownctl run exits with the command's status" "rc=7$" "$out"
out=$(as_user "$LDCTL --no-ask-password run dev-mem -- sh -c 'kill -TERM \$\$'; echo rc=\$?")
assert_grep "a command killed by SIGTERM: 128+15" "rc=143$" "$out"
remaining=$(exceptions_json | jq '.exceptions | length')
[[ $remaining -eq 0 ]] && ok "no exception left after the runs" || not_ok "$remaining exception(s) left :: $(exceptions_json)"

section "b2. while the command runs: parent shell and siblings refused"
rm -f "$W"/run.*
as_user_bg "$LDCTL --no-ask-password run dev-mem --for 5min -- sh -c 'cat /proc/self/cgroup >$W/run.cg; while [ ! -e $W/run.stop ]; do sleep 0.1; done; $RAW dev-mem; echo \$? >$W/run.rc.tmp; mv $W/run.rc.tmp $W/run.rc' >$W/run.out 2>&1; echo \$? >$W/run.exit" >/dev/null
wait_for 60 test -s "$W/run.cg" || abort "lockdownctl run did not start its command :: $(cat "$W/run.out" 2>/dev/null)"
scope_cg=$(sed -n 's/^0:://p' "$W/run.cg")
[[ $scope_cg == /user.slice/user-1000.slice/user@1000.service/*/lockdown-run-*.scope ]] &&
    ok "the command runs in $scope_cg" || not_ok "the command's cgroup: $scope_cg"
wait_for 10 eval "exceptions_json | jq -e --arg s '$scope_cg' '.exceptions[] | select(.scope == \$s)' >/dev/null" ||
    not_ok "no exception for $scope_cg :: $(exceptions_json)"
rid=$(exceptions_json | jq -r --arg s "$scope_cg" '.exceptions[] | select(.scope == $s) | .id')
row=$(row_of "$rid")
assert_grep "ListExceptions: kind cgroup, that scope only, held by session $LDVM_SESSION_ID" \
    "\"scope_kind\":\"cgroup\",\"scope\":\"$scope_cg\",\"holder_uid\":1000,.*\"holder_session\":\"$LDVM_SESSION_ID\",.*\"cgroups\":\\[\"$scope_cg\"\\]" "$row"
grants=$(grants_of "$rid")
[[ $(wc -l <<<"$grants") -eq 1 && $grants == *"cgroup=$scope_cg "* ]] && ok "kernel: one key, on $scope_cg" ||
    not_ok "kernel keys of $rid :: $grants"
out=$(as_user "$RAW dev-mem")
rc=$?
[[ $rc -eq 1 ]] && ok "its parent shell (the session scope): refused" || not_ok "parent shell rc=$rc :: $out"
out=$(user_run)
rc=$?
[[ $rc -ne 0 ]] && ok "a sibling in the user manager (systemd-run --user): refused (rc=$rc)" || not_ok "sibling in user@ allowed"
out=$(as_user "systemd-run --user --scope --quiet $RAW dev-mem")
rc=$?
[[ $rc -ne 0 ]] && ok "a sibling scope of the user (systemd-run --user --scope): refused (rc=$rc)" || not_ok "sibling scope allowed"
expect "root outside the scope" denied "$TRIG" dev-mem
touch "$W/run.stop"
wait_for 30 test -e "$W/run.exit" || not_ok "lockdownctl run did not exit"
[[ $(cat "$W/run.rc" 2>/dev/null) == 0 ]] && ok "the command itself: allowed" || not_ok "the command: rc=$(cat "$W/run.rc" 2>/dev/null) :: $(cat "$W/run.out")"
[[ $(cat "$W/run.exit") == 0 ]] && ok "lockdownctl run exit 0" || not_ok "lockdownctl run exit $(cat "$W/run.exit") :: $(cat "$W/run.out")"
wait_for 10 kernel_lacks_grant "$rid" && ok "after the command: kernel grant $rid gone" || not_ok "kernel grant $rid still there"
not_listed "$rid" && ok "after the command: not in ListExceptions" || not_ok "still listed :: $(exceptions_json)"
journal_has 10 ".LOCKDOWN_EXCEPTION_ID == \"$rid\" and .LOCKDOWN_WHY == \"released\"" MESSAGE_ID=$MID_REVOKED &&
    ok "journal: $rid ended, released" || not_ok "no 'released' record for $rid"

section "b3. the scope emptied from outside ends the exception"
rm -f "$W"/kill.*
as_user_bg "$LDCTL --no-ask-password run dev-mem --for 5min -- sh -c 'cat /proc/self/cgroup >$W/kill.cg; exec sleep 300'" >/dev/null
wait_for 60 test -s "$W/kill.cg" || abort "lockdownctl run -- sleep did not start"
kcg=$(sed -n 's/^0:://p' "$W/kill.cg")
wait_for 10 eval "exceptions_json | jq -e --arg s '$kcg' '.exceptions[] | select(.scope == \$s)' >/dev/null" ||
    not_ok "no exception for $kcg"
kid=$(exceptions_json | jq -r --arg s "$kcg" '.exceptions[] | select(.scope == $s) | .id')
pids=$(cat "/sys/fs/cgroup$kcg/cgroup.procs" | tr '\n' ' ')
kill -KILL $pids
ok "killed everything in $kcg from outside (pids $pids)"
wait_for 10 kernel_lacks_grant "$kid" && ok "kernel grant $kid gone once the scope was empty" ||
    not_ok "kernel grant $kid still there :: scope $(cat "/sys/fs/cgroup$kcg/cgroup.events" 2>&1 | tr '\n' ' ') :: $(journalctl -b -u lockdown-broker.service -n 6 --no-pager -o cat 2>&1)"
not_listed "$kid" && ok "not in ListExceptions" || not_ok "still listed :: $(exceptions_json)"
journal_has 10 ".LOCKDOWN_EXCEPTION_ID == \"$kid\" and .LOCKDOWN_WHY == \"scope-empty\"" MESSAGE_ID=$MID_REVOKED &&
    ok "journal: $kid ended, scope-empty" || not_ok "no 'scope-empty' record for $kid :: $(journalctl -b -o json --no-pager MESSAGE_ID=$MID_REVOKED | tail -1)"

section "b4. refusals"
out=$(as_user "$LDCTL --no-ask-password run dev-mem" 2>&1)
rc=$?
[[ $rc -eq 2 ]] && ok "run without '--': usage error (2)" || not_ok "run without --: rc=$rc :: $out"
out=$(as_user "gdbus call --system --dest org.freedesktop.LockdownBroker1 --object-path /org/freedesktop/LockdownBroker1 --method org.freedesktop.LockdownBroker1.RequestException \"['dev-mem']\" 'uint64 60' \"{'scope': <'caller'>}\"" 2>&1)
assert_grep "scope=caller from the session scope: InvalidArgument" "Error\\.InvalidArgument.*session-$LDVM_SESSION_ID\\.scope, a login session" "$out"

section "c. a GLib client (liblockdown-broker-1) as the console user: grant, lock, revoke"
# The last section: it locks the session. ldb-watch prints one line per
# signal and per change of the Exceptions list model (ids in decimal).
WATCH=$LDB_BUILD/liblockdown-broker/ldb-watch
[[ -x $WATCH ]] || abort "missing in the guest: $WATCH"
as_user_bg "$WATCH dev-mem >$W/watch.out 2>$W/watch.err" >/dev/null
watched() { grep -Eq "$1" "$W/watch.out"; }
wait_for 30 watched '^requested id=[0-9]+$' || not_ok "ldb-watch: no request :: $(cat "$W/watch.out" "$W/watch.err")"
wid=$(sed -n 's/^requested id=//p' "$W/watch.out")
hid=$(printf '%016x' "${wid:-0}")
watched "^ready .*enforcing=(true|yes|1)" && ok "ldb-watch: ready, the broker is enforcing" ||
    not_ok "no ready line :: $(head -3 "$W/watch.out")"
wait_for 10 watched "^granted id=$wid reasons=dev-mem scope-kind=session scope=$LDVM_SESSION_ID\$" &&
    ok "exception-granted $hid: dev-mem for session $LDVM_SESSION_ID" || not_ok "no granted line :: $(cat "$W/watch.out")"
wait_for 10 watched "^exceptions n=1 ids=$wid\$" && ok "the Exceptions model changed: holds $hid" ||
    not_ok "no exceptions line with $wid :: $(cat "$W/watch.out")"
kernel_has_grant "$hid" && ok "kernel grant $hid in place" || not_ok "no kernel grant $hid"
listed "$hid" && ok "lockdownctl lists $hid" || not_ok "$hid not listed :: $(exceptions_json)"
loginctl lock-session "$LDVM_SESSION_ID"
wait_for 20 watched "^revoked id=$wid why=session-locked\$" && ok "exception-revoked $hid why=session-locked" ||
    not_ok "no revoked line :: $(cat "$W/watch.out")"
wait_for 10 eval "tail -n 1 '$W/watch.out' | grep -q '^exceptions n=0 ids=\$'" &&
    ok "the Exceptions model changed again: empty" || not_ok "model not emptied :: $(tail -3 "$W/watch.out")"
kernel_lacks_grant "$hid" && ok "kernel grant $hid gone" || not_ok "kernel grant $hid still there"
loginctl unlock-session "$LDVM_SESSION_ID"
pkill -TERM -u ldbuser -x ldb-watch
wait_for 10 watched '^stopped$' && ok "ldb-watch stopped on SIGTERM" || not_ok "ldb-watch: no 'stopped' :: $(tail -2 "$W/watch.out")"
grep -c . "$W/watch.out" | sed 's/^/# ldb-watch lines: /'

finish
