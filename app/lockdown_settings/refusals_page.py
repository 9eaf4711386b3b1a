# SPDX-License-Identifier: LGPL-2.1-or-later
'''Recent refusals of your session (the broker's Denied signal), with what
each reason protects and a shortcut to ask for an exception.'''

from gettext import gettext as _

import gi

gi.require_version('Adw', '1')
gi.require_version('Gtk', '4.0')
from gi.repository import Adw, GLib, Gtk  # noqa: E402

from . import texts  # noqa: E402
from .exceptions_page import RowGroup  # noqa: E402

KEEP = 50  # rows shown; the journal has every record


class RefusalsPage(Adw.PreferencesPage):
    def __init__(self, client, me, ask):
        '''ask(reason): opens the request dialog with reason chosen.'''
        super().__init__(name='refusals', title=_('Refusals'),
                         icon_name='action-unavailable-symbolic')
        self.me, self.ask = me, ask
        self.list = RowGroup(_('Recent refusals in your session'), 'refusals-list',
                             _('Nothing of yours was refused since this window opened.'))
        self.list.set_description(_('Other users\' refusals are not shown. The system '
                                    'journal has every refusal.'))
        self.add(self.list)
        client.connect('denied', self.on_denied)

    def on_denied(self, _client, reason, pid, comm, unit, count, uid, session):
        if not self.me.owns(uid, session):
            return
        when = GLib.DateTime.new_now_local().format('%X')
        # TRANSLATORS: {comm} is a command name, {pid} its process id, {count} how
        # many refusals this row stands for
        detail = _('{when}: {comm} (process {pid}) was refused {count}×').format(
            when=when, comm=comm, pid=pid, count=count)
        if unit:
            detail += ' · ' + unit
        row = Adw.ActionRow(title=f'{texts.reason(reason)} ({reason})', subtitle=detail,
                            use_markup=False)
        row.set_name('refusal-' + reason)
        allow = Gtk.Button(label=_('Allow…'), valign=Gtk.Align.CENTER)
        allow.connect('clicked', lambda *_a: self.ask((reason,)))
        row.add_suffix(allow)
        self.list.replace([row] + self.list.rows[:KEEP - 1])
