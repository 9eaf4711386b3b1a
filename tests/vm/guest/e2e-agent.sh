#!/bin/bash
# Issue 15, end to end in a `run-vm --systemd` guest: the session agent
# (lockdown-agent, as installed) runs as ldbuser's systemd --user unit
# against the real broker, with a stand-in notification server on ldbuser's
# session bus (python-dbusmock's notification_daemon template, which records
# Notify calls and can emit ActionInvoked).
#  1. refusals of root and of another user (ldbother): no notification;
#  2. a burst of refusals of ldbuser's session: exactly one notification,
#     with the "allow" action;
#  3. ActionInvoked(id, "allow"): the agent asks the broker (polkit rule
#     for the active local session), the broker holds a dev-mem exception
#     for ldbuser's session, and the refused operation now succeeds there;
#  4. the exception released from the session: the agent says that it ended.
# Runs as root from ldvm-test.service (in no session); commands for the
# session go through the session agent (session.sh).
# Needs: LDB_BUILD (meson build dir, for ld-trigger).
set -u
SUITE=e2e-agent
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
AGENT_UNIT=/usr/lib/systemd/user/lockdown-agent.service
NOTIFY=org.freedesktop.Notifications
NOTIFY_PATH=/org/freedesktop/Notifications
USER_BUS=unix:path=/run/user/1000/bus
# What the session's commands need to reach ldbuser's session bus and manager.
UENV="export XDG_RUNTIME_DIR=/run/user/1000 DBUS_SESSION_BUS_ADDRESS=$USER_BUS;"

# The Notify calls the stand-in recorded, one JSON array of arguments a line.
notifications() {
    as_user "$UENV busctl --user --json=short call $NOTIFY $NOTIFY_PATH org.freedesktop.DBus.Mock GetCalls" |
        jq -c '.data[0][] | select(.[1] == "Notify") | [.[2][].data]'
}
count_notifications() { local n; n=$(notifications) || return 1; grep -c . <<<"$n"; }
has_notifications() { [[ $(count_notifications) -ge $1 ]]; }
# What the agent said (the system journal has the user units' output).
agent_log() { journalctl -b --no-pager -o cat _SYSTEMD_USER_UNIT=lockdown-agent.service; }
# A refusal of dev-mem by the broker's journal record (it has seen it).
refusal_logged() { # UID
    journal_match ".LOCKDOWN_REASON == \"dev-mem\" and .LOCKDOWN_UID == \"$1\"" MESSAGE_ID=29417f12c63e4de89dc86de0dba98c7a
}

section "0. prerequisites"
session_wait 30 || abort "no session agent answers (harness)"
ok "session $LDVM_SESSION_ID of $LDVM_USER is up, agent pid $LDVM_AGENT_PID"
for f in "$TRIG" "$CTL" "$LDCTL" /usr/bin/lockdown-agent "$AGENT_UNIT"; do
    [[ -e $f ]] || abort "missing in the guest: $f (not built with -Dapp=enabled, or not installed)"
done
command -v jq >/dev/null || abort "jq is missing"
/usr/bin/python3 -c 'import dbusmock' 2>/dev/null || abort "python3-dbusmock is missing (scripts/deps-debian.txt)"
wait_for 30 systemctl is-active --quiet lockdown-broker.service || abort "lockdown-broker.service is not active"
wait_for 30 systemctl is-active --quiet user@1000.service ||
    abort "ldbuser has no user manager (user@1000.service) :: $(systemctl status user@1000.service --no-pager 2>&1 | tail -5)"
wait_for 30 test -S /run/user/1000/bus || abort "no session bus socket /run/user/1000/bus (dbus-user-session)"
ok "ldbuser's user manager and session bus are up"
polkit_allow org.freedesktop.LockdownBroker1.request-exception 50-ldvm-e2e
# ld-trigger with a file capability: an unprivileged process reaches the
# dev-mem check (ldbuser is in kmem; see systemd-init).
RAW=/usr/local/libexec/ldvm/ld-trigger
mkdir -p "${RAW%/*}"
install -m 0755 "$TRIG" "$RAW"
setcap cap_sys_rawio+ep "$RAW"
out=$(as_user "$RAW dev-mem")
rc=$?
[[ $rc -eq 1 ]] && ok "ldbuser's session is refused dev-mem before any exception" ||
    abort "ld-trigger dev-mem in the session: wanted refused (1), rc=$rc :: $out"

section "1. the notification server and the agent in ldbuser's session"
as_user_bg "$UENV exec /usr/bin/python3 -m dbusmock --template notification_daemon" >/dev/null
wait_for 60 as_user "$UENV busctl --user status $NOTIFY >/dev/null 2>&1" &&
    ok "stand-in notification server (dbusmock notification_daemon) owns $NOTIFY on ldbuser's bus" ||
    abort "no $NOTIFY on ldbuser's session bus"
out=$(as_user "$UENV systemctl --user start lockdown-agent.service && systemctl --user show -p MainPID --value lockdown-agent.service")
rc=$?
apid=$(tail -n1 <<<"$out")
[[ $rc -eq 0 && $apid =~ ^[1-9][0-9]*$ ]] && ok "systemctl --user start lockdown-agent: pid $apid" ||
    abort "systemctl --user start lockdown-agent: rc=$rc :: $out"
