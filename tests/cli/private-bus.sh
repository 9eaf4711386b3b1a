# Sourced by the CLI tests: a private dbus-daemon playing the system bus.
# private_bus_start DIR: starts it with its socket and config in DIR; sets
# BUS_PID and exports DBUS_SYSTEM_BUS_ADDRESS. Returns non-zero if it cannot.
# The policy is tests/data/private-system-bus.conf, shared with the python tests.
PRIVATE_BUS_CONF=$(cd "$(dirname "${BASH_SOURCE[0]}")/../data" && pwd)/private-system-bus.conf
private_bus_start() {
    local dir=$1
    dbus-daemon --config-file="$PRIVATE_BUS_CONF" --address="unix:path=$dir/bus" --fork --print-address=5 --print-pid=6 5>"$dir/address" 6>"$dir/bus.pid" ||
        return 1
    BUS_PID=$(cat "$dir/bus.pid")
    DBUS_SYSTEM_BUS_ADDRESS=$(head -n1 "$dir/address")
    export DBUS_SYSTEM_BUS_ADDRESS
    [[ -n $DBUS_SYSTEM_BUS_ADDRESS && -n $BUS_PID ]]
}
