#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The exposure score of lockdown-broker.service, as systemd-analyze security
# computes it offline, must not exceed a bound.
#
# Usage: test-units-security.sh UNIT MAX_EXPOSURE
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }

[ $# -eq 2 ] || fail "usage: $0 UNIT MAX_EXPOSURE"
unit=$1 max=$2
command -v systemd-analyze >/dev/null || fail "systemd-analyze is not installed (package systemd)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Offline analysis reads the unit by file name; give it its real one.
cp "$unit" "$tmp/"
set +e
out=$(cd "$tmp" && SYSTEMD_COLORS=0 systemd-analyze security --offline=yes --no-pager \
        "./$(basename "$unit")" 2>&1)
rc=$?
set -e
[ $rc -eq 0 ] || fail "systemd-analyze security --offline=yes failed (exit $rc):
$out"

score=$(sed -n 's/^.* Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' <<<"$out")
[ -n "$score" ] || fail "no overall exposure level in the output of systemd-analyze security:
$out"

echo "What still costs exposure:"
# Failed checks start with a cross (an X or "-" without UTF-8) and end with
# their cost; passed ones cost nothing and print no number.
grep -E '[[:space:]][0-9]+\.[0-9]+$' <<<"$out" || true
echo "overall exposure of $(basename "$unit"): $score (bound: $max)"
awk -v s="$score" -v m="$max" 'BEGIN { exit !(s <= m) }' ||
    fail "exposure $score is above $max"
echo "ok"
