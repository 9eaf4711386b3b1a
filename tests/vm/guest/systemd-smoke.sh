#!/bin/bash
# Runs in a `run-vm --systemd` guest from ldvm-test.service: proves the
# harness itself. Real systemd, dbus, logind and polkit are up; ldbuser has
# an active local seat0 session; commands sent through the session agent
# run as ldbuser inside that session's scope cgroup, and the test unit
# itself is in no session.
set -u
SUITE=systemd-smoke
here=$(dirname "$0")
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=session.sh
. "$here/session.sh"

session_wait 30 || { not_ok "no session agent answers"; finish; exit; }
[[ ${LDVM_SYSTEMD:-} == 1 ]] && ok "running under the systemd driver" || not_ok "LDVM_SYSTEMD is not set: not a --systemd guest"
[[ $(readlink /proc/1/exe) == */systemd ]] && ok "PID 1 is systemd" || not_ok "PID 1 is $(readlink /proc/1/exe)"
state=$(systemctl is-system-running 2>&1)
[[ $state == running || $state == starting ]] && ok "system state: $state" ||
    not_ok "system state: $state :: $(systemctl --failed --no-pager --plain 2>&1)"
for u in dbus.service systemd-logind.service; do
    assert "$u is active" systemctl is-active --quiet "$u"
done
virt=$(systemd-detect-virt 2>&1)
[[ $virt != docker && $virt != none ]] && ok "detected as a virtual machine ($virt)" || not_ok "systemd-detect-virt says $virt"

# The session.
sid=$LDVM_SESSION_ID
props=$(loginctl show-session "$sid" -p Name -p Seat -p Remote -p Active -p Type -p Class -p State -p Scope 2>&1)
for want in Name=ldbuser Seat=seat0 Remote=no Active=yes Class=user Scope=session-$sid.scope; do
    assert_grep "session $sid: $want" "^$want\$" "$props"
done

# The agent: identity and cgroup.
out=$(as_user 'id -un; id -u; cat /proc/self/cgroup; echo "sid=$XDG_SESSION_ID"')
assert_grep "agent runs as ldbuser" '^ldbuser$' "$out"
assert_grep "agent runs with uid 1000" '^1000$' "$out"
assert_grep "agent's commands are in the session scope" "^0::/user.slice/user-1000.slice/session-$sid.scope\$" "$out"
assert_grep "agent sees its session id" "^sid=$sid\$" "$out"
out=$(as_user 'id -nG; test -r /dev/mem && echo mem-readable')
assert_grep "agent is in kmem and may open /dev/mem (group kmem, 0640)" '^mem-readable$' "$out"
out=$(as_user 'exit 7')
rc=$?
[[ $rc -eq 7 ]] && ok "agent returns the command's status" || not_ok "agent returned $rc for 'exit 7' :: $out"
out=$(as_user 'echo to-stderr >&2')
assert_grep "agent returns stderr" '^to-stderr$' "$out"
out=$(as_user 'loginctl show-session "$XDG_SESSION_ID" -p Active --value')
assert_grep "the session is active from the inside" '^yes$' "$out"

# The test unit itself is outside any session.
read -r mycg </proc/self/cgroup
[[ $mycg == 0::/system.slice/ldvm-test.service ]] && ok "test script runs in ldvm-test.service ($mycg)" || not_ok "test script cgroup: $mycg"
out=$(busctl call org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager GetSessionByPID u $$ 2>&1)
rc=$?
[[ $rc -ne 0 ]] && ok "logind: the test script is in no session" || not_ok "test script has a session: $out"

# polkit answers (bus-activated).
out=$(pkcheck --action-id org.freedesktop.login1.reboot --process $$ 2>&1)
rc=$?
[[ $rc -eq 0 ]] && ok "polkit answers pkcheck for root" || not_ok "pkcheck rc=$rc :: $out"

# Terminating the session brings a new one with a new agent (getty restarts).
old=$LDVM_AGENT_PID
loginctl terminate-session "$sid"
if session_wait 90 "$old"; then
    [[ $LDVM_SESSION_ID != "$sid" ]] && ok "new session $LDVM_SESSION_ID after terminating $sid" ||
        not_ok "session id did not change ($sid)"
    out=$(as_user 'cat /proc/self/cgroup')
    assert_grep "new agent in the new session scope" "session-$LDVM_SESSION_ID.scope\$" "$out"
else
    not_ok "no new session agent within 90s after terminate-session $sid"
fi

read -r up _ </proc/uptime; echo "# uptime at the end: $up"
echo "# boot: $(systemd-analyze time 2>&1 | head -1)"
systemd-analyze blame --no-pager 2>&1 | head -12 | sed 's/^/# /'
finish
