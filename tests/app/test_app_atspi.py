#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''Lockdown settings as a person uses it: the app runs as its own process
(build/app/lockdown-settings) under Xvfb, against the broker's dbusmock
template on a private system bus, and the test reads and presses what the
window shows through the accessibility bus (AT-SPI, at-spi2-core's bus
launcher on a private session bus).'''

import os

# G_DEBUG=fatal-criticals is for the app (a GTK warning there is a failure),
# not for this process: pyatspi's own criticals (a registry that went away)
# would trap here, and xvfb-run would then sit until meson's timeout. Taken
# out before GLib is loaded, handed to the app below.
APP_G_DEBUG = os.environ.pop('G_DEBUG', '')

import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import unittest  # noqa: E402

import dbusmock  # noqa: E402

from atspi_driver import application, find, press, shown_names, wait_selected, wait_shown

TEMPLATE = os.environ['LDB_DBUSMOCK_TEMPLATE']
LAUNCHER = os.environ['LDB_SETTINGS_LAUNCHER']
BUS_LAUNCHER = '/usr/libexec/at-spi-bus-launcher'
MOCK = 'org.freedesktop.DBus.Mock'
SESSION = 'c1'


def wait_for_display(seconds=20):
    '''Fails loudly unless the X display answers: the registry and the app
    both need it, and a registry that cannot open it dies quietly. The
    connection is kept open for the whole run, so the server never sees its
    last client leave (and never resets under the app).'''
    import ctypes
    import ctypes.util
    display = os.environ.get('DISPLAY')
    if not display:
        raise AssertionError('DISPLAY is not set: this test runs under xvfb-run')
    x11 = ctypes.CDLL(ctypes.util.find_library('X11') or 'libX11.so.6')
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        handle = x11.XOpenDisplay(display.encode())
        if handle:
            return handle
        time.sleep(0.2)
    raise AssertionError(f'the X display {display} did not answer in {seconds} s')


class AtspiTest(dbusmock.DBusTestCase):
    @classmethod
    def setUpClass(cls):
        cls.x_display = wait_for_display()
        cls.start_system_bus()
        cls.start_session_bus()
        if not os.access(BUS_LAUNCHER, os.X_OK):
            raise AssertionError(f'{BUS_LAUNCHER} is missing: install at-spi2-core')
        # The a11y bus: GTK asks org.a11y.Bus on the session bus for it.
        cls.bus_launcher = subprocess.Popen([BUS_LAUNCHER, '--launch-immediately'])
        cls.wait_for_name('org.a11y.Bus')

    @classmethod
    def tearDownClass(cls):
        cls.bus_launcher.terminate()
        cls.bus_launcher.wait()
        super().tearDownClass()

    @classmethod
    def wait_for_name(cls, name, seconds=10):
        bus = cls.get_dbus(system_bus=False)
        deadline = time.monotonic() + seconds
        while not bus.name_has_owner(name):
            if time.monotonic() > deadline:
                raise AssertionError(f'{name} did not appear on the session bus')
            time.sleep(0.1)

    def setUp(self):
        self.p_mock, self.obj = self.spawn_server_template(
            TEMPLATE, {'HolderUid': os.getuid(), 'HolderSession': SESSION},
            stdout=subprocess.DEVNULL)
        env = dict(os.environ, XDG_SESSION_ID=SESSION, G_DEBUG=APP_G_DEBUG)
        # The build tree's copy is not executable (meson sets the mode on install).
        self.p_app = subprocess.Popen(['/usr/bin/python3', LAUNCHER], env=env)
        self.app = application(self.p_app)

    def tearDown(self):
        self.p_app.terminate()
        self.p_app.wait()
        self.p_mock.terminate()
        self.p_mock.wait()

    def test_a_person_asks_releases_and_sees_refusals(self):
        wait_shown(self.app, 'On: the broker enforces the lockdown')
        wait_shown(self.app, 'Linux kernel lockdown: Disabled')

        press(self.app, 'page tab', 'Hibernation')
        wait_selected(self.app, 'page tab', 'Hibernation')
        wait_shown(self.app, 'No swap is active')
        self.assertIn('How to set up a protected swap for hibernation', shown_names(self.app))

        press(self.app, 'page tab', 'Exceptions')
        wait_selected(self.app, 'page tab', 'Exceptions')
        wait_shown(self.app, 'You hold no exception.')
        press(self.app, 'push button', 'Request…')
        press(self.app, 'check box',  # a switch: GTK 4.8's role for it
              'Reading and writing memory through /dev/mem and /dev/kmem (dev-mem)')
        press(self.app, 'push button', 'Request')
        find(self.app, 'push button', 'Release')
        wait_shown(self.app, 'dev-mem · Requested · Ends in')
        press(self.app, 'push button', 'Release')
        wait_shown(self.app, 'Ended: it was released')
        wait_shown(self.app, 'You hold no exception.')

        self.obj.EmitDenied('kexec', 7, 'kexec', '', 1, os.getuid() + 1, 'c9',
                            dbus_interface=MOCK)  # someone else's
        self.obj.EmitDenied('dev-mem', 4321, 'cat', 'session-c1.scope', 2, os.getuid(),
                            SESSION, dbus_interface=MOCK)
        press(self.app, 'page tab', 'Refusals')
        wait_selected(self.app, 'page tab', 'Refusals')
        wait_shown(self.app, 'cat (process 4321) was refused 2×')
        wait_shown(self.app, 'kexec', seconds=1, present=False)


if __name__ == '__main__':
    unittest.main(testRunner=unittest.TextTestRunner(stream=sys.stdout, verbosity=2))
