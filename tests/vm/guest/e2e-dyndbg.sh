#!/bin/bash
# Dynamic debug end to end, on real systemd, dbus, logind and polkit in a
# `run-vm --systemd` guest with the project installed (run-suite --systemd):
# the dynamic-debug pseudo-reason keeps everyone, root included, from
# writing the dynamic_debug control file (through /proc, another procfs
# mount, and debugfs); ldbuser's active console session turns pr_debug on
# for binfmt_misc through the broker (lockdownctl debug), a debug message
# reaches the kernel log, injection attempts change nothing, and the flags
# come back when the session resets them and when it ends.
# Runs as root from ldvm-test.service, in no session; commands for the
# session go through the session agent (session.sh).
set -u
SUITE=e2e-dyndbg
here=$(dirname "$0")
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=session.sh
. "$here/session.sh"
# shellcheck source=broker.sh
. "$here/broker.sh"

LDCTL=/usr/bin/lockdownctl
CTL=$LDB_BUILD/tests/ld-testctl
BUS_NAME=org.freedesktop.LockdownBroker1
BUS_PATH=/org/freedesktop/LockdownBroker1
CONTROL=/proc/dynamic_debug/control
MID_DENIED=29417f12c63e4de89dc86de0dba98c7a
MID_CHANGED=28b303354dc14451bc6eae49f60ba504
MID_RESTORED=5b9bf9a5c38a4e7e8adbe3651d86993f
MID_FOREIGN=a5f1d393f9e04866b77a3dc6ffef75d7
MOD=binfmt_misc
# Section 7: a module with pr_debug callsites that nothing else here uses
# (6 callsites on Debian's 6.1 and 6.12).
FMOD=nbd
MODPROBE_CONF=/etc/modprobe.d/ldvm-e2e-dyndbg.conf
WORK=/var/lib/ldvm-e2e-dyndbg
mkdir -p "$WORK"

t_start=${EPOCHREALTIME/./}
section() {
    local now=${EPOCHREALTIME/./}
    echo "# --- $* (t+$(((now - t_start) / 1000)) ms)"
}
abort() {
    not_ok "$*"
    echo "# ABORTED: later checks need this"
    finish
    exit 1
}
# The flags of the module's callsites, one per line, sorted ("=p", "=_").
mod_flags() { grep " \[$MOD\]" "$CONTROL" | awk '{print $3}' | sort | uniq -c | sed 's/^ *//' | paste -sd' '; }
all_off() { ! grep " \[$MOD\]" "$CONTROL" | grep -vq ' =_ '; }
all_on() { ! grep " \[$MOD\]" "$CONTROL" | grep -vq ' =p '; }
f_sites() { grep " \[$FMOD\]" "$CONTROL"; }
f_flags() { f_sites | awk '{print $3}' | sort | uniq -c | sed 's/^ *//' | paste -sd' '; }
f_all_off() { [[ -n $(f_sites) ]] && ! f_sites | grep -vq ' =_ '; }
f_all_on() { [[ -n $(f_sites) ]] && ! f_sites | grep -vq ' =p '; }
# try_write FILE QUERY: open FILE for writing and write QUERY; prints the error.
try_write() { sh -c 'printf "%s" "$2" > "$1"' _ "$1" "$2" 2>&1; }

section "0. prerequisites"
session_wait 30 || abort "no session agent answers (harness)"
ok "session $LDVM_SESSION_ID of $LDVM_USER is up, agent pid $LDVM_AGENT_PID"
command -v jq >/dev/null || abort "jq is missing on the host image (apt-get install jq)"
[[ -r $CONTROL ]] || abort "$CONTROL is missing: this kernel has no dynamic debug"
modprobe "$MOD" || abort "modprobe $MOD failed"
n_sites=$(grep -c " \[$MOD\]" "$CONTROL")
[[ $n_sites -gt 0 ]] && ok "$MOD is loaded and has $n_sites dynamic debug callsites" ||
    abort "$MOD has no callsites in $CONTROL"
all_off && ok "$MOD's callsites start off ($(mod_flags))" || abort "$MOD's callsites are not all off: $(mod_flags)"
mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
[[ -w /proc/sys/fs/binfmt_misc/register ]] || abort "no binfmt_misc register file to trigger $MOD's pr_debug"
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
wait_for 30 systemctl is-active --quiet lockdown-broker.service || abort "lockdown-broker.service is not active"
assert "link of the dynamic-debug hook pinned" test -e /sys/fs/bpf/lockdown-broker/link_dyndbg_open
out=$("$CTL" policy 2>&1)
assert_grep "default policy: dynamic-debug=deny (Mode=integrity)" '^dynamic-debug=deny$' "$out"

