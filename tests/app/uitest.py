# SPDX-License-Identifier: LGPL-2.1-or-later
'''Helpers of the app's tests: run the main loop until something holds, find
widgets by name, read what a window shows, and save it as a PNG.'''

import os
import subprocess

import gi

gi.require_version('Gtk', '4.0')
gi.require_version('GdkX11', '4.0')
from gi.repository import GdkX11, GLib, Gtk  # noqa: E402,F401 (GdkX11: get_xid)


def spin(seconds):
    ctx = GLib.MainContext.default()
    deadline = GLib.get_monotonic_time() + int(seconds * 1_000_000)
    while GLib.get_monotonic_time() < deadline:
        ctx.iteration(False)
        GLib.usleep(2000)


def spin_until(predicate, what, seconds=10):
    ctx = GLib.MainContext.default()
    deadline = GLib.get_monotonic_time() + seconds * 1_000_000
    while not predicate():
        if GLib.get_monotonic_time() > deadline:
            raise AssertionError(f'timed out waiting for {what}')
        ctx.iteration(False)
        GLib.usleep(2000)


def children(widget):
    child = widget.get_first_child()
    while child is not None:
        yield child
        child = child.get_next_sibling()


def walk(widget):
    yield widget
    for child in children(widget):
        yield from walk(child)


def find(root, name):
    '''The widget named name below root; fails when there is none or several.'''
    found = [w for w in walk(root) if w.get_name() == name]
    if len(found) != 1:
        raise AssertionError(f'{len(found)} widgets named {name!r}')
    return found[0]


def shown_text(root):
    '''The text of every label a user can see now below root (mapped: on the
    visible page, not hidden), joined by newlines.'''
    return '\n'.join(w.get_label() for w in walk(root)
                     if isinstance(w, Gtk.Label) and w.get_mapped() and w.get_label())


def screenshot(window, name):
    '''Saves window as the X server shows it in $LDB_APP_SCREENSHOTS/name.png
    (ImageMagick's import: python3-gi cannot hand over GTK 4.8's render nodes
    to render them here).'''
    directory = os.environ['LDB_APP_SCREENSHOTS']
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name + '.png')
    xid = window.get_surface().get_xid()
    subprocess.run(['import', '-window', str(xid), path], check=True, timeout=30)
    return path
