# SPDX-License-Identifier: LGPL-2.1-or-later
"""A caller of lockdown-brokerd, run by the harness as a separate process so
that its uid, pid and cgroup are real.

  client.py call METHOD SIGNATURE JSON_ARGS [--announce] [--interactive]

Prints one JSON line: {"ok": value, "sender": name} or
{"error": name, "message": text, "sender": name}. With --announce it first
prints "sent <unique name>" once the call is on the wire, then waits for the
reply (the harness may kill it in between, to vanish mid-call).
"""

import json
import os
import sys

import dbus
import dbus.lowlevel
import dbus.mainloop.glib
from gi.repository import GLib

BROKER = 'org.freedesktop.LockdownBroker1'
BROKER_PATH = '/org/freedesktop/LockdownBroker1'


def plain(v):
    """D-Bus values as JSON values."""
    if isinstance(v, (dbus.Boolean, bool)):
        return bool(v)
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return float(v)
    if isinstance(v, str):
        return str(v)
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return repr(v)


def main():
    if len(sys.argv) < 5 or sys.argv[1] != 'call':
        sys.stderr.write(__doc__)
        return 2
    method, signature, args = sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    announce = '--announce' in sys.argv[5:]
    interactive = '--interactive' in sys.argv[5:]

    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(os.environ['DBUS_SYSTEM_BUS_ADDRESS'])
    sender = bus.get_unique_name()
    msg = dbus.lowlevel.MethodCallMessage(BROKER, BROKER_PATH, BROKER, method)
    msg.append(*args, signature=signature)
    if interactive:
        msg.set_allow_interactive_authorization(True)

    loop = GLib.MainLoop()
    result = {}

    def on_reply(reply):
        if reply.get_type() == dbus.lowlevel.MESSAGE_TYPE_ERROR:
            body = reply.get_args_list()
            result.update(error=reply.get_error_name(), message=str(body[0]) if body else '')
        else:
            body = reply.get_args_list()
            result['ok'] = plain(body[0]) if len(body) == 1 else plain(body)
        loop.quit()

    bus.send_message_with_reply(msg, on_reply, timeout_s=120, require_main_loop=True)
    bus.flush()
    if announce:
        print('sent ' + sender, flush=True)
    loop.run()
    result['sender'] = sender
    print(json.dumps(result), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