polkit_allow org.freedesktop.LockdownBroker1.dynamic-debug 50-ldvm-e2e-dyndbg

section "5. nobody writes the control file directly"
before=$(sha256sum <"$CONTROL")
out=$(try_write "$CONTROL" "module $MOD +p")
[[ $out == *"Operation not permitted"* ]] && ok "root: open $CONTROL for writing: EPERM" ||
    not_ok "root could open $CONTROL for writing :: $out"
out=$(try_write /sys/kernel/debug/dynamic_debug/control "module $MOD +p")
[[ $out == *"Operation not permitted"* ]] && ok "root: open <debugfs>/dynamic_debug/control for writing: EPERM" ||
    not_ok "root through debugfs :: $out"
mkdir -p /run/ldvm-proc2
if mount -t proc proc /run/ldvm-proc2; then
    out=$(try_write /run/ldvm-proc2/dynamic_debug/control "module $MOD +p")
    [[ $out == *"Operation not permitted"* ]] && ok "root: a second procfs mount's control file: EPERM" ||
        not_ok "root through a second procfs mount :: $out"
    umount /run/ldvm-proc2
else
    not_ok "cannot mount a second procfs"
fi
touch /run/ldvm-bind
out=$(unshare --mount --propagation private sh -c \
    'mount --bind /proc/dynamic_debug/control /run/ldvm-bind && printf "module binfmt_misc +p" > /run/ldvm-bind' 2>&1)
[[ $out == *"Operation not permitted"* ]] && ok "root: a bind mount of the control file: EPERM" ||
    not_ok "root through a bind mount :: $out"
out=$(as_user "printf 'module $MOD +p' > $CONTROL")
rc=$?
[[ $rc -ne 0 ]] && ok "ldbuser in the session: cannot write $CONTROL ($out)" || not_ok "ldbuser wrote $CONTROL"
out=$(head -c 200 "$CONTROL" 2>&1)
[[ $out == "# filename:lineno"* ]] && ok "reading $CONTROL stays allowed" || not_ok "reading $CONTROL :: $out"
[[ $(sha256sum <"$CONTROL") == "$before" ]] && ok "the control file is unchanged" || not_ok "the control file changed"
journal_has 15 '.LOCKDOWN_REASON == "dynamic-debug" and .LOCKDOWN_UID == "0"' MESSAGE_ID=$MID_DENIED &&
    ok "journal: the refusals are denials of the dynamic-debug pseudo-reason" ||
    not_ok "no dynamic-debug denial in the journal :: $(journalctl -b -o json --no-pager MESSAGE_ID=$MID_DENIED | tail -2)"

section "6. injection attempts change nothing"
before=$(sha256sum <"$CONTROL")
long=$(printf 'a%.0s' $(seq 1 600))
declare -A inject=(
    [newline]="\$'module $MOD +p\\nmodule fuse +p'"
    [semicolon]="'module $MOD +p; module fuse +p'"
    [second-command]="'module $MOD +p module fuse +p'"
    [comment]="'module $MOD +p # x'"
    [control-char]="\$'module $MOD\\x01 +p'"
    [escape]="\$'module $MOD \\e[31m +p'"
    [cr]="\$'module $MOD +p\\r'"
    [overlong]="'module $long +p'"
    [global]="'module * +p'"
    [unknown-flag]="'module $MOD +u'"
)
for k in "${!inject[@]}"; do
    out=$(as_user "gdbus call --system --dest $BUS_NAME --object-path $BUS_PATH --method $BUS_NAME.SetDebug ${inject[$k]}")
    if [[ $out == *"$BUS_NAME.Error.InvalidArgument"* && $out == *"invalid dynamic debug query"* ]]; then
        ok "injection '$k': InvalidArgument ($(grep -o 'invalid dynamic debug query: [^(]*' <<<"$out" | head -c 120))"
    else
        not_ok "injection '$k' was not refused as an invalid argument :: $out"
    fi
done
[[ $(sha256sum <"$CONTROL") == "$before" ]] && ok "the control file is unchanged after the injection attempts" ||
    not_ok "an injection attempt changed the control file"

