#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lockdown-broker.service leaves the daemon uid 0 with CAP_BPF as its only
# capability, and /sys, /sys/fs/bpf included, read-only
# (ProtectKernelTunables=, ProtectSystem=strict). This checks, with a map
# pinned in a scratch directory of the real BPF file system, that this is
# enough for what the daemon does with the pins: open a pinned map
# (BPF_OBJ_GET), update it and read it back. It also checks that the
# read-only mount is in force, and that without CAP_BPF the same fails.
#
# Usage: test-units-bpf-privileges.sh BPFTOOL   (root only)
# (No dots in the scratch name: bpffs refuses them.)
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }

[ $# -eq 1 ] || fail "usage: $0 BPFTOOL"
bpftool=$1
[ "$(id -u)" -eq 0 ] || fail "must run as root: it pins a map under /sys/fs/bpf and uses a private mount namespace"
for tool in unshare setpriv findmnt "$bpftool"; do
    command -v "$tool" >/dev/null || fail "$tool is not installed"
done
# Run in a mount namespace of our own with a fresh BPF file system instance
# on /sys/fs/bpf, so the check needs no host state (a fresh machine or a
# container may have none mounted) and leaves none behind.
if [ "${LDB_BPF_PRIV_NS:-}" != 1 ]; then
    exec env LDB_BPF_PRIV_NS=1 unshare --mount --propagation private -- "$0" "$@"
fi
mount -t bpf bpf /sys/fs/bpf || fail "cannot mount a BPF file system on /sys/fs/bpf in a private mount namespace"
# statfs, not findmnt: in a chroot /proc/self/mountinfo may not show it.
[ "$(stat -f -c %t /sys/fs/bpf)" = cafe4a11 ] || fail "/sys/fs/bpf is not a BPF file system after mounting one"

pins=$(mktemp -d -p /sys/fs/bpf ldb_test_XXXXXX)
trap 'rm -rf "$pins"' EXIT
"$bpftool" map create "$pins/map" type hash key 4 value 4 entries 4 name ldb_test ||
    fail "cannot create a BPF map with full privileges; this host cannot run the check"

# In a private mount namespace: /sys and /sys/fs/bpf read-only, as in the
# unit; then the daemon's privileges: uid 0, bounding set CAP_BPF, no new
# privileges.
unshare --mount --propagation private -- bash -euo pipefail -c '
fail() { echo "FAIL: $*" >&2; exit 1; }
bpftool=$1 pins=$2
mount -o remount,bind,ro /sys
mount -o remount,bind,ro /sys/fs/bpf
if touch "$pins/probe" 2>/dev/null; then
    fail "/sys/fs/bpf is still writable after the read-only remount; the check would prove nothing"
fi
echo "ok: /sys/fs/bpf is read-only: $(findmnt -n -o OPTIONS /sys/fs/bpf)"

as_daemon=(setpriv --reuid=0 --regid=0 --clear-groups --bounding-set=-all,+bpf --inh-caps=-all --no-new-privs)
caps=$("${as_daemon[@]}" sed -n "s/^CapEff:[[:space:]]*//p" /proc/self/status)
[ "$caps" = 0000008000000000 ] || fail "could not drop to CAP_BPF only (CapEff=$caps)"
"${as_daemon[@]}" "$bpftool" map update pinned "$pins/map" key 1 0 0 0 value 42 0 0 0 ||
    fail "with CAP_BPF only and /sys/fs/bpf read-only, opening and updating the pinned map failed"
out=$("${as_daemon[@]}" "$bpftool" map lookup pinned "$pins/map" key 1 0 0 0) ||
    fail "with CAP_BPF only and /sys/fs/bpf read-only, reading the pinned map failed"
grep -q "value: 2a 00 00 00" <<<"$out" || fail "read back a different value: $out"
echo "ok: uid 0 with only CAP_BPF opens, updates and reads a pinned map on the read-only mount"

# Up to Linux 6.4, unprivileged_bpf_disabled gates every bpf() command, so
# on Debian 12 (6.1) the daemon needs CAP_BPF even for pins it may open; from
# 6.5 on only creating maps and loading programs are gated.
without=refused
setpriv --reuid=0 --regid=0 --clear-groups --bounding-set=-all --inh-caps=-all --no-new-privs \
    "$bpftool" map lookup pinned "$pins/map" key 1 0 0 0 >/dev/null 2>&1 && without=allowed
IFS=. read -r major minor _ <<<"$(uname -r)"
if [ "$(cat /proc/sys/kernel/unprivileged_bpf_disabled)" != 0 ] &&
        { [ "$major" -lt 6 ] || { [ "$major" -eq 6 ] && [ "${minor%%[!0-9]*}" -lt 5 ]; }; }; then
    [ "$without" = refused ] ||
        fail "on $(uname -r) with unprivileged BPF disabled, the pinned map opened without CAP_BPF"
    echo "ok: without CAP_BPF the same is refused on $(uname -r), so the unit needs CAP_BPF"
else
    echo "note: on $(uname -r) (unprivileged_bpf_disabled=$(cat /proc/sys/kernel/unprivileged_bpf_disabled)) uid 0 without CAP_BPF was $without; Linux 6.1 with unprivileged BPF disabled (Debian default) refuses it, hence CAP_BPF"
fi
' bash "$bpftool" "$pins"
echo "PASS"
