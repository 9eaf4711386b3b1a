#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''liblockdown-broker-1 through GObject introspection (python3-gi), against
tests/dbusmock/lockdown_broker.py on a private bus used as the system bus.'''

import os
import subprocess
import sys
import unittest

import dbusmock
import gi

gi.require_version('LockdownBroker', '1')
from gi.repository import Gio, GLib, LockdownBroker as Ldb  # noqa: E402

TEMPLATE = os.environ['LDB_DBUSMOCK_TEMPLATE']


def spin_until(predicate, seconds=10):
    ctx = GLib.MainContext.default()
    deadline = GLib.get_monotonic_time() + seconds * 1_000_000
    while not predicate():
        if GLib.get_monotonic_time() > deadline:
            raise AssertionError('timed out')
        ctx.iteration(False)
        GLib.usleep(1000)


class TestGI(dbusmock.DBusTestCase):
    @classmethod
    def setUpClass(cls):
        cls.start_system_bus()
        cls.dbus_con = cls.get_dbus(system_bus=True)

    def setUp(self):
        self.p_mock, self.obj = self.spawn_server_template(
            TEMPLATE, {'HolderSession': 'c3'}, stdout=subprocess.DEVNULL)

    def tearDown(self):
        self.p_mock.terminate()
        self.p_mock.wait()

    def new_client(self):
        result = []
        Ldb.Client.new_async(None, lambda _src, res: result.append(res))
        spin_until(lambda: result)
        return Ldb.Client.new_finish(result[0])

    def test_properties_and_notify(self):
        client = self.new_client()
        self.assertEqual(client.props.version, '0.1.0')
        self.assertEqual(client.props.mode, Ldb.LockdownMode.INTEGRITY)
        self.assertEqual(client.props.kernel_lockdown, Ldb.LockdownMode.NONE)
        self.assertTrue(client.props.enforcing)
        self.assertIn('denied-owner', client.props.features)
        self.assertTrue(client.has_feature('scope-caller'))
        self.assertFalse(client.has_feature('time-travel'))
        self.assertEqual(client.props.hibernate_blocker_code, 'no-swap')
        reasons = client.props.reasons
        self.assertIsInstance(reasons, Gio.ListModel)
        self.assertEqual(reasons.get_item_type(), Ldb.Reason.__gtype__)
        self.assertEqual([r.props.name for r in reasons][:2], ['unsigned-module', 'dev-mem'])
        seen = []
        client.connect('notify::kernel-lockdown', lambda *a: seen.append('kernel-lockdown'))
        self.obj.UpdateProperties('org.freedesktop.LockdownBroker1',
                                  {'KernelLockdown': 'confidentiality'},
                                  interface_name='org.freedesktop.DBus.Mock')
        spin_until(lambda: seen)
        self.assertEqual(client.get_kernel_lockdown(), Ldb.LockdownMode.CONFIDENTIALITY)

    def test_denied_names_its_owner(self):
        client = self.new_client()
        seen = []
        client.connect('denied', lambda _c, *args: seen.append(args))
        self.obj.EmitDenied('dev-mem', 42, 'cat', 'session-c3.scope', 2, 1000, 'c3',
                            interface_name='org.freedesktop.DBus.Mock')
        spin_until(lambda: seen)
        self.assertEqual(seen[0], ('dev-mem', 42, 'cat', 'session-c3.scope', 2, 1000, 'c3'))

    def test_request_release(self):
        client = self.new_client()
        events = []
        client.connect('exception-granted',
                       lambda _c, i, reasons, kind, scope: events.append(('granted', i, list(reasons), kind, scope)))
        client.connect('exception-revoked', lambda _c, i, why: events.append(('revoked', i, why)))
        client.connect('notify::exceptions', lambda *a: events.append(('exceptions',)))
        ex_id = client.request_exception_sync(['dev-mem'], 60, Ldb.Scope.SESSION,
                                              Ldb.CallFlags.NONE, None)
        self.assertNotEqual(ex_id, 0)
        spin_until(lambda: ('exceptions',) in events)
        self.assertIn(('granted', ex_id, ['dev-mem'], Ldb.ScopeKind.SESSION, 'c3'), events)
        (exception,) = list(client.props.exceptions)
        self.assertEqual(exception.props.id, ex_id)
        self.assertEqual(exception.get_reasons(), ['dev-mem'])
        self.assertEqual(exception.props.origin, Ldb.Origin.REQUEST)
        self.assertEqual(exception.props.holder_session, 'c3')
        self.assertTrue(client.release_exception_sync(ex_id, None))
        spin_until(lambda: ('revoked', ex_id, Ldb.RevokeWhy.RELEASED) in events)
        spin_until(lambda: client.props.exceptions.get_n_items() == 0)

    def test_errors(self):
        client = self.new_client()
        with self.assertRaises(GLib.Error) as caught:
            client.release_exception_sync(99, None)
        self.assertTrue(caught.exception.matches(Ldb.error_quark(), Ldb.Error.NOT_FOUND))
        self.assertEqual(caught.exception.domain, 'ldb-error-quark')

    def test_not_available(self):
        self.p_mock.terminate()
        self.p_mock.wait()
        with self.assertRaises(GLib.Error) as caught:
            Ldb.Client.new_sync(None)
        self.assertTrue(caught.exception.matches(Ldb.error_quark(), Ldb.Error.NOT_AVAILABLE))

    def test_unknown_enum(self):
        client = self.new_client()
        seen = []
        client.connect('notify::mode', lambda *a: seen.append(1))
        self.obj.UpdateProperties('org.freedesktop.LockdownBroker1', {'Mode': 'galactic'},
                                  interface_name='org.freedesktop.DBus.Mock')
        spin_until(lambda: seen)
        self.assertEqual(client.props.mode, Ldb.LockdownMode.UNKNOWN)


if __name__ == '__main__':
    unittest.main(testRunner=unittest.TextTestRunner(stream=sys.stdout, verbosity=2))