section "1-3. enable pr_debug for $MOD from the session"
out=$(as_user "$LDCTL --no-ask-password --json debug enable module $MOD")
rc=$?
n=$(jq '.changed | length' <<<"$out" 2>/dev/null)
if [[ $rc -eq 0 && $n -eq $n_sites ]]; then
    ok "lockdownctl debug enable module $MOD: $n callsites changed"
else
    abort "lockdownctl debug enable: rc=$rc :: $out"
fi
jq -e '.changed | all(.old_flags == "_" and .new_flags == "p" and .module == "binfmt_misc")' <<<"$out" >/dev/null &&
    ok "each change reads _ -> p for module $MOD" || not_ok "unexpected change list :: $out"
all_on && ok "the control file shows =p for all $n_sites callsites" || not_ok "control file: $(mod_flags)"
out=$(as_user "$LDCTL --json debug list module $MOD")
jq -e --arg s "$LDVM_SESSION_ID" '.callsites | length > 0 and all(.flags == "p" and .session == $s)' <<<"$out" >/dev/null &&
    ok "lockdownctl debug list: the callsites carry session $LDVM_SESSION_ID's change" || not_ok "debug list :: $out"
journal_has 15 ".LOCKDOWN_DEBUG_QUERY == \"module $MOD +p\" and .LOCKDOWN_DEBUG_CALLSITES == \"$n_sites\" and .LOCKDOWN_UID == \"1000\" and .LOCKDOWN_SESSION == \"$LDVM_SESSION_ID\" and (.LOCKDOWN_UNIT | startswith(\"session-\"))" \
    MESSAGE_ID=$MID_CHANGED && ok "journal: who (uid 1000, session $LDVM_SESSION_ID, its scope), what and how many" ||
    not_ok "no journal record of the change :: $(journalctl -b -o json --no-pager MESSAGE_ID=$MID_CHANGED | tail -1)"
# Trigger: registering a binfmt format runs create_entry()'s pr_debug()s.
dmesg -C
printf ':ldbtest:E::ldbtst::/bin/true:' >/proc/sys/fs/binfmt_misc/register
wait_for 10 eval "dmesg | grep -q 'register: interpreter: {/bin/true}'" &&
    ok "a debug message reached the kernel log: $(dmesg | grep -m1 'register: ' | head -c 120)" ||
    not_ok "no debug message from $MOD in the kernel log :: $(dmesg | tail -3)"
printf -- '-1' >/proc/sys/fs/binfmt_misc/ldbtest

# The flag letters are the running kernel's: 's' (source file name) came in 6.6.
out=$(as_user "$LDCTL --no-ask-password --json debug set 'module ldb_no_such_module +s'")
rc=$?
case $(uname -r) in
6.1.*) [[ $rc -eq 2 && $out == *"unknown flag 's'"* ]] && ok "6.1 has no flag 's': refused after asking the kernel" ||
    not_ok "flag 's' on 6.1: rc=$rc :: $out" ;;
*) [[ $rc -eq 0 ]] && jq -e '.changed == []' <<<"$out" >/dev/null && ok "$(uname -r) knows the flag 's' (nothing matched)" ||
    not_ok "flag 's' on $(uname -r): rc=$rc :: $out" ;;
esac

section "reset: ResetDebug puts it back"
out=$(as_user "$LDCTL --json debug reset")
n=$(jq '.restored | length' <<<"$out" 2>/dev/null)
[[ $n -eq $n_sites ]] && ok "lockdownctl debug reset: $n callsites restored" || not_ok "debug reset :: $out"
all_off && ok "the control file shows =_ again" || not_ok "after reset: $(mod_flags)"
journal_has 10 ".LOCKDOWN_WHY == \"reset\" and .LOCKDOWN_DEBUG_RESTORED == \"$n_sites\"" MESSAGE_ID=$MID_RESTORED &&
    ok "journal: put back (reset), $n_sites restored" || not_ok "no journal record of the reset"
dmesg -C
printf ':ldbtest:E::ldbtst::/bin/true:' >/proc/sys/fs/binfmt_misc/register
ldvm_sleep 0.5
! dmesg | grep -q 'register: ' && ok "after the reset, no debug message" || not_ok "debug messages still appear after the reset"
printf -- '-1' >/proc/sys/fs/binfmt_misc/ldbtest

