#!/bin/bash
# Checks of lockdownctl's command line: usage errors, exit codes, hints,
# tables, JSON, the interactive-authorization flag, monitor and the bash
# completion. Runs on a private dbus-daemon: first with no broker at all,
# then with a small scripted stand-in for lockdown-brokerd (GDBus, below)
# that records every call it gets. The real daemon is tested elsewhere.
# Usage: test-lockdownctl-cli.sh LOCKDOWNCTL BASH_COMPLETION_FILE
set -u
CTL=$1
COMPLETION=$2
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
XML=$SRCDIR/dbus/org.freedesktop.LockdownBroker1.xml
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
bad() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
die() {
    echo "test-lockdownctl-cli: $*" >&2
    echo "$PASS passed, $((FAIL + 1)) failed"
    exit 1
}
# run WANT_RC PATTERN ARGS...: exit code and combined output must match.
# stdin is /dev/null, so lockdownctl never sees a terminal.
run() {
    local want=$1 pat=$2 out rc
    shift 2
    out=$("$CTL" "$@" 2>&1 </dev/null)
    rc=$?
    if [[ $rc -eq $want ]] && grep -qE -- "$pat" <<<"$out"; then
        ok "lockdownctl $* -> $rc"
    else
        bad "lockdownctl $* -> rc $rc (wanted $want and /$pat/), output: $(head -c 400 <<<"$out")"
    fi
}
# check NAME COMMAND...: the command must succeed.
check() {
    local name=$1
    shift
    if "$@"; then ok "$name"; else bad "$name"; fi
}

for tool in dbus-daemon /usr/bin/python3; do
    command -v "$tool" >/dev/null || die "$tool is missing; install the dbus and python3 packages"
done
/usr/bin/python3 -c 'import gi; gi.require_version("Gio", "2.0"); from gi.repository import Gio' 2>/dev/null ||
    die "the stand-in broker needs GObject introspection for /usr/bin/python3: apt install python3-gi gir1.2-glib-2.0"
[[ -r $XML ]] || die "cannot read $XML"

d=$(mktemp -d)
BUS_PID= FAKE_PID= MON_PID=
cleanup() {
    for p in $MON_PID $FAKE_PID $BUS_PID; do
        kill "$p" 2>/dev/null
    done
    rm -rf "$d"
}
trap cleanup EXIT

# --- the command line alone --------------------------------------------------
run 0 '^Usage: lockdownctl' --help
run 0 '^Usage: lockdownctl' -h
run 0 '^Usage: lockdownctl' help
run 0 '^lockdownctl [0-9]+\.[0-9]+' --version
run 2 'no command given' 
run 2 "unknown command 'frobnicate'" frobnicate
run 2 "unknown option '--frob'" --frob status
run 2 "unknown option '-x'" -x status
run 2 "'request' needs at least one REASON" request
run 2 'usage: lockdownctl request REASON' request
run 2 "'debug' needs a subcommand" debug
run 2 "unknown debug subcommand 'frob'" debug frob
run 2 "'debug enable' needs what to match" debug enable
run 2 "'debug set' needs a query" debug set
run 2 "unexpected argument 'now'" debug reset now
run 2 '--flags only applies to debug enable and debug disable' debug list --flags p
run 2 '--flags only applies to debug enable and debug disable' status --flags p
run 2 "option '--flags' needs a value" debug enable module m --flags
run 2 "'release' needs an exception ID" release
run 2 "'revoke' needs an exception ID" revoke
run 2 "unexpected argument 'extra'" status extra
run 2 "unexpected argument '2'" release 1 2
run 2 "option '--for' needs a value" request dev-mem --for
run 2 "invalid duration '0': it must be longer than zero" request dev-mem --for 0
run 2 "invalid duration '0min'" request dev-mem --for 0min
run 2 "invalid duration 'soon'" request dev-mem --for soon
run 2 "invalid duration '-5'" request dev-mem --for -5
run 2 "invalid duration ''" request dev-mem --for ''
run 2 "unknown unit 'fortnights'" request dev-mem --for 2fortnights
run 2 'use whole numbers' request dev-mem --for 1.5h
run 2 "500ms.*unknown unit 'ms'" request dev-mem --for 500ms
run 2 "duration '99999999999999999999s' is too long" request dev-mem --for 99999999999999999999s
run 2 "invalid exception id 'xyz'" release xyz
run 2 "invalid exception id '0'" revoke 0
run 2 "invalid exception id '0x'" revoke 0x
run 2 "invalid exception id '12345678901234567'" release 12345678901234567
run 2 'grant needs a scope' grant dev-mem
run 2 'give only one of --unit, --cgroup and --session' grant dev-mem --unit a.service --cgroup /x
run 2 '--for only applies to run, request and grant' status --for 1h
run 2 "'run' needs '--' before the COMMAND" run dev-mem ls
run 2 "'run' needs a COMMAND after '--'" run dev-mem --
run 2 "'run' needs at least one REASON" run -- ls
run 2 'usage: lockdownctl run REASON\.\.\. \[--for DURATION\] -- COMMAND' run -- ls
run 2 "invalid duration 'soon'" run dev-mem --for soon -- ls
run 2 '--unit only applies to grant' request dev-mem --unit a.service
run 2 "empty reason name in 'dev-mem,'" request dev-mem,
run 2 '--names-only only applies to reasons' status --names-only
run 2 '--ids-only only applies to exceptions' reasons --ids-only

