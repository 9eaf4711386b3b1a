#!/bin/bash
# No way into a granted cgroup from outside it (issue 12, point 3; the
# cgroup-fence part), in a `run-suite --systemd` guest with the project
# installed. With live dev-mem exceptions on a scope of PID 1, a service, and
# (RequestException from the console session) the session's scope and
# user@1000.service, every way in is tried from outside, as root and as the
# same user: writes of cgroup.procs and cgroup.threads, a write through an fd
# opened before the grant, clone3(CLONE_INTO_CGROUP) (the child's dev-mem is
# refused: no hook sees the clone's target), ptrace, pidfd_getfd,
# process_vm_writev, /proc/PID/mem and PTRACE_TRACEME towards a parent
# outside. Then what must keep working: moves inside a granted subtree, PID 1
# starting a granted service's processes, login, logout, systemd-run --user
# and loginctl terminate-session with a live exception; and enforcement.
# Run with the part made unloadable (e2e-fence-unfenced-6.12) it shows the
# ways in open: the fail-before of this suite.
# Needs: LDB_BUILD (ld-trigger, ld-testctl, ld-wayin).
set -u
SUITE=e2e-fence
here=$(dirname "$0")
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=session.sh
. "$here/session.sh"

TRIG=$LDB_BUILD/tests/vm/ld-trigger
WAYIN=$LDB_BUILD/tests/vm/ld-wayin
CTL=$LDB_BUILD/tests/ld-testctl
LDCTL=/usr/bin/lockdownctl
PIN=/sys/fs/bpf/lockdown-broker
CGROOT=/sys/fs/cgroup
WORK=/var/lib/ldvm-e2e-fence
mkdir -p "$WORK"
AS_LDBUSER=(setpriv --reuid=1000 --regid=1000 --init-groups)

