'''lockdown-broker (org.freedesktop.LockdownBroker1) mock template

A stand-in for lockdown-brokerd on a private system bus, for the tests of
clients such as settings panels:

    python3 -m dbusmock --system --template lockdown_broker
    (or the path of this file, where it is not installed as a template)

It implements the methods of the interface with simple rules (every request
is authorized; an exception is held by HolderUid/HolderSession), keeps the
Exceptions property and emits ExceptionGranted, ExceptionRevoked and
PropertiesChanged as the broker does.

Parameters (all optional):
  Version, KernelLockdown, Mode, Enforcing, Notice, NoticeCode, Features,
  CanHibernate, HibernateBlocker, HibernateBlockerCode,
  HibernateBlockerDevice: the initial property values
  Reasons: a(sssa{sv}) (name, level, action, extra), default: a few real
      reasons; rows of the first three fields alone get an empty extra
  HolderUid (u), HolderSession (s): whom RequestException grants to
  Callsites: a(sussssssa{sv}) for ListDebug, as the broker returns them;
      rows of the first eight fields alone get an empty extra

Ids are drawn as the broker draws them: uniformly from [1, 2^53), so that
JavaScript holds each one exactly.

Test controls on org.freedesktop.DBus.Mock (besides dbusmock's own
UpdateProperties and EmitSignal):
  EndException(t id, s why): ends an exception as the broker would on its
      own, e.g. why = "session-locked"
  EndAllExceptions(s why): ends every exception so
  NarrowException(t id, as cgroups, s why): ExceptionNarrowed and the row's
      "cgroups"/"narrowed" keys
  EmitDenied(s reason, u pid, s comm, s unit, t count, u uid, s session):
      the Denied signal
  SetError(s method, s name, s message): the next call of `method` fails with
      the D-Bus error `name` (e.g. "org.freedesktop.LockdownBroker1.Error.NotAuthorized")
'''

# SPDX-License-Identifier: LGPL-2.1-or-later

import random
import time

import dbus

from dbusmock import MOCK_IFACE

BUS_NAME = 'org.freedesktop.LockdownBroker1'
MAIN_OBJ = '/org/freedesktop/LockdownBroker1'
MAIN_IFACE = 'org.freedesktop.LockdownBroker1'
SYSTEM_BUS = True

ERROR = 'org.freedesktop.LockdownBroker1.Error.'
EXCEPTION_ROW = '(tasssustsa{sv})'
REASON_ROW = '(sssa{sv})'
CALLSITE_ROW = '(sussssssa{sv})'
CHANGE_ROW = '(sussssa{sv})'
# Exception ids are below this, as the broker's (exact in a JS number).
ID_LIMIT = 2 ** 53

DEFAULT_REASONS = [
    ('unsigned-module', 'integrity', 'deny'),
    ('dev-mem', 'integrity', 'deny'),
    ('kexec', 'integrity', 'deny'),
    ('hibernation', 'integrity', 'deny'),
    ('debugfs', 'integrity', 'deny'),
    ('kcore', 'confidentiality', 'allow'),
    ('dynamic-debug', 'integrity', 'deny'),
]


DEFAULT_FEATURES = ['scope-caller', 'dynamic-debug', 'hibernate', 'exception-narrowing', 'codes',
                    'denied-owner']


def _extra():
    """The trailing a{sv} of every record: empty in this version."""
    return dbus.Dictionary({}, signature='sv')


def _with_extra(rows, fields, signature):
    """Rows as the wire has them: a row given without its trailing extra
    (the first `fields` fields only) gets an empty one."""
    return dbus.Array([dbus.Struct(tuple(r) + ((_extra(),) if len(r) == fields else ()))
                       for r in rows], signature=signature)


def _fail(name, message):
    raise dbus.exceptions.DBusException(message, name=ERROR + name)


def _check_error(mock, method):
    pending = mock.ldb_errors.pop(method, None)
    if pending is not None:
        raise dbus.exceptions.DBusException(pending[1], name=pending[0])


def _rows(mock):
    return dbus.Array([e['row'] for e in mock.ldb_exceptions.values()], signature=EXCEPTION_ROW)


def _publish(mock):
    mock.UpdateProperties(MAIN_IFACE, {'Exceptions': _rows(mock)})


def _make_row(ex):
    extra = dbus.Dictionary({'cgroups': dbus.Array(ex['cgroups'], signature='s'),
                             'narrowed': dbus.String(ex['narrowed'])}, signature='sv')
    return dbus.Struct((dbus.UInt64(ex['id']), dbus.Array(ex['reasons'], signature='s'),
                        ex['scope_kind'], ex['scope'], dbus.UInt32(ex['uid']), ex['session'],
                        dbus.UInt64(ex['expires']), ex['origin'], extra), signature=None)


def _check_reasons(mock, reasons):
    known = {str(r[0]) for r in mock.props[MAIN_IFACE]['Reasons']}
    if not reasons:
        _fail('InvalidArgument', 'No reason given')
    for reason in reasons:
        if str(reason) not in known:
            _fail('InvalidArgument', f'"{reason}" is not a lockdown reason of this kernel')


