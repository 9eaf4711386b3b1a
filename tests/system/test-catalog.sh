#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The journal catalog compiles with journalctl, has an entry for every
# MESSAGE_ID the daemon logs (broker/base/message_ids.hpp) and no other, and
# substitutes only fields the daemon actually sends (LOCKDOWN_* in broker/).
#
# Usage: test-catalog.sh CATALOG BROKER_SOURCE_DIR
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }

[ $# -eq 2 ] || fail "usage: $0 CATALOG BROKER_SOURCE_DIR"
catalog=$1 broker=$2
command -v journalctl >/dev/null || fail "journalctl is not installed (package systemd)"
[ -f "$broker/base/message_ids.hpp" ] || fail "$broker/base/message_ids.hpp is missing"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/usr/lib/systemd/catalog"
cp "$catalog" "$tmp/usr/lib/systemd/catalog/"

set +e
out=$(journalctl --root="$tmp" --update-catalog 2>&1)
rc=$?
set -e
[ $rc -eq 0 ] && [ -z "$out" ] || fail "journalctl --update-catalog (exit $rc) complained:
$out"
[ -s "$tmp/var/lib/systemd/catalog/database" ] || fail "journalctl wrote no catalog database"

listed=$(journalctl --root="$tmp" --list-catalog | awk '{ print $1 }' | sort)
wanted=$(grep -o '"[0-9a-f]\{32\}"' "$broker/base/message_ids.hpp" | tr -d '"' | sort)
[ -n "$wanted" ] || fail "found no MESSAGE_IDs in $broker/base/message_ids.hpp"
missing=$(comm -13 <(echo "$listed") <(echo "$wanted"))
extra=$(comm -23 <(echo "$listed") <(echo "$wanted"))
[ -z "$missing" ] || fail "MESSAGE_IDs without a catalog entry: $missing"
[ -z "$extra" ] || fail "catalog entries for MESSAGE_IDs the daemon does not have: $extra"
echo "ok: journalctl compiled the catalog; it explains all $(wc -l <<<"$wanted") MESSAGE_IDs of message_ids.hpp"

sent=$(grep -rho --include="*.cpp" '"LOCKDOWN_[A-Z_]*"' "$broker" | tr -d '"' | sort -u)
used=$(grep -o '@[A-Z_]*@' "$catalog" | tr -d '@' | sort -u)
unknown=$(comm -23 <(echo "$used") <(echo "$sent"))
[ -z "$unknown" ] || fail "the catalog substitutes fields the daemon never sends: $unknown"
echo "ok: every substituted field is one the daemon sends: $(echo $used)"
