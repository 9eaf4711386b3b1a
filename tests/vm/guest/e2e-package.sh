#!/bin/bash
# The Debian package in a `run-vm --systemd` guest without the project
# installed (run-suite --no-stage): dpkg -i of the packages that
# tests/vm/lib/build-debs made on the host, then two upgrades (one whose
# enforcement program matches the running one, one whose does not), remove
# and purge. Enforcement is checked at each step, and a probe loop opens
# /dev/mem all through each upgrade and the removal: not a single open may
# succeed once enforcement is on.
# Needs: LDB_BUILD (meson build dir: vm/debs/v1..v3 and ld-trigger).
set -u
SUITE=e2e-package
here=$(dirname "$0")
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=session.sh
. "$here/session.sh" # wait_for, ldvm_sleep

DEBS=$LDB_BUILD/vm/debs
TRIG=$LDB_BUILD/tests/vm/ld-trigger
PINS=/sys/fs/bpf/lockdown-broker
RECORD=/run/lockdown-broker.bpf.sha256
WORK=/var/lib/ldvm-e2e-package
mkdir -p "$WORK"
PKGS=(lockdown-broker liblockdown-broker-1-0 liblockdown-broker-dev gir1.2-lockdownbroker-1)

# probe_start NAME / probe_stop: a loop that opens /dev/mem (the dev-mem
# reason; root has CAP_SYS_RAWIO, so a refusal is lockdown's) every 30 ms
# and writes one letter per try to $WORK/NAME.probe: a = opened, d = refused.
# No exec per try: the open is bash's own.
probe_pid=''
probe_start() {
    probe_file=$WORK/$1.probe
    : >"$probe_file"
    rm -f "$WORK/stop"
    (
        while [[ ! -e $WORK/stop ]]; do
            if { exec {fd}</dev/mem; } 2>/dev/null; then
                exec {fd}<&-
                printf a
            else
                printf d
            fi
            ldvm_sleep 0.03
        done >>"$probe_file"
    ) &
    probe_pid=$!
    # At least one try before the caller goes on.
    wait_for 10 test -s "$probe_file"
}
probe_stop() {
    : >"$WORK/stop"
    wait "$probe_pid"
    probe_pid=''
}
# probe_check WANT NAME: every try of the last loop gave WANT (d or a).
probe_check() {
    local s tries other what=refused
    [[ $1 == d ]] || what=opened
    s=$(cat "$probe_file")
    tries=${#s}
    other=$(tr -d "$1" <<<"$s")
    if [[ $tries -ge 5 && -z $other ]]; then
        ok "$2: all $tries tries: /dev/mem $what"
    else
        not_ok "$2: $tries tries, ${#other} not '$1' (a = opened, d = refused): $(head -c 300 <<<"$s")"
    fi
}
unit_prop() { systemctl show -P "$2" "$1"; }
pin_inode() { stat -c %i "$PINS/link_locked_down" 2>/dev/null; }
install_all() { # DIR LOG
    dpkg -i "$1"/*.deb >"$2" 2>&1
}

section "0. prerequisites"
for v in v1 v2 v3; do
    ls "$DEBS/$v"/lockdown-broker_*.deb >/dev/null 2>&1 || abort "no packages in $DEBS/$v (tests/vm/lib/build-debs)"
done
[[ -x $TRIG ]] || abort "missing $TRIG"
[[ ! -e /usr/sbin/lockdown-brokerd && ! -e $PINS ]] ||
    abort "the guest already has lockdown-broker (installed or enforcing) before the package"
ok "packages v1, v2, v3 built; nothing of lockdown-broker in the guest yet"
# The man-db trigger would rebuild the index over 9p (minutes under TCG).
rm -f /var/lib/man-db/auto-update
# The host's root (a container) carries a policy-rc.d that forbids starting
# services from maintainer scripts (exit 101); a laptop has none. The guest
# writes to its own overlay.
rm -f /usr/sbin/policy-rc.d
# The probe can see an open: nothing enforces yet.
probe_start before
ldvm_sleep 0.5
probe_stop
probe_check a "before the package (the probe can fail)"

section "1. install"
if install_all "$DEBS/v1" "$WORK/install.log"; then ok "dpkg -i v1"; else not_ok "dpkg -i v1 :: $(tail -20 "$WORK/install.log")"; fi
sed 's/^/#   /' "$WORK/install.log"
assert_grep "postinst says enforcement is now on for the running system" 'enforcement is now ON for the running system' \
    "$(cat "$WORK/install.log")"
for u in lockdown-enforce lockdown-broker lockdown-swap-guard; do
    [[ $(systemctl is-enabled $u.service 2>&1) == enabled ]] && ok "$u.service enabled" ||
        not_ok "$u.service not enabled: $(systemctl is-enabled $u.service 2>&1)"
done
assert "lockdown-enforce.service active" systemctl is-active --quiet lockdown-enforce.service
[[ $(systemctl is-active lockdown-swap-guard.service) != active ]] && ok "lockdown-swap-guard.service not started on the live system" ||
    not_ok "postinst started lockdown-swap-guard.service"
wait_for 30 systemctl is-active --quiet lockdown-broker.service &&
    ok "lockdown-broker.service active" || not_ok "lockdown-broker.service: $(systemctl status --no-pager lockdown-broker.service 2>&1 | tail -8)"
expect "root refused dev-mem after install" denied "$TRIG" dev-mem
assert_grep "lockdownctl status: enforcing" 'Enforcing: yes' "$(lockdownctl status 2>&1)"
cmp -s "$RECORD" /usr/lib/lockdown-broker/lockdown.bpf.sha256 && ok "the drop-in recorded the enforcing object" ||
    not_ok "record $RECORD: $(cat "$RECORD" 2>&1)"
# An admin's configuration, for purge to remove.
mkdir -p /etc/lockdown-broker/broker.conf.d
printf '[Lockdown]\nDeny=kcore\n' >/etc/lockdown-broker/broker.conf.d/50-admin.conf

# upgrade DIR NAME: dpkg -i DIR with the probe running; enforcement must
# never stop: not one open, the same pin (inode) and the same run of
# lockdown-enforce.service.
upgrade() {
    local dir=$1 name=$2 inv ino
    inv=$(unit_prop lockdown-enforce.service InvocationID) ino=$(pin_inode)
    probe_start "$name"
    if install_all "$dir" "$WORK/$name.log"; then ok "$name: dpkg -i"; else not_ok "$name: dpkg -i :: $(tail -20 "$WORK/$name.log")"; fi
    ldvm_sleep 0.3
    probe_stop
    sed 's/^/#   /' "$WORK/$name.log"
    probe_check d "$name: enforcement throughout"
    [[ $(unit_prop lockdown-enforce.service InvocationID) == "$inv" ]] &&
        ok "$name: lockdown-enforce.service neither stopped nor restarted" ||
        not_ok "$name: lockdown-enforce.service has a new invocation"
    [[ -n $ino && $(pin_inode) == "$ino" ]] && ok "$name: the same pinned link (inode $ino)" ||
        not_ok "$name: pinned link inode $ino -> $(pin_inode)"
    assert_grep "$name: says the new program takes effect at the next boot" 'takes effect at the next boot' \
        "$(cat "$WORK/$name.log")"
    expect "$name: root refused dev-mem" denied "$TRIG" dev-mem
}

section "2. upgrade, same enforcement program"
pid=$(unit_prop lockdown-broker.service MainPID)
upgrade "$DEBS/v2" upgrade-same
[[ $(dpkg-query -W -f='${Version}' lockdown-broker) == *+ldvm1 ]] && ok "v2 installed" ||
    not_ok "installed version $(dpkg-query -W -f='${Version}' lockdown-broker)"
wait_for 30 systemctl is-active --quiet lockdown-broker.service
npid=$(unit_prop lockdown-broker.service MainPID)
[[ $npid != 0 && $npid != "$pid" ]] && ok "lockdown-brokerd restarted ($pid -> $npid)" ||
    not_ok "lockdown-brokerd not restarted: MainPID $pid -> $npid"
assert_grep "the restarted broker got the maps (lockdownctl status)" 'Enforcing: yes' "$(lockdownctl status 2>&1)"
assert_grep "the restarted broker took the map fds from the fd store" 'from systemd.s fd store' \
    "$(journalctl -b -u lockdown-broker.service _PID="$npid" --no-pager 2>&1)"

section "3. upgrade, another enforcement program"
# As if the running program came from another build.
echo 0000000000000000000000000000000000000000000000000000000000000000 >"$RECORD"
pid=$(unit_prop lockdown-broker.service MainPID)
upgrade "$DEBS/v3" upgrade-other
[[ $(unit_prop lockdown-broker.service MainPID) == "$pid" ]] && ok "lockdown-brokerd kept running (pid $pid)" ||
    not_ok "lockdown-brokerd restarted under another program: $pid -> $(unit_prop lockdown-broker.service MainPID)"
assert_grep "says the running broker stays until the next boot" 'lockdown-brokerd is kept until the next boot' \
    "$(cat "$WORK/upgrade-other.log")"

section "4. remove"
probe_start remove
dpkg -r "${PKGS[@]}" >"$WORK/remove.log" 2>&1 && ok "dpkg -r" || not_ok "dpkg -r :: $(tail -20 "$WORK/remove.log")"
ldvm_sleep 0.3
probe_stop
sed 's/^/#   /' "$WORK/remove.log"
probe_check d "remove: enforcement throughout"
assert_grep "says enforcement stays until the next boot" 'enforcement stays in place until the next boot' \
    "$(cat "$WORK/remove.log")"
[[ ! -e /usr/sbin/lockdown-brokerd && ! -e /usr/bin/lockdownctl ]] && ok "the programs are gone" || not_ok "programs left after dpkg -r"
[[ $(systemctl is-active lockdown-broker.service) != active ]] && ok "lockdown-broker.service stopped" ||
    not_ok "lockdown-broker.service still active"
[[ -e $PINS/link_locked_down ]] && ok "the pins stay" || not_ok "pins gone after dpkg -r"
expect "root refused dev-mem after remove" denied "$TRIG" dev-mem
[[ -f /etc/lockdown-broker/broker.conf.d/50-admin.conf ]] && ok "remove keeps /etc/lockdown-broker" ||
    not_ok "remove deleted the admin's configuration"

section "5. purge"
dpkg -P "${PKGS[@]}" >"$WORK/purge.log" 2>&1 && ok "dpkg -P" || not_ok "dpkg -P :: $(tail -20 "$WORK/purge.log")"
sed 's/^/#   /' "$WORK/purge.log"
[[ ! -e /etc/lockdown-broker ]] && ok "purge removed /etc/lockdown-broker" || not_ok "/etc/lockdown-broker left: $(ls -R /etc/lockdown-broker)"
left=$(find /etc/systemd/system -name 'lockdown-*' 2>/dev/null)
[[ -z $left ]] && ok "no unit symlinks left" || not_ok "unit symlinks left: $left"
dpkg-query -W -f='${db:Status-Abbrev}' lockdown-broker 2>/dev/null | grep -q '^ii' &&
    not_ok "lockdown-broker still installed" || ok "lockdown-broker not installed"
expect "root refused dev-mem after purge (until the next boot)" denied "$TRIG" dev-mem

finish