def _add_exception(mock, reasons, scope_kind, scope, seconds, origin, uid, session, cgroups):
    if seconds == 0:
        _fail('InvalidArgument', 'An exception must last at least one second')
    ex_id = 0
    while ex_id == 0 or ex_id in mock.ldb_exceptions:
        ex_id = random.randrange(1, ID_LIMIT)
    ex = {'id': ex_id, 'reasons': [str(r) for r in reasons], 'scope_kind': scope_kind,
          'scope': scope, 'uid': uid, 'session': session, 'origin': origin,
          'expires': time.time_ns() // 1000 + seconds * 1_000_000, 'cgroups': cgroups,
          'narrowed': ''}
    ex['row'] = _make_row(ex)
    mock.ldb_exceptions[ex_id] = ex
    mock.EmitSignal(MAIN_IFACE, 'ExceptionGranted', 'tasss',
                    [dbus.UInt64(ex_id), dbus.Array(ex['reasons'], signature='s'), scope_kind, scope])
    _publish(mock)
    return dbus.UInt64(ex_id)


def _end_exception(mock, ex_id, why):
    if ex_id not in mock.ldb_exceptions:
        _fail('NotFound', f'No exception {ex_id}')
    del mock.ldb_exceptions[ex_id]
    mock.EmitSignal(MAIN_IFACE, 'ExceptionRevoked', 'ts', [dbus.UInt64(ex_id), why])
    _publish(mock)


def load(mock, parameters):
    mock.ldb_exceptions = {}
    mock.ldb_errors = {}
    mock.ldb_uid = int(parameters.get('HolderUid', 1000))
    mock.ldb_session = str(parameters.get('HolderSession', 'c1'))
    mock.ldb_callsites = _with_extra(parameters.get('Callsites', [
        ('drivers/foo/foo.c', 42, 'foo', 'foo_probe', '_', 'probing %s\\n', '', ''),
        ('drivers/foo/foo.c', 77, 'foo', 'foo_remove', '_', 'removed\\n', '', ''),
    ]), 8, CALLSITE_ROW)
    mock.ldb_debug_changes = []
    props = {
        'Version': dbus.String(parameters.get('Version', '0.1.0')),
        'KernelLockdown': dbus.String(parameters.get('KernelLockdown', 'none')),
        'Mode': dbus.String(parameters.get('Mode', 'integrity')),
        'Enforcing': dbus.Boolean(parameters.get('Enforcing', True)),
        'Notice': dbus.String(parameters.get('Notice', '')),
        'NoticeCode': dbus.String(parameters.get('NoticeCode', '')),
        'Features': dbus.Array(parameters.get('Features', DEFAULT_FEATURES), signature='s'),
        'Reasons': _with_extra(parameters.get('Reasons', DEFAULT_REASONS), 3, REASON_ROW),
        'Exceptions': dbus.Array([], signature=EXCEPTION_ROW),
        'CanHibernate': dbus.String(parameters.get('CanHibernate', 'na')),
        'HibernateBlocker': dbus.String(parameters.get(
            'HibernateBlocker', 'No swap device is active.')),
        'HibernateBlockerCode': dbus.String(parameters.get('HibernateBlockerCode', 'no-swap')),
        'HibernateBlockerDevice': dbus.String(parameters.get('HibernateBlockerDevice', '')),
    }
    mock.AddProperties(MAIN_IFACE, dbus.Dictionary(props, signature='sv'))


@dbus.service.method(MAIN_IFACE, in_signature='asta{sv}', out_signature='t')
def RequestException(self, reasons, seconds, options):
    _check_error(self, 'RequestException')
    _check_reasons(self, reasons)
    scope = 'session'
    for key, value in options.items():
        if key != 'scope' or str(value) not in ('session', 'caller'):
            _fail('InvalidArgument', f'Option "{key}" is not supported')
        scope = str(value)
    cgroups = [f'/user.slice/user-{self.ldb_uid}.slice/session-{self.ldb_session}.scope']
    if scope == 'caller':
        cgroups = [f'/user.slice/user-{self.ldb_uid}.slice/user@{self.ldb_uid}.service/app.slice/run-1.scope']
    return _add_exception(self, reasons, 'session', self.ldb_session, seconds, 'request',
                          self.ldb_uid, self.ldb_session, cgroups)


@dbus.service.method(MAIN_IFACE, in_signature='t', out_signature='')
def ReleaseException(self, ex_id):
    _check_error(self, 'ReleaseException')
    _end_exception(self, int(ex_id), 'released')


@dbus.service.method(MAIN_IFACE, in_signature='asssta{sv}', out_signature='t')
def GrantException(self, reasons, scope_kind, scope, seconds, options):
    _check_error(self, 'GrantException')
    _check_reasons(self, reasons)
    if scope_kind not in ('unit', 'cgroup', 'session'):
        _fail('InvalidArgument', f'"{scope_kind}" is not a scope kind')
    if options:
        _fail('InvalidArgument', 'GrantException takes no options')
    session = scope if scope_kind == 'session' else ''
    return _add_exception(self, reasons, str(scope_kind), str(scope), seconds, 'admin', 0,
                          session, [str(scope)] if scope_kind == 'cgroup' else [])


