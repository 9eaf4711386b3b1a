# SPDX-License-Identifier: LGPL-2.1-or-later
'''The main window: one page per subject, switched from the header bar.'''

from gettext import gettext as _

import gi

gi.require_version('Adw', '1')
gi.require_version('Gtk', '4.0')
from gi.repository import Adw, Gtk  # noqa: E402

from .debug_page import DebugPage  # noqa: E402
from .exceptions_page import ExceptionsPage  # noqa: E402
from .hibernation_page import HibernationPage  # noqa: E402
from .refusals_page import RefusalsPage  # noqa: E402
from .status_page import StatusPage  # noqa: E402
from .widgets import Me  # noqa: E402


class Window(Adw.ApplicationWindow):
    '''client: a ready LdbClient, or None with error set (the broker is not
    available), in which case the window says so and nothing else.'''

    def __init__(self, application, client, error=None):
        super().__init__(application=application, title=_('Lockdown'),
                         default_width=720, default_height=640)
        self.toasts = Adw.ToastOverlay()
        self.stack = Adw.ViewStack()
        header = Adw.HeaderBar()
        switcher = Adw.ViewSwitcherTitle(stack=self.stack, title=_('Lockdown'))
        header.set_title_widget(switcher)
        bar = Adw.ViewSwitcherBar(stack=self.stack)
        switcher.connect('notify::title-visible',
                         lambda s, _p: bar.set_reveal(s.get_title_visible()))
        box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL)
        box.append(header)
        self.toasts.set_child(self.stack)
        self.toasts.set_vexpand(True)
        box.append(self.toasts)
        box.append(bar)
        self.set_content(box)
        self.pages = {}
        if client is None:
            self.add_unavailable(error)
        else:
            self.add_pages(client)

    def add_unavailable(self, error):
        page = Adw.StatusPage(icon_name='dialog-warning-symbolic',
                              title=_('The lockdown broker is not available'),
                              description=error or '')
        page.set_name('unavailable')
        self.stack.add_titled(page, 'unavailable', _('Status'))

    def add_pages(self, client):
        me = Me()
        exceptions = ExceptionsPage(client, me, self.report)
        pages = [StatusPage(client), HibernationPage(client, self.report), exceptions]
        if client.has_feature('dynamic-debug'):
            pages.append(DebugPage(client, me, self.report))
        pages.append(RefusalsPage(client, me, exceptions.open_request))
        for page in pages:
            self.pages[page.get_name()] = page
            added = self.stack.add_titled(page, page.get_name(), page.get_title())
            added.set_icon_name(page.get_icon_name())

    def report(self, text):
        self.toasts.add_toast(Adw.Toast(title=text, timeout=5))
