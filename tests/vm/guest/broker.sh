# shellcheck shell=bash
# Helpers for the guest suites that talk to the broker: the kernel's grants
# (through ld-testctl, $CTL), the broker's exceptions (through lockdownctl,
# $LDCTL) and the journal. Sourced after lib.sh; the callers set CTL and LDCTL.

# Kernel grant ids are decimal in ld-testctl, exception ids hex in lockdownctl.
dec_of() { printf '%u' "0x$1"; }
kernel_has_grant() { "$CTL" grants | grep -q "^grant=$(dec_of "$1") "; }
kernel_lacks_grant() { ! kernel_has_grant "$1"; }
exceptions_json() { "$LDCTL" --json exceptions; }
listed() { exceptions_json | jq -e --arg id "$1" '.exceptions[] | select(.id == $id)' >/dev/null; }
not_listed() { exceptions_json | jq -e --arg id "$1" '[.exceptions[] | select(.id == $id)] | length == 0' >/dev/null; }
# journal_has SECONDS JQ-FILTER MATCH...: a record of this boot matching
# the journalctl MATCHes and the jq filter (journald writes asynchronously).
journal_match() {
    local filter=$1
    shift
    journalctl -b -o json --no-pager "$@" | jq -e -s "map(select($filter)) | length > 0"
}
journal_has() {
    local secs=$1
    shift
    wait_for "$secs" journal_match "$@"
}
