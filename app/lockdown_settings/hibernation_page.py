# SPDX-License-Identifier: LGPL-2.1-or-later
'''Hibernation: can the machine hibernate, why not, and a Hibernate button.'''

from gettext import gettext as _

import gi

gi.require_version('Adw', '1')
gi.require_version('Gtk', '4.0')
gi.require_version('LockdownBroker', '1')
from gi.repository import Adw, GLib, Gtk, LockdownBroker as Ldb  # noqa: E402

from . import texts  # noqa: E402
from .widgets import follow, group_of, value_row, wrap_label  # noqa: E402

# The README's guide, as installed with the app (see app/meson.build).
SETUP_GUIDE = ('file:///usr/share/doc/lockdown-broker/README.md'
               '#setting-up-an-authenticated-swap-for-hibernation-debian-12')
WATCHED = ('can-hibernate', 'hibernate-blocker', 'hibernate-blocker-code',
           'hibernate-blocker-device')


class HibernationPage(Adw.PreferencesPage):
    def __init__(self, client, report):
        '''report(text): shows the outcome of a call (a toast in the window).'''
        super().__init__(name='hibernation', title=_('Hibernation'),
                         icon_name='weather-clear-night-symbolic')
        self.client = client
        self.report = report
        self.can = value_row(_('Can this machine hibernate?'), 'hibernate-can')
        self.why = value_row(_('Why not'), 'hibernate-why')
        self.device = value_row(_('Device'), 'hibernate-device')
        group = group_of(_('Hibernation'), self.can, self.why, self.device)
        self.guide = Gtk.LinkButton(uri=SETUP_GUIDE,
                                    label=_('How to set up a protected swap for hibernation'))
        self.guide.set_name('hibernate-guide')
        group.add(self.guide)
        self.button = Gtk.Button(label=_('Hibernate'), halign=Gtk.Align.END)
        self.button.set_name('hibernate-button')
        self.button.add_css_class('suggested-action')
        self.button.connect('clicked', self.on_hibernate)
        group.add(self.button)
        self.add(group)
        follow(client, WATCHED, self.refresh)

    def refresh(self):
        client = self.client
        able = client.props.can_hibernate == Ldb.CanHibernate.YES
        self.can.set_subtitle(_('Yes') if able else _('No'))
        self.why.set_visible(not able)
        self.why.set_subtitle(texts.hibernate_blocker(client.props.hibernate_blocker_code,
                                                      client.props.hibernate_blocker))
        device = client.props.hibernate_blocker_device
        self.device.set_visible(not able and bool(device))
        self.device.set_subtitle(device or '')
        self.guide.set_visible(not able)
        self.button.set_sensitive(able)

    def on_hibernate(self, _button):
        self.client.hibernate_async(Ldb.CallFlags.INTERACTIVE, None, self.on_done)

    def on_done(self, client, result):
        try:
            client.hibernate_finish(result)
        except GLib.Error as error:
            self.report(_('Could not hibernate: {}').format(error.message))
            return
        self.report(_('Hibernating…'))