# run is the first form the help shows, before request.
first=$("$CTL" request --help | grep -m1 -E '^  [a-z]')
[[ $first == "  run REASON... -- COMMAND [ARGS]"* ]] && ok "request --help shows run first" ||
    bad "request --help shows '$first' first"

# Help fits an 80-column terminal.
if "$CTL" --help | awk 'length > 79 { exit 1 }'; then ok "--help fits 80 columns"; else bad "--help has lines over 79 columns"; fi

# --- the bash completion is valid bash ---------------------------------------
check "bash -n $COMPLETION" bash -n "$COMPLETION"

# --- a private system bus ----------------------------------------------------
# shellcheck source=private-bus.sh
. "$SRCDIR/tests/cli/private-bus.sh"
private_bus_start "$d" || die "cannot start a private dbus-daemon, or it printed no address or pid"

# No broker on the bus: exit 5 with the hint to start it.
run 5 'lockdown-brokerd is not reachable on the system bus' status
run 5 'hint: start it: systemctl start lockdown-broker.service' status
run 5 'not reachable' reasons
run 5 'not reachable' exceptions --json
run 5 'not reachable' request dev-mem
run 5 'not reachable' release 1
run 5 'not reachable' monitor
# run: no user manager to make the scope in: exit 5, and the command never runs.
out=$(DBUS_SESSION_BUS_ADDRESS=unix:path=$d/no-such-socket "$CTL" run dev-mem -- touch "$d/ran" 2>&1 </dev/null)
rc=$?
[[ $rc -eq 5 && $out == *"cannot connect to the user bus"* && $out == *"systemd --user"* && ! -e $d/ran ]] &&
    ok "run without a user bus -> 5" || bad "run without a user bus -> $rc: $out"

# No bus at all: exit 5 too.
DBUS_SYSTEM_BUS_ADDRESS=unix:path=$d/nonexistent run 5 'cannot connect to the system bus' status

# --- a scripted stand-in for lockdown-brokerd ---------------------------------
cat >"$d/fake-broker.py" <<'EOF'
# Serves org.freedesktop.LockdownBroker1 from the real interface XML and
# appends one JSON line per call to the log. Special reason names make a
# method fail with the broker's errors.
import json
import sys
import time

import gi
gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib

xml_path, log_path, ready_path = sys.argv[1:4]
NAME = "org.freedesktop.LockdownBroker1"
PATH = "/org/freedesktop/LockdownBroker1"
ERR = "org.freedesktop.LockdownBroker1.Error."
log = open(log_path, "a", buffering=1)
node = Gio.DBusNodeInfo.new_for_xml(open(xml_path).read())
iface = node.lookup_interface(NAME)
bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
now_usec = lambda: int(time.time() * 1e6)

failures = {
    "forbidden": ("NotAuthorized", "Not authorized to use forbidden."),
    "nosuch": ("InvalidArgument", "Unknown lockdown reason 'nosuch'."),
    "nosession": ("NoSession", "The caller is not in a login session."),
    "remote": ("SessionNotEligible", "Session 7 is remote."),
    "cancel": ("Cancelled", "The request was cancelled."),
    "broken": ("Failed", "Something broke."),
    "unenforced": ("NotEnforcing", "Enforcement is not loaded."),
}

def emit(signal, sig, args):
    bus.emit_signal(None, PATH, NAME, signal, GLib.Variant(sig, args))

