# SPDX-License-Identifier: LGPL-2.1-or-later
'''The dialog that asks for an exception: reasons from the kernel's list and
a duration. polkit's prompt, if any, comes from the desktop's agent.'''

from gettext import gettext as _

import gi

gi.require_version('Adw', '1')
gi.require_version('Gtk', '4.0')
gi.require_version('LockdownBroker', '1')
from gi.repository import Adw, Gtk, LockdownBroker as Ldb  # noqa: E402

from . import texts  # noqa: E402

DURATIONS = (600, 3600, 8 * 3600)


def duration_labels():
    return [_('10 minutes'), _('1 hour'), _('8 hours')]


class RequestDialog(Adw.MessageDialog):
    '''on_request(reasons, seconds) is called when the user presses Request.'''

    def __init__(self, parent, client, on_request, preselect=()):
        super().__init__(transient_for=parent, modal=True, heading=_('Request an exception'),
                         body=_('Choose what to allow for your session, and for how long.'))
        self.on_request = on_request
        self.checks = {}
        box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=12)
        reasons = Gtk.ListBox(selection_mode=Gtk.SelectionMode.NONE)
        reasons.add_css_class('boxed-list')
        for reason in client.props.reasons:
            if reason.props.action == Ldb.ReasonAction.ALLOW:
                continue  # nothing to ask for
            reasons.append(self.reason_row(reason.props.name, reason.props.name in preselect))
        box.append(reasons)
        self.duration = Gtk.DropDown.new_from_strings(duration_labels())
        self.duration.set_name('request-duration')
        self.duration.update_property([Gtk.AccessibleProperty.LABEL], [_('Duration')])
        box.append(self.duration)
        self.set_extra_child(box)
        self.add_response('cancel', _('Cancel'))
        self.add_response('request', _('Request'))
        self.set_response_appearance('request', Adw.ResponseAppearance.SUGGESTED)
        self.set_default_response('request')
        self.connect('response', self.on_response)
        self.update()

    def reason_row(self, name, active):
        '''A row with a switch, labelled by the row (GTK 4.8 gives switches,
        not check buttons, an accessible action).'''
        title = f'{texts.reason(name)} ({name})'
        row = Adw.ActionRow(title=title, use_markup=False)
        switch = Gtk.Switch(active=active, valign=Gtk.Align.CENTER)
        switch.set_name('request-reason-' + name)
        switch.connect('notify::active', lambda *_a: self.update())
        row.add_suffix(switch)
        row.set_activatable_widget(switch)
        self.checks[name] = switch
        return row

    def chosen(self):
        return [name for name, check in self.checks.items() if check.get_active()]

    def update(self):
        self.set_response_enabled('request', bool(self.chosen()))

    def on_response(self, _dialog, response):
        if response == 'request':
            self.on_request(self.chosen(), DURATIONS[self.duration.get_selected()])
