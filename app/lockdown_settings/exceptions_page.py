# SPDX-License-Identifier: LGPL-2.1-or-later
'''Exceptions: yours (with Release) and the system's, with reasons, a
countdown and the origin; a button to ask for one; and why yours ended.'''

from gettext import gettext as _

import gi

gi.require_version('Adw', '1')
gi.require_version('Gtk', '4.0')
gi.require_version('LockdownBroker', '1')
from gi.repository import Adw, GLib, Gtk, LockdownBroker as Ldb  # noqa: E402

from . import texts  # noqa: E402
from .request_dialog import RequestDialog  # noqa: E402


def countdown(expires_us):
    if expires_us == 0:
        return _('No time limit')
    left = (expires_us - GLib.get_real_time()) // 1_000_000
    return _('Ends in {}').format(texts.duration(left))


class ExceptionRow(Adw.ActionRow):
    def __init__(self, exception, mine, releasable, on_release):
        reasons = list(exception.props.reasons)
        super().__init__(title=', '.join(texts.reason(r) for r in reasons), use_markup=False)
        self.set_name(f'exception-{exception.props.id}')
        self.exception = exception
        self.mine = mine
        self.release = None
        if releasable:
            self.release = Gtk.Button(label=_('Release'), valign=Gtk.Align.CENTER)
            self.release.set_name('exception-release')
            self.release.connect('clicked', lambda *_a: on_release(exception.props.id))
            self.add_suffix(self.release)
        self.tick()

    def tick(self):
        ex = self.exception
        parts = [', '.join(ex.props.reasons), texts.origin(ex.props.origin),
                 countdown(ex.props.expires)]
        if not self.mine:  # yours cover your session; say what others cover
            parts.insert(1, texts.scope(ex.props.scope_kind, ex.props.scope))
        if ex.props.narrowed == Ldb.NarrowWhy.OTHER_SESSION:
            parts.append(_('narrowed to this session: you have another session'))
        self.set_subtitle(' · '.join(parts))


class RowGroup(Adw.PreferencesGroup):
    '''A group whose rows are replaced as a whole, with a placeholder row.'''

    def __init__(self, title, name, empty):
        super().__init__(title=title)
        self.set_name(name)
        self.rows = []
        self.placeholder = Adw.ActionRow(title=empty)
        self.add(self.placeholder)

    def replace(self, rows):
        for row in self.rows:
            self.remove(row)
        self.rows = rows
        for row in rows:
            self.add(row)
        self.placeholder.set_visible(not rows)


class ExceptionsPage(Adw.PreferencesPage):
    def __init__(self, client, me, report):
        super().__init__(name='exceptions', title=_('Exceptions'),
                         icon_name='changes-allow-symbolic')
        self.client, self.me, self.report = client, me, report
        self.known = {}  # id -> (reasons, mine), kept until the exception ends
        self.last_dialog = None
        self.yours = RowGroup(_('Yours'), 'exceptions-yours', _('You hold no exception.'))
        ask = Gtk.Button(label=_('Request…'), valign=Gtk.Align.CENTER)
        ask.set_name('exceptions-request')
        ask.connect('clicked', lambda *_a: self.open_request())
        self.yours.set_header_suffix(ask)
        self.system = RowGroup(_('The system\'s'), 'exceptions-system',
                               _('No other exception is active.'))
        self.ended = RowGroup(_('Ended'), 'exceptions-ended', _('None of yours ended yet.'))
        for group in (self.yours, self.system, self.ended):
            self.add(group)
        client.props.exceptions.connect('items-changed', lambda *_a: self.rebuild())
        client.connect('exception-revoked', self.on_revoked)
        self.rebuild()
        self.ticker = 0
        self.connect('realize', lambda *_a: self.start_ticker())
        self.connect('unrealize', lambda *_a: self.stop_ticker())

    def start_ticker(self):
        self.ticker = GLib.timeout_add_seconds(1, self.tick)

    def stop_ticker(self):
        if self.ticker:
            GLib.source_remove(self.ticker)
            self.ticker = 0

    def mine(self, ex):
        return self.me.owns(ex.props.holder_uid, ex.props.holder_session)

    def rebuild(self):
        yours, system = [], []
        for ex in self.client.props.exceptions:
            mine = self.mine(ex)
            self.known[ex.props.id] = (list(ex.props.reasons), mine)
            # Only what you asked for is yours to release; an administrator's
            # grant to your session is revoked by an administrator.
            releasable = mine and ex.props.origin == Ldb.Origin.REQUEST
            row = ExceptionRow(ex, mine, releasable, self.release)
            (yours if mine else system).append(row)
        self.yours.replace(yours)
        self.system.replace(system)

    def tick(self):
        for row in self.yours.rows + self.system.rows:
            row.tick()
        return GLib.SOURCE_CONTINUE

    def on_revoked(self, _client, ex_id, why):
        reasons, mine = self.known.pop(ex_id, (None, False))
        if not mine:
            return
        row = Adw.ActionRow(title=', '.join(texts.reason(r) for r in reasons), use_markup=False,
                            subtitle=_('Ended: {}').format(texts.revoke_why(why)))
        row.set_name('exception-ended')
        self.ended.replace([row] + self.ended.rows[:9])

    def release(self, ex_id):
        def done(client, result):
            try:
                client.release_exception_finish(result)
            except GLib.Error as error:
                self.report(_('Could not release the exception: {}').format(error.message))
        self.client.release_exception_async(ex_id, None, done)

    def open_request(self, preselect=()):
        dialog = RequestDialog(self.get_root(), self.client, self.request, preselect)
        dialog.present()
        self.last_dialog = dialog  # for the tests
        return dialog

    def request(self, reasons, seconds):
        def done(client, result):
            try:
                client.request_exception_finish(result)
            except GLib.Error as error:
                self.report(_('The exception was not granted: {}').format(error.message))
                return
            self.report(_('Exception granted.'))
        self.client.request_exception_async(reasons, seconds, Ldb.Scope.SESSION,
                                            Ldb.CallFlags.INTERACTIVE, None, done)
