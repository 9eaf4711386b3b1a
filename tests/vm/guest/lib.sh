# Shared helpers for guest-side test scripts (sourced, bash).
# Results are printed TAP-style; the closing line is "N passed, M failed".

PASS=0
FAIL=0
FAILED_NAMES=()

ok() { PASS=$((PASS + 1)); echo "ok $((PASS + FAIL)) - $*"; }
not_ok() { FAIL=$((FAIL + 1)); FAILED_NAMES+=("$*"); echo "not ok $((PASS + FAIL)) - $*"; }

# expect NAME WANT CMD...: WANT is allowed|denied; CMD is an ld-trigger call.
expect() {
    local name=$1 want=$2
    shift 2
    local out rc got
    out=$("$@" 2>&1)
    rc=$?
    case $rc in
    0) got=allowed ;;
    1) got=denied ;;
    *) got="untestable(rc=$rc)" ;;
    esac
    if [[ $got == "$want" ]]; then
        ok "$name: $want"
    else
        not_ok "$name: wanted $want, got $got :: $out"
    fi
}

# assert NAME CMD...: the command must succeed.
assert() {
    local name=$1
    shift
    local out
    if out=$("$@" 2>&1); then
        ok "$name"
    else
        not_ok "$name :: $out"
    fi
}

# assert_grep NAME PATTERN TEXT
assert_grep() {
    if grep -qE -- "$2" <<<"$3"; then
        ok "$1"
    else
        not_ok "$1 :: pattern '$2' not in: $(head -c 600 <<<"$3")"
    fi
}

# in_cgroup CG CMD...: run CMD inside cgroup CG (path under /sys/fs/cgroup).
# The cgroup fence refuses a move into a granted cgroup from outside it, so
# when a runner (below) sits in CG or an ancestor, the move is made from there.
in_cgroup() {
    local cg=$1 r=$1
    shift
    while [[ -n $r && -z ${_LIB_RUNNER_IN[$r]:-} ]]; do
        if [[ $r == */* ]]; then r=${r%/*}; else r=; fi
    done
    if [[ -z $r ]]; then
        bash -c 'echo $$ > "/sys/fs/cgroup/$0/cgroup.procs" && exec "$@"' "$cg" "$@"
        return
    fi
    local line rc=
    {
        printf '%q ' bash -c 'echo $$ > "/sys/fs/cgroup/$0/cgroup.procs" && exec "$@"' "$cg" "$@"
        echo
    } >&"${_LIB_RUNNER_IN[$r]}"
    while IFS= read -r line <&"${_LIB_RUNNER_OUT[$r]}"; do
        if [[ $line == __LDRUNNER_RC=* ]]; then
            rc=${line#__LDRUNNER_RC=}
            break
        fi
        printf '%s\n' "$line"
    done
    [[ -n $rc ]] || { echo "in_cgroup: the runner in $r is gone" >&2; return 125; }
    return "$rc"
}

# runner_start CG: a resident shell in cgroup CG, placed there before CG is
# granted; in_cgroup then starts commands from inside. It ends at EOF, that
# is, when the script exits.
declare -A _LIB_RUNNER_IN=() _LIB_RUNNER_OUT=()
runner_start() {
    local cg=$1 dir fin fout
    dir=$(mktemp -d /run/ldrunner.XXXXXX) || return 1
    mkfifo "$dir/in" "$dir/out" || return 1
    bash -c 'echo $$ > "/sys/fs/cgroup/$0/cgroup.procs" || exit 1
        while IFS= read -r line; do
            out=$(eval "$line" </dev/null 2>&1)
            printf "%s\n__LDRUNNER_RC=%d\n" "$out" "$?"
        done' "$cg" <"$dir/in" >"$dir/out" &
    exec {fin}>"$dir/in" {fout}<"$dir/out"
    _LIB_RUNNER_IN[$cg]=$fin
    _LIB_RUNNER_OUT[$cg]=$fout
    # Round trip: the runner is in place before the caller grants CG.
    in_cgroup "$cg" true
}

# section TITLE: a heading with the time since the script started.
_lib_t_start=${EPOCHREALTIME/./}
section() {
    local now=${EPOCHREALTIME/./}
    echo "# --- $* (t+$(((now - _lib_t_start) / 1000)) ms)"
}
# abort WHY: a missing prerequisite: nothing after it can be meaningful.
abort() {
    not_ok "$*"
    echo "# ABORTED: later checks need this"
    finish
    exit 1
}

finish() {
    echo "# ${SUITE:-suite} on $(uname -r)"
    for n in "${FAILED_NAMES[@]}"; do echo "# FAILED: $n"; done
    echo "$PASS passed, $FAIL failed"
    [[ $FAIL -eq 0 ]]
}