@dbus.service.method(MAIN_IFACE, in_signature='t', out_signature='')
def RevokeException(self, ex_id):
    _check_error(self, 'RevokeException')
    _end_exception(self, int(ex_id), 'revoked')


@dbus.service.method(MAIN_IFACE, in_signature='', out_signature='a' + EXCEPTION_ROW)
def ListExceptions(self):
    _check_error(self, 'ListExceptions')
    return _rows(self)


@dbus.service.method(MAIN_IFACE, in_signature='a{sv}', out_signature='')
def Hibernate(self, options):
    _check_error(self, 'Hibernate')
    if options:
        _fail('InvalidArgument', 'Hibernate takes no options')
    if self.props[MAIN_IFACE]['CanHibernate'] != 'yes':
        _fail('Refused', str(self.props[MAIN_IFACE]['HibernateBlocker']))


@dbus.service.method(MAIN_IFACE, in_signature='a{sv}', out_signature='tss')
def BeginHibernation(self, options):
    _check_error(self, 'BeginHibernation')
    _fail('Refused', 'Only lockdown-hibernate may begin a hibernation')


@dbus.service.method(MAIN_IFACE, in_signature='s', out_signature='a' + CHANGE_ROW)
def SetDebug(self, query):
    '''Understands "module M +F" / "module M -F" on the Callsites parameter.'''
    _check_error(self, 'SetDebug')
    words = str(query).split()
    if len(words) != 3 or words[0] != 'module' or words[2][:1] not in ('+', '-', '='):
        _fail('InvalidArgument', f'"{query}" is not a query this mock understands')
    changed = []
    for i, site in enumerate(self.ldb_callsites):
        if site[2] != words[1]:
            continue
        old = str(site[4])
        new = words[2][1:] if words[2][0] in '+=' else '_'
        if old == new:
            continue
        self.ldb_callsites[i] = dbus.Struct(site[:4] + (new,) + site[5:7] + (self.ldb_session, site[8]))
        self.ldb_debug_changes.append((i, old))
        changed.append((site[0], site[1], site[2], site[3], old, new, _extra()))
    return dbus.Array(changed, signature=CHANGE_ROW)


@dbus.service.method(MAIN_IFACE, in_signature='s', out_signature='a' + CALLSITE_ROW)
def ListDebug(self, filter_):
    _check_error(self, 'ListDebug')
    words = str(filter_).split()
    if words and (len(words) != 2 or words[0] != 'module'):
        _fail('InvalidArgument', f'"{filter_}" is not a filter this mock understands')
    return dbus.Array([s for s in self.ldb_callsites if not words or s[2] == words[1]],
                      signature=CALLSITE_ROW)


@dbus.service.method(MAIN_IFACE, in_signature='', out_signature='a' + CHANGE_ROW)
def ResetDebug(self):
    _check_error(self, 'ResetDebug')
    restored = []
    for i, old in reversed(self.ldb_debug_changes):
        site = self.ldb_callsites[i]
        self.ldb_callsites[i] = dbus.Struct(site[:4] + (old,) + site[5:7] + ('', site[8]))
        restored.append((site[0], site[1], site[2], site[3], old, site[4], _extra()))
    self.ldb_debug_changes = []
    return dbus.Array(restored, signature=CHANGE_ROW)


@dbus.service.method(MOCK_IFACE, in_signature='ts', out_signature='')
def EndException(self, ex_id, why):
    _end_exception(self, int(ex_id), str(why))


@dbus.service.method(MOCK_IFACE, in_signature='s', out_signature='')
def EndAllExceptions(self, why):
    for ex_id in list(self.ldb_exceptions):
        _end_exception(self, ex_id, str(why))


@dbus.service.method(MOCK_IFACE, in_signature='tass', out_signature='')
def NarrowException(self, ex_id, cgroups, why):
    ex = self.ldb_exceptions.get(int(ex_id))
    if ex is None:
        _fail('NotFound', f'No exception {ex_id}')
    ex['cgroups'] = [str(c) for c in cgroups]
    ex['narrowed'] = str(why)
    ex['row'] = _make_row(ex)
    self.EmitSignal(MAIN_IFACE, 'ExceptionNarrowed', 'tass',
                    [dbus.UInt64(ex_id), dbus.Array(ex['cgroups'], signature='s'), why])
    _publish(self)


@dbus.service.method(MOCK_IFACE, in_signature='susstus', out_signature='')
def EmitDenied(self, reason, pid, comm, unit, count, uid, session):
    self.EmitSignal(MAIN_IFACE, 'Denied', 'susstus', [reason, dbus.UInt32(pid), comm, unit,
                                                      dbus.UInt64(count), dbus.UInt32(uid),
                                                      session])


@dbus.service.method(MOCK_IFACE, in_signature='sss', out_signature='')
def SetError(self, method, name, message):
    self.ldb_errors[str(method)] = (str(name), str(message))
