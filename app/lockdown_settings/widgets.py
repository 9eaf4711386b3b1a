# SPDX-License-Identifier: LGPL-2.1-or-later
'''Small helpers shared by the pages: who "you" are, and value rows.'''

import os

import gi

gi.require_version('Gtk', '4.0')
gi.require_version('Adw', '1')
from gi.repository import Adw, Gtk  # noqa: E402


class Me:
    '''The user and logind session this app runs for. XDG_SESSION_ID is set
    by pam_systemd in the graphical session; where it is missing, the uid
    alone decides what is "yours".'''

    def __init__(self):
        self.uid = os.getuid()
        self.session = os.environ.get('XDG_SESSION_ID', '')

    def owns(self, uid, session):
        return uid == self.uid and (not self.session or session == self.session)


def value_row(title, name):
    '''An ActionRow whose subtitle carries a value. name is its widget name,
    which the tests look rows up by. No markup: the broker's sentences and
    device names are plain text.'''
    row = Adw.ActionRow(title=title, use_markup=False)
    row.set_name(name)
    return row


def follow(client, props, refresh):
    '''Calls refresh now, and again on each notify:: of the client's props.'''
    for prop in props:
        client.connect('notify::' + prop, lambda *_a: refresh())
    refresh()


def group_of(title, *rows):
    '''A PreferencesGroup titled title holding rows, in order.'''
    group = Adw.PreferencesGroup(title=title)
    for row in rows:
        group.add(row)
    return group


def wrap_label(text, name, css=('dim-label',)):
    label = Gtk.Label(label=text, wrap=True, xalign=0, selectable=True)
    label.set_name(name)
    for cls in css:
        label.add_css_class(cls)
    return label