def on_call(conn, sender, path, interface, method, params, inv):
    flags = inv.get_message().get_flags()
    args = params.unpack()
    log.write(json.dumps({"method": method, "args": args,
                          "interactive": bool(flags & Gio.DBusMessageFlags.ALLOW_INTERACTIVE_AUTHORIZATION)}) + "\n")
    if method in ("RequestException", "GrantException"):
        for r in args[0]:
            if r in failures:
                inv.return_dbus_error(ERR + failures[r][0], failures[r][1])
                return
        new_id = 0xDEADBEEF if method == "RequestException" else 0xABCDEF0123456789
        kind, scope = ("session", "3") if method == "RequestException" else (args[1], args[2])
        inv.return_value(GLib.Variant("(t)", (new_id,)))
        emit("ExceptionGranted", "(tasss)", (new_id, args[0], kind, scope))
        emit("Denied", "(susstus)", ("kcore", 4242, "cat", "foo.service", 3, 1000, "3"))
    elif method in ("ReleaseException", "RevokeException"):
        if args[0] == 0xBAD:
            inv.return_dbus_error(ERR + "NotAuthorized", "Only the holder may end exception 0000000000000bad.")
            return
        if args[0] != 0xDEADBEEF:
            inv.return_dbus_error(ERR + "NotFound", "No exception %016x." % args[0])
            return
        inv.return_value(None)
        emit("ExceptionRevoked", "(ts)", (args[0], "released" if method == "ReleaseException" else "revoked"))
    elif method == "ListExceptions":
        inv.return_value(GLib.Variant("(a(tasssustsa{sv}))", (exceptions(),)))
    elif method == "Hibernate":
        inv.return_dbus_error(ERR + "Refused", "hibernation is refused: " + BLOCKER)
    else:
        inv.return_dbus_error("org.freedesktop.DBus.Error.UnknownMethod", method)

def exceptions():
    # Expires in 9.5 minutes: shown as "9min left".
    def extra(cgroups, narrowed=""):
        return {"cgroups": GLib.Variant("as", cgroups), "narrowed": GLib.Variant("s", narrowed),
                "future-key": GLib.Variant("u", 7)}
    return [(0xDEADBEEF, ["dev-mem", "msr"], "session", "3", 0, "3", now_usec() + 570 * 1000000, "request",
             extra(["/user.slice/user-0.slice/session-3.scope", "/user.slice/user-0.slice/user@0.service"])),
            (0x0123456789ABCDEF, ["kcore"], "unit", "fwupd.service", 0, "", 0, "standing",
             extra(["/system.slice/fwupd.service"])),
            (0x4444, ["dev-mem"], "session", "4", 0, "4", now_usec() + 570 * 1000000, "request",
             extra(["/user.slice/user-0.slice/session-4.scope"], "other-session"))]

BLOCKER = "swap /dev/vda2 is not encrypted: whoever has the disk can read the hibernation image."
props = {
    "CanHibernate": GLib.Variant("s", "na"),
    "HibernateBlocker": GLib.Variant("s", BLOCKER),
    "Version": GLib.Variant("s", "9.8.7"),
    "KernelLockdown": GLib.Variant("s", "none"),
    "Mode": GLib.Variant("s", "integrity"),
    "Enforcing": GLib.Variant("b", True),
    "Notice": GLib.Variant("s", "The kernel raised its own lockdown to integrity because Secure Boot is on; "
                                "exceptions for integrity reasons cannot work."),
    # Each record ends in extra (a{sv}); lockdownctl ignores keys it does not know.
    "Reasons": GLib.Variant("a(sssa{sv})", [("dev-mem", "integrity", "deny", {}),
                                           ("kcore", "confidentiality", "audit", {}),
                                           ("msr", "integrity", "allow", {}),
                                           ("future", "integrity", "quarantine",
                                            {"from-the-future": GLib.Variant("s", "x")})]),
}

def on_get(conn, sender, path, interface, prop):
    log.write(json.dumps({"get": prop}) + "\n")
    if prop == "Exceptions":
        return GLib.Variant("a(tasssustsa{sv})", exceptions())
    return props[prop]

bus.register_object(PATH, iface, on_call, on_get, None)
reply = bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "RequestName",
                      GLib.Variant("(su)", (NAME, 4)), GLib.VariantType("(u)"), 0, -1, None)
if reply.unpack()[0] != 1:
    sys.exit("fake broker: could not own " + NAME)
