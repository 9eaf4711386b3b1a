#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs one libFuzzer binary for a fixed time over a copy of its seed corpus,
# for meson test. New inputs go to a temporary directory (libFuzzer writes
# into the first corpus directory only), so the source tree is never
# written; crash reproducers are kept in ARTIFACT_DIR and shown on failure.
#
#   run-fuzzer.sh FUZZER SEED_DIR SECONDS ARTIFACT_DIR [libFuzzer flag...]
set -eu

if [ $# -lt 4 ]; then
    echo "usage: $0 FUZZER SEED_DIR SECONDS ARTIFACT_DIR [libFuzzer flag...]" >&2
    exit 2
fi
fuzzer=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
seeds=$2
seconds=$3
artifacts=$4
shift 4

if [ ! -d "$seeds" ] || [ -z "$(ls -A "$seeds")" ]; then
    echo "$0: seed corpus $seeds is missing or empty" >&2
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ldb-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$artifacts"
rm -f "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-* "$artifacts"/slow-unit-*

# -max_total_time=0 would mean "forever": 0 seconds only replays the seeds.
if [ "$seconds" -gt 0 ]; then
    budget="-max_total_time=$seconds"
else
    budget="-runs=0"
fi

: "${ASAN_OPTIONS:=abort_on_error=1:detect_leaks=1}"
: "${UBSAN_OPTIONS:=print_stacktrace=1:halt_on_error=1}"
export ASAN_OPTIONS UBSAN_OPTIONS

rc=0
"$fuzzer" "$budget" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts/" "$@" "$work" "$seeds" || rc=$?

if [ "$rc" -ne 0 ]; then
    echo "$0: $(basename "$fuzzer") failed with exit status $rc" >&2
    for f in "$artifacts"/*; do
        [ -f "$f" ] || continue
        echo "--- reproducer $f (replay: $fuzzer $f), base64:" >&2
        base64 "$f" >&2
    done
    exit 1
fi
echo "$(basename "$fuzzer"): no crash; $(ls "$work" | wc -l) new corpus inputs (discarded)"
