#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''lockdown-agent against the broker's dbusmock template (private system
bus) and dbusmock's notification_daemon, a stand-in notification server on
a private session bus: one notification per refusal burst, none for other
users or sessions, "Allow for 10 minutes" makes a request, and an exception
you hold that ends is told with its reason.'''

import os
import subprocess
import sys
import unittest

import dbus
import dbusmock
import gi

gi.require_version('LockdownBroker', '1')
from gi.repository import Gio, LockdownBroker as Ldb  # noqa: E402

sys.path.insert(0, os.environ['LDB_SETTINGS_PYTHONPATH'])
sys.path.insert(0, os.environ['LDB_AGENT_PYTHONPATH'])
import lockdown_agent  # noqa: E402
from lockdown_settings.widgets import Me  # noqa: E402
from uitest import spin, spin_until  # noqa: E402

TEMPLATE = os.environ['LDB_DBUSMOCK_TEMPLATE']
MOCK = 'org.freedesktop.DBus.Mock'
SESSION = 'c1'


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class AgentTest(dbusmock.DBusTestCase):
    @classmethod
    def setUpClass(cls):
        cls.start_system_bus()
        cls.start_session_bus()

    def setUp(self):
        uid = os.getuid()
        self.p_broker, self.broker = self.spawn_server_template(
            TEMPLATE, {'HolderUid': uid, 'HolderSession': SESSION}, stdout=subprocess.DEVNULL)
        self.p_notify, self.notifyd = self.spawn_server_template(
            'notification_daemon', {}, stdout=subprocess.DEVNULL)
        self.client = Ldb.Client.new_sync(None)
        self.bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        me = Me()
        me.uid, me.session = uid, SESSION
        self.clock = FakeClock()
        self.agent = lockdown_agent.Agent(self.client, self.bus, me,
                                          lockdown_agent.RateLimit(clock=self.clock))

    def tearDown(self):
        self.agent.close()
        for p in (self.p_broker, self.p_notify):
            p.terminate()
            p.wait()

    def denied(self, reason, uid, session, pid=4321):
        self.broker.EmitDenied(reason, pid, 'cat', 'session-c1.scope', 1, uid, session,
                               dbus_interface=MOCK)

    def notifications(self):
        return [c[2] for c in self.notifyd.GetCalls(dbus_interface=MOCK) if c[1] == 'Notify']

    def requests(self):
        return [c[2] for c in self.broker.GetCalls(dbus_interface=MOCK)
                if c[1] == 'RequestException']

    def test_one_notification_per_burst(self):
        for pid in (1, 2, 3):
            self.denied('dev-mem', os.getuid(), SESSION, pid)
        spin_until(lambda: self.notifications(), 'a notification')
        spin(0.5)
        self.assertEqual(len(self.notifications()), 1, self.notifications())
        summary, body, actions = [self.notifications()[0][i] for i in (3, 4, 5)]
        self.assertIn('Reading and writing memory through /dev/mem', summary)
        self.assertIn('"dev-mem"', body)
        self.assertEqual([str(a) for a in actions],
                         ['allow', 'Allow for 10 minutes', 'settings', 'Open settings'])
        self.denied('kexec', os.getuid(), SESSION)  # another reason: its own burst
        spin_until(lambda: len(self.notifications()) == 2, 'the second reason\'s notification')
        self.clock.now += lockdown_agent.QUIET_SECONDS + 1
        self.denied('dev-mem', os.getuid(), SESSION)
        spin_until(lambda: len(self.notifications()) == 3, 'a notification after the quiet time')

    def test_none_for_other_users_or_sessions(self):
        self.denied('dev-mem', os.getuid() + 1, 'c7')
        self.denied('dev-mem', os.getuid() + 1, SESSION)  # same session id, other user
        self.denied('dev-mem', os.getuid(), 'c9')  # your other session
        self.denied('dev-mem', os.getuid(), '')  # your user@.service: no session
        spin(1.5)
        self.assertEqual(self.notifications(), [])

    def notified_id(self):
        spin_until(lambda: self.notifications(), 'a notification')
        spin(0.3)  # the agent's Notify reply, with the id
        self.assertEqual(len(self.agent.pending), 1)
        return next(iter(self.agent.pending))

    def test_allow_action_requests_an_exception(self):
        self.denied('dev-mem', os.getuid(), SESSION)
        nid = self.notified_id()
        self.notifyd.EmitSignal('org.freedesktop.Notifications', 'ActionInvoked', 'us',
                                [dbus.UInt32(nid), 'allow'], dbus_interface=MOCK)
        spin_until(lambda: self.requests(), 'the request')
        reasons, seconds = self.requests()[0][0], self.requests()[0][1]
        self.assertEqual([str(r) for r in reasons], ['dev-mem'])
        self.assertEqual(int(seconds), 600)

    def test_settings_action_opens_the_settings(self):
        opened = []
        self.agent.open_settings = lambda: opened.append(True)
        self.denied('dev-mem', os.getuid(), SESSION)
        nid = self.notified_id()
        self.notifyd.EmitSignal('org.freedesktop.Notifications', 'ActionInvoked', 'us',
                                [dbus.UInt32(nid), 'settings'], dbus_interface=MOCK)
        spin_until(lambda: opened, 'the settings opened')
        self.assertEqual(self.requests(), [])

    def test_another_programs_action_is_ignored(self):
        self.denied('dev-mem', os.getuid(), SESSION)
        nid = self.notified_id()
        self.notifyd.EmitSignal('org.freedesktop.Notifications', 'ActionInvoked', 'us',
                                [dbus.UInt32(nid + 100), 'allow'], dbus_interface=MOCK)
        spin(1)
        self.assertEqual(self.requests(), [])

    def test_your_exception_ending_is_told(self):
        ex_id = self.client.request_exception_sync(['kexec'], 600, Ldb.Scope.SESSION,
                                                   Ldb.CallFlags.NONE, None)
        spin_until(lambda: ex_id in self.agent.mine, 'the exception seen')
        self.broker.EndException(dbus.UInt64(ex_id), 'session-locked', dbus_interface=MOCK)
        spin_until(lambda: self.notifications(), 'the notification')
        summary, body = self.notifications()[0][3], self.notifications()[0][4]
        self.assertEqual(summary, 'Your exception ended')
        self.assertIn('Starting an unsigned kernel with kexec: your session was locked.', body)

    def test_others_exception_ending_is_not_told(self):
        ex_id = self.broker.GrantException(['kexec'], 'unit', 'fwupd.service', 600,
                                           dbus.Dictionary({}, signature='sv'),
                                           dbus_interface='org.freedesktop.LockdownBroker1')
        spin_until(lambda: len(self.client.props.exceptions) == 1, 'the exception seen')
        self.broker.EndException(dbus.UInt64(ex_id), 'expired', dbus_interface=MOCK)
        spin(1)
        self.assertEqual(self.notifications(), [])


if __name__ == '__main__':
    unittest.main(testRunner=unittest.TextTestRunner(stream=sys.stdout, verbosity=2))
