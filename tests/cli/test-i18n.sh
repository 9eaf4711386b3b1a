#!/bin/bash
# The translations of po/ reach the terminal, and only where asked for:
# lockdownctl and lockdown-brokerd print German under LANGUAGE=de (with the
# catalogue built into build/po, found through LOCKDOWN_BROKER_LOCALEDIR),
# and English under LC_ALL=C whatever LANGUAGE says, which is what the other
# CLI tests rely on. --json output stays English and parseable under German.
# C.UTF-8 stands for a real German locale: glibc has it built in, and gettext
# honours LANGUAGE under any locale but "C".
# Usage: test-i18n.sh LOCKDOWNCTL BROKERD LOCALEDIR
set -u
CTL=$1
BROKERD=$2
LOCALEDIR=$3
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
bad() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
die() {
    echo "test-i18n: $*" >&2
    echo "$PASS passed, $((FAIL + 1)) failed"
    exit 1
}
[[ -r $LOCALEDIR/de/LC_MESSAGES/lockdown-broker.mo ]] ||
    die "$LOCALEDIR/de/LC_MESSAGES/lockdown-broker.mo is missing: the po targets were not built"

unset LC_ALL LC_MESSAGES LC_CTYPE LANG LANGUAGE
export LOCKDOWN_BROKER_LOCALEDIR=$LOCALEDIR
german=(env LC_ALL=C.UTF-8 LANGUAGE=de)
english=(env LC_ALL=C LANGUAGE=de)

# expect NAME WANT_RC PATTERN COMMAND...: exit code and combined output.
expect() {
    local name=$1 want=$2 pat=$3 out rc
    shift 3
    out=$("$@" 2>&1 </dev/null)
    rc=$?
    if [[ $rc -eq $want ]] && grep -qE -- "$pat" <<<"$out"; then
        ok "$name"
    else
        bad "$name: rc $rc (wanted $want and /$pat/), output: $(head -c 400 <<<"$out")"
    fi
}
# refuse NAME PATTERN COMMAND...: the output must not match.
refuse() {
    local name=$1 pat=$2 out
    shift 2
    out=$("$@" 2>&1 </dev/null)
    if grep -qE -- "$pat" <<<"$out"; then
        bad "$name: /$pat/ found in: $(head -c 400 <<<"$out")"
    else
        ok "$name"
    fi
}

# --- lockdownctl ---------------------------------------------------------------
expect "lockdownctl --help in German" 0 '^Aufruf: lockdownctl \[OPTIONEN\] BEFEHL' "${german[@]}" "$CTL" --help
expect "German help names the commands" 0 '^  run GRUND\.\.\. -- BEFEHL' "${german[@]}" "$CTL" --help
expect "an unknown command in German" 2 "^lockdownctl: unbekannter Befehl 'frob'" "${german[@]}" "$CTL" frob
expect "its hint in German" 2 '^  Tipp: die Befehle sind run, status' "${german[@]}" "$CTL" frob
expect "a bad duration in German" 2 "ungültige Dauer 'soon': z\. B\. 90s" "${german[@]}" "$CTL" request dev-mem --for soon
expect "an error with a usage line in German" 2 "Aufruf: lockdownctl release ID" "${german[@]}" "$CTL" release
expect "lockdownctl --help in English under LC_ALL=C" 0 '^Usage: lockdownctl \[OPTIONS\] COMMAND' \
    "${english[@]}" "$CTL" --help
expect "an unknown command in English under LC_ALL=C" 2 "^lockdownctl: unknown command 'frob'" \
    "${english[@]}" "$CTL" frob
expect "its hint in English under LC_ALL=C" 2 '^  hint: the commands are run' "${english[@]}" "$CTL" frob
refuse "no German under LC_ALL=C" 'Aufruf|unbekannt|Tipp' "${english[@]}" "$CTL" frob
expect "English without LANGUAGE or LANG" 2 "^lockdownctl: unknown command 'frob'" env LC_ALL=C.UTF-8 "$CTL" frob
# The German help fits 80 columns too (characters, not bytes: ä is two).
if "${german[@]}" "$CTL" --help |
    /usr/bin/python3 -c 'import sys; sys.exit(any(len(l.rstrip("\n")) > 79 for l in sys.stdin.buffer.read().decode().splitlines()))'; then
    ok "the German help fits 80 columns"
else
    bad "the German help has lines over 79 columns"
fi

