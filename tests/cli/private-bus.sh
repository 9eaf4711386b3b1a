# Sourced by the CLI tests: a private dbus-daemon playing the system bus.
# private_bus_start DIR: starts it with its socket and config in DIR; sets
# BUS_PID and exports DBUS_SYSTEM_BUS_ADDRESS. Returns non-zero if it cannot.
private_bus_start() {
    local dir=$1
    cat >"$dir/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$dir/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
    dbus-daemon --config-file="$dir/bus.conf" --fork --print-address=5 --print-pid=6 5>"$dir/address" 6>"$dir/bus.pid" ||
        return 1
    BUS_PID=$(cat "$dir/bus.pid")
    DBUS_SYSTEM_BUS_ADDRESS=$(head -n1 "$dir/address")
    export DBUS_SYSTEM_BUS_ADDRESS
    [[ -n $DBUS_SYSTEM_BUS_ADDRESS && -n $BUS_PID ]]
}
