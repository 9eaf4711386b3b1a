# SPDX-License-Identifier: LGPL-2.1-or-later
'''Status: enforcing or not, the mode, the kernel's own lockdown, the notice.'''

from gettext import gettext as _

import gi

gi.require_version('Adw', '1')
gi.require_version('LockdownBroker', '1')
from gi.repository import Adw, LockdownBroker as Ldb  # noqa: E402

from . import texts  # noqa: E402
from .widgets import follow, group_of, value_row, wrap_label  # noqa: E402

WATCHED = ('available', 'enforcing', 'mode', 'kernel-lockdown', 'notice', 'notice-code', 'version')


def fwupd_note(kernel_lockdown):
    '''What fwupd and GNOME's Device Security report say about the kernel's
    own lockdown, and why that is true.'''
    if kernel_lockdown != Ldb.LockdownMode.NONE:
        return _('The kernel\'s own lockdown is on. Exceptions cannot allow what it refuses.')
    return _('The kernel\'s own lockdown is off: lockdown-broker enforces the lockdown '
             'instead, so that exceptions are possible. fwupd and GNOME\'s Device Security '
             'report therefore say "Linux kernel lockdown: Disabled". That report is true '
             'of the kernel\'s switch. If fwupd offers to add lockdown=integrity to the '
             'kernel command line, accepting it turns every exception off, hibernation '
             'included.')


class StatusPage(Adw.PreferencesPage):
    def __init__(self, client):
        super().__init__(name='status', title=_('Status'), icon_name='security-high-symbolic')
        self.client = client
        self.enforcing = value_row(_('Enforcement'), 'status-enforcing')
        self.mode = value_row(_('Mode'), 'status-mode')
        self.notice = value_row(_('Notice'), 'status-notice')
        broker = group_of(_('Lockdown'), self.enforcing, self.mode, self.notice)
        kernel = Adw.PreferencesGroup(title=_('The kernel\'s own lockdown'))
        self.kernel = value_row(_('Kernel lockdown'), 'status-kernel-lockdown')
        self.fwupd = wrap_label('', 'status-fwupd-note')
        kernel.add(self.kernel)
        kernel.add(self.fwupd)
        self.version = value_row(_('Broker version'), 'status-version')
        about = Adw.PreferencesGroup()
        about.add(self.version)
        for group in (broker, kernel, about):
            self.add(group)
        follow(client, WATCHED, self.refresh)

    def refresh(self):
        client = self.client
        if not client.props.available:
            # The properties keep their last values: say they are stale.
            self.enforcing.set_subtitle(_('Unknown: the broker is not running'))
        elif client.props.enforcing:
            self.enforcing.set_subtitle(_('On: the broker enforces the lockdown'))
        else:
            self.enforcing.set_subtitle(_('Off: nothing is locked'))
        self.mode.set_subtitle(texts.mode(client.props.mode))
        code = client.props.notice_code
        self.notice.set_visible(bool(code or client.props.notice))
        self.notice.set_subtitle(texts.notice(code, client.props.notice))
        self.kernel.set_subtitle(texts.mode(client.props.kernel_lockdown))
        self.fwupd.set_label(fwupd_note(client.props.kernel_lockdown))
        self.version.set_subtitle(client.props.version or '')
