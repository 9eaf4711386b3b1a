# SPDX-License-Identifier: LGPL-2.1-or-later
'''Dynamic debug: switch a module's debug output on or off through the
broker, and see what your session changed and when it is put back.'''

from gettext import gettext as _

import gi

gi.require_version('Adw', '1')
gi.require_version('Gtk', '4.0')
gi.require_version('LockdownBroker', '1')
from gi.repository import Adw, GLib, Gtk, LockdownBroker as Ldb  # noqa: E402

from .exceptions_page import RowGroup  # noqa: E402


def module_name_ok(name):
    '''A kernel module name as the query language takes it: no blanks, no
    quotes, nothing the broker's validator would refuse anyway.'''
    return bool(name) and all(c.isalnum() or c in '_-' for c in name)


class DebugPage(Adw.PreferencesPage):
    def __init__(self, client, me, report):
        super().__init__(name='debug', title=_('Debug'), icon_name='utilities-terminal-symbolic')
        self.client, self.me, self.report = client, me, report
        self.changed_at = {}  # module -> when this window changed it (GLib.DateTime)
        ask = Adw.PreferencesGroup(
            title=_('Debug output of a kernel module'),
            description=_('Changes are put back when your session ends, locks or goes '
                          'inactive, on resume, or after at most the broker\'s MaxDuration= '
                          '(8 hours unless the administrator changed it).'))
        self.module = Adw.EntryRow(title=_('Module'))
        self.module.set_name('debug-module')
        self.module.connect('changed', lambda *_a: self.update())
        ask.add(self.module)
        buttons = Gtk.Box(spacing=6, halign=Gtk.Align.END, margin_top=6)
        self.enable = Gtk.Button(label=_('Enable'))
        self.enable.set_name('debug-enable')
        self.enable.connect('clicked', lambda *_a: self.set_debug('+p'))
        self.disable = Gtk.Button(label=_('Disable'))
        self.disable.set_name('debug-disable')
        self.disable.connect('clicked', lambda *_a: self.set_debug('-p'))
        for button in (self.disable, self.enable):
            buttons.append(button)
        ask.add(buttons)
        self.add(ask)
        self.changes = RowGroup(_('What your session changed'), 'debug-changes',
                                _('Your session changed nothing.'))
        reset = Gtk.Button(label=_('Put everything back'), valign=Gtk.Align.CENTER)
        reset.set_name('debug-reset')
        reset.connect('clicked', lambda *_a: self.reset())
        self.changes.set_header_suffix(reset)
        self.add(self.changes)
        self.update()
        self.connect('map', lambda *_a: self.refresh())

    def update(self):
        ok = module_name_ok(self.module.get_text())
        self.enable.set_sensitive(ok)
        self.disable.set_sensitive(ok)

    def set_debug(self, flags):
        module = self.module.get_text()
        if not module_name_ok(module):
            return

        def done(client, result):
            try:
                changed = client.set_debug_finish(result)
            except GLib.Error as error:
                self.report(_('Could not change the debug output: {}').format(error.message))
                return
            self.changed_at[module] = GLib.DateTime.new_now_local()
            self.report(_('{n} places changed.').format(n=len(changed)))
            self.refresh()
        self.client.set_debug_async(f'module {module} {flags}', Ldb.CallFlags.INTERACTIVE,
                                    None, done)

    def reset(self):
        def done(client, result):
            try:
                restored = client.reset_debug_finish(result)
            except GLib.Error as error:
                self.report(_('Could not put the debug output back: {}').format(error.message))
                return
            self.changed_at.clear()
            self.report(_('{n} places put back.').format(n=len(restored)))
            self.refresh()
        self.client.reset_debug_async(None, done)

    def refresh(self):
        def done(client, result):
            try:
                sites = client.list_debug_finish(result)
            except GLib.Error as error:
                self.report(_('Could not list the debug output: {}').format(error.message))
                return
            self.changes.replace([self.site_row(s) for s in sites
                                  if s.props.session and s.props.session == self.me.session])
        self.client.list_debug_async('', None, done)

    def site_row(self, site):
        row = Adw.ActionRow(title=f'{site.props.module}: {site.props.function}',
                            use_markup=False)
        detail = f'{site.props.file}:{site.props.line} · ' + _('flags {}').format(site.props.flags)
        when = self.changed_at.get(site.props.module)
        if when is not None:
            detail += ' · ' + _('changed at {}').format(when.format('%X'))
        row.set_subtitle(detail)
        row.set_name('debug-change')
        return row
