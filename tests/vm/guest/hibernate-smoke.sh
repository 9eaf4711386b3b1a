#!/bin/bash
# The hibernation harness itself, without the broker: runs from
# ldvm-test.service in a `run-vm --systemd --root-image --swap-drive FILE`
# guest (tests/vm/lib/hibernate-harness runs both phases). The phase comes
# from the kernel command line, ldvm.smoke=PHASE:
#
#   integrity  (swap: luks2-integrity, no hibernation) the initramfs opened
#              the LUKS2 --integrity swap as /dev/mapper/NAME and found no
#              image; the booted system sees the mapping, `cryptsetup
#              status` reports the integrity, /sys/power/resume points at
#              it, and it works as swap.
#   hibernate  (swap: plain, run-vm --resumes 2) ldbuser's session starts a
#              process that holds a random token only in memory and writes
#              another token to a tmpfs file; root writes one to /tmp; then
#              two hibernate/resume cycles, each into a new QEMU process,
#              and after each: same boot, the process alive with its token,
#              the tmpfs files intact, the logind session still Active, and
#              dbus, logind, the session agent and systemd answer.
#
# The kernel's own writer is used, so never with a dm-integrity swap (it
# loses images there: tests/vm/hibernate/README.md).
# SC2015: ok/not_ok always succeed, so `check && ok || not_ok` is an if/else.
# SC2016: the single-quoted commands are expanded by the session agent.
# shellcheck disable=SC2015,SC2016
set -u
SUITE=hibernate-smoke
here=$(dirname "$0")
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=session.sh
. "$here/session.sh"
# shellcheck source=../lib/hibernate.sh
. "$here/../lib/hibernate.sh"

abort() {
    not_ok "$*"
    echo "# ABORTED: later checks need this"
    finish
    exit 1
}

