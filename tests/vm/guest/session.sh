# shellcheck shell=bash
# Helpers for `run-vm --systemd` guests (sourced, bash): talk to the session
# agent (tests/vm/lib/session-agent) that runs as ldbuser inside the tty1
# logind session, so that commands run in that session's scope cgroup.
#
#   session_wait TIMEOUT [OLD_PID]  wait for an agent (a new one if OLD_PID
#                                   is given); sets LDVM_SESSION_ID,
#                                   LDVM_SESSION_CGROUP, LDVM_AGENT_PID
#   as_user 'shell command'         run it in the session; prints its output
#                                   (stdout and stderr), returns its status,
#                                   124 if it took longer than AS_USER_TIMEOUT
#   as_user_bg 'shell command'      start it in the session in the
#                                   background; prints its pid
#   ldvm_sleep SECONDS              sleep without exec'ing anything
#   wait_for SECONDS CMD...         retry CMD (quietly) until it succeeds

LDVM_USER=${LDVM_USER:-ldbuser}
LDVM_AGENT_DIR=${LDVM_AGENT_DIR:-/var/lib/ldvm-agent}
AS_USER_TIMEOUT=${AS_USER_TIMEOUT:-60}
LDVM_SESSION_ID='' LDVM_SESSION_CGROUP='' LDVM_AGENT_PID=''
_ldvm_seq=0

# A pipe that nobody writes: read -t on it is a sleep without a fork+exec
# (each exec of a host binary goes over 9p under TCG).
exec {_ldvm_sleep_fd}<> <(:)
ldvm_sleep() { read -r -t "$1" -u "$_ldvm_sleep_fd" _ 2>/dev/null; return 0; }

wait_for() {
    local deadline=$((${EPOCHREALTIME/./} + $1 * 1000000))
    shift
    until "$@" >/dev/null 2>&1; do
        [[ ${EPOCHREALTIME/./} -lt $deadline ]] || return 1
        ldvm_sleep 0.05
    done
}

# polkit_allow ACTION NAME: a rules.d file NAME.rules that says yes to
# ACTION for the session user's active local session; polkitd reads
# rules.d when it starts, so it is restarted.
polkit_allow() {
    mkdir -p /etc/polkit-1/rules.d
    cat >"/etc/polkit-1/rules.d/$2.rules" <<EOF
polkit.addRule(function(action, subject) {
    if (action.id == "$1" &&
        subject.user == "$LDVM_USER" && subject.active && subject.local) {
        return polkit.Result.YES;
    }
});
EOF
    systemctl try-restart polkit.service
}

_ldvm_now() { local u; read -r u _ </proc/uptime; echo "${u/./}"; } # centiseconds

session_wait() {
    local timeout=$1 old=${2:-} deadline pid sid cg
    deadline=$(($(_ldvm_now) + timeout * 100))
    while :; do
        if [[ -s $LDVM_AGENT_DIR/ready ]] && read -r pid sid cg <"$LDVM_AGENT_DIR/ready" &&
            [[ -n $cg && $pid != "$old" && -d /proc/$pid ]]; then
            LDVM_AGENT_PID=$pid LDVM_SESSION_ID=$sid LDVM_SESSION_CGROUP=$cg
            # A round trip proves it is serving, not just started.
            [[ $(AS_USER_TIMEOUT=20 as_user 'echo pong') == pong ]] && return 0
        fi
        [[ $(_ldvm_now) -lt $deadline ]] || return 1
        ldvm_sleep 0.2
    done
}

_as_user_send() { # ID COMMAND
    local id=$1
    printf '%s\n' "$2" >"$LDVM_AGENT_DIR/$id.cmd"
    rm -f "$LDVM_AGENT_DIR/$id.rc" "$LDVM_AGENT_DIR/$id.out"
    # Read-write open: never blocks, even if the agent is gone.
    printf '%s\n' "$id" 1<>"$LDVM_AGENT_DIR/requests"
}

as_user() {
    local id rc='' deadline
    _ldvm_seq=$((_ldvm_seq + 1))
    id=$$-$_ldvm_seq
    [[ -p $LDVM_AGENT_DIR/requests ]] || { echo "as_user: no session agent ($LDVM_AGENT_DIR/requests missing)"; return 125; }
    _as_user_send "$id" "$1"
    deadline=$(($(_ldvm_now) + AS_USER_TIMEOUT * 100))
    # The agent writes the status with one write(2) after the output is complete.
    while :; do
        if [[ -s $LDVM_AGENT_DIR/$id.rc ]]; then
            read -r rc <"$LDVM_AGENT_DIR/$id.rc"
            [[ -n $rc ]] && break
        fi
        if [[ $(_ldvm_now) -ge $deadline ]]; then
            echo "as_user: no answer from the session agent after ${AS_USER_TIMEOUT}s for: $1"
            return 124
        fi
        ldvm_sleep 0.05
    done
    [[ ! -f $LDVM_AGENT_DIR/$id.out ]] || cat "$LDVM_AGENT_DIR/$id.out"
    rm -f "$LDVM_AGENT_DIR/$id".{cmd,out,rc}
    return "$rc"
}

as_user_bg() {
    as_user "($1) </dev/null >/dev/null 2>&1 & echo \$!"
}
