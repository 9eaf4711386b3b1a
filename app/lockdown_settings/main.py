# SPDX-License-Identifier: LGPL-2.1-or-later
'''The application: finds the broker through liblockdown-broker-1 and opens
the window.'''

import gettext
import locale
import sys

import gi

gi.require_version('Adw', '1')
gi.require_version('LockdownBroker', '1')
from gi.repository import Adw, Gio, GLib, LockdownBroker as Ldb  # noqa: E402

from .window import Window  # noqa: E402

APP_ID = 'org.freedesktop.LockdownBroker1.Settings'
DOMAIN = 'lockdown-broker-settings'


def setup_gettext(localedir):
    try:
        locale.setlocale(locale.LC_ALL, '')
    except locale.Error as error:  # an unset locale: English, said once
        print(f'lockdown-settings: {error}; using English', file=sys.stderr)
    gettext.bindtextdomain(DOMAIN, localedir)
    gettext.textdomain(DOMAIN)


class Application(Adw.Application):
    def __init__(self):
        super().__init__(application_id=APP_ID, flags=Gio.ApplicationFlags.DEFAULT_FLAGS)
        self.window = None

    def do_activate(self):
        if self.window is not None:
            self.window.present()
            return
        self.hold()  # until the client is ready and the window shows
        Ldb.Client.new_async(None, self.on_client)

    def on_client(self, _source, result):
        try:
            client, error = Ldb.Client.new_finish(result), None
        except GLib.Error as failure:
            client, error = None, failure.message
        self.window = Window(self, client, error)
        self.window.present()
        self.release()


def run(argv, localedir):
    setup_gettext(localedir)
    return Application().run(argv)