phase=''
read -r -a words </proc/cmdline
for w in "${words[@]}"; do
    case $w in ldvm.smoke=*) phase=${w#ldvm.smoke=} ;; esac
done
echo "# phase: ${phase:-none}"
[[ ${LDVM_SYSTEMD:-} == 1 ]] || abort "not a --systemd guest"
session_wait 60 || abort "no session agent answers"
ldvm_swap_info || abort "no swap set up by the initramfs"
echo "# swap: disk $LDVM_SWAP_DISK, device $LDVM_SWAP_DEV ($LDVM_SWAP_MAJMIN), type $LDVM_SWAP_TYPE," \
    "integrity '${LDVM_SWAP_INTEGRITY}', resume $LDVM_SWAP_RESUME, header $LDVM_SWAP_HEADER"
[[ $(findmnt -no FSTYPE /) == overlay ]] && ok "root is the overlay" || not_ok "root is $(findmnt -no FSTYPE,SOURCE /)"
# The lower layers must be block devices, not 9p (9p does not survive a resume).
if grep -q ' 9p ' /proc/mounts; then
    not_ok "a 9p mount is present: $(grep ' 9p ' /proc/mounts)"
else
    ok "no 9p mount (root image mode)"
fi
[[ $LDVM_SWAP_RESUME == none ]] && ok "the initramfs found no image at the first boot" ||
    not_ok "the initramfs says resume=$LDVM_SWAP_RESUME at the first boot"
[[ $(</sys/power/resume) == "$LDVM_SWAP_MAJMIN" ]] && ok "/sys/power/resume is the swap ($LDVM_SWAP_MAJMIN)" ||
    not_ok "/sys/power/resume is $(</sys/power/resume), not $LDVM_SWAP_MAJMIN"

# ---------------------------------------------------------------------------
if [[ $phase == integrity ]]; then
    name=${LDVM_SWAP_DEV#/dev/mapper/}
    [[ $LDVM_SWAP_TYPE == luks ]] || abort "swap type is $LDVM_SWAP_TYPE, want luks (mkswapdisk luks2-integrity)"
    [[ -b /dev/mapper/$name ]] && ok "/dev/mapper/$name exists in the booted system" || not_ok "/dev/mapper/$name missing"
    st=$(cryptsetup status "$name" 2>&1)
    while IFS= read -r l; do echo "#   $l"; done <<<"$st"
    assert_grep "cryptsetup status: active" "is active" "$st"
    assert_grep "cryptsetup status: LUKS2" "type: +LUKS2" "$st"
    assert_grep "cryptsetup status: integrity hmac(sha256)" "integrity: +hmac\(sha256\)" "$st"
    assert_grep "cryptsetup status: on the swap disk $LDVM_SWAP_DISK" "device: +$LDVM_SWAP_DISK\$" "$st"
    tbl=$(dmsetup table "${name}_dif" 2>&1)
    assert_grep "dm-integrity target under it (${name}_dif)" "^0 [0-9]+ integrity " "$tbl"
    [[ $LDVM_SWAP_INTEGRITY == "hmac(sha256)" ]] && ok "the initramfs reported the integrity" ||
        not_ok "LDVM_SWAP_INTEGRITY='$LDVM_SWAP_INTEGRITY'"
    assert "swapon on the mapping" swapon "$LDVM_SWAP_DEV"
    assert_grep "it is in /proc/swaps" "^$(readlink -f "$LDVM_SWAP_DEV") " "$(cat /proc/swaps)"
    assert "swapoff" swapoff "$LDVM_SWAP_DEV"
    finish
    exit
fi
[[ $phase == hibernate ]] || abort "ldvm.smoke= must be integrity or hibernate (got '$phase')"

# ---------------------------------------------------------------------------
sid=$LDVM_SESSION_ID
boot_id=$(</proc/sys/kernel/random/boot_id)
work=/var/lib/ldvm-hibernate-smoke
mkdir -p "$work"
chmod 0755 "$work"
# The token holder: a process of the session that keeps a random token only
# in its memory; on SIGUSR1 it writes it to a new file in $XDG_RUNTIME_DIR.
cat >"$work/holder.sh" <<'EOF'
tok=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
n=0
reply() { n=$((n + 1)); echo "$tok" >"$XDG_RUNTIME_DIR/holder.reply.$n.tmp"; mv "$XDG_RUNTIME_DIR/holder.reply.$n.tmp" "$XDG_RUNTIME_DIR/holder.reply.$n"; }
trap reply USR1
echo "$$ $tok" >"$XDG_RUNTIME_DIR/holder.announce.tmp"
mv "$XDG_RUNTIME_DIR/holder.announce.tmp" "$XDG_RUNTIME_DIR/holder.announce"
while :; do sleep 3600 & wait; done
EOF
chmod 0644 "$work/holder.sh"
rundir=/run/user/1000
holder_pid=$(as_user_bg "exec bash $work/holder.sh")
wait_for 20 test -s "$rundir/holder.announce" || abort "the token holder did not start (pid '$holder_pid')"
read -r hpid holder_tok <"$rundir/holder.announce"
rm -f "$rundir/holder.announce"   # from now on the token is only in the process's memory
[[ $hpid == "$holder_pid" ]] && ok "token holder $hpid runs in the session" || not_ok "holder announced pid $hpid, started $holder_pid"
read -r hcg </proc/"$hpid"/cgroup
[[ $hcg == "0::/user.slice/user-1000.slice/session-$sid.scope" ]] && ok "holder is in session-$sid.scope" || not_ok "holder cgroup: $hcg"
file_tok=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
out=$(as_user "echo $file_tok >\"\$XDG_RUNTIME_DIR/ldvm-token\" && df --output=fstype \"\$XDG_RUNTIME_DIR\" | tail -n1")
[[ $out == tmpfs ]] && ok "session wrote a token to a tmpfs file (\$XDG_RUNTIME_DIR)" || not_ok "session token file: $out"
root_tok=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
echo "$root_tok" >/tmp/ldvm-root-token
[[ $(findmnt -no FSTYPE /tmp) == tmpfs ]] && ok "root wrote a token to /tmp (tmpfs)" || not_ok "/tmp is not tmpfs"
assert "swapon $LDVM_SWAP_DEV" ldvm_swapon
echo "# memory before hibernating: $(free -m | awk '/^Mem:/ {print "used " $3 " MiB, free " $4 " MiB"}'); swap: $(tail -n +2 /proc/swaps | tr -s ' ' | tr '\n' ';')"

# After each resume.
check_after_resume() { # CYCLE
    local c=$1 n reply out st
    [[ $(</proc/sys/kernel/random/boot_id) == "$boot_id" ]] && ok "cycle $c: same boot (boot_id unchanged)" ||
        not_ok "cycle $c: boot_id changed: this is a fresh boot, not a resume"
    if kill -0 "$hpid" 2>/dev/null; then
        ok "cycle $c: token holder $hpid is alive"
        n=$c
        kill -USR1 "$hpid"
        if wait_for 20 test -s "$rundir/holder.reply.$n"; then
            reply=$(<"$rundir/holder.reply.$n")
            [[ $reply == "$holder_tok" ]] && ok "cycle $c: the holder still has its token in memory" ||
                not_ok "cycle $c: holder token '$reply', want '$holder_tok'"
        else
            not_ok "cycle $c: the holder did not answer SIGUSR1"
        fi
    else
        not_ok "cycle $c: token holder $hpid is gone"
    fi
    out=$(as_user 'cat "$XDG_RUNTIME_DIR/ldvm-token"')
    [[ $out == "$file_tok" ]] && ok "cycle $c: the session's tmpfs file is intact" || not_ok "cycle $c: session token file: '$out'"
    [[ $(</tmp/ldvm-root-token) == "$root_tok" ]] && ok "cycle $c: root's /tmp file is intact" || not_ok "cycle $c: /tmp token changed"
    st=$(loginctl show-session "$sid" -p Active -p State --value 2>&1 | tr '\n' ' ')
    [[ $st == "yes active " ]] && ok "cycle $c: logind: session $sid still Active=yes State=active" || not_ok "cycle $c: session $sid: $st"
    out=$(busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId 2>&1)
    assert_grep "cycle $c: dbus answers (GetId)" '^s "[0-9a-f]{32}"$' "$out"
    out=$(busctl call org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager GetSession s "$sid" 2>&1)
    assert_grep "cycle $c: logind answers (GetSession $sid)" "^o \"/org/freedesktop/login1/session/" "$out"
    out=$(AS_USER_TIMEOUT=30 as_user 'id -un; loginctl show-session "$XDG_SESSION_ID" -p Active --value')
    assert_grep "cycle $c: the session agent answers, session active from the inside" $'^ldbuser\nyes$' "$out"
    st=$(systemctl is-system-running 2>&1)
    [[ $st == running ]] && ok "cycle $c: systemd: $st" ||
        not_ok "cycle $c: systemd state $st :: $(systemctl --failed --no-pager --plain 2>&1 | head -5)"
    if out=$(pkcheck --action-id org.freedesktop.login1.reboot --process $$ 2>&1); then
        ok "cycle $c: polkit answers"
    else
        not_ok "cycle $c: pkcheck :: $out"
    fi
    [[ $(</sys/power/resume) == "$LDVM_SWAP_MAJMIN" ]] && ok "cycle $c: /sys/power/resume still the swap" ||
        not_ok "cycle $c: /sys/power/resume is $(</sys/power/resume)"
    grep -q "^$(readlink -f "$LDVM_SWAP_DEV") " /proc/swaps && ok "cycle $c: the swap is still on" || not_ok "cycle $c: the swap is off"
}

for cycle in 1 2; do
    echo "# --- cycle $cycle: hibernate"
    # The kernel's PM lines (image size, write speed) on the console.
    if LDVM_HIB_PRINTK=7 ldvm_hibernate shutdown; then
        ok "cycle $cycle: hibernated and resumed"
        check_after_resume "$cycle"
    else
        abort "cycle $cycle: hibernation failed (see above)"
    fi
done
assert "swapoff after two cycles" swapoff "$LDVM_SWAP_DEV"
read -r up _ </proc/uptime
echo "# uptime at the end (includes the time spent hibernated): $up"
finish
