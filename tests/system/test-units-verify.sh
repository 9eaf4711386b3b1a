#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# systemd-analyze verify on both units, failing on any complaint: verify
# exits 0 on warnings such as an unknown or misspelt directive.
#
# verify checks that ExecStart= names an executable file, and the units name
# the installed path (/usr/sbin/lockdown-brokerd), which does not exist before
# installation. So the test first checks that ExecStart= is exactly that path,
# then verifies copies in which only that path is replaced by the daemon just
# built. Documentation= man pages are looked up in the source tree's man/.
#
# The swap guard unit is checked the same way, with lockdown-hibernate.
#
# Usage: test-units-verify.sh ENFORCE_UNIT BROKER_UNIT BUILT_DAEMON SBINDIR MANDIR
#                             GUARD_UNIT BUILT_HIBERNATE LIBEXECDIR
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }

[ $# -eq 8 ] || fail "usage: $0 ENFORCE_UNIT BROKER_UNIT BUILT_DAEMON SBINDIR MANDIR GUARD_UNIT BUILT_HIBERNATE LIBEXECDIR"
enforce=$1 broker=$2 daemon=$(realpath "$3") sbindir=$4 mandir=$5
guard=$6 hibernate=$(realpath "$7") libexecdir=$8
command -v systemd-analyze >/dev/null || fail "systemd-analyze is not installed (package systemd)"
command -v man >/dev/null || fail "man is not installed (package man-db); verify needs it to check Documentation="
[ -x "$daemon" ] || fail "the built daemon $daemon is missing"
[ -x "$hibernate" ] || fail "the built lockdown-hibernate $hibernate is missing"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check_exec() {
    local unit=$1 want=$2 key=${3:-ExecStart} got
    got=$(sed -n "s/^$key=//p" "$unit")
    [ "$got" = "$want" ] || fail "$(basename "$unit"): $key=$got, expected $key=$want"
    echo "ok: $(basename "$unit"): $key=$got"
}
check_exec "$enforce" "$sbindir/lockdown-brokerd --enforce-only --tighten-only"
# Enforcement comes before udev's coldplug and the modules of
# modules-load.d (issue 16): with DefaultDependencies=no nothing else orders
# it early, so each of these must be named in Before=.
before=" $(sed -n 's/^Before=//p' "$enforce" | tr '\n' ' ') "
for u in systemd-udev-trigger.service systemd-modules-load.service sysinit.target; do
    [[ $before == *" $u "* ]] || fail "$(basename "$enforce"): Before= does not name $u (it has:$before)"
done
grep -qx 'DefaultDependencies=no' "$enforce" || fail "$(basename "$enforce"): DefaultDependencies=no is missing"
echo "ok: $(basename "$enforce"): Before= names systemd-udev-trigger.service, systemd-modules-load.service, sysinit.target"
check_exec "$broker" "$sbindir/lockdown-brokerd"
check_exec "$broker" "$sbindir/lockdown-brokerd --reload" ExecReload
check_exec "$guard" "$libexecdir/lockdown-broker/lockdown-hibernate --guard-swaps"

for unit in "$enforce" "$broker"; do
    sed -e "s|^ExecStart=$sbindir/lockdown-brokerd|ExecStart=$daemon|" \
        -e "s|^ExecReload=$sbindir/lockdown-brokerd|ExecReload=$daemon|" "$unit" > "$tmp/$(basename "$unit")"
done
sed "s|^ExecStart=$libexecdir/lockdown-broker/lockdown-hibernate|ExecStart=$hibernate|" "$guard" > "$tmp/$(basename "$guard")"

# man looks pages up by section directory.
for page in "$mandir"/*.[1-8]; do
    section=${page##*.}
    mkdir -p "$tmp/man/man$section"
    cp "$page" "$tmp/man/man$section/"
done

set +e
out=$(MANPATH="$tmp/man" SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=yes \
        "$tmp/$(basename "$enforce")" "$tmp/$(basename "$broker")" "$tmp/$(basename "$guard")" 2>&1)
rc=$?
set -e
if [ $rc -ne 0 ] || [ -n "$out" ]; then
    fail "systemd-analyze verify (exit $rc) complained:
$out"
fi
echo "ok: systemd-analyze verify $(systemd-analyze --version | head -1 | cut -d' ' -f1-2): no complaints about the three units"