section "locking the session puts the flags back"
out=$(as_user "$LDCTL --no-ask-password --json debug enable module $MOD")
[[ $(jq '.changed | length' <<<"$out" 2>/dev/null) -eq $n_sites ]] && ok "enabled again: $n_sites callsites" ||
    abort "enable before the lock :: $out"
loginctl lock-session "$LDVM_SESSION_ID"
wait_for 20 all_off && ok "lock-session: all $n_sites callsites are back to =_" || not_ok "lock-session: $(mod_flags)"
journal_has 10 ".LOCKDOWN_WHY == \"session-locked\" and .LOCKDOWN_DEBUG_RESTORED == \"$n_sites\"" MESSAGE_ID=$MID_RESTORED &&
    ok "journal: put back (session-locked)" || not_ok "no journal record of the revert at lock"

section "7. dyndbg= module parameters: changed without the broker, detected and reverted"
# The control file is closed, but modprobe applies a module's dyndbg=
# parameter inside load_module, where no LSM hook sees it. The broker finds
# such callsites after every module load (the BPF module-load notice) and
# when it starts, and puts them back.
journalctl -b -o cat --no-pager MESSAGE_ID=$MID_FOREIGN | sed 's/^/# before section 7: /'
if ! modinfo "$FMOD" >/dev/null 2>&1; then
    not_ok "module $FMOD is not available on $(uname -r): section 7 needs a module with pr_debug callsites"
else
    # a) modprobe M dyndbg=+p with the broker running: the module-load notice.
    modprobe -r "$FMOD" 2>/dev/null
    rm -f "$MODPROBE_CONF"
    modprobe "$FMOD" dyndbg=+p || not_ok "modprobe $FMOD dyndbg=+p failed"
    n_f=$(f_sites | wc -l)
    echo "# $FMOD loaded with dyndbg=+p: $n_f callsites, right after the load: $(f_flags)"
    [[ $n_f -gt 0 ]] && ok "$FMOD has $n_f dynamic debug callsites" || not_ok "$FMOD shows no callsites in $CONTROL"
    # Expected to fail until the BPF side emits LD_EVENT_MODULE_LOAD.
    wait_for 15 f_all_off && ok "modprobe $FMOD dyndbg=+p: within 15 s all $n_f callsites are =_ again" ||
        not_ok "modprobe $FMOD dyndbg=+p: still $(f_flags) after 15 s (the module-load notice)"
    journal_has 10 ".LOCKDOWN_DEBUG_MODULE == \"$FMOD\" and .LOCKDOWN_WHY == \"module-load\" and .LOCKDOWN_DEBUG_RESTORED == \"$n_f\"" \
        MESSAGE_ID=$MID_FOREIGN && ok "journal: $FMOD changed without the broker, reverted after the module load" ||
        not_ok "no journal record of the revert after the module load"

    # b) options M dyndbg=+p in modprobe.d, applied while the broker does not
    # run (at boot, before it starts): found when it comes back. The broker
    # is frozen, not stopped: a stop gives up its map fds until the next boot
    # (the seal). Back, it finds the change at its start check or through the
    # module-load notice still in the ring, whichever comes first.
    modprobe -r "$FMOD" || not_ok "modprobe -r $FMOD failed"
    echo "options $FMOD dyndbg=+p" >"$MODPROBE_CONF"
    systemctl kill -s STOP lockdown-broker.service
    modprobe "$FMOD" || not_ok "modprobe $FMOD (with $MODPROBE_CONF) failed"
    f_all_on && ok "options $FMOD dyndbg=+p in modprobe.d turned on all $(f_sites | wc -l) callsites (broker frozen)" ||
        not_ok "the modprobe.d option did not take effect: $(f_flags)"
    systemctl restart lockdown-broker.service
    wait_for 15 f_all_off && ok "broker back: all $FMOD callsites are =_ again" ||
        not_ok "broker back: $FMOD still $(f_flags)"
    journal_has 10 ".LOCKDOWN_DEBUG_MODULE == \"$FMOD\" and (.LOCKDOWN_WHY == \"start\" or .LOCKDOWN_WHY == \"module-load\") and .LOCKDOWN_DEBUG_RESTORED == .LOCKDOWN_DEBUG_CALLSITES and (.MESSAGE | contains(\"changed without the broker (module parameter or modprobe.d); reverted\"))" \
        MESSAGE_ID=$MID_FOREIGN && ok "journal: $FMOD changed without the broker, reverted at start ($(journalctl -b -o cat --no-pager MESSAGE_ID=$MID_FOREIGN LOCKDOWN_WHY=start | tail -1 | head -c 160))" ||
        not_ok "no journal record of the revert after the broker came back :: $(journalctl -b -o cat --no-pager MESSAGE_ID=$MID_FOREIGN | tail -2)"
    # c) what a session enabled through the broker stays: restarting with
    # binfmt_misc on for the session, then loading nbd with the option.
    modprobe -r "$FMOD"
    out=$(as_user "$LDCTL --no-ask-password --json debug enable module $MOD")
    if [[ $(jq '.changed | length' <<<"$out" 2>/dev/null) -eq $n_sites ]]; then
        systemctl kill -s STOP lockdown-broker.service
        modprobe "$FMOD"
        systemctl restart lockdown-broker.service
        wait_for 15 f_all_off && ok "start with a session's change in force: $FMOD reverted" ||
            not_ok "start with a session's change: $FMOD still $(f_flags)"
        all_on && ok "the session's change of $MOD is left alone (=p on all $n_sites)" ||
            not_ok "the session's change of $MOD was touched: $(mod_flags)"
        ! journal_match ".LOCKDOWN_DEBUG_MODULE == \"$MOD\"" MESSAGE_ID=$MID_FOREIGN >/dev/null &&
            ok "journal: no foreign-change record for $MOD" || not_ok "a foreign-change record names $MOD"
        as_user "$LDCTL --json debug reset" >/dev/null
        all_off || not_ok "debug reset after section 7: $(mod_flags)"
    else
        not_ok "enable $MOD for section 7c :: $out"
    fi
    rm -f "$MODPROBE_CONF"
    modprobe -r "$FMOD"
