#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''Lockdown settings (app/) in a real GTK window under Xvfb, against the
broker's dbusmock template on a private system bus. Each test puts the mock
in one state, reads what the window shows (the labels a user can see) and
keeps a screenshot of it in $LDB_APP_SCREENSHOTS.'''

import os
import subprocess
import sys
import unittest

import dbus
import dbusmock
import gettext
import gi

gi.require_version('Gtk', '4.0')
gi.require_version('Adw', '1')
gi.require_version('LockdownBroker', '1')
from gi.repository import GLib, LockdownBroker as Ldb  # noqa: E402

sys.path.insert(0, os.environ['LDB_SETTINGS_PYTHONPATH'])
from lockdown_settings import main  # noqa: E402
from lockdown_settings.window import Window  # noqa: E402
from uitest import find, screenshot, shown_text, spin, spin_until  # noqa: E402

TEMPLATE = os.environ['LDB_DBUSMOCK_TEMPLATE']
MOCK = 'org.freedesktop.DBus.Mock'
IFACE = 'org.freedesktop.LockdownBroker1'
SESSION = 'c1'


def setUpModule():
    '''One private system and session bus, and one GApplication, for all tests
    (a process registers an application once).'''
    AppTest.start_system_bus()
    AppTest.start_session_bus()  # the app registers there, not on the caller's
    os.environ['XDG_SESSION_ID'] = SESSION
    AppTest.app = main.Application()
    AppTest.app.register(None)


def tearDownModule():
    dbusmock.DBusTestCase.tearDownClass.__func__(AppTest)


class AppTest(dbusmock.DBusTestCase):
    app = None

    @classmethod
    def setUpClass(cls):
        pass  # setUpModule

    @classmethod
    def tearDownClass(cls):
        pass  # tearDownModule

    def setUp(self):
        self.p_mock = None
        self.window = None

    def tearDown(self):
        if self.window is not None:
            self.window.destroy()
            spin(0.1)
        if self.p_mock is not None:
            self.p_mock.terminate()
            self.p_mock.wait()

    def open(self, **params):
        '''Starts the mock with params and opens the window on a new client.'''
        params.setdefault('HolderUid', os.getuid())
        params.setdefault('HolderSession', SESSION)
        self.p_mock, self.obj = self.spawn_server_template(TEMPLATE, params,
                                                           stdout=subprocess.DEVNULL)
        result = []
        Ldb.Client.new_async(None, lambda _src, res: result.append(res))
        spin_until(lambda: result, 'the client')
        self.client = Ldb.Client.new_finish(result[0])
        self.window = Window(self.app, self.client)
        self.window.present()
        spin_until(lambda: self.window.get_mapped() and self.window.get_width() > 0, 'the window')
        spin(0.3)

    def show(self, page):
        self.window.stack.set_visible_child_name(page)
        spin(0.3)
        return shown_text(self.window)

    def mock(self, method, *args):
        return getattr(self.obj, method)(*args, dbus_interface=MOCK)

    def calls(self, method):
        return [c for c in self.obj.GetCalls(dbus_interface=MOCK) if c[1] == method]

    def snap(self, name):
        spin(0.2)
        path = screenshot(self.window, name)
        self.assertGreater(os.path.getsize(path), 1000, path)


class StatusTest(AppTest):
    def test_enforcing(self):
        self.open()
        text = self.show('status')
        self.assertIn('On: the broker enforces the lockdown', text)
        self.assertNotIn('Off: nothing is locked', text)
        self.assertIn('Integrity', text)
        self.assertIn('"Linux kernel lockdown: Disabled"', text)
        self.assertIn('turns every exception off', text)
        self.assertNotIn('Notice', text)  # no notice: no row
        self.snap('status-enforcing')

    def test_not_enforcing_then_enforcing(self):
        self.open(Enforcing=False, NoticeCode='not-enforcing',
                  Notice='The locked_down program is not loaded.')
        text = self.show('status')
        self.assertIn('Off: nothing is locked', text)
        self.assertIn('Enforcement is not loaded, so nothing is locked', text)
        self.snap('status-not-enforcing')
        self.mock('UpdateProperties', IFACE, {'Enforcing': True, 'NoticeCode': '', 'Notice': ''})
        spin_until(lambda: 'On: the broker' in shown_text(self.window), 'enforcing shown')
        self.assertNotIn('Enforcement is not loaded', shown_text(self.window))

    def test_broker_gone(self):
        self.open()
        self.assertIn('On: the broker enforces the lockdown', self.show('status'))
        self.p_mock.terminate()
        self.p_mock.wait()
        self.p_mock = None
        spin_until(lambda: 'the broker is not running' in shown_text(self.window),
                   'the broker\'s absence shown')
        self.assertNotIn('On: the broker enforces the lockdown', shown_text(self.window))

    def test_kernel_lockdown_raised(self):
        self.open(KernelLockdown='integrity', NoticeCode='kernel-lockdown-raised',
                  Notice='The kernel raised its lockdown.')
        text = self.show('status')
        self.assertIn('The kernel raised its own lockdown', text)
        self.assertIn('The kernel\'s own lockdown is on', text)
        self.assertNotIn('Linux kernel lockdown: Disabled', text)

    def test_unknown_notice_code_shows_the_brokers_sentence(self):
        self.open(NoticeCode='from-a-newer-broker', Notice='A sentence from a newer broker.')
        self.assertIn('A sentence from a newer broker.', self.show('status'))


class HibernationTest(AppTest):
    def test_can_hibernate(self):
        self.open(CanHibernate='yes', HibernateBlocker='', HibernateBlockerCode='')
        text = self.show('hibernation')
        self.assertIn('Yes', text)
        self.assertNotIn('Why not', text)
        button = find(self.window, 'hibernate-button')
        self.assertTrue(button.get_sensitive())
        self.snap('hibernation-yes')
        button.emit('clicked')
        spin_until(lambda: self.calls('Hibernate'), 'the Hibernate call')

    def test_cannot_swap_not_encrypted(self):
        self.open(CanHibernate='na', HibernateBlockerCode='swap-not-encrypted',
                  HibernateBlocker='The swap /dev/vda2 is not encrypted.',
                  HibernateBlockerDevice='/dev/vda2')
        text = self.show('hibernation')
        self.assertIn('No', text.splitlines())
        self.assertIn('The swap is not encrypted', text)
        self.assertIn('/dev/vda2', text)
        self.assertIn('How to set up a protected swap for hibernation', text)
        self.assertFalse(find(self.window, 'hibernate-button').get_sensitive())
        self.snap('hibernation-swap-not-encrypted')

    def test_unknown_blocker_code_shows_the_brokers_sentence(self):
        self.open(CanHibernate='na', HibernateBlockerCode='from-a-newer-broker',
                  HibernateBlocker='A newer reason not to hibernate.')
        self.assertIn('A newer reason not to hibernate.', self.show('hibernation'))


class ExceptionsTest(AppTest):
    def request_through_dialog(self, reason='dev-mem'):
        self.show('exceptions')
        find(self.window, 'exceptions-request').emit('clicked')
        spin(0.3)
        dialog = self.window.pages['exceptions'].last_dialog
        self.assertIn('dev-mem', dialog.checks)
        self.assertNotIn('kcore', dialog.checks)  # allowed by the policy: nothing to ask
        self.assertFalse(dialog.get_response_enabled('request'))
        dialog.checks[reason].set_active(True)
        self.assertTrue(dialog.get_response_enabled('request'))
        spin(0.3)
        screenshot(dialog, 'exceptions-request-dialog')
        dialog.response('request')
        yours = find(self.window, 'exceptions-yours')
        spin_until(lambda: yours.rows, 'your exception shown')
        calls = self.calls('RequestException')
        self.assertEqual([str(r) for r in calls[0][2][0]], [reason])
        self.assertEqual(int(calls[0][2][1]), 600)
        return yours.rows[0]

    def test_exception_held(self):
        self.open()
        self.obj.GrantException(['kexec'], 'unit', 'fwupd.service', 3600, dbus.Dictionary({}, signature='sv'),
                                dbus_interface=IFACE)
        row = self.request_through_dialog()
        system = find(self.window, 'exceptions-system')
        spin_until(lambda: system.rows, 'the system\'s exception shown')
        spin(0.3)
        text = shown_text(self.window)
        self.assertIn('Reading and writing memory through /dev/mem', text)
        self.assertIn('Requested', text)
        self.assertIn('Ends in', text)
        self.assertIn('kexec · unit fwupd.service · Granted by an administrator', text)
        self.assertIsNotNone(row.release)
        self.assertIsNone(system.rows[0].release)  # not yours to release
        self.snap('exceptions-held')
        row.release.emit('clicked')
        spin_until(lambda: 'Ended: it was released' in shown_text(self.window), 'released')
        self.assertIn('You hold no exception.', shown_text(self.window))

    def test_exception_revoked(self):
        self.open()
        row = self.request_through_dialog()
        self.mock('EndException', dbus.UInt64(row.exception.props.id), 'session-locked')
        spin_until(lambda: 'Ended: your session was locked' in shown_text(self.window),
                   'the revocation shown')
        self.assertIn('You hold no exception.', shown_text(self.window))
        self.snap('exceptions-revoked')

    def test_refused_request_is_reported(self):
        self.open()
        self.mock('SetError', 'RequestException',
                  'org.freedesktop.LockdownBroker1.Error.NotAuthorized', 'Not authorized.')
        self.show('exceptions')
        dialog = self.window.pages['exceptions'].open_request(('dev-mem',))
        dialog.response('request')
        spin_until(lambda: 'not granted: Not authorized.' in shown_text(self.window),
                   'the refusal shown in a toast')


class RefusalsTest(AppTest):
    def test_only_your_sessions_refusals(self):
        self.open()
        me = os.getuid()
        self.mock('EmitDenied', 'dev-mem', 4321, 'cat', 'session-c1.scope', 3, me, SESSION)
        self.mock('EmitDenied', 'kexec', 99, 'kexec', '', 1, me + 1, 'c7')  # someone else
        self.mock('EmitDenied', 'debugfs', 98, 'ls', 'session-c9.scope', 1, me, 'c9')  # your other session
        refusals = find(self.window, 'refusals-list')
        spin_until(lambda: refusals.rows, 'a refusal shown')
        spin(0.5)
        text = self.show('refusals')
        self.assertIn('Reading and writing memory through /dev/mem and /dev/kmem (dev-mem)', text)
        self.assertIn('cat (process 4321) was refused 3×', text)
        self.assertNotIn('kexec', text)
        self.assertNotIn('debugfs', text)
        self.assertEqual(len(refusals.rows), 1)
        self.snap('refusals')


class DebugTest(AppTest):
    '''Also the regression test of liblockdown-broker's GPtrArray annotations:
    with (transfer full) python3-gi unreffed each callsite twice (a critical,
    fatal here).'''

    def test_enable_then_put_back(self):
        self.open()
        self.show('debug')
        find(self.window, 'debug-module').set_text('foo')
        find(self.window, 'debug-enable').emit('clicked')
        changes = find(self.window, 'debug-changes')
        spin_until(lambda: len(changes.rows) == 2, 'the two changed callsites shown')
        spin(0.3)
        text = shown_text(self.window)
        self.assertIn('foo: foo_probe', text)
        self.assertIn('drivers/foo/foo.c:42 · flags p · changed at', text)
        self.assertEqual(str(self.calls('SetDebug')[0][2][0]), 'module foo +p')
        self.snap('debug-changed')
        find(self.window, 'debug-reset').emit('clicked')
        spin_until(lambda: 'Your session changed nothing.' in shown_text(self.window),
                   'everything put back')

    def test_bad_module_names_cannot_be_sent(self):
        self.open()
        self.show('debug')
        entry, enable = find(self.window, 'debug-module'), find(self.window, 'debug-enable')
        for bad in ('', 'foo bar', 'foo +p', 'a"b', 'x;y', 'file *', 'm\\n'):
            entry.set_text(bad)
            self.assertFalse(enable.get_sensitive(), bad)
        entry.set_text('snd_hda_intel')
        self.assertTrue(enable.get_sensitive())

    def test_no_page_without_the_feature(self):
        self.open(Features=['hibernate'])
        self.assertNotIn('debug', self.window.pages)


class GermanTest(AppTest):
    def test_status_in_german(self):
        '''LANGUAGE=de with the catalogue meson built (app/po/de.po): the
        window is German. Without the .mo, gettext falls back to English.'''
        localedir = os.environ['LDB_SETTINGS_LOCALEDIR']
        mo = os.path.join(localedir, 'de', 'LC_MESSAGES', main.DOMAIN + '.mo')
        self.assertTrue(os.path.exists(mo), f'{mo} was not built')
        old = os.environ.get('LANGUAGE')
        os.environ['LANGUAGE'] = 'de'

        def restore():
            gettext.textdomain('messages')
            if old is None:
                os.environ.pop('LANGUAGE', None)
            else:
                os.environ['LANGUAGE'] = old
        self.addCleanup(restore)
        main.setup_gettext(localedir)
        self.open()
        text = self.show('status')
        self.assertIn('An: der Broker setzt den Lockdown durch', text)
        self.assertIn('Integrität', text)
        self.assertIn('„Linux kernel lockdown: Disabled“', text)
        self.assertNotIn('On: the broker enforces the lockdown', text)
        text = self.show('exceptions')
        self.assertIn('Anfordern …', text)
        self.assertNotIn('Request…', text)
        self.snap('status-de')


class UnavailableTest(AppTest):
    def test_no_broker(self):
        result = []
        Ldb.Client.new_async(None, lambda _src, res: result.append(res))
        spin_until(lambda: result, 'the client')
        with self.assertRaises(GLib.Error) as caught:
            Ldb.Client.new_finish(result[0])
        self.window = Window(self.app, None, caught.exception.message)
        self.window.present()
        spin_until(lambda: self.window.get_mapped(), 'the window')
        spin(0.3)
        self.assertIn('The lockdown broker is not available', shown_text(self.window))


if __name__ == '__main__':
    unittest.main(testRunner=unittest.TextTestRunner(stream=sys.stdout, verbosity=2))
