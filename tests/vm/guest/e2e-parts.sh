#!/bin/bash
# One part of enforcement cannot load, in a `run-vm --systemd` guest with the
# project installed: lockdown-enforce.service at boot runs with
# LOCKDOWN_BROKER_TEST_UNLOADABLE=<part> (ld.unit_env= on the kernel
# command line), which points that part's programs at a hook no kernel has,
# so their load fails for real, as a renamed kernel field makes it fail.
#   dynamic-debug: enforcement still holds, and the gap is loud: a catalogued
#                  journal warning, the record, Notice and lockdownctl status.
#   locked-down:   nothing is enforced, and lockdownctl status says
#                  "not enforcing" with the cause.
# Needs: LDB_BUILD (meson build dir, for ld-trigger).
set -u
SUITE=e2e-parts
here=$(dirname "$0")
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=session.sh
. "$here/session.sh"

TRIG=$LDB_BUILD/tests/vm/ld-trigger
LDCTL=/usr/bin/lockdownctl
PINS=/sys/fs/bpf/lockdown-broker
RECORD=/run/lockdown-broker/enforcement
MID_PART_MISSING=69dad4bf7a504a6197295bd0edd0033e
MID_NOT_ENFORCING=35c2237459da4e2baefbea53e4630e9a

part=''
read -r -a words </proc/cmdline
for w in "${words[@]}"; do
    case $w in ld.unit_env=lockdown-enforce.service:LOCKDOWN_BROKER_TEST_UNLOADABLE=*) part=${w#*UNLOADABLE=} ;; esac
done
[[ -n $part ]] || abort "no ld.unit_env=lockdown-enforce.service:LOCKDOWN_BROKER_TEST_UNLOADABLE=PART on the kernel command line"
section "$part cannot load"

# The hook points the part's programs at an LSM hook no kernel has: the
# cause names the program and the missing hook.
case $part in dynamic-debug) prog=ld_dyndbg_open ;; *) prog=ld_locked_down ;; esac
cause_re="prog '$prog': this kernel has no LSM hook ldb_test_no_such_hook"
# lockdownctl wraps its Notice: compare it as one line.
flat() { tr -s '\n ' ' '; }
journal_match() { # MESSAGE_ID PART
    journalctl -b -o json --no-pager MESSAGE_ID="$1" |
        jq -e -s --arg p "$2" --arg re "$cause_re" 'map(select(.LOCKDOWN_PART == $p and (.LOCKDOWN_CAUSE | test($re)))) | length > 0'
}