open(ready_path, "w").close()
GLib.MainLoop().run()
EOF
LOG=$d/calls.log
/usr/bin/python3 "$d/fake-broker.py" "$XML" "$LOG" "$d/ready" 2>"$d/fake.err" &
FAKE_PID=$!
for _ in $(seq 100); do
    [[ -e $d/ready ]] && break
    kill -0 "$FAKE_PID" 2>/dev/null || die "the stand-in broker died: $(cat "$d/fake.err")"
    sleep 0.1
done
[[ -e $d/ready ]] || die "the stand-in broker did not come up within 10 s: $(cat "$d/fake.err")"

# last_call: the last method call the stand-in saw, as JSON.
last_call() { grep '"method"' "$LOG" | tail -n1; }
# call_is PYTHON_EXPR: the expression holds for c = last_call().
call_is() {
    last_call | /usr/bin/python3 -c "import json, sys; c = json.load(sys.stdin); sys.exit(0 if ($1) else 1)"
}

run 0 '^Notice: The kernel raised its own lockdown' status
run 0 '^        on; exceptions for integrity reasons cannot work\.$' status
run 0 '^ +Version: 9\.8\.7$' status
run 0 '^ +Enforcing: yes$' status
run 0 '^ +Reasons: 1 deny, 1 audit, 1 allow, 1 other$' status
run 0 '^ +Exceptions: 3 active$' status
run 0 '^  Can hibernate: na$' status
run 0 '^                 swap /dev/vda2 is not encrypted' status
if "$CTL" status | awk 'length > 80 { exit 1 }'; then ok "status fits 80 columns"; else bad "status is wider than 80 columns"; fi
if "$CTL" status --json | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
assert s["version"] == "9.8.7" and s["enforcing"] is True and s["mode"] == "integrity", s
assert s["reasons"] == {"deny": 1, "audit": 1, "allow": 1, "other": 1}, s
assert s["exceptions"] == 3 and s["notice"].startswith("The kernel"), s
assert s["can_hibernate"] == "na" and s["hibernate_blocker"].startswith("swap /dev/vda2"), s
'; then ok "status --json"; else bad "status --json"; fi

run 0 '^NAME +LEVEL +ACTION$' reasons
run 0 '^kcore +confidentiality +audit$' reasons
run 0 '^future +integrity +quarantine$' reasons
run 0 '^dev-mem$' reasons --names-only
if "$CTL" reasons --json | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)["reasons"]
assert {"name": "msr", "level": "integrity", "action": "allow"} in r and len(r) == 4, r
'; then ok "reasons --json"; else bad "reasons --json"; fi

run 0 '^ID +REASONS +SCOPE +HOLDER +EXPIRES +ORIGIN$' exceptions
run 0 '^00000000deadbeef +dev-mem,msr +session 3 \+ user manager +root/3 +9min left +request$' exceptions
run 0 '^0000000000004444 +dev-mem +session 4 \(scope only: another session of the user appeared\) +root/4 +9min left +request$' exceptions
run 0 '^0123456789abcdef +kcore +unit fwupd.service +root +never +standing$' list
run 0 '^0123456789abcdef$' exceptions --ids-only
run 0 '^0000000000004444$' exceptions --ids-only
if "$CTL" exceptions --json | /usr/bin/python3 -c '
import json, sys, time
e = {x["id"]: x for x in json.load(sys.stdin)["exceptions"]}
a = e["00000000deadbeef"]
assert a["reasons"] == ["dev-mem", "msr"] and a["scope_kind"] == "session" and a["scope"] == "3", a
assert a["holder_uid"] == 0 and a["holder_user"] == "root" and a["holder_session"] == "3", a
assert 500 < a["expires_usec"] / 1e6 - time.time() < 600 and a["expires"].endswith("Z"), a
assert e["0123456789abcdef"]["expires"] is None and e["0123456789abcdef"]["origin"] == "standing", e
assert a["cgroups"] == ["/user.slice/user-0.slice/session-3.scope", "/user.slice/user-0.slice/user@0.service"], a
assert a["narrowed"] == "", a
n = e["0000000000004444"]
assert n["cgroups"] == ["/user.slice/user-0.slice/session-4.scope"] and n["narrowed"] == "other-session", n
'; then ok "exceptions --json"; else bad "exceptions --json"; fi

# request: default duration, the interactive flag, the printed id.
run 0 '^00000000deadbeef$' request dev-mem
check "request sends 15min and the interactive flag" \
    call_is 'c["method"] == "RequestException" and c["args"] == [["dev-mem"], 900, {}] and c["interactive"]'
