# SPDX-License-Identifier: LGPL-2.1-or-later
'''lockdown-agent: the session agent of lockdown-broker. It shows a desktop
notification (org.freedesktop.Notifications) when the kernel refuses one of
your own processes, with "Allow for 10 minutes" and "Open settings", and
tells you when an exception you hold ends, and why. It uses the broker only
through liblockdown-broker-1 and never notifies for other users' refusals.'''

from gettext import gettext as _
import sys
import time

import gi

gi.require_version('LockdownBroker', '1')
from gi.repository import Gio, GLib, LockdownBroker as Ldb  # noqa: E402

from lockdown_settings import texts  # noqa: E402
from lockdown_settings.widgets import Me  # noqa: E402

NOTIFICATIONS = 'org.freedesktop.Notifications'
NOTIFICATIONS_PATH = '/org/freedesktop/Notifications'
SETTINGS_DESKTOP_ID = 'org.freedesktop.LockdownBroker1.Settings.desktop'
ALLOW_SECONDS = 600
# A burst: refusals of one reason closer together than this make one
# notification (the broker already coalesces one process's repeats).
QUIET_SECONDS = 60


class RateLimit:
    '''At most one notification per reason per QUIET_SECONDS.'''

    def __init__(self, quiet=QUIET_SECONDS, clock=time.monotonic):
        self.quiet, self.clock, self.last = quiet, clock, {}

    def allow(self, reason):
        now = self.clock()
        if reason in self.last and now - self.last[reason] < self.quiet:
            return False
        self.last[reason] = now
        return True


class Agent:
    def __init__(self, client, bus, me=None, limit=None):
        self.client, self.bus = client, bus
        self.me = me or Me()
        self.limit = limit or RateLimit()
        self.pending = {}  # notification id -> the reason its "allow" asks for
        self.mine = {}  # exception id -> its reasons, for exceptions you hold
        self.handlers = [(client, client.connect('denied', self.on_denied)),
                         (client, client.connect('exception-revoked', self.on_revoked))]
        model = client.props.exceptions
        self.handlers.append((model, model.connect('items-changed',
                                                   lambda *_a: self.remember())))
        self.remember()
        self.subscription = bus.signal_subscribe(
            NOTIFICATIONS, NOTIFICATIONS, 'ActionInvoked', NOTIFICATIONS_PATH, None,
            Gio.DBusSignalFlags.NONE, self.on_action)

    def close(self):
        '''Stops listening (the client and the bus may outlive the agent).'''
        for obj, handler in self.handlers:
            obj.disconnect(handler)
        self.handlers = []
        self.bus.signal_unsubscribe(self.subscription)

    def remember(self):
        for ex in self.client.props.exceptions:
            if self.me.owns(ex.props.holder_uid, ex.props.holder_session):
                self.mine[ex.props.id] = list(ex.props.reasons)

    def notify(self, summary, body, actions, on_id=None):
        args = GLib.Variant('(susssasa{sv}i)', ('Lockdown', 0, 'security-high', summary, body,
                                                actions, {}, -1))

        def done(bus, result):
            try:
                reply = bus.call_finish(result)
            except GLib.Error as error:
                print(f'lockdown-agent: cannot notify: {error.message}', file=sys.stderr)
                return
            if on_id is not None:
                on_id(reply.unpack()[0])
        self.bus.call(NOTIFICATIONS, NOTIFICATIONS_PATH, NOTIFICATIONS, 'Notify', args,
                      GLib.VariantType('(u)'), Gio.DBusCallFlags.NONE, -1, None, done)

    def on_denied(self, _client, reason, pid, comm, _unit, count, uid, session):
        if not self.me.owns(uid, session) or not self.limit.allow(reason):
            return
        summary = _('{comm} was refused: {what}').format(comm=comm, what=texts.reason(reason))
        # TRANSLATORS: {reason} is a lockdown reason like "dev-mem"
        body = _('The kernel lockdown refused "{reason}" to process {pid} ({count}×).').format(
            reason=reason, pid=pid, count=count)
        actions = ['allow', _('Allow for 10 minutes'), 'settings', _('Open settings')]
        self.notify(summary, body, actions, lambda nid: self.pending.__setitem__(nid, reason))

    def on_revoked(self, _client, ex_id, why):
        reasons = self.mine.pop(ex_id, None)
        if reasons is None:
            return  # not yours
        summary = _('Your exception ended')
        body = _('{what}: {why}.').format(what=', '.join(texts.reason(r) for r in reasons),
                                         why=texts.revoke_why(why))
        self.notify(summary, body, [])

    def on_action(self, _bus, _sender, _path, _iface, _signal, params):
        nid, key = params.unpack()
        reason = self.pending.pop(nid, None)
        if reason is None:
            return  # another program's notification
        if key == 'allow':
            self.client.request_exception_async([reason], ALLOW_SECONDS, Ldb.Scope.SESSION,
                                                Ldb.CallFlags.INTERACTIVE, None, self.on_granted)
        elif key == 'settings':
            self.open_settings()

    def on_granted(self, client, result):
        try:
            client.request_exception_finish(result)
        except GLib.Error as error:
            self.notify(_('The exception was not granted'), error.message, [])

    def open_settings(self):
        info = Gio.DesktopAppInfo.new(SETTINGS_DESKTOP_ID)
        try:
            if info is None:
                raise GLib.Error(f'{SETTINGS_DESKTOP_ID} is not installed')
            info.launch([], None)
        except GLib.Error as error:
            print(f'lockdown-agent: cannot open the settings: {error.message}', file=sys.stderr)


def run():
    '''Runs until the session ends; exits 1 when the broker or the session bus
    cannot be reached (systemd restarts it, see lockdown-agent.service).'''
    loop = GLib.MainLoop()
    try:
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        client = Ldb.Client.new_sync(None)
    except GLib.Error as error:
        print(f'lockdown-agent: {error.message}', file=sys.stderr)
        return 1
    agent = Agent(client, bus)  # noqa: F841 (kept alive by the loop's callbacks)
    loop.run()
    return 0
