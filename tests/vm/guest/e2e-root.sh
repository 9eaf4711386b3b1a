#!/bin/bash
# Root without a grant against lockdown-broker (issue 11): every attack of
# the issue's table, tried as root in a `run-suite --systemd --swap
# luks2-integrity:SIZE` guest with the project installed, asserting the
# outcome the README's threat model promises: refused (EPERM), with the
# collateral that must keep working (namespaces, bubblewrap, nspawn,
# hardened units), then enforcement still in place and the front door
# (polkit-authorized broker calls from the session) still open.
# Runs as root from ldvm-test.service, i.e. in no session; commands for the
# session go through the session agent (session.sh). The raw syscalls are
# in root_attacks.py (one attempt per call, result=ok|ERRNO).
# Row 10 of the issue (modprobe M dyndbg=+p) is e2e-dyndbg's.
# Order: attacks that change nothing when they work come first; those that
# would break the guest if they worked (lazy unmounts above our bpffs, link
# detach) come last, so a failing run still reports every row.
# Needs: LDB_BUILD; run-vm's ld.modroot= (the guest kernel's own signed
# image, for kexec) and LDVM_SWAP_* (the authenticated swap that lets logind
# hold its hibernation grant).
set -u
SUITE=e2e-root
here=$(dirname "$0")
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=session.sh
. "$here/session.sh"

TRIG=$LDB_BUILD/tests/vm/ld-trigger
CTL=$LDB_BUILD/tests/ld-testctl
LDCTL=/usr/bin/lockdownctl
BROKERD=/usr/sbin/lockdown-brokerd
PY=/usr/bin/python3
ATK=$here/root_attacks.py
PIN=/sys/fs/bpf/lockdown-broker
BUS_NAME=org.freedesktop.LockdownBroker1
BUS_PATH=/org/freedesktop/LockdownBroker1
LOGIND_CG=system.slice/systemd-logind.service
WORK=/var/lib/ldvm-e2e-root
mkdir -p "$WORK"

