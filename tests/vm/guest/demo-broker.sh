#!/bin/bash
# The "try it" demo, in a throwaway systemd guest: a user at the console asks
# for an exception, uses it, and loses it when the session locks. Plain words,
# no checks (the e2e suite checks the same things).
set -u
here=$(dirname "$0")
# shellcheck source=session.sh
. "$here/session.sh"
TRIG=$LDB_BUILD/tests/vm/ld-trigger
say() { printf '\n==> %s\n' "$*"; }
show() { printf '    $ %s\n' "$*"; }
try_devmem() { # WHO: open /dev/mem as a session process of ldbuser
    local out rc
    out=$(as_user "$RAW dev-mem")
    rc=$?
    case $rc in
    0) echo "    open(\"/dev/mem\") from ldbuser's session: ALLOWED" ;;
    1) echo "    open(\"/dev/mem\") from ldbuser's session: REFUSED (Operation not permitted)" ;;
    *) echo "    could not test (rc=$rc): $out" ;;
    esac
}

session_wait 60 || { echo "no session came up"; exit 1; }
# Only so that an unprivileged process reaches the dev-mem check at all.
RAW=/usr/local/libexec/ldvm/ld-trigger
mkdir -p "${RAW%/*}" && install -m 0755 "$TRIG" "$RAW" && setcap cap_sys_rawio+ep "$RAW"
# The admin's choice: ldbuser may ask, while active at the console.
mkdir -p /etc/polkit-1/rules.d
cat >/etc/polkit-1/rules.d/50-demo.rules <<'R'
polkit.addRule(function(action, subject) {
    if (action.id == "org.freedesktop.LockdownBroker1.request-exception" &&
        subject.user == "ldbuser" && subject.active && subject.local)
        return polkit.Result.YES;
});
R
systemctl try-restart polkit.service

say "Guest kernel $(uname -r); kernel lockdown: $(cat /sys/kernel/security/lockdown); ldbuser is logged in on tty1 (session $LDVM_SESSION_ID)"
say "lockdown-enforce.service loaded the BPF LSM program at boot; lockdown-broker.service serves D-Bus:"
show lockdownctl status
lockdownctl status | sed 's/^/    /'
say "Without an exception:"
try_devmem
say "ldbuser asks for one (polkit decides; here a rules.d file says yes):"
show "lockdownctl request dev-mem --for 10min"
id=$(as_user "lockdownctl --no-ask-password request dev-mem --for 10min")
echo "    $id"
show lockdownctl exceptions
lockdownctl exceptions | sed 's/^/    /'
try_devmem
say "The same operation from root outside that session stays refused:"
if "$TRIG" dev-mem >/dev/null; then echo "    root outside: ALLOWED (unexpected)"; else echo "    root outside: REFUSED"; fi
say "The screen locks (loginctl lock-session $LDVM_SESSION_ID): the exception ends at once."
loginctl lock-session "$LDVM_SESSION_ID"
ldvm_sleep 1
show lockdownctl exceptions
lockdownctl exceptions | sed 's/^/    /'
try_devmem
say "What the journal says:"
journalctl -b -o cat --no-pager SYSLOG_IDENTIFIER=lockdown-brokerd | grep -E 'refused|granted|ended' | tail -4 | sed 's/^/    /'
exit 0