run 0 '^00000000deadbeef$' request dev-mem,msr kcore --for 1h30min --no-ask-password
check "request splits commas, --for 1h30min, --no-ask-password clears the flag" \
    call_is 'c["args"] == [["dev-mem", "msr", "kcore"], 5400, {}] and not c["interactive"]'
for dur in 90s:90 15min:900 2h:7200 3600:3600 '1h 30min:5400' 1d:86400 1w2d:777600 '2 min 5 s:125'; do
    "$CTL" request dev-mem --for "${dur%:*}" >/dev/null 2>&1 </dev/null
    check "--for '${dur%:*}' is ${dur##*:} s" call_is "c['args'][1] == ${dur##*:}"
done
run 0 '^\{"id":"00000000deadbeef"\}$' request dev-mem --json

# Errors from the broker: message, hint, exit code.
run 3 '^lockdownctl: Not authorized to use forbidden\.$' request forbidden
run 3 'interactive authentication was not possible: standard input is not a terminal' request forbidden
run 3 'interactive authentication was not allowed \(--no-ask-password\)' request forbidden --no-ask-password
run 3 'The caller is not in a login session' request nosession
run 3 'Session 7 is remote' request remote
run 2 "Unknown lockdown reason 'nosuch'" request nosuch
run 2 "'lockdownctl reasons' lists the reasons" request nosuch
run 6 'The request was cancelled' request cancel
run 1 'Something broke' request broken
run 1 'systemctl start lockdown-enforce.service' request unenforced

# grant
run 0 '^abcdef0123456789$' grant dev-mem --unit fwupd.service --for 2h
check "grant --unit sends kind, scope and seconds with the interactive flag" \
    call_is 'c["method"] == "GrantException" and c["args"] == [["dev-mem"], "unit", "fwupd.service", 7200, {}] and c["interactive"]'
run 0 '^abcdef0123456789$' grant msr --cgroup /system.slice/x.service
check "grant --cgroup" call_is 'c["args"] == [["msr"], "cgroup", "/system.slice/x.service", 900, {}]'
run 0 '^\{"id":"abcdef0123456789"\}$' grant msr --session 5 --json
check "grant --session" call_is 'c["args"][1:3] == ["session", "5"]'
run 3 'Not authorized' grant forbidden --session 5

# hibernate: --check reads the properties; exit 7 when refused.
run 7 '^Hibernation: not possible: swap /dev/vda2 is not encrypted' hibernate --check
run 7 '^\{"can_hibernate":"na","blocker":"swap /dev/vda2 is not encrypted' hibernate --check --json
run 7 '^lockdownctl: hibernation is refused: swap /dev/vda2 is not encrypted' hibernate
check "hibernate calls Hibernate with the interactive flag" \
    call_is 'c["method"] == "Hibernate" and c["args"] == [{}] and c["interactive"]'
run 7 "'lockdownctl hibernate --check' says why" hibernate --no-ask-password
run 2 '--json only applies to hibernate --check' hibernate --json
run 2 '--check only applies to hibernate' status --check
run 2 "unexpected argument 'now'" hibernate now

# release and revoke: ids with and without 0x, any case.
run 0 '' release deadbeef
check "release parses hex" call_is 'c["method"] == "ReleaseException" and c["args"] == [0xdeadbeef] and c["interactive"]'
run 0 '' revoke 0xDEADBEEF --no-ask-password
check "revoke parses 0x, upper case" call_is 'c["method"] == "RevokeException" and c["args"] == [0xdeadbeef] and not c["interactive"]'
run 0 '' release 00000000deadbeef
run 4 '^lockdownctl: No exception 0000000000001234\.$' release 1234
run 4 "'lockdownctl exceptions' lists the active exceptions" revoke 1234
run 3 "Only the holder may end exception 0000000000000bad" release bad
run 3 "an administrator can end it with 'lockdownctl revoke'" release bad
run 3 'interactive authentication was not allowed' revoke bad --no-ask-password