# way NAME WANT CMD...: one ld-wayin attempt; WANT is an extended regex over
# its result (EPERM, ok, ...). Its last result= line is judged.
way() {
    local name=$1 want=$2 out got
    shift 2
    out=$("$@" 2>&1)
    got=$(grep -o 'result=[^ ]*' <<<"$out" | tail -1)
    got=${got#result=}
    if [[ $got =~ ^($want)$ ]]; then
        ok "$name: $got :: $(tr '\n' ' ' <<<"$out" | head -c 200)"
    else
        not_ok "$name: wanted $want, got ${got:-nothing} :: $(tr '\n' ' ' <<<"$out" | head -c 300)"
    fi
}
# clone_into NAME CGDIR [setpriv...]: clone3(CLONE_INTO_CGROUP) into CGDIR,
# the child runs dev-mem. Refused at the clone, or the child lands inside
# and its dev-mem is refused.
clone_into() {
    local name=$1 dir=$2 out
    shift 2
    out=$("$@" "$WAYIN" clone-into "$dir" exec "$RAW" dev-mem 2>&1)
    if [[ $out == *"result=ok status=1"* || $out =~ result=(EPERM|EACCES) ]]; then
        ok "$name: the clone gains nothing :: $(tr '\n' ' ' <<<"$out" | head -c 300)"
    else
        not_ok "$name: the child used the exception :: $(tr '\n' ' ' <<<"$out" | head -c 300)"
    fi
}
counter() { "$CTL" counters | sed -n "s/^$1=//p"; }
cg_of_unit() { echo "$CGROOT$(systemctl show -p ControlGroup --value "$1")"; }
first_pid() { head -1 "$1/cgroup.procs"; }
in_cg() { grep -q "::${2#"$CGROOT"}\$" "/proc/$1/cgroup"; }

section "0. prerequisites"
session_wait 30 || abort "no session agent answers (harness)"
ok "session $LDVM_SESSION_ID of $LDVM_USER is up"
for f in "$TRIG" "$WAYIN" "$CTL" "$LDCTL"; do [[ -x $f ]] || abort "missing: $f"; done
wait_for 30 systemctl is-active --quiet lockdown-broker.service || abort "lockdown-broker.service is not active"
if [[ -e $PIN/link_fence_write ]]; then
    ok "the cgroup-fence part is loaded ($(ls "$PIN" | grep -c '^link_fence_') links)"
else
    echo "# the cgroup-fence part is NOT loaded: the ways in below are open (fail-before run)"
    "$LDCTL" status 2>&1 | grep -i fence | sed 's/^/#   /'
fi
polkit_allow org.freedesktop.LockdownBroker1.request-exception 50-ldvm-fence
mkdir -p /etc/polkit-1/rules.d
sed 's/request-exception/manage/' /etc/polkit-1/rules.d/50-ldvm-fence.rules >/etc/polkit-1/rules.d/51-ldvm-fence-manage.rules
systemctl try-restart polkit.service
# Yama would refuse ldbuser's ptrace of a non-child before us.
sysctl -qw kernel.yama.ptrace_scope=0 2>/dev/null || true
RAW=/usr/local/libexec/ldvm/ld-trigger
mkdir -p "${RAW%/*}"
install -m 0755 "$TRIG" "$RAW"
setcap cap_sys_rawio+ep "$RAW"
# The cost of every read and write (file_permission), best of five; the
# ratio is taken against e2e-fence-unfenced, where the part is not loaded.
for _ in 1 2 3 4 5; do "$WAYIN" bench 100000; done >"$WORK/bench.out" 2>&1
echo "# file_permission cost probe (best of 5): $(sort -t= -k2 -n "$WORK/bench.out" | head -1) :: all: $(tr '\n' ' ' <"$WORK/bench.out")"

section "1. the cgroups, before any grant"
systemd-run --quiet --scope -p Delegate=yes --unit=ldf-scope -- sleep 100000 &
# Delegated, so that AttachProcessesToUnit may move a process into it.
systemd-run --quiet --unit=ldf-svc -p Delegate=yes -p ExecReload="$WORK/reload.sh" sleep 100000
cat >"$WORK/reload.sh" <<EOF
#!/bin/sh
exec >>"$WORK/reload.out" 2>&1
cat /proc/self/cgroup
"$TRIG" dev-mem
exit 0
EOF
chmod +x "$WORK/reload.sh"
rm -f "$WORK"/inside.go "$WORK"/tm.go "$WORK"/reload.out
# A process inside a scope that, once granted, moves itself one level down.
systemd-run --quiet --scope --unit=ldf-inside -- /bin/bash -c \
    'until [[ -e $1 ]]; do read -rt 0.1 <> <(:); done
     echo $BASHPID >"$2/cgroup.procs" && echo moved=ok || echo moved=failed
     cat /proc/self/cgroup; exec "$3" dev-mem' _ "$WORK/inside.go" "$CGROOT/system.slice/ldf-inside.scope/sub" "$TRIG" \
    >"$WORK/inside.out" 2>&1 &
inside_job=$!
# A process inside a scope whose parent (this script) is outside: once
# granted, it asks PTRACE_TRACEME of us.
systemd-run --quiet --scope --unit=ldf-tm -- "$WAYIN" traceme-after "$WORK/tm.go" >"$WORK/tm.out" 2>&1 &
tm_job=$!
as_user "systemd-run --user --quiet --unit=ldf-usleep sleep 100000" >/dev/null
SESS_PID=$(as_user_bg "exec sleep 100000")
sleep 100000 &
VICTIM=$!
"${AS_LDBUSER[@]}" sleep 100000 &
VICTIM_USER=$!
CG_SCOPE=$CGROOT/system.slice/ldf-scope.scope
CG_INSIDE=$CGROOT/system.slice/ldf-inside.scope
CG_TM=$CGROOT/system.slice/ldf-tm.scope
CG_USER_AT=$CGROOT/user.slice/user-1000.slice/user@1000.service
CG_USLEEP=$CG_USER_AT/app.slice/ldf-usleep.service
CG_SESS=$CGROOT$LDVM_SESSION_CGROUP
# cgroup files have no size: read them.
populated() { [[ -n $(head -c 1 "$1/cgroup.procs" 2>/dev/null) ]]; }
for cg in "$CG_SCOPE" "$CG_USLEEP" "$CG_INSIDE" "$CG_TM"; do
    wait_for 20 populated "$cg" || abort "$cg did not come up :: $(systemctl list-units --no-legend 'ldf-*' 2>&1)"
done
mkdir "$CG_INSIDE/sub"
CG_SVC=$(cg_of_unit ldf-svc.service)
SCOPE_PID=$(first_pid "$CG_SCOPE")
SVC_PID=$(systemctl show -p MainPID --value ldf-svc.service)
USLEEP_PID=$(first_pid "$CG_USLEEP")
ok "scope $SCOPE_PID, service $SVC_PID, session $SESS_PID, user@ $USLEEP_PID; outside: root $VICTIM, ldbuser $VICTIM_USER"
# Opened before any grant, written after: the fence checks the write.
exec {early_fd}>"$CG_SCOPE/cgroup.procs"

section "2. the exceptions"
grant_unit() { as_user "$LDCTL --no-ask-password grant dev-mem --unit $1 --for 20min"; }
G_SCOPE=$(grant_unit ldf-scope.scope) && G_INSIDE=$(grant_unit ldf-inside.scope) && G_TM=$(grant_unit ldf-tm.scope) &&
    G_SVC=$(grant_unit ldf-svc.service) || abort "lockdownctl grant --unit failed: $G_SCOPE $G_INSIDE $G_TM $G_SVC"
R_SESS=$(as_user "$LDCTL --no-ask-password request dev-mem --for 20min") || abort "lockdownctl request: $R_SESS"
ok "granted: scope $G_SCOPE, inside $G_INSIDE, traceme $G_TM, service $G_SVC; session request $R_SESS"
fences=$("$CTL" fences 2>&1)
printf '%s\n' "$fences" | sed 's/^/#   /'
for cg in "$CG_SCOPE" "$CG_SVC" "$CG_SESS" "$CG_USER_AT"; do
    assert_grep "fenced: ${cg#"$CGROOT"}" "cgroup=${cg#"$CGROOT"} " "$fences"
done
strict_of() { sed -n "s|.*cgroup=${1#"$CGROOT"} strict=||p" <<<"$fences"; }
USER_AT_STRICT=$(strict_of "$CG_USER_AT")
SESS_CGID=$(stat -c %i "$CG_SESS")
[[ $(strict_of "$CG_SVC") == no ]] && ok "a service's fence is not strict (PID 1 starts its processes)" ||
    not_ok "the service's fence: strict=$(strict_of "$CG_SVC")"
out=$(as_user "$RAW dev-mem")
[[ $? -eq 0 ]] && ok "inside the session: dev-mem allowed" || not_ok "session dev-mem :: $out"
expect "root outside: dev-mem" denied "$TRIG" dev-mem

section "3. root from outside"
m0=$(counter fence_move_refused) t0=$(counter fence_trace_refused) c0=$(counter fence_clones_marked)
for t in "scope:$CG_SCOPE:$SCOPE_PID" "service:$CG_SVC:$SVC_PID" "session:$CG_SESS:$SESS_PID" \
    "user@:$CG_USLEEP:$USLEEP_PID"; do
    IFS=: read -r what dir pid <<<"$t"
    way "root writes cgroup.procs of the $what" EPERM "$WAYIN" move "$VICTIM" "$dir" procs
    way "root writes cgroup.threads of the $what" EPERM "$WAYIN" move "$VICTIM" "$dir" threads
    in_cg "$VICTIM" "$dir" && not_ok "the root victim $VICTIM is now in $dir" && echo $VICTIM >"$CGROOT/system.slice/ldvm-test.service/cgroup.procs"
    clone_into "root clone3(CLONE_INTO_CGROUP) into the $what" "$dir"
    way "root ptrace(PTRACE_ATTACH) of the $what's process" EPERM "$WAYIN" ptrace "$pid"
    way "root pidfd_getfd from the $what's process" EPERM "$WAYIN" getfd "$pid" 1
    way "root process_vm_writev into the $what's process" EPERM "$WAYIN" vmwrite "$pid"
    # mm_access() turns any refusal of ptrace_may_access() into EACCES.
    way "root opens /proc/PID/mem of the $what's process" EACCES "$WAYIN" mem "$pid"
done
out=$( (echo "$VICTIM" >&"$early_fd") 2>&1)
rc=$?
[[ $rc -ne 0 && $out == *"not permitted"* ]] && ok "root writes through an fd to cgroup.procs opened before the grant: refused :: $out" ||
    not_ok "root's early fd to the scope's cgroup.procs: rc=$rc $out (victim in $(cat /proc/$VICTIM/cgroup))"
exec {early_fd}>&-
: >"$WORK/tm.go"
wait "$tm_job"
out=$(cat "$WORK/tm.out")
[[ $out == *result=EPERM* ]] && ok "PTRACE_TRACEME from a granted scope towards its parent outside: refused :: $out" ||
    not_ok "PTRACE_TRACEME towards an outside parent: $out"
out=$("$WAYIN" clone-into "$CG_SCOPE" traceme 2>&1)
[[ $out == *"result=EPERM (PTRACE_TRACEME in the child)"* ]] &&
    ok "PTRACE_TRACEME by a child cloned into a granted scope: refused :: $(tr '\n' ' ' <<<"$out")" ||
    not_ok "PTRACE_TRACEME by a cloned child: $(tr '\n' ' ' <<<"$out")"

section "4. the same user from outside (setpriv from the test unit)"
for t in "session:$CG_SESS:$SESS_PID" "user@:$CG_USLEEP:$USLEEP_PID"; do
    IFS=: read -r what dir pid <<<"$t"
    way "ldbuser ptrace(PTRACE_ATTACH) of the $what's process" EPERM "${AS_LDBUSER[@]}" "$WAYIN" ptrace "$pid"
    way "ldbuser pidfd_getfd from the $what's process" EPERM "${AS_LDBUSER[@]}" "$WAYIN" getfd "$pid" 1
    way "ldbuser process_vm_writev into the $what's process" EPERM "${AS_LDBUSER[@]}" "$WAYIN" vmwrite "$pid"
    way "ldbuser opens /proc/PID/mem of the $what's process" EACCES "${AS_LDBUSER[@]}" "$WAYIN" mem "$pid"
done
# user@'s cgroups are delegated to ldbuser: the kernel lets it open them.
way "ldbuser writes cgroup.procs in its user@ (delegated)" EPERM "${AS_LDBUSER[@]}" "$WAYIN" move "$VICTIM_USER" "$CG_USLEEP" procs
way "ldbuser writes cgroup.threads in its user@ (delegated)" EPERM "${AS_LDBUSER[@]}" "$WAYIN" move "$VICTIM_USER" "$CG_USLEEP" threads
clone_into "ldbuser clone3(CLONE_INTO_CGROUP) into its user@" "$CG_USLEEP" "${AS_LDBUSER[@]}"

section "5. counted"
m1=$(counter fence_move_refused) t1=$(counter fence_trace_refused) c1=$(counter fence_clones_marked)
echo "# fence_move_refused $m0 -> $m1, fence_trace_refused $t0 -> $t1, fence_clones_marked $c0 -> $c1"
[[ $((m1 - m0)) -ge 10 ]] && ok "fence_move_refused moved by $((m1 - m0))" || not_ok "fence_move_refused: $m0 -> $m1"
[[ $((t1 - t0)) -ge 26 ]] && ok "fence_trace_refused moved by $((t1 - t0))" || not_ok "fence_trace_refused: $t0 -> $t1"
[[ $((c1 - c0)) -ge 6 ]] && ok "fence_clones_marked moved by $((c1 - c0))" || not_ok "fence_clones_marked: $c0 -> $c1"

section "6. what keeps working"
: >"$WORK/inside.go"
wait "$inside_job"
out=$(cat "$WORK/inside.out")
[[ $out == *moved=ok* && $out == *"ldf-inside.scope/sub"* && $out == *result=allowed* ]] &&
    ok "a process inside a granted scope moves one level down, and keeps its exception :: $(tr '\n' ' ' <<<"$out")" ||
    not_ok "moving within the granted subtree :: $(tr '\n' ' ' <<<"$out")"
out=$(systemctl reload ldf-svc.service 2>&1)
rc=$?
r=$(cat "$WORK/reload.out" 2>/dev/null)
[[ $rc -eq 0 && $r == *ldf-svc.service* && $r == *result=allowed* ]] &&
    ok "PID 1 starts ExecReload in the granted service, which uses the exception :: $(tr '\n' ' ' <<<"$r")" ||
    not_ok "systemctl reload of the granted service: rc=$rc $out :: $r"
attach() { busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager \
    AttachProcessesToUnit ssau "$1" "$2" 1 "$3" 2>&1; }
out=$(attach ldf-svc.service "" "$VICTIM")
in_cg "$VICTIM" "$CG_SVC" && ok "AttachProcessesToUnit into the granted service (fence not strict): PID 1 moved it" ||
    not_ok "AttachProcessesToUnit into the service: $out :: $(cat /proc/$VICTIM/cgroup)"
kill "$VICTIM"
sleep 100000 &
VICTIM=$!
# user@'s fence admits PID 1 (from a session scope, systemd asks PID 1 to move
# a process into user@: see below); the session scope's is strict.
[[ $USER_AT_STRICT == no ]] && ok "user@1000.service's fence admits PID 1" || not_ok "user@1000.service's fence: strict=$USER_AT_STRICT"
[[ $(strict_of "$CG_SESS") == yes ]] && ok "the session scope's fence is strict" || not_ok "the session scope's fence: strict=$(strict_of "$CG_SESS")"
# Session scopes are not delegated: systemd itself refuses to attach to them.
# ldf-scope.scope is delegated and its grant strict: the fence refuses PID 1.
out=$(attach ldf-scope.scope "" "$VICTIM")
in_cg "$VICTIM" "$CG_SCOPE" && not_ok "AttachProcessesToUnit into a granted delegated scope (strict fence): PID 1 moved it :: $out" ||
    assert_grep "AttachProcessesToUnit into a granted delegated scope (strict fence): refused" "Operation not permitted|Access denied|Permission denied" "$out"
kill "$VICTIM"
# From the session's own scope, the user's manager cannot move a process into
# user@ (the kernel's delegation check): systemd asks PID 1 to do it. Both the
# scope and user@ are fenced here; these must keep working.
out=$(as_user "systemd-run --user --scope --quiet true 2>&1; echo rc=\$?")
[[ $out == *rc=0* ]] && ok "systemd-run --user --scope from the session scope, user@ fenced :: $out" ||
    not_ok "systemd-run --user --scope from the session scope, user@ fenced :: $out"
out=$(as_user "/usr/bin/lockdownctl --no-ask-password run dev-mem -- $RAW dev-mem 2>&1; echo rc=\$?")
[[ $out == *result=allowed* && $out == *rc=0* ]] && ok "lockdownctl run from the session scope, user@ fenced :: $(tr '\n' ' ' <<<"$out")" ||
    not_ok "lockdownctl run from the session scope, user@ fenced :: $out"
out=$(as_user "systemd-run --user --wait --pipe --quiet $RAW dev-mem")
[[ $? -eq 0 ]] && ok "systemd-run --user --wait from the session: dev-mem allowed in user@" || not_ok "systemd-run --user :: $out"
out=$(systemd-run --quiet --wait --pipe -p PAMName=login -p User=ldbuser -- /bin/sh -c "cat /proc/self/cgroup; $RAW dev-mem" 2>&1)
rc=$?
[[ $out == *session-*.scope* && $out != *"session-$LDVM_SESSION_ID.scope"* && $out == *result=denied* ]] &&
    ok "a second login of ldbuser (PAMName=login) starts and ends; its own scope is refused :: $(tr '\n' ' ' <<<"$out")" ||
    not_ok "second login: rc=$rc :: $out"
systemd-run --quiet --unit=ldf-login3 -p PAMName=login -p User=ldbuser sleep 100000
wait_for 20 eval 'systemctl show -p MainPID --value ldf-login3 | grep -qv "^0$"'
sid=$(sed -n 's|.*/session-\([^/]*\)\.scope$|\1|p' "/proc/$(systemctl show -p MainPID --value ldf-login3)/cgroup")
if [[ -n $sid ]] && loginctl terminate-session "$sid" && wait_for 20 eval "! loginctl show-session $sid >/dev/null 2>&1"; then
    ok "loginctl terminate-session $sid (another login of ldbuser) with a live exception"
else
    not_ok "terminate-session of a second login: sid=$sid :: $(loginctl list-sessions --no-legend)"
fi

section "7. enforcement intact"
expect "root outside: dev-mem" denied "$TRIG" dev-mem
out=$(as_user "$RAW dev-mem")
[[ $? -eq 0 ]] && ok "inside the session: dev-mem still allowed" || not_ok "session dev-mem :: $out"
expect "ldbuser outside: dev-mem" denied "${AS_LDBUSER[@]}" "$RAW" dev-mem

section "8. the fence follows the grant"
as_user "$LDCTL --no-ask-password revoke $G_SCOPE" >/dev/null || not_ok "revoke $G_SCOPE"
fences=$("$CTL" fences)
grep -q "cgroup=${CG_SCOPE#"$CGROOT"} " <<<"$fences" && not_ok "the revoked scope is still fenced" ||
    ok "revoked: the scope's fence is gone"
way "root writes cgroup.procs of the scope once its grant is gone" ok "$WAYIN" move "$VICTIM_USER" "$CG_SCOPE" procs
loginctl terminate-session "$LDVM_SESSION_ID"
wait_for 20 eval "! loginctl show-session $LDVM_SESSION_ID >/dev/null 2>&1" &&
    ok "loginctl terminate-session $LDVM_SESSION_ID: the session with the live exception ends" ||
    not_ok "terminate-session $LDVM_SESSION_ID :: $(loginctl list-sessions --no-legend)"
wait_for 20 eval "! \"$CTL\" fences | grep -q 'cgroup_id=$SESS_CGID '" &&
    ok "its exception ended, and its scope's fence with it" || not_ok "the session scope is still fenced :: $("$CTL" fences)"
kill "$VICTIM_USER" 2>/dev/null

section "end"
finish