case $part in
dynamic-debug)
    assert "lockdown-enforce.service succeeded without the dynamic-debug part" \
        systemctl is-active --quiet lockdown-enforce.service
    [[ -e $PINS/link_locked_down ]] && ok "locked_down link pinned" || not_ok "locked_down link missing: $(ls $PINS)"
    [[ ! -e $PINS/link_dyndbg_open ]] && ok "dynamic-debug link not pinned" ||
        not_ok "dynamic-debug link pinned, the test hook did not take"
    n=$(ls "$PINS" | grep -c '^link_protect_')
    [[ $n -eq 8 ]] && ok "pin protection loaded (8 links: pins and the mounts above them)" || not_ok "pin protection: $n links"
    expect "enforcement holds: root refused dev-mem" denied "$TRIG" dev-mem
    # The gap is real, which is why it must be said.
    if (exec 3>>/proc/dynamic_debug/control) 2>/dev/null; then
        ok "the gap is real: root opens /proc/dynamic_debug/control for writing"
    else
        not_ok "root could not open the control file although its protection is missing"
    fi
    assert_grep "the record names the part and the cause" \
        '^dynamic-debug	missing	'"$cause_re" "$(cat "$RECORD" 2>&1)"
    wait_for 10 journal_match "$MID_PART_MISSING" dynamic-debug &&
        ok "journal: catalogued warning (MESSAGE_ID $MID_PART_MISSING, LOCKDOWN_PART=dynamic-debug)" ||
        not_ok "no part-missing journal record :: $(journalctl -b -u lockdown-enforce.service --no-pager | tail -5)"
    prio=$(journalctl -b -o json --no-pager MESSAGE_ID=$MID_PART_MISSING | jq -r -s '.[0].PRIORITY')
    [[ $prio == 4 ]] && ok "journal: priority warning" || not_ok "journal priority $prio, wanted 4"
    assert_grep "the catalog explains it (journalctl -x)" 'did not load' \
        "$(journalctl -b -x --no-pager MESSAGE_ID=$MID_PART_MISSING 2>&1)"
    wait_for 30 systemctl is-active --quiet lockdown-broker.service ||
        systemctl start lockdown-broker.service
    out=$("$LDCTL" status 2>&1 | flat)
    assert_grep "lockdownctl status: enforcing" 'Enforcing: yes' "$out"
    assert_grep "lockdownctl status names the missing part" 'dynamic-debug protection did not load' "$out"
    assert_grep "lockdownctl status says what it means" 'dynamic_debug/control' "$out"
    notice=$(busctl --json=short get-property org.freedesktop.LockdownBroker1 /org/freedesktop/LockdownBroker1 \
        org.freedesktop.LockdownBroker1 Notice 2>&1 | jq -r .data)
    assert_grep "Notice property names the part and the cause" 'dynamic-debug protection.*'"$cause_re" "$notice"
    js=$("$LDCTL" --json status 2>/dev/null)
    jq -e '.enforcing == true and (.notice | test("dynamic-debug"))' <<<"$js" >/dev/null &&
        ok "lockdownctl --json status: enforcing, notice names the part" || not_ok "json status :: $js"
    ;;
locked-down)
    wait_for 20 eval '[[ $(systemctl show -p ActiveState --value lockdown-enforce.service) == failed ]]' &&
        ok "lockdown-enforce.service failed, visibly" ||
        not_ok "lockdown-enforce.service is $(systemctl show -p ActiveState --value lockdown-enforce.service)"
    [[ ! -e $PINS/link_locked_down ]] && ok "no locked_down link pinned" || not_ok "a locked_down link is pinned"
    # Honest: with the program not loaded nothing is enforced.
    expect "nothing enforced: root may open /dev/mem" allowed "$TRIG" dev-mem
    wait_for 10 journal_match "$MID_NOT_ENFORCING" locked-down &&
        ok "journal: not-enforcing record (MESSAGE_ID $MID_NOT_ENFORCING) with the cause" ||
        not_ok "no not-enforcing record :: $(journalctl -b -u lockdown-enforce.service --no-pager | tail -5)"
    out=$("$LDCTL" status 2>&1)
    rc=$?
    out=$(flat <<<"$out")
    [[ $rc -eq 5 ]] && ok "lockdownctl status exits 5 (broker unreachable)" || not_ok "status rc $rc :: $out"
    assert_grep "lockdownctl status: Enforcing: no" 'Enforcing: no' "$out"
    assert_grep "lockdownctl status: not enforcing, with the cause" 'not enforcing.*program did not load' \
        "$out"
    assert_grep "lockdownctl status: the cause names the program and the missing hook" "$cause_re" "$out"
    # stdout alone: the "not reachable" message goes to stderr, and --json promises JSON on stdout.
    js=$("$LDCTL" --json status 2>/dev/null)
    rc=$?
    [[ $rc -eq 5 ]] && ok "lockdownctl --json status exits 5" || not_ok "json status rc $rc"
    jq -e '.enforcing == false and (.cause | test($re))' --arg re "$cause_re" <<<"$js" >/dev/null &&
        ok "lockdownctl --json status: enforcing false, cause" || not_ok "json status :: $js"
    ;;
*)
    abort "unknown part '$part'"
    ;;
esac
finish
