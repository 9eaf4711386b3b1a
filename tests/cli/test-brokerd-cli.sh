#!/bin/bash
# Host-side checks of lockdown-brokerd's command line: exit codes, error text,
# JSON. No BPF is loaded. Uses the host kernel's BTF.
# Usage: test-brokerd-cli.sh BROKERD
set -u
BROKERD=$1
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
bad() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
# run WANT_RC PATTERN ARGS...: exit code and combined output must match
run() {
    local want=$1 pat=$2 out rc
    shift 2
    out=$("$BROKERD" "$@" 2>&1)
    rc=$?
    if [[ $rc -eq $want ]] && grep -qE -- "$pat" <<<"$out"; then
        ok "$* -> $rc"
    else
        bad "$* -> rc $rc (wanted $want), output: $(head -c 300 <<<"$out")"
    fi
}
if [[ ! -r /sys/kernel/btf/vmlinux ]]; then
    echo "test-brokerd-cli: this host has no /sys/kernel/btf/vmlinux; these checks need it" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
printf '[Lockdown]\nMode=confidentiality\nAllow=dev-mem\n' >"$d/good.conf"
printf '[Lockdown]\nMode=integrity\nAllow=dev-mem,kcore\n' >"$d/comma.conf"
printf '[Lockdown]\nMode=paranoid\n' >"$d/mode.conf"
printf '[Lockdown]\nDenny=dev-mem\n' >"$d/key.conf"

run 0 'dev-mem +integrity +allow +Allow= at .*good.conf:3' --check-config --config "$d/good.conf"
run 0 'kcore +confidentiality +deny +Mode=confidentiality' --check-config --config "$d/good.conf"
run 1 'comma.conf:3: unknown lockdown reason .dev-mem,kcore.' --check-config --config "$d/comma.conf"
run 1 'spaces, not commas' --check-config --config "$d/comma.conf"
run 1 "mode.conf:2: invalid Mode 'paranoid'" --check-config --config "$d/mode.conf"
run 1 'hint: use one of: none, integrity, confidentiality' --check-config --config "$d/mode.conf"
run 1 "key.conf:2: unknown key 'Denny'" --check-config --config "$d/key.conf"
run 1 'opening .*missing.conf: No such file' --check-config --config "$d/missing.conf"
run 1 'no BTF at' --list-reasons --btf "$d/nope.btf"
run 2 '--btf cannot be used with --enforce-only' --enforce-only --btf /sys/kernel/btf/vmlinux
run 2 'give only one command' --enforce-only --list-reasons
run 1 'lockdown enforcement is not loaded: .*nopins/ld_control does not exist' --pin-dir "$d/nopins" --config "$d/good.conf" --exceptions-dir "$d"
run 1 'hint: start it with: lockdown-brokerd --enforce-only' --pin-dir "$d/nopins" --config "$d/good.conf" --exceptions-dir "$d"
run 2 "unexpected argument 'extra'" --list-reasons extra
run 0 '^lockdown-brokerd [0-9]' --version
run 0 'module-signature +integrity' --list-reasons
# JSON must parse and carry the right shape.
if "$BROKERD" --list-reasons --json | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
names = {r["name"]: r for r in d["reasons"]}
assert names["dev-mem"]["level"] == "integrity", names["dev-mem"]
assert names["kcore"]["level"] == "confidentiality"
assert all(r["value"] < d["confidentiality_max"] for r in d["reasons"] if not r.get("pseudo"))
dd = names["dynamic-debug"]
assert dd["pseudo"] is True and dd["level"] == "integrity" and dd["kernel_name"] == "", dd
assert dd["value"] >= d["confidentiality_max"], dd
'; then ok "--list-reasons --json parses"; else bad "--list-reasons --json"; fi
if "$BROKERD" --check-config --config "$d/good.conf" --json | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
a = {r["name"]: r["action"] for r in d["reasons"]}
assert d["mode"] == "confidentiality" and a["dev-mem"] == "allow" and a["kcore"] == "deny", a
'; then ok "--check-config --json parses"; else bad "--check-config --json"; fi
echo "$PASS passed, $FAIL failed"
[[ $FAIL -eq 0 ]]