# status with no broker on a private bus: the labels are translated and
# right-aligned by characters; --json keeps its English keys and values.
d=$(mktemp -d)
BUS_PID=
trap '[[ -n $BUS_PID ]] && kill "$BUS_PID"; rm -rf "$d"' EXIT
# shellcheck source=private-bus.sh
. "$(dirname "$0")/private-bus.sh"
if private_bus_start "$d"; then
    expect "offline status labels in German, aligned" 5 '^ +Durchgesetzt: (ja|nein|unbekannt)' \
        "${german[@]}" "$CTL" status
    expect "offline status: broker not running, in German" 5 '^ +Broker: läuft nicht \(lockdown-brokerd ist auf dem Systembus nicht erreichbar' \
        "${german[@]}" "$CTL" status
    out=$("${german[@]}" "$CTL" status 2>/dev/null)
    # Both label lines end their label in the same column (15, "Kernel-Lockdown").
    cols=$(/usr/bin/python3 -c 'import sys; print(sorted({l.index(":") for l in sys.stdin.read().splitlines() if ":" in l and l.startswith(" ")}))' <<<"$out")
    [[ $cols == "[15]" ]] && ok "German labels share one colon column" || bad "German label colons at $cols: $out"
    expect "offline status in English under LC_ALL=C" 5 '^      Enforcing: (yes|no|unknown)' "${english[@]}" "$CTL" status
    json=$("${german[@]}" "$CTL" status --json 2>/dev/null)
    if /usr/bin/python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert d["broker"] == "not running", d' "$json"; then
        ok "status --json stays English under LANGUAGE=de"
    else
        bad "status --json under LANGUAGE=de: $json"
    fi
else
    bad "cannot start a private dbus-daemon"
fi

# --- lockdown-brokerd ----------------------------------------------------------
expect "lockdown-brokerd --help in German" 0 '^Aufruf: lockdown-brokerd \[OPTIONEN\] \[BEFEHL\]' \
    "${german[@]}" "$BROKERD" --help
expect "the German help keeps the pin directory" 0 'BPF-Pins \(Vorgabe /sys/fs/bpf/lockdown-broker\)' \
    "${german[@]}" "$BROKERD" --help
expect "a usage error in German" 2 "^lockdown-brokerd: unerwartetes Argument 'extra'" \
    "${german[@]}" "$BROKERD" --list-reasons extra
expect "--btf with --enforce-only in German" 2 '--btf kann nicht mit --enforce-only' \
    "${german[@]}" "$BROKERD" --enforce-only --btf /nonexistent
expect "lockdown-brokerd --help in English under LC_ALL=C" 0 '^Usage: lockdown-brokerd' \
    "${english[@]}" "$BROKERD" --help
# A configuration error (config.cpp) and the hint with it. --check-config
# reads the reasons from BTF first: the host's, where it has one.
printf '[Lockdown]\nDenny=dev-mem\n' >"$d/key.conf"
printf '[Lockdown]\nMode=paranoid\n' >"$d/mode.conf"
if [[ -r /sys/kernel/btf/vmlinux ]]; then
    expect "a config error in German" 1 "key\.conf:2: unbekannter Schlüssel 'Denny' in \[Lockdown\]" \
        "${german[@]}" "$BROKERD" --check-config --config "$d/key.conf"
    expect "its hint in German" 1 'Tipp: bekannte Schlüssel: Mode=, Deny=' \
        "${german[@]}" "$BROKERD" --check-config --config "$d/key.conf"
    expect "an invalid value in German" 1 "mode\.conf:2: ungültiger Wert für Mode: 'paranoid'" \
        "${german[@]}" "$BROKERD" --check-config --config "$d/mode.conf"
    expect "a config error in English under LC_ALL=C" 1 "key\.conf:2: unknown key 'Denny' in \[Lockdown\]" \
        "${english[@]}" "$BROKERD" --check-config --config "$d/key.conf"
    # The headers of --check-config and --list-reasons; the rows keep the
    # configuration's words (integrity, deny), and the columns line up by
    # characters (the rows are ASCII, so the header's second column starts
    # at character 24 in both languages).
    printf '[Lockdown]\nMode=integrity\n' >"$d/good.conf"
    expect "the --check-config header in German" 0 '^Modus: integrity \([0-9]+ Gründe, die dieser Kernel kennt\)' \
        "${german[@]}" "$BROKERD" --check-config --config "$d/good.conf"
    expect "the --check-config columns in German" 0 '^GRUND {18}STUFE {12}AKTION  HERKUNFT$' \
        "${german[@]}" "$BROKERD" --check-config --config "$d/good.conf"
    expect "the --check-config header in English under LC_ALL=C" 0 \
        '^Mode: integrity \([0-9]+ reasons known to this kernel\)' \
        "${english[@]}" "$BROKERD" --check-config --config "$d/good.conf"
    expect "the --check-config columns in English under LC_ALL=C" 0 '^REASON {17}LEVEL {12}ACTION  FROM$' \
        "${english[@]}" "$BROKERD" --check-config --config "$d/good.conf"
    expect "the --list-reasons header in German" 0 '^GRUND {18}STUFE {12}WERT   KERNEL-NAME$' \
        "${german[@]}" "$BROKERD" --list-reasons
    refuse "--check-config --json stays English under LANGUAGE=de" 'Modus|GRUND|Gründe' \
        "${german[@]}" "$BROKERD" --check-config --config "$d/good.conf" --json
else
    bad "this host has no /sys/kernel/btf/vmlinux: the configuration errors were not checked"
fi

echo "$PASS passed, $FAIL failed"
[[ $FAIL -eq 0 ]]
