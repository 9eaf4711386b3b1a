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
        box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=6)
        for reason in client.props.reasons:
            if reason.props.action == Ldb.ReasonAction.ALLOW:
                continue  # nothing to ask for
            name = reason.props.name
            check = Gtk.CheckButton(label=f'{texts.reason(name)} ({name})',
                                    active=name in preselect)
            check.set_name('request-reason-' + name)
            check.connect('toggled', lambda *_a: self.update())
            self.checks[name] = check
            box.append(check)
        self.duration = Gtk.DropDown.new_from_strings(duration_labels())
        self.duration.set_name('request-duration')
        box.append(self.duration)
        self.set_extra_child(box)
        self.add_response('cancel', _('Cancel'))
        self.add_response('request', _('Request'))
        self.set_response_appearance('request', Adw.ResponseAppearance.SUGGESTED)
        self.set_default_response('request')
        self.connect('response', self.on_response)
        self.update()

    def chosen(self):
        return [name for name, check in self.checks.items() if check.get_active()]

    def update(self):
        self.set_response_enabled('request', bool(self.chosen()))

    def on_response(self, _dialog, response):
        if response == 'request':
            self.on_request(self.chosen(), DURATIONS[self.duration.get_selected()])
