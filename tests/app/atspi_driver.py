# SPDX-License-Identifier: LGPL-2.1-or-later
'''A small driver of a running app through its accessibility tree (AT-SPI,
pyatspi): find what a user sees by role and name, and press it.'''

import time

import pyatspi


def walk(acc):
    yield acc
    for i in range(acc.childCount):
        child = acc.getChildAtIndex(i)
        if child is not None:
            yield from walk(child)


def showing(acc):
    '''GTK 4.8 sets VISIBLE but never SHOWING: a hidden widget is left out,
    but so is not a widget on a page of a stack that is not the visible one.
    The tests check which page tab is selected for that.'''
    return acc.getState().contains(pyatspi.STATE_VISIBLE)


def selected(acc):
    states = acc.getState()
    return states.contains(pyatspi.STATE_SELECTED) or states.contains(pyatspi.STATE_CHECKED)


def application(process, seconds=20):
    '''The accessible application of a subprocess.Popen, once it has a
    window; fails at once, with its exit status, if the process ended.'''
    pid = process.pid
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f'the app (pid {pid}) exited with status {process.returncode} '
                                 'before its window showed')
        desktop = pyatspi.Registry.getDesktop(0)
        for app in desktop:
            if app is not None and app.get_process_id() == pid and app.childCount:
                return app
        time.sleep(0.2)
    raise AssertionError(f'no accessible application of pid {pid} after {seconds} s')


def shown_names(app):
    '''The names of every showing label, list item and button, in tree order.'''
    return [acc.name for acc in walk(app)
            if acc.name and showing(acc)
            and acc.getRoleName() in ('label', 'list item', 'push button', 'check box', 'link')]


def wait_shown(app, text, seconds=10, present=True):
    '''Waits until a showing element's name contains text (or none does).'''
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(text in n for n in shown_names(app)) == present:
            return
        time.sleep(0.2)
    raise AssertionError(f'{text!r} {"not " if present else ""}shown after {seconds} s; '
                         f'shown: {shown_names(app)}')


def named(acc, name):
    '''GTK 4.8 names a button with a label child and a labelled-by relation
    "Request Request": both count.'''
    return acc.name in (name, f'{name} {name}')


def find(app, role, name, seconds=10):
    '''The first showing element of role named name.'''
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for acc in walk(app):
            if acc.getRoleName() == role and named(acc, name) and showing(acc):
                return acc
        time.sleep(0.2)
    raise AssertionError(f'no showing {role} {name!r} after {seconds} s; '
                         f'shown: {shown_names(app)}')


def wait_selected(app, role, name, seconds=10):
    deadline = time.monotonic() + seconds
    while not selected(find(app, role, name)):
        if time.monotonic() > deadline:
            raise AssertionError(f'{role} {name!r} not selected after {seconds} s')
        time.sleep(0.2)


def press(app, role, name):
    '''Does what a click on it would: its AT-SPI action "click" or "toggle".'''
    acc = find(app, role, name)
    action = acc.queryAction()
    names = [action.getName(i) for i in range(action.nActions)]
    usable = [n for n in ('click', 'toggle') if n in names]
    if not usable:
        raise AssertionError(f'{role} {name!r} has no click or toggle action: {names}')
    index = names.index(usable[0])
    if not action.doAction(index):
        raise AssertionError(f'{role} {name!r} refused its action {names[index]!r}')