# monitor: JSON lines until SIGINT, exit 0. It reads Version once it has
# subscribed, which is how we know it is listening.
monitor_until() {
    local sig=$1 out=$2
    shift 2
    : >"$LOG"
    "$CTL" monitor "$@" >"$out" 2>"$out.err" </dev/null &
    MON_PID=$!
    for _ in $(seq 100); do
        grep -q '"get": "Version"' "$LOG" && break
        sleep 0.1
    done
    "$CTL" request dev-mem >/dev/null 2>&1
    "$CTL" release deadbeef >/dev/null 2>&1
    for _ in $(seq 100); do
        [[ $(wc -l <"$out") -ge 3 ]] && break
        sleep 0.1
    done
    kill -s "$sig" "$MON_PID"
    wait "$MON_PID"
    local rc=$?
    MON_PID=
    return $rc
}
if monitor_until INT "$d/mon.json" --json; then ok "monitor --json exits 0 on SIGINT"; else bad "monitor --json after SIGINT: rc $?, $(cat "$d/mon.json.err")"; fi
if /usr/bin/python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
kinds = [e["event"] for e in ev]
assert kinds == ["granted", "denied", "revoked"], kinds
g, dn, r = ev
assert g["id"] == "00000000deadbeef" and g["reasons"] == ["dev-mem"] and g["scope_kind"] == "session", g
assert dn == {**dn, "reason": "kcore", "pid": 4242, "comm": "cat", "unit": "foo.service", "count": 3}, dn
assert r["id"] == "00000000deadbeef" and r["why"] == "released" and r["time_usec"] > 0, r
' "$d/mon.json"; then ok "monitor --json lines"; else bad "monitor --json lines: $(cat "$d/mon.json")"; fi
if monitor_until TERM "$d/mon.txt"; then ok "monitor exits 0 on SIGTERM"; else bad "monitor after SIGTERM: rc $?, $(cat "$d/mon.txt.err")"; fi
check "monitor line for granted" grep -qE '^[0-9-]+ [0-9:]+ granted 00000000deadbeef dev-mem to session 3$' "$d/mon.txt"
check "monitor line for denied" grep -qE '^[0-9-]+ [0-9:]+ denied  kcore to cat\[4242\] in foo.service \(3 times\)$' "$d/mon.txt"
check "monitor line for revoked" grep -qE '^[0-9-]+ [0-9:]+ revoked 00000000deadbeef \(released\)$' "$d/mon.txt"

# The bash completion, against the stand-in: commands, options, reason
# names and exception ids.
# completes EXPECTED WORDS...: completing the last of WORDS offers exactly EXPECTED.
completes() {
    local want=$1 got
    shift
    got=$(bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _lockdownctl
                   printf "%s\n" "${COMPREPLY[@]}"' _ "$COMPLETION" "$CTL" "$@" 2>&1 | LC_ALL=C sort | xargs)
    if [[ $got == "$want" ]]; then ok "completion of '$*'"; else bad "completion of '$*': '$got', wanted '$want'"; fi
}
completes 'reasons release request revoke' re
completes 'status' --json st
completes 'dev-mem' request d
completes 'dev-mem future kcore msr' request dev-mem ''
completes '--cgroup' grant dev-mem --c
completes '--unit' grant dev-mem --u
completes '0000000000004444 00000000deadbeef 0123456789abcdef' release ''
completes '' release deadbeef ''
completes '0000000000004444 00000000deadbeef 0123456789abcdef' revoke --no-ask-password ''
completes 'run' ru
completes 'dev-mem' run d
completes '--for' run dev-mem --f
completes 'dbus-daemon' run dev-mem -- dbus-daem
completes '' run dev-mem -- dbus-daemon --nof
completes '15min 1h' request dev-mem --for 1
completes 'disable enable list reset set' debug ''
completes 'file format func' debug enable f
completes 'pmf pmfl pmflt' debug enable module m --flags pmf

# The bus goes away under monitor: exit 5, not a hang.
"$CTL" monitor >"$d/mon2.txt" 2>"$d/mon2.err" </dev/null &
MON_PID=$!
sleep 0.5
kill "$FAKE_PID" "$BUS_PID"
wait "$FAKE_PID" 2>/dev/null
FAKE_PID= BUS_PID=
for _ in $(seq 50); do
    kill -0 "$MON_PID" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$MON_PID" 2>/dev/null; then
    bad "monitor still runs 5 s after the bus went away"
    kill "$MON_PID"
else
    wait "$MON_PID"
    rc=$?
    if [[ $rc -eq 5 ]] && grep -q 'connection to the system bus' "$d/mon2.err"; then
        ok "monitor exits 5 when the bus goes away"
    else
        bad "monitor after the bus went away: rc $rc, $(cat "$d/mon2.err")"
    fi
fi
MON_PID=

echo "$PASS passed, $FAIL failed"
[[ $FAIL -eq 0 ]]