fi

section "4. ending the session puts the flags back"
out=$(as_user "$LDCTL --no-ask-password --json debug enable module $MOD --flags pmf")
jq -e '.changed | length > 0 and all(.new_flags == "pmf")' <<<"$out" >/dev/null &&
    ok "enabled again with --flags pmf" || abort "enable --flags pmf :: $out"
grep " \[$MOD\]" "$CONTROL" | grep -q ' =pmf ' && ok "control file: =pmf" || not_ok "control file: $(mod_flags)"
ls /run/lockdown-broker/dynamic-debug/*.change >/dev/null 2>&1 && ok "the change is recorded under /run/lockdown-broker/dynamic-debug" ||
    not_ok "no record under /run/lockdown-broker/dynamic-debug"
# A restart of the daemon keeps the change and its record.
old=$(systemctl show -p MainPID --value lockdown-broker.service)
kill -9 "$old"
restarted() {
    local p
    p=$(systemctl show -p MainPID --value lockdown-broker.service)
    [[ $p != 0 && $p != "$old" ]] && systemctl is-active --quiet lockdown-broker.service
}
wait_for 30 restarted && ok "lockdown-brokerd restarted after kill -9" || not_ok "lockdown-brokerd not restarted"
grep " \[$MOD\]" "$CONTROL" | grep -q ' =pmf ' && ok "after the restart: still =pmf (the session is active)" ||
    not_ok "after the restart: $(mod_flags)"
! journal_match ".LOCKDOWN_DEBUG_MODULE == \"$MOD\"" MESSAGE_ID=$MID_FOREIGN >/dev/null &&
    ok "the restart's check for foreign changes left the session's =pmf alone" ||
    not_ok "the restart reported the session's change of $MOD as foreign"
loginctl terminate-session "$LDVM_SESSION_ID"
if wait_for 30 all_off; then
    ok "terminate-session: all $n_sites callsites are back to =_"
else
    not_ok "terminate-session: flags not restored: $(mod_flags)"
fi
journal_has 15 ".LOCKDOWN_WHY == \"session-removed\" and .LOCKDOWN_SESSION == \"$LDVM_SESSION_ID\" and .LOCKDOWN_DEBUG_RESTORED == \"$n_sites\"" \
    MESSAGE_ID=$MID_RESTORED && ok "journal: put back (session-removed), $n_sites restored" ||
    not_ok "no journal record of the revert at logout :: $(journalctl -b -o json --no-pager MESSAGE_ID=$MID_RESTORED | tail -1)"
ls /run/lockdown-broker/dynamic-debug/*.change >/dev/null 2>&1 && not_ok "a record is left after the revert" ||
    ok "no record left under /run/lockdown-broker/dynamic-debug"

section "end"
finish