# attempt NAME WANT ARGS...: one root_attacks.py call; WANT is an extended
# regex over its result (ok, EPERM, EPERM|EACCES, ...).
# judge NAME WANT OUTPUT: the TAP line for one attempt's output.
judge() {
    local got=${3#result=}
    got=${got%% *}
    if [[ $got =~ ^($2)$ ]]; then
        ok "$1: $3"
    else
        not_ok "$1: wanted $2, got: $3"
    fi
}
attempt() {
    local name=$1 want=$2
    shift 2
    judge "$name" "$want" "$("$PY" "$ATK" "$@" 2>&1)"
}
# attempt_in_cgroup CG NAME WANT ARGS...: the same from a process in cgroup CG.
attempt_in_cgroup() {
    local cg=$1 name=$2 want=$3
    shift 3
    judge "$name" "$want" "$(in_cgroup "$cg" "$PY" "$ATK" "$@" 2>&1)"
}
# refused NAME CMD...: a command line tool must fail; its message is shown.
refused() {
    local name=$1 out rc
    shift
    out=$("$@" 2>&1)
    rc=$?
    if [[ $rc -ne 0 ]]; then
        ok "$name: refused (rc=$rc) :: $(tr '\n' ' ' <<<"$out" | head -c 300)"
    else
        not_ok "$name: it WORKED (rc=0) :: $(tr '\n' ' ' <<<"$out" | head -c 300)"
    fi
    return $((rc == 0))
}
# works NAME CMD...: collateral that must keep working.
works() {
    local name=$1 out rc
    shift
    out=$("$@" 2>&1)
    rc=$?
    [[ $rc -eq 0 ]] && ok "$name: works" || not_ok "$name: rc=$rc :: $(tr '\n' ' ' <<<"$out" | head -c 400)"
}
# held AFTER: our pins and dev-mem's refusal after an attack.
held() {
    local out
    if [[ -e $PIN/link_locked_down && -e $PIN/ld_grants ]]; then
        ok "after $1: the pins are still there"
    else
        not_ok "after $1: pins gone :: $(ls "$PIN" 2>&1 | tr '\n' ' ')"
    fi
    expect "after $1: root's dev-mem" denied "$TRIG" dev-mem
}
# le HEX-BYTES: VALUE N -> N little-endian bytes, as bpftool's "hex" input.
le() {
    local v=$1 n=$2 i out=''
    for ((i = 0; i < n; i++)); do out+=$(printf '%02x ' $(((v >> (8 * i)) & 0xff))); done
    echo "${out% }"
}
# hex_words HEX: "aabb.." -> "aa bb .."
hex_words() { sed -E 's/(..)/\1 /g; s/ $//' <<<"$1"; }
# kexec_refusal_source: the kexec_file_load was refused with EPERM, and by
# the kexec-file hook at the read of the image (its counter went up), not by
# the kernel's fallback after a failed signature check: a signed image on a
# machine that trusts its key never reaches that fallback.
kexec_file_count() { "$CTL" counters | sed -n 's/^kexec_file_refused=//p'; }
kexec_refusal_source() { # OUTPUT-OF-THE-ATTEMPT COUNT-BEFORE
    local now
    now=$(kexec_file_count)
    [[ $1 == *"result=EPERM"* || $1 == *"Operation not permitted"* ]] || return 1
    [[ -n $now && -n $2 && $now -gt $2 ]] || { echo "# kexec_file_refused did not rise: $2 -> $now"; return 1; }
}
ids_json=''
ids() { jq -r "$1" <<<"$ids_json"; }

section "0. prerequisites"
session_wait 30 || abort "no session agent answers (harness)"
ok "session $LDVM_SESSION_ID of $LDVM_USER is up, agent pid $LDVM_AGENT_PID"
for f in "$TRIG" "$LDCTL" "$BROKERD" "$PY" "$ATK"; do
    [[ -e $f ]] || abort "missing in the guest: $f"
done
for t in bpftool jq bwrap kexec systemd-nspawn busybox unshare setcap; do
    command -v "$t" >/dev/null || abort "$t is missing on the host image (scripts/deps-debian.txt)"
done
wait_for 30 systemctl is-active --quiet lockdown-broker.service || abort "lockdown-broker.service is not active"
ok "lockdown-broker.service is active"
broker_pid=$(systemctl show -p MainPID --value lockdown-broker.service)
ok "the broker's main pid is $broker_pid"
own_cg=$(cut -d: -f3 /proc/self/cgroup)
own_cgid=$(stat -c %i "/sys/fs/cgroup$own_cg")
echo "# this test runs in cgroup $own_cg (id $own_cgid)"
reason_dev_mem=$(bpftool btf dump file /sys/kernel/btf/vmlinux | grep -m1 -o "'LOCKDOWN_DEV_MEM' val=[0-9]*" | sed 's/.*=//')
[[ $reason_dev_mem =~ ^[0-9]+$ ]] && ok "LOCKDOWN_DEV_MEM is $reason_dev_mem in this kernel's BTF" ||
    abort "no LOCKDOWN_DEV_MEM in /sys/kernel/btf/vmlinux"
polkit_allow org.freedesktop.LockdownBroker1.request-exception 50-ldvm-root-request
polkit_allow org.freedesktop.LockdownBroker1.manage 50-ldvm-root-manage
polkit_allow org.freedesktop.LockdownBroker1.dynamic-debug 50-ldvm-root-dyndbg
# The authenticated swap lets the broker give logind its hibernation grant.
if [[ -r /run/ldvm/swap ]]; then
    # shellcheck disable=SC1091
    . /run/ldvm/swap
    swapon "$LDVM_SWAP_DEV" && ok "swapon $LDVM_SWAP_DEV (LUKS2, integrity ${LDVM_SWAP_INTEGRITY:-none})" ||
        not_ok "swapon $LDVM_SWAP_DEV"
else
    not_ok "no swap from the initramfs (run-suite --swap luks2-integrity:SIZE): row 7 cannot be tried"
fi
expect "before any attack: root's dev-mem" denied "$TRIG" dev-mem
expect "before any attack: root's hibernation" denied "$TRIG" hibernation

# Which ids are ours: maps and programs by name where an fd says it, links
# and programs through the pins, and whatever refuses even a read-only fd
# (after the fix only our objects do).
ids_json=$("$PY" "$ATK" ids "$PIN")
echo "# bpf objects: $(jq -c '{maps: [.maps[] | select((.name // "") | startswith("ld_")) ], sealed_maps: [.maps[] | select(.open != "ok") | .id], progs: [.progs[] | select((.name // "") | startswith("ld_")) | .id], sealed_progs: [.progs[] | select(.open != "ok") | .id], pins: .pins}' <<<"$ids_json")"
declare -A map_id=()
for m in ld_control ld_grants ld_events ld_counters; do
    map_id[$m]=$(ids "[.pins.$m.id // empty, (.maps[] | select(.name == \"$m\") | .id)] | first // empty")
done
# The ring refuses even a read-only fd once sealed: the one map without a name.
[[ -n ${map_id[ld_events]} ]] || map_id[ld_events]=$(ids '[.maps[] | select(.open != "ok") | .id] | if length == 1 then .[0] else empty end')
for m in "${!map_id[@]}"; do
    [[ -n ${map_id[$m]} ]] && ok "map $m has id ${map_id[$m]}" || not_ok "no id found for map $m"
done
mapfile -t link_ids < <(ids '[(.pins | to_entries[] | select(.key | startswith("link_")) | .value.id // empty),
    (.links[] | select(.open != "ok") | .id)] | unique | .[]')
mapfile -t prog_ids < <(ids '[(.progs[] | select(((.name // "") | startswith("ld_")) or .open != "ok") | .id),
    (.pins | to_entries[] | .value.prog_id // empty)] | unique | .[]')
[[ ${#prog_ids[@]} -ge 6 ]] && ok "our programs: ids ${prog_ids[*]}" || not_ok "found ${#prog_ids[@]} of our 6 programs: ${prog_ids[*]}"
[[ ${#link_ids[@]} -ge 6 ]] && ok "our links: ids ${link_ids[*]}" || not_ok "found ${#link_ids[@]} of our 6 links: ${link_ids[*]}"
# The bytes of a grant for this test's own cgroup for dev-mem (see
# bpf/lockdown-broker.h): key {cgroup_id, reason, pad}, value {grant_id,
# expires_boot_ns, holder_uid, flags}.
read -r up _ </proc/uptime
grant_key="hex $(le "$own_cgid" 8) $(le "$reason_dev_mem" 4) $(le 0 4)"
grant_val="hex $(le 0x5eed0f1155 8) $(le $(((${up%.*} + 600) * 1000000000)) 8) $(le 0 4) $(le 0 4)"
# remove_grant: if an attack added the grant, take it out again (by id, the
# way it came in), so that the rows after it still mean something.
remove_grant() { bpftool map delete id "${map_id[ld_grants]}" key $grant_key >/dev/null 2>&1; }

section "row 1: the pinned maps"
out=$(bpftool map update pinned "$PIN/ld_grants" key $grant_key value $grant_val 2>&1)
if [[ $? -ne 0 ]]; then
    ok "bpftool map update pinned ld_grants (a dev-mem grant for $own_cg): refused :: $out"
else
    not_ok "bpftool map update pinned ld_grants: a grant for $own_cg was ADDED"
    expect "with the added grant: dev-mem (the attack's effect)" denied "$TRIG" dev-mem
    bpftool map delete pinned "$PIN/ld_grants" key $grant_key
fi
expect "after the pinned grant attempt: dev-mem" denied "$TRIG" dev-mem
ctl_now=$("$PY" "$ATK" read-elem "$PIN/ld_control" 00000000)
ctl_hex=$(sed -n 's/.*value=//p' <<<"$ctl_now")
if [[ -n $ctl_hex ]]; then
    ok "a read-only fd of the pinned ld_control reads the policy (${#ctl_hex} hex digits)"
    # shellcheck disable=SC2046 # one argument per byte
    refused "bpftool map update pinned ld_control (rewrite the policy, same bytes)" \
        bpftool map update pinned "$PIN/ld_control" key hex 00 00 00 00 value hex $(hex_words "$ctl_hex")
else
    not_ok "read-only read of the pinned ld_control :: $ctl_now"
fi
for m in ld_control ld_grants ld_counters ld_events; do
    attempt "BPF_OBJ_GET $m read-write" EPERM open "$PIN/$m" rw
    attempt "BPF_OBJ_GET $m write-only" EPERM open "$PIN/$m" wo
done
attempt "BPF_OBJ_GET ld_grants read-only (inspection stays possible)" ok open "$PIN/ld_grants" ro
attempt "BPF_OBJ_GET ld_control read-only" ok open "$PIN/ld_control" ro
attempt "BPF_OBJ_GET ld_counters read-only" ok open "$PIN/ld_counters" ro
attempt "rewrite ld_control through a read-write pin fd (same bytes)" EPERM rewrite-same "$PIN/ld_control" 00000000

section "row 2: the maps by id"
for m in ld_control ld_grants ld_counters ld_events; do
    [[ -n ${map_id[$m]} ]] || continue
    attempt "BPF_MAP_GET_FD_BY_ID $m (${map_id[$m]}) read-write" EPERM open "map:${map_id[$m]}" rw
done
[[ -z ${map_id[ld_grants]} ]] ||
    attempt "BPF_MAP_GET_FD_BY_ID ld_grants read-only" ok open "map:${map_id[ld_grants]}" ro
if [[ -n ${map_id[ld_grants]} ]]; then
    out=$(bpftool map update id "${map_id[ld_grants]}" key $grant_key value $grant_val 2>&1)
    if [[ $? -ne 0 ]]; then
        ok "bpftool map update id ${map_id[ld_grants]} (a dev-mem grant for $own_cg): refused :: $out"
        expect "after the grant attempt by id: dev-mem" denied "$TRIG" dev-mem
    else
        not_ok "bpftool map update id ${map_id[ld_grants]}: a dev-mem grant for $own_cg was ADDED"
        expect "with the grant added by id: dev-mem (the attack's effect)" denied "$TRIG" dev-mem
        remove_grant
    fi
fi
[[ -z ${map_id[ld_control]} ]] ||
    attempt "rewrite ld_control by id (same bytes)" EPERM rewrite-same "map:${map_id[ld_control]}" 00000000

section "row 3: the ring buffer"
if [[ -n ${map_id[ld_events]} ]]; then
    for mode in rw ro wo; do
        attempt "ld_events by id ($mode): no consumer but the broker" EPERM open "map:${map_id[ld_events]}" "$mode"
    done
fi
attempt "ld_events pinned, read-only" EPERM open "$PIN/ld_events" ro

section "row 4: programs and links"
for p in "${prog_ids[@]}"; do
    attempt "BPF_PROG_GET_FD_BY_ID $p (no freplace/fentry target)" EPERM open "prog:$p" rw
done
[[ ${#prog_ids[@]} -eq 0 ]] || refused "bpftool prog show id ${prog_ids[0]} (needs an fd)" bpftool prog show id "${prog_ids[0]}"
for l in "${link_ids[@]}"; do
    attempt "BPF_LINK_GET_FD_BY_ID $l" EPERM open "link:$l" rw
done
# Links have no open hook: a pin may still give an fd; detaching through
# it is tried at the end (if it worked, enforcement would be gone).
out=$("$PY" "$ATK" open "$PIN/link_locked_down" rw 2>&1)
echo "# BPF_OBJ_GET of the link pin link_locked_down (may work, links have no open hook): $out"

section "row 9: the broker (pid $broker_pid) and PID 1"
for target in "$broker_pid" 1; do
    who=$([[ $target == 1 ]] && echo "PID 1" || echo "the broker")
    attempt "$who: ptrace attach" EPERM ptrace attach "$target"
    attempt "$who: ptrace seize" EPERM ptrace seize "$target"
    # A refused ptrace_may_access is EACCES from /proc/PID/mem's open.
    attempt "$who: open /proc/$target/mem" 'EPERM|EACCES' proc-mem "$target"
    attempt "$who: process_vm_readv" EPERM vm-readv "$target"
    attempt "$who: pidfd_getfd of one of its fds" EPERM pidfd-getfd "$target"
    out=$("$PY" "$ATK" proc-fd-reopen "$target" 2>&1)
    echo "# $who: reopening /proc/$target/fd/N of a map fd: $out"
done
[[ $(systemctl show -p MainPID --value lockdown-broker.service) == "$broker_pid" ]] &&
    ok "the broker survived the attempts (same pid)" || not_ok "the broker's pid changed"

section "row 8: a second --enforce-only with Mode=none"
before=${ctl_hex:0:296}
printf '[Lockdown]\nMode=none\n' >"$WORK/mode-none.conf"
out=$("$BROKERD" --enforce-only --config "$WORK/mode-none.conf" 2>&1)
rc=$?
[[ $rc -ne 0 ]] && ok "lockdown-brokerd --enforce-only --config (Mode=none): fails (rc=$rc) :: $(tail -1 <<<"$out")" ||
    not_ok "lockdown-brokerd --enforce-only --config (Mode=none): rc=0 :: $(tail -2 <<<"$out")"
now=$("$PY" "$ATK" read-elem "$PIN/ld_control" 00000000 | sed -n 's/.*value=//p')
if [[ -n $before && ${now:0:296} == "$before" ]]; then
    ok "the policy slots and the active slot are unchanged"
else
    not_ok "the policy changed (or cannot be read): ${before:0:40}... -> ${now:0:40}..."
fi
expect "after --enforce-only Mode=none: dev-mem" denied "$TRIG" dev-mem
if "$TRIG" dev-mem >/dev/null 2>&1; then
    # Put the configured policy back, so the rows below still mean something.
    "$BROKERD" --enforce-only >/dev/null 2>&1
    echo "# restored the configured policy: lockdown-brokerd --enforce-only rc=$?"
fi

section "row 6: kexec_file_load of a signed Debian kernel"
modroot=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^ld.modroot=//p')
image=''
for c in "$modroot/boot/vmlinuz-$(uname -r)" "$modroot/usr/lib/modules/$(uname -r)/vmlinuz"; do
    [[ -r $c ]] && image=$c && break
done
if [[ -z $image ]]; then
    not_ok "the guest kernel's image is not visible under ld.modroot=$modroot"
else
    ok "the guest's own (Debian-signed) kernel image: $image"
    before=$(kexec_file_count)
    out=$(kexec -s -l "$image" --append="lsm=lockdown,capability" 2>&1)
    rc=$?
    if [[ $rc -ne 0 ]] && kexec_refusal_source "$out" "$before"; then
        ok "kexec -s -l (kexec_file_load): EPERM :: $(tr '\n' ' ' <<<"$out" | head -c 200)"
    else
        not_ok "kexec -s -l: rc=$rc, not EPERM :: $(tr '\n' ' ' <<<"$out" | head -c 300)"
        [[ $rc -ne 0 ]] || kexec -u
    fi
    before=$(kexec_file_count)
    out=$("$PY" "$ATK" kexec-file "$image" 2>&1)
    kexec_refusal_source "$out" "$before" && ok "kexec_file_load(2) directly: $out" || not_ok "kexec_file_load(2) directly: $out"
fi
expect "after the kexec attempts: root's kexec" denied "$TRIG" kexec

section "row 7: hibernation from logind's cgroup"
logind_grant() { "$LDCTL" --json exceptions | jq -e '.exceptions[] | select(.origin == "hibernation" and .scope == "systemd-logind.service")' >/dev/null; }
moved=''
if wait_for 45 logind_grant; then
    out=$(in_cgroup "$LOGIND_CG" true 2>&1)
    if [[ $? -ne 0 ]]; then
        # Refusing the move into a granted cgroup closes the row at its door.
        [[ $out == *"Operation not permitted"* ]] && ok "moving into logind's cgroup is refused: $out" ||
            not_ok "cannot move into $LOGIND_CG :: $out"
    else
        moved=1
    fi
fi
if [[ -n $moved ]]; then
    ok "logind holds a hibernation exception ($("$LDCTL" --json exceptions | jq -c '[.exceptions[] | select(.scope == "systemd-logind.service") | .id]'))"
    # logind's own device filter (DeviceAllow=) would refuse /dev/snapshot
    # before lockdown is asked; root lifts it first, as an attacker would.
    attempt_in_cgroup "$LOGIND_CG" "control: logind's device filter refuses /dev/cpu_dma_latency" 'EPERM|EACCES' \
        open-file /dev/cpu_dma_latency r
    systemctl set-property --runtime systemd-logind.service DevicePolicy=auto DeviceAllow= ||
        not_ok "systemctl set-property systemd-logind.service DeviceAllow="
    attempt_in_cgroup "$LOGIND_CG" "control: without it, /dev/cpu_dma_latency opens there" ok \
        open-file /dev/cpu_dma_latency r
    out=$(in_cgroup "$LOGIND_CG" grep -o disk /sys/power/state 2>&1)
    [[ $out == disk ]] && ok "in logind's cgroup: /sys/power/state offers disk (logind's CanHibernate needs it)" ||
        not_ok "in logind's cgroup: /sys/power/state :: $out"
    attempt_in_cgroup "$LOGIND_CG" "in logind's cgroup: open /dev/snapshot for reading" EPERM open-file /dev/snapshot r
    attempt_in_cgroup "$LOGIND_CG" "in logind's cgroup: open /dev/snapshot for writing" EPERM open-file /dev/snapshot w
    # Harmless values: what each file holds now (disk: the bracketed mode).
    for f in disk resume resume_offset image_size; do
        # (read there: outside a grant, disk reads [disabled])
        cur=$(in_cgroup "$LOGIND_CG" cat "/sys/power/$f")
        [[ $f == disk ]] && cur=$(grep -o '\[[a-z_]*\]' <<<"$cur" | tr -d '[]')
        attempt_in_cgroup "$LOGIND_CG" "in logind's cgroup: write /sys/power/$f ($cur, its current value)" EPERM \
            open-file "/sys/power/$f" w "$cur"
    done
    # Never "disk" into state: only the open for writing is tried.
    attempt_in_cgroup "$LOGIND_CG" "in logind's cgroup: open /sys/power/state for writing (nothing written)" EPERM \
        open-file /sys/power/state w
    expect "back in the test's cgroup: root's hibernation" denied "$TRIG" hibernation
elif ! logind_grant; then
    not_ok "logind holds no hibernation exception, row 7 not tried :: CanHibernate=$(busctl get-property $BUS_NAME $BUS_PATH $BUS_NAME CanHibernate 2>&1) blocker: $(busctl get-property $BUS_NAME $BUS_PATH $BUS_NAME HibernateBlocker 2>&1)"
fi

echo "# row 10 (modprobe M dyndbg=+p): e2e-dyndbg-${LDVM_FLAVOUR:-KERNEL}"

section "collateral: namespaces, sandboxes, hardened units"
works "unshare -m umount -l /sys (its own copy)" unshare -m umount -l /sys
works "unshare -m: umount /sys/fs/bpf (its own copy)" unshare -m sh -c 'umount /sys/fs/bpf'
works "bwrap --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp true" \
    bwrap --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp true
works "bwrap --unshare-all (Flatpak's way: pivot_root, lazy umount of the old root)" \
    bwrap --unshare-all --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp true
nroot=$WORK/nspawn-root
rm -rf "$nroot"
mkdir -p "$nroot/bin" "$nroot/etc" "$nroot/usr/lib"
cp "$(command -v busybox)" "$nroot/bin/busybox"
cp /etc/os-release "$nroot/etc/os-release"
works "systemd-nspawn --ephemeral on a busybox root" \
    systemd-nspawn --quiet --register=no --ephemeral -D "$nroot" /bin/busybox true
works "systemd-run -p PrivateTmp=yes -p ProtectSystem=strict" \
    systemd-run --quiet --wait --collect -p PrivateTmp=yes -p ProtectSystem=strict true
held "the collateral checks"

# Detaching a link that enforcement survives (the dynamic-debug hook) comes
# before the mount rows; detaching link_locked_down comes last of all.
section "row 4: detaching a link through a pin fd"
# EPERM for the fd, or ENOTSUP (EOPNOTSUPP): the kernel's tracing links (LSM
# programs) have no detach operation (seen on 6.12 before the seal).
attempt "BPF_LINK_DETACH of link_dyndbg_open through BPF_OBJ_GET of its pin" 'EPERM|ENOTSUP' link-detach "$PIN/link_dyndbg_open"
# (a query that matches nothing: only the open for writing matters)
out=$(sh -c 'printf "module ldb_no_such_module +p" >/proc/dynamic_debug/control' 2>&1)
[[ $out == *"Operation not permitted"* ]] && ok "the dynamic_debug control file is still refused to root" ||
    not_ok "root opened /proc/dynamic_debug/control for writing :: ${out:-no error}"

# The syscalls that mount(8) and umount(8) make (their messages hide the
# errno): each must be EPERM, not the EINVAL or EBUSY of a check that only
# happens to come first.
section "row 5: mounts in the initial mount namespace"
mkdir -p /mnt/ldvm-x /mnt/ldvm-y
for spec in "/sys/fs/bpf /mnt/ldvm-x" "/sys /mnt/ldvm-y"; do
    read -r from to <<<"$spec"
    attempt "mount(2) MS_MOVE $from -> $to (mount --move; moved back if it works)" EPERM move-old "$from" "$to"
    attempt "move_mount(2) $from -> $to (the new mount API; moved back if it works)" EPERM move-mount "$from" "$to"
    held "moving $from"
done
# pivot_root(2) by a child whose root is a private tmpfs: a pivot that
# works moves nobody's root but the child's.
base=$WORK/pivot
mkdir -p "$base"
if mount -t tmpfs -o size=1m ldvm-pivot-a "$base" && mount --make-private "$base" && mkdir -p "$base/b" &&
    mount -t tmpfs -o size=1m ldvm-pivot-b "$base/b" && mount --make-private "$base/b" && mkdir -p "$base/b/new" &&
    mount -t tmpfs -o size=1m ldvm-pivot-new "$base/b/new" && mount --make-private "$base/b/new" &&
    mkdir -p "$base/b/new/old"; then
    attempt "pivot_root(2) in the initial mount namespace" EPERM pivot-root "$base"
else
    not_ok "pivot_root: cannot set up the private tmpfs mounts under $base"
fi
umount -R "$base" 2>/dev/null
held "pivot_root"
attempt "umount /sys" EPERM umount /sys
held "umount /sys"
attempt "umount -l /sys/fs/bpf (the bpffs itself)" EPERM umount /sys/fs/bpf lazy
held "umount -l /sys/fs/bpf"
# These two would take every pin with them: the second only if the first
# was refused (after a detached /sys, nothing below means anything).
attempt "umount -l /sys (the parent of our bpffs)" EPERM umount /sys lazy
if [[ -e $PIN/link_locked_down ]]; then
    held "umount -l /sys"
    attempt "umount -l / (umount2 MNT_DETACH)" EPERM umount / lazy
    held "umount -l /"
else
    not_ok "umount -l / not tried: /sys is gone already"
fi

section "row 4 (end): detaching the lockdown link"
attempt "BPF_LINK_DETACH of link_locked_down through BPF_OBJ_GET of its pin" 'EPERM|ENOTSUP' link-detach "$PIN/link_locked_down"
refused "bpftool link detach pinned link_locked_down" bpftool link detach pinned "$PIN/link_locked_down"
held "the link detach attempts"

section "after all attacks: enforcement holds"
expect "root, no grant: dev-mem" denied "$TRIG" dev-mem
expect "root, no grant: hibernation" denied "$TRIG" hibernation

section "the front door still works"
RAW=/usr/local/libexec/ldvm/ld-trigger
mkdir -p "${RAW%/*}"
install -m 0755 "$TRIG" "$RAW" && setcap cap_sys_rawio+ep "$RAW"
id=$(as_user "$LDCTL --no-ask-password request dev-mem --for 5min")
rc=$?
if [[ $rc -eq 0 && $id =~ ^[0-9a-f]{16}$ ]]; then
    ok "polkit-authorized lockdownctl request dev-mem from the session: $id"
    out=$(as_user "$RAW dev-mem")
    [[ $? -eq 0 ]] && ok "the session's dev-mem is allowed under its exception" || not_ok "session dev-mem :: $out"
    as_user "$LDCTL release $id" >/dev/null || not_ok "lockdownctl release $id"
else
    not_ok "lockdownctl request from the session: rc=$rc :: $id"
fi
# A process enters the cgroup before the grant exists (moving into a
# granted cgroup is something root should not be able to do), then waits.
mkdir -p /sys/fs/cgroup/ldvm-door
rm -f "$WORK/door.go"
in_cgroup ldvm-door bash -c 'until [[ -e $1 ]]; do read -rt 0.1 <> <(:); done; exec "$0" dev-mem' \
    "$TRIG" "$WORK/door.go" >"$WORK/door.out" 2>&1 &
door_pid=$!
gid=$(as_user "$LDCTL --no-ask-password grant dev-mem --cgroup /ldvm-door --for 2min")
rc=$?
: >"$WORK/door.go"
wait "$door_pid"
door_rc=$?
if [[ $rc -eq 0 && $gid =~ ^[0-9a-f]{16}$ ]]; then
    ok "polkit-authorized lockdownctl grant dev-mem --cgroup /ldvm-door: $gid"
    [[ $door_rc -eq 0 ]] && ok "a process in the granted cgroup: dev-mem allowed" ||
        not_ok "a process in the granted cgroup: rc=$door_rc :: $(cat "$WORK/door.out")"
    as_user "$LDCTL --no-ask-password revoke $gid" >/dev/null || not_ok "lockdownctl revoke $gid"
    expect "after the revoke: dev-mem in that cgroup" denied in_cgroup ldvm-door "$TRIG" dev-mem
else
    not_ok "lockdownctl grant from the session: rc=$rc :: $gid"
fi
modprobe binfmt_misc
out=$(as_user "$LDCTL --no-ask-password --json debug enable module binfmt_misc")
rc=$?
n=$(jq '.changed | length' <<<"$out" 2>/dev/null)
[[ $rc -eq 0 && ${n:-0} -gt 0 ]] && ok "lockdownctl debug enable module binfmt_misc from the session: $n callsites" ||
    not_ok "lockdownctl debug enable: rc=$rc :: $out"
as_user "$LDCTL --json debug reset" >/dev/null || not_ok "lockdownctl debug reset"
echo "# hibernation through the button's path: e2e-hibernate-${LDVM_FLAVOUR:-KERNEL}"

section "the stated limit: a stopped broker gives up its fds until the next boot"
# Last, because it ends the broker's service for this boot.
systemctl stop lockdown-broker.service
systemctl start lockdown-broker.service >/dev/null 2>&1
st=$(systemctl show -p ExecMainStatus --value lockdown-broker.service)
[[ $st == 78 ]] && ok "a broker started after a stop exits 78 (sealed, no fds) and is not restarted in a loop" ||
    not_ok "after stop+start: ExecMainStatus=$st :: $(journalctl -b -u lockdown-broker.service --no-pager -o cat | tail -4)"
assert_grep "it says why, and what still holds" "sealed and this broker did not get their fds" \
    "$(journalctl -b -u lockdown-broker.service --no-pager -o cat | tail -20)"
expect "enforcement holds without the broker: root's dev-mem" denied "$TRIG" dev-mem
expect "and root's hibernation" denied "$TRIG" hibernation

section "end"
finish