acg=$(grep '^0::' "/proc/$apid/cgroup")
assert_grep "the agent runs in ldbuser's user manager" "^0::/user.slice/user-1000.slice/user@1000.service/" "$acg"
# Ready: on the system bus (the client of the broker) and on the session
# bus (the ActionInvoked subscription follows in the same constructor).
on_system_bus() { busctl list --no-legend | awk -v p="$apid" '$2 == p' | grep -q .; }
on_user_bus() { as_user "$UENV busctl --user list --no-legend" | awk -v p="$apid" '$2 == p' | grep -q .; }
if wait_for 90 on_system_bus && wait_for 30 on_user_bus; then
    ok "the agent is connected to the system bus and to ldbuser's session bus"
else
    not_ok "the agent is not on both buses :: $(as_user "$UENV systemctl --user status --no-pager lockdown-agent.service" | tail -8 | tr '\n' '|')"
fi
# The client's signal subscriptions are set up right after its connection.
ldvm_sleep 3

section "2. refusals of other users: no notification"
out=$("$RAW" dev-mem 2>&1)
[[ $? -eq 1 ]] && ok "root (no session) refused dev-mem" || not_ok "root dev-mem not refused :: $out"
out=$(setpriv --reuid=ldbother --regid=ldbother --groups=kmem "$RAW" dev-mem 2>&1)
[[ $? -eq 1 ]] && ok "ldbother refused dev-mem" || not_ok "ldbother dev-mem not refused :: $out"
wait_for 20 refusal_logged 0 && wait_for 20 refusal_logged 1001 &&
    ok "the broker recorded both refusals (uid 0 and 1001)" || not_ok "no journal record of the refusals of uid 0 and 1001"
# The Denied signal follows the journal record; give the agent time to act.
ldvm_sleep 5
n=$(count_notifications)
[[ $n == 0 ]] && ok "no notification for the refusals of root and ldbother" ||
    not_ok "$n notification(s) for other users' refusals :: $(notifications)"

section "3. a burst of refusals in ldbuser's session: one notification"
for i in 1 2 3; do
    out=$(as_user "$RAW dev-mem")
    [[ $? -eq 1 ]] || not_ok "refusal $i of the burst: not refused :: $out"
done
wait_for 30 has_notifications 1 || not_ok "no notification after 30 s :: $(agent_log | tail -5 | tr '\n' '|')"
# Each ld-trigger is a process of its own: the broker sends a Denied for
# each; the agent's rate limit makes them one notification.
wait_for 20 refusal_logged 1000
ldvm_sleep 5
list=$(notifications)
n=$(grep -c . <<<"$list")
[[ $n == 1 ]] && ok "exactly one notification for the burst of 3" || not_ok "$n notifications for the burst :: $list"
first=$(head -n1 <<<"$list")
echo "# Notify: $first"
assert_grep "it names the refused reason" "dev-mem" "$first"
assert_grep "it offers \"allow\" (Allow for 10 minutes) and \"settings\"" '\["allow","Allow for 10 minutes","settings","Open settings"\]' "$first"

section "4. the \"allow\" action: a real exception"
# notification_daemon numbers its notifications from 1 in call order.
out=$(as_user "$UENV busctl --user call $NOTIFY $NOTIFY_PATH org.freedesktop.DBus.Mock EmitSignal sssav $NOTIFY ActionInvoked us 2 u $n s allow")
[[ $? -eq 0 ]] && ok "ActionInvoked($n, \"allow\") emitted by the notification server" || not_ok "EmitSignal ActionInvoked :: $out"
mine() {
    exceptions_json | jq -e --arg s "$LDVM_SESSION_ID" \
        '[.exceptions[] | select(.holder_uid == 1000 and .holder_session == $s and (.reasons | index("dev-mem")))] | length == 1'
}
if wait_for 60 mine; then
    ok "the broker holds a dev-mem exception for ldbuser's session $LDVM_SESSION_ID"
else
    not_ok "no dev-mem exception for session $LDVM_SESSION_ID :: $(exceptions_json | head -c 600) :: $(notifications | grep 'not granted')"
    agent_log | tail -8 | sed 's/^/#   /'
fi
row=$(exceptions_json | jq -c '.exceptions[] | select(.holder_uid == 1000)' | head -n1)
echo "# exception: $row"
id=$(jq -r '.id // empty' <<<"$row")
# "Allow for 10 minutes": the lease ends 10 minutes after the request (less
# the time since; the request took under a minute here).
if [[ -n $row ]]; then
    left=$((($(jq -r '.expires_usec' <<<"$row") - ${EPOCHREALTIME/./}) / 1000000))
    [[ $left -gt 480 && $left -le 600 ]] && ok "the exception ends in ${left} s (10 minutes asked)" ||
        not_ok "the exception ends in ${left} s, not within 10 minutes"
else
    not_ok "no exception of ldbuser to read the lease of"
fi
out=$(as_user "$RAW dev-mem")
rc=$?
[[ $rc -eq 0 ]] && ok "the refused operation now succeeds in the session" || not_ok "ld-trigger dev-mem in the session: rc=$rc :: $out"
n=$(count_notifications)
[[ $n == 1 ]] && ok "no further notification (nothing refused, nothing failed)" || not_ok "$n notifications :: $(notifications)"

section "5. the exception ends: the agent says so"
if [[ -n $id ]]; then
    out=$(as_user "$LDCTL release $id")
    [[ $? -eq 0 ]] && ok "lockdownctl release $id in the session" || not_ok "lockdownctl release $id :: $out"
    if wait_for 30 has_notifications 2; then
        last=$(notifications | tail -n1)
        assert_grep "notification: \"Your exception ended\"" 'Your exception ended' "$last"
        echo "# Notify: $last"
    else
        not_ok "no notification of the revocation"
    fi
else
    not_ok "no exception to revoke"
fi

finish
