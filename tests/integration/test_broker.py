#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The D-Bus contract of lockdown-brokerd, on a private system bus with
python-dbusmock's logind, systemd and polkitd, real cgroups and real BPF maps.

Run one case:  test_broker.py RequestTests.test_grant_covers_session_and_user_service
(meson registers every case as its own test in the 'integration' suite).
"""

import json
import os
import re
import signal
import time
import xml.etree.ElementTree as ET

import dbus

from brokertest import (ACTION_MANAGE, ACTION_REQUEST, BROKER, CGROUP2_ROOT, DEFAULT_CONF,
                        LOGIND_MANAGER, LOGIND_PATH, OTHER_UID, SESSION_IFACE, USER_UID, BrokerTestCase,
                        exception_dict, main, metric)

REAL_USEC = 1_000_000


def realtime_usec():
    return int(time.time() * REAL_USEC)


class GrantingTestCase(BrokerTestCase):
    """Helpers for tests that start from a granted exception."""

    def report_latency(self, why, t0, t_empty, t_sig):
        # t0: just before the mock was told to emit; t_empty: the kernel map
        # seen empty (direct bpf() polls every 0.2 ms); t_sig: our client
        # dispatched ExceptionRevoked (pumped at most every 5 ms).
        metric('revocation_latency', why=why, map_empty_ms=round((t_empty - t0) * 1000, 2),
               signal_ms=round((t_sig - t0) * 1000, 1))

    def grant_session1(self, reasons=('dev-mem',), seconds=600):
        self.polkit_mock.SetAllowed([ACTION_REQUEST])
        gid = self.assert_ok(self.request(list(reasons), seconds), 'RequestException from session 1')
        self.assertTrue(self.kernel_grants(), 'RequestException succeeded but the kernel map is empty')
        return gid

    def session1_entries(self, gid, reasons=('dev-mem',)):
        scope = self.cgroups.cgroup_id(self.session_cg['1'])
        user = self.cgroups.cgroup_id(self.user_service_cg(USER_UID))
        return {(cg, r, gid) for cg in (scope, user) for r in reasons}

    def admin_grant(self, reasons, kind, scope, seconds=600):
        self.polkit_mock.SetAllowed([ACTION_MANAGE, ACTION_REQUEST])
        return self.assert_ok(self.call('GrantException', 'asssta{sv}', [list(reasons), kind, scope, seconds, {}],
                                        uid=0, cgroup=self.nosession_cg), f'GrantException to {kind} {scope}')


class RequestTests(GrantingTestCase):
    """RequestException: the happy path and what polkit is told."""

    def test_grant_covers_session_and_user_service(self):
        self.polkit_mock.SetAllowed([ACTION_REQUEST])
        self.polkit_mock.ClearCalls()
        before = realtime_usec()
        res = self.request(['dev-mem'], 600)
        gid = self.assert_ok(res, 'RequestException(["dev-mem"], 600, {})')
        self.assertIsInstance(gid, int)
        self.assertNotEqual(gid, 0, 'exception ids are never 0')

        # kernel: the session's scope and the user's user@1000.service
        self.assertEqual(self.map_entries(), self.session1_entries(gid))
        for g in self.kernel_grants():
            self.assertEqual(g['uid'], USER_UID, f'kernel grant {g} does not name the holder uid')
            self.assertGreater(g['remaining_ms'], 0, f'kernel grant {g} is already expired')

        # the Exceptions property and ListExceptions
        ex = self.exceptions()
        self.assertEqual(len(ex), 1, ex)
        e = ex[0]
        self.assertEqual((e['id'], e['reasons'], e['scope_kind'], e['scope'], e['holder_uid'], e['holder_session'],
                          e['origin']), (gid, ['dev-mem'], 'session', '1', USER_UID, '1', 'request'))
        self.assertGreaterEqual(e['expires'], before + 600 * REAL_USEC - 2 * REAL_USEC,
                                'expires is not 600 s from now (CLOCK_REALTIME usec)')
        self.assertLessEqual(e['expires'], realtime_usec() + 600 * REAL_USEC + 2 * REAL_USEC)
        listed = [exception_dict(x) for x in self.broker.ListExceptions()]
        self.assertEqual(listed, ex, 'ListExceptions and the Exceptions property disagree')

        # signals
        granted = self.wait_for(lambda: [a for _, a in self.signals_named('ExceptionGranted') if int(a[0]) == gid],
                                3, 'ExceptionGranted')
        self.assertEqual(len(granted), 1, 'ExceptionGranted was sent more than once')
        args = granted[0]
        self.assertEqual(([str(r) for r in args[1]], str(args[2]), str(args[3])), (['dev-mem'], 'session', '1'))
        self.wait_for(lambda: [a for _, a in self.signals_named('PropertiesChanged')
                               if 'Exceptions' in a[0] or 'Exceptions' in a[1]],
                      3, 'PropertiesChanged for Exceptions')

        # polkit: asked once, about the caller's bus name, with details
        calls = self.polkit_calls()
        self.assertEqual(len(calls), 1, f'CheckAuthorization calls: {calls}')
        subject, action, details, flags = calls[0][0], calls[0][1], calls[0][2], calls[0][3]
        self.assertEqual(str(subject[0]), 'system-bus-name', 'polkit subject must be the bus name, never a pid')
        self.assertEqual(str(subject[1]['name']), res.sender, 'polkit subject is not the caller')
        self.assertEqual(str(action), ACTION_REQUEST)
        self.assertEqual({str(k): str(v) for k, v in details.items()}, {'reasons': 'dev-mem', 'seconds': '600'})
        self.assertEqual(int(flags), 0, 'the caller did not allow interactive authorization')

    def test_two_reasons_in_polkit_details_and_map(self):
        self.polkit_mock.SetAllowed([ACTION_REQUEST])
        gid = self.assert_ok(self.request(['dev-mem', 'msr'], 120))
        self.assertEqual(self.map_entries(), self.session1_entries(gid, ('dev-mem', 'msr')))
        details = {str(k): str(v) for k, v in self.polkit_calls()[0][2].items()}
        self.assertEqual(sorted(details['reasons'].split(',')), ['dev-mem', 'msr'])
        self.assertEqual(details['seconds'], '120')
        self.assertEqual(sorted(self.exceptions()[0]['reasons']), ['dev-mem', 'msr'])

    def test_interactive_flag_reaches_polkit(self):
        self.polkit_mock.SetAllowed([ACTION_REQUEST])
        self.assert_ok(self.call('RequestException', 'asta{sv}', [['dev-mem'], 60, {}], uid=USER_UID,
                                 cgroup=self.session_cg['1'], interactive=True))
        flags = int(self.polkit_calls()[0][3])
        self.assertEqual(flags & 1, 1, 'allow-interactive-authorization on the message must become '
                                       'AllowUserInteraction for polkit')

    def test_polkit_denies(self):
        self.polkit_mock.SetAllowed([])
        res = self.request(['dev-mem'], 600)
        self.assert_error(res, 'NotAuthorized', 'RequestException with polkit saying no')
        self.assertEqual(len(self.polkit_calls()), 1, 'polkit was not asked')
        self.assertEqual(self.kernel_grants(), [], 'a refused request left a grant in the kernel')
        self.assertEqual(self.exceptions(), [])
        self.assertEqual(self.signals_named('ExceptionGranted'), [])

    def test_ids_are_distinct(self):
        self.polkit_mock.SetAllowed([ACTION_REQUEST])
        a = self.assert_ok(self.request(['dev-mem'], 60))
        b = self.assert_ok(self.request(['msr'], 60))
        self.assertNotEqual(a, b)
        self.assertEqual({e['id'] for e in self.exceptions()}, {a, b})
        self.assertEqual(self.map_entries(), self.session1_entries(a) | self.session1_entries(b, ('msr',)))


class EligibilityTests(GrantingTestCase):
    """Who may ask at all: refused before polkit is even asked."""

    def refused_without_polkit(self, res, error, what):
        self.assert_error(res, error, what)
        self.assertEqual(self.polkit_calls(), [], f'{what}: polkit was asked although the cheap checks refuse')
        self.assertEqual(self.kernel_grants(), [])
        self.assertEqual(self.exceptions(), [])

    def setUp(self):
        super().setUp()
        self.polkit_mock.SetAllowed([ACTION_REQUEST])

    def test_inactive_session(self):
        self.session_mock('1').UpdateProperties(SESSION_IFACE, {'Active': False})
        self.refused_without_polkit(self.request(['dev-mem']), 'SessionNotEligible', 'request from an inactive session')

    def test_remote_session(self):
        self.add_session('3', USER_UID, 'seat1', active=True, remote=True)
        self.refused_without_polkit(self.request(['dev-mem'], sid='3', uid=USER_UID), 'SessionNotEligible',
                                    'request from a remote session')

    def test_locked_session(self):
        self.session_mock('1').UpdateProperties(SESSION_IFACE, {'LockedHint': True})
        self.refused_without_polkit(self.request(['dev-mem']), 'SessionNotEligible', 'request from a locked session')

    def test_greeter_session(self):
        self.session_mock('1').UpdateProperties(SESSION_IFACE, {'Class': 'greeter'})
        self.refused_without_polkit(self.request(['dev-mem']), 'SessionNotEligible', 'request from a greeter session')

    def test_caller_in_no_session(self):
        res = self.call('RequestException', 'asta{sv}', [['dev-mem'], 600, {}], uid=USER_UID, cgroup=self.nosession_cg)
        self.refused_without_polkit(res, 'NoSession', 'request from a process outside any session')


class ReleaseTests(GrantingTestCase):

    def test_release_by_other_user_refused(self):
        gid = self.grant_session1()
        res = self.call('ReleaseException', 't', [gid], uid=OTHER_UID, cgroup=self.session_cg['2'])
        self.assert_error(res, 'NotAuthorized', f'ReleaseException by uid {OTHER_UID}, not the holder')
        self.assertEqual(self.map_entries(), self.session1_entries(gid), 'the grant must stay')
        self.assertEqual([e['id'] for e in self.exceptions()], [gid])

    def test_release_by_same_user_other_session_refused(self):
        gid = self.grant_session1()
        self.add_session('3', USER_UID, 'seat1', active=True)
        res = self.call('ReleaseException', 't', [gid], uid=USER_UID, cgroup=self.session_cg['3'])
        self.assert_error(res, 'NotAuthorized', 'ReleaseException by the holder uid from another session')
        self.assertEqual(self.map_entries(), self.session1_entries(gid))

    def test_release_by_holder(self):
        gid = self.grant_session1()
        self.pump()
        t_granted = time.monotonic()
        self.assert_ok(self.call('ReleaseException', 't', [gid], uid=USER_UID, cgroup=self.session_cg['1']))
        self.assertEqual(self.kernel_grants(), [], 'released, but the kernel map still has it')
        self.assertEqual(self.exceptions(), [])
        _, why = self.wait_revoked(gid)
        self.assertEqual(why, 'released')
        self.wait_for(lambda: [a for t, a in self.signals_named('PropertiesChanged')
                               if t > t_granted and ('Exceptions' in a[0] or 'Exceptions' in a[1])],
                      3, 'PropertiesChanged for Exceptions after the release')

    def test_release_unknown_id(self):
        res = self.call('ReleaseException', 't', [0x1234], uid=USER_UID, cgroup=self.session_cg['1'])
        self.assert_error(res, 'NotFound', 'ReleaseException of an id that does not exist')


class DisconnectTests(GrantingTestCase):
    """The caller goes away while polkit is still deciding."""

    def vanish_mid_authorization(self):
        self.polkit_mock.SetAllowed([ACTION_REQUEST])
        self.polkit_mock.SimulateHangActions([ACTION_REQUEST])
        p = self.start_call('RequestException', 'asta{sv}', [['dev-mem'], 600, {}], uid=USER_UID,
                            cgroup=self.session_cg['1'])
        self.wait_for(lambda: self.polkit_mock.HaveHangingCalls(), 5, 'the request to reach polkit')
        p.kill()
        p.wait()
        self.wait_for(lambda: not self.bus.name_has_owner(p.sender), 5, 'the caller to leave the bus')
        return p

    def test_nothing_granted_after_caller_vanished(self):
        self.vanish_mid_authorization()
        self.pump(0.3)  # let the daemon see NameOwnerChanged
        self.polkit_mock.ReleaseHangingCalls()
        self.pump(0.5)
        self.assertEqual(self.kernel_grants(), [], 'a grant was made for a caller that is gone')
        self.assertEqual(self.exceptions(), [])
        self.assertEqual(self.signals_named('ExceptionGranted'), [])
        self.assertEqual(str(self.prop('Mode')), 'integrity', 'the daemon no longer answers')
        # and it still serves a new request
        self.polkit_mock.SimulateHangActions(dbus.Array([], signature='s'))
        self.assert_ok(self.request(['dev-mem']), 'a request after the vanished one')

    def test_vanished_caller_cancels_polkit_check(self):
        self.vanish_mid_authorization()
        cid = str(self.polkit_calls()[0][4])
        self.wait_for(lambda: [c for c in self.polkit_calls('CancelCheckAuthorization') if str(c[0]) == cid], 3,
                      f'CancelCheckAuthorization("{cid}") after the caller left (the prompt must close)')
        self.polkit_mock.ReleaseHangingCalls()


class RevocationTests(GrantingTestCase):
    """What ends a session-bound exception, and how fast the kernel map follows."""

    def revoke_and_measure(self, trigger, expected_why):
        gid = self.grant_session1()
        self.pump()
        t0 = time.monotonic()
        trigger()
        t_empty = self.measure_until_map_empty(t0)
        t_sig, why = self.wait_revoked(gid)
        self.assertEqual(why, expected_why)
        self.assertEqual(self.kernel_grants(), [], 'ld-testctl disagrees: the map is not empty')
        self.assertEqual(self.exceptions(), [])
        self.report_latency(expected_why, t0, t_empty, t_sig)
        return gid

    def test_lock_signal(self):
        session = dbus.Interface(self.bus.get_object('org.freedesktop.login1', f'{LOGIND_PATH}/session/1'),
                                 SESSION_IFACE)
        self.revoke_and_measure(session.Lock, 'session-locked')

    def test_locked_hint(self):
        self.revoke_and_measure(lambda: self.session_mock('1').UpdateProperties(SESSION_IFACE, {'LockedHint': True}),
                                'session-locked')

    def test_session_inactive(self):
        self.revoke_and_measure(lambda: self.session_mock('1').UpdateProperties(SESSION_IFACE, {'Active': False}),
                                'session-inactive')

    def test_session_removed(self):
        path = f'{LOGIND_PATH}/session/1'

        def remove():
            self.logind_mock.EmitSignal(LOGIND_MANAGER, 'SessionRemoved', 'so', ['1', dbus.ObjectPath(path)])
            self.logind_mock.RemoveObject(path)
        self.revoke_and_measure(remove, 'session-removed')

    def test_resume_from_sleep(self):
        def sleep_and_resume():
            self.logind_mock.EmitSignal(LOGIND_MANAGER, 'PrepareForSleep', 'b', [True])
            self.logind_mock.EmitSignal(LOGIND_MANAGER, 'PrepareForSleep', 'b', [False])
        self.revoke_and_measure(sleep_and_resume, 'resumed')

    def test_other_session_locking_changes_nothing(self):
        gid = self.grant_session1()
        self.session_mock('2').UpdateProperties(SESSION_IFACE, {'LockedHint': True, 'Active': False})
        dbus.Interface(self.bus.get_object('org.freedesktop.login1', f'{LOGIND_PATH}/session/2'), SESSION_IFACE).Lock()
        self.pump(0.5)
        self.assertEqual(self.map_entries(), self.session1_entries(gid), "session 2's lock revoked session 1's grant")
        self.assertEqual(self.signals_named('ExceptionRevoked'), [])


class PromptRaceTests(GrantingTestCase):
    """The session changes while the polkit prompt is open."""

    def change_during_prompt(self, change):
        self.polkit_mock.SetAllowed([ACTION_REQUEST])
        self.polkit_mock.SimulateHangActions([ACTION_REQUEST])
        p = self.start_call('RequestException', 'asta{sv}', [['dev-mem'], 600, {}], uid=USER_UID,
                            cgroup=self.session_cg['1'])
        self.wait_for(lambda: self.polkit_mock.HaveHangingCalls(), 5, 'the request to reach polkit')
        change()
        self.pump(0.2)
        self.polkit_mock.ReleaseHangingCalls()
        res = self.finish(p)
        self.assert_error(res, 'SessionNotEligible', 'a request whose session changed during the polkit prompt')
        self.pump(0.2)
        self.assertEqual(self.kernel_grants(), [])
        self.assertEqual(self.exceptions(), [])
        self.assertEqual(self.signals_named('ExceptionGranted'), [])

    def test_session_inactive_during_prompt(self):
        self.change_during_prompt(lambda: self.session_mock('1').UpdateProperties(SESSION_IFACE, {'Active': False}))

    def test_session_locked_during_prompt(self):
        self.change_during_prompt(lambda: self.session_mock('1').UpdateProperties(SESSION_IFACE,
                                                                                 {'LockedHint': True}))


class BadArgumentTests(GrantingTestCase):
    """Refused with a message that says what is wrong; nothing reaches the kernel."""

    def setUp(self):
        super().setUp()
        # polkit would say yes: every refusal here is the daemon's own
        self.polkit_mock.SetAllowed([ACTION_REQUEST, ACTION_MANAGE])

    def refused(self, res, what, message_re=None, errors=('InvalidArgument',), polkit_first_ok=False):
        if not res.error:
            self.fail(f'{what}: accepted ({res.value!r}); expected {" or ".join(errors)}')
        self.assertIn(res.error.rsplit('.', 1)[-1], errors, f'{what}: {res.error}: {res.message}')
        self.assert_error(res, res.error.rsplit('.', 1)[-1], what, message_re)
        self.assertLess(len(res.message), 400, f'{what}: the message is not short: {res.message[:200]!r}...')
        self.assertEqual(self.kernel_grants(), [], f'{what}: something reached the kernel map')
        self.assertEqual(self.exceptions(), [])
        if not polkit_first_ok:
            self.assertEqual(self.polkit_calls(), [], f'{what}: polkit was asked about an invalid request')

    def grant(self, reasons, kind, scope, seconds=600, options=None):
        return self.call('GrantException', 'asssta{sv}', [reasons, kind, scope, seconds, options or {}],
                         uid=0, cgroup=self.nosession_cg)

    def test_unknown_reason(self):
        self.refused(self.request(['no-such-reason']), 'unknown reason', r'no-such-reason')

    def test_empty_reason_list(self):
        self.refused(self.request([]), 'empty reason list')

    def test_reason_already_allowed_by_policy(self):
        # Mode=integrity allows every confidentiality reason: nothing to lift
        self.refused(self.request(['kcore']), 'a reason the policy already allows', r'kcore')

    def test_duplicate_reasons_consistent(self):
        # Refusing or folding are both fine; the two methods must agree.
        req = self.request(['dev-mem', 'dev-mem'])
        gr = self.grant(['dev-mem', 'dev-mem'], 'unit', 'test.service')
        if req.error or gr.error:
            self.assertEqual(req.error, gr.error, f'duplicate reasons: RequestException gives {req!r}, '
                                                  f'GrantException gives {gr!r}')
            self.refused(req, 'duplicate reasons (RequestException)', r'dev-mem')
            self.refused(gr, 'duplicate reasons (GrantException)', r'dev-mem')
        else:
            for e in self.exceptions():
                self.assertEqual(e['reasons'], ['dev-mem'], 'accepted duplicates must be folded')

    def test_zero_seconds(self):
        self.refused(self.request(['dev-mem'], 0), 'seconds = 0')

    def test_seconds_above_max(self):
        self.refused(self.request(['dev-mem'], 3601), 'seconds above MaxSeconds=3600', r'3600')
        self.refused(self.grant(['dev-mem'], 'unit', 'test.service', 3601), 'GrantException above MaxSeconds',
                     r'3600')
        self.assert_ok(self.request(['dev-mem'], 3600), 'exactly MaxSeconds')

    def test_seconds_huge(self):
        self.refused(self.request(['dev-mem'], 2**64 - 1), 'seconds = 2^64-1')

    def test_unknown_option(self):
        self.refused(self.request(['dev-mem'], 60, {'bogus': True}), 'unknown option key', r'bogus')

    def test_overlong_reason(self):
        self.refused(self.request(['x' * 10000]), '10000-character reason')

    def test_many_reasons(self):
        self.refused(self.request(['dev-mem'] + [f'r{i}' for i in range(5000)]), '5001 reasons')

    def test_grant_bogus_scope_kind(self):
        self.refused(self.grant(['dev-mem'], 'bogus', 'x'), 'scope_kind "bogus"', r'bogus')

    def test_grant_cgroup_with_dotdot(self):
        scope = self.test_service_cg + '/../../..'
        self.refused(self.grant(['dev-mem'], 'cgroup', scope), 'cgroup path with ".."')

    def test_grant_cgroup_relative(self):
        self.refused(self.grant(['dev-mem'], 'cgroup', 'system.slice'), 'relative cgroup path')

    def test_grant_cgroup_missing(self):
        self.refused(self.grant(['dev-mem'], 'cgroup', self.cgroups.prefix + '/no/such/cgroup'),
                     'a cgroup that does not exist', errors=('InvalidArgument', 'NotFound'), polkit_first_ok=True)

    def test_grant_unknown_unit(self):
        self.refused(self.grant(['dev-mem'], 'unit', 'no-such.service'), 'a unit systemd does not know',
                     r'no-such\.service', errors=('InvalidArgument', 'NotFound'), polkit_first_ok=True)

    def test_grant_invalid_unit_name(self):
        self.refused(self.grant(['dev-mem'], 'unit', '../etc/passwd'), 'a unit name with a slash')

    def test_grant_unknown_session(self):
        self.refused(self.grant(['dev-mem'], 'session', '99'), 'a session logind does not know', r'99',
                     errors=('InvalidArgument', 'NotFound'), polkit_first_ok=True)

    def test_grant_wrong_signature(self):
        res = self.call('GrantException', 'asssa{sv}', [['dev-mem'], 'unit', 'test.service', {}])
        self.assertEqual(res.error, 'org.freedesktop.DBus.Error.InvalidArgs', repr(res))
        self.assertEqual(self.kernel_grants(), [])


class AdminTests(GrantingTestCase):
    """GrantException and RevokeException (polkit action .manage)."""

    def test_grant_to_unit_ends_when_unit_stops(self):
        self.polkit_mock.ClearCalls()
        gid = self.admin_grant(['dev-mem'], 'unit', 'test.service')
        self.assertNotEqual(gid, 0)
        self.assertEqual(self.map_entries(), {(self.cgroups.cgroup_id(self.test_service_cg), 'dev-mem', gid)})
        self.assertEqual(str(self.polkit_calls()[0][1]), ACTION_MANAGE)
        e = self.exceptions()[0]
        self.assertEqual((e['id'], e['scope_kind'], e['scope'], e['holder_session'], e['origin']),
                         (gid, 'unit', 'test.service', '', 'admin'))
        self.wait_for(lambda: [a for _, a in self.signals_named('ExceptionGranted') if int(a[0]) == gid], 3,
                      'ExceptionGranted')
        self.pump()
        t0 = time.monotonic()
        self.set_unit_active('test.service', False)
        t_empty = self.measure_until_map_empty(t0)
        t_sig, why = self.wait_revoked(gid)
        self.assertEqual(why, 'unit-stopped')
        self.assertEqual(self.kernel_grants(), [])
        self.assertEqual(self.exceptions(), [])
        self.report_latency('unit-stopped', t0, t_empty, t_sig)

    def test_grant_to_cgroup(self):
        gid = self.admin_grant(['msr'], 'cgroup', self.test_service_cg)
        self.assertEqual(self.map_entries(), {(self.cgroups.cgroup_id(self.test_service_cg), 'msr', gid)})
        e = self.exceptions()[0]
        self.assertEqual((e['scope_kind'], e['scope'], e['origin']), ('cgroup', self.test_service_cg, 'admin'))

    def test_grant_to_session_is_bound_to_it(self):
        gid = self.admin_grant(['dev-mem'], 'session', '1')
        self.assertEqual(self.map_entries(), self.session1_entries(gid))
        e = self.exceptions()[0]
        self.assertEqual((e['scope_kind'], e['scope'], e['holder_session'], e['origin']),
                         ('session', '1', '1', 'admin'))
        self.session_mock('1').UpdateProperties(SESSION_IFACE, {'LockedHint': True})
        self.wait_map_empty()
        self.assertEqual(self.wait_revoked(gid)[1], 'session-locked')

    def test_grant_without_manage_refused(self):
        self.polkit_mock.SetAllowed([ACTION_REQUEST])
        res = self.call('GrantException', 'asssta{sv}', [['dev-mem'], 'unit', 'test.service', 600, {}],
                        uid=USER_UID, cgroup=self.session_cg['1'])
        self.assert_error(res, 'NotAuthorized', 'GrantException without .manage')
        self.assertEqual(self.kernel_grants(), [])

    def test_revoke_by_non_admin_non_holder_refused(self):
        gid = self.admin_grant(['dev-mem'], 'unit', 'test.service')
        self.polkit_mock.SetAllowed([ACTION_REQUEST])
        res = self.call('RevokeException', 't', [gid], uid=OTHER_UID, cgroup=self.session_cg['2'])
        self.assert_error(res, 'NotAuthorized', 'RevokeException by a non-admin who does not hold it')
        self.assertEqual(len(self.kernel_grants()), 1, 'the grant must stay')

    def test_revoke_by_admin(self):
        gid = self.grant_session1()
        self.polkit_mock.SetAllowed([ACTION_MANAGE])
        self.assert_ok(self.call('RevokeException', 't', [gid], uid=0, cgroup=self.nosession_cg))
        self.wait_map_empty()
        self.assertEqual(self.wait_revoked(gid)[1], 'revoked')

    def test_revoke_own_without_manage(self):
        gid = self.grant_session1()
        self.polkit_mock.SetAllowed([])
        self.assert_ok(self.call('RevokeException', 't', [gid], uid=USER_UID, cgroup=self.session_cg['1']),
                       'the holder revoking their own exception')
        self.wait_map_empty()

    def test_revoke_unknown_id(self):
        self.polkit_mock.SetAllowed([ACTION_MANAGE])
        res = self.call('RevokeException', 't', [0x4242], uid=0, cgroup=self.nosession_cg)
        self.assert_error(res, 'NotFound', 'RevokeException of an id that does not exist')


class SessionScopeTests(GrantingTestCase):
    """What a session exception covers: the user's manager only while the
    session is the user's only one (issue 12); and scope=caller."""

    def second_session(self, sid='3', signal=True):
        path = self.add_session(sid, USER_UID, 'seat1', active=True, remote=True)
        if signal:
            self.logind_mock.EmitSignal(LOGIND_MANAGER, 'SessionNew', 'so', [sid, dbus.ObjectPath(path)])
        return path

    def scope_entries(self, gid, reasons=('dev-mem',)):
        scope = self.cgroups.cgroup_id(self.session_cg['1'])
        return {(scope, r, gid) for r in reasons}

    def test_single_session_covers_user_manager_and_says_so(self):
        gid = self.grant_session1()
        (e,) = self.exceptions()
        self.assertEqual(e['cgroups'], [self.session_cg['1'], self.user_service_cg(USER_UID)])
        self.assertEqual(e['narrowed'], '')
        self.assertEqual(e['extra_keys'], ['cgroups', 'narrowed'])
        self.assertEqual(self.map_entries(), self.session1_entries(gid))

    def test_second_session_withdraws_user_manager_at_once(self):
        gid = self.grant_session1()
        self.second_session()
        narrowed = self.wait_for(lambda: [a for _, a in self.signals_named('ExceptionNarrowed') if int(a[0]) == gid],
                                 5, 'ExceptionNarrowed')
        self.assertEqual(len(narrowed), 1, 'ExceptionNarrowed was sent more than once')
        self.assertEqual(([str(c) for c in narrowed[0][1]], str(narrowed[0][2])),
                         ([self.session_cg['1']], 'other-session'))
        self.assertEqual(self.map_entries(), self.scope_entries(gid),
                         'the kernel still lets user@1000.service use the exception')
        (e,) = self.exceptions()
        self.assertEqual((e['cgroups'], e['narrowed']), ([self.session_cg['1']], 'other-session'))
        self.wait_for(lambda: [a for _, a in self.signals_named('PropertiesChanged')
                               if 'Exceptions' in a[0] or 'Exceptions' in a[1]], 3, 'PropertiesChanged')
        self.assertEqual(self.signals_named('ExceptionRevoked'), [])

        # the other session ends: the manager does not come back
        self.logind_mock.RemoveObject(f'{LOGIND_PATH}/session/3')
        self.logind_mock.EmitSignal(LOGIND_MANAGER, 'SessionRemoved', 'so',
                                    ['3', dbus.ObjectPath(f'{LOGIND_PATH}/session/3')])
        self.pump(0.3)
        self.assertEqual(self.map_entries(), self.scope_entries(gid))
        self.assertEqual(self.exceptions()[0]['narrowed'], 'other-session')

    def test_another_users_session_changes_nothing(self):
        gid = self.grant_session1()
        path = self.add_session('4', OTHER_UID, 'seat1', active=True)
        self.logind_mock.EmitSignal(LOGIND_MANAGER, 'SessionNew', 'so', ['4', dbus.ObjectPath(path)])
        self.pump(0.3)
        self.assertEqual(self.map_entries(), self.session1_entries(gid))
        self.assertEqual(self.signals_named('ExceptionNarrowed'), [])

    def test_request_while_another_session_exists_covers_scope_only(self):
        self.second_session(signal=False)
        gid = self.grant_session1()
        self.assertEqual(self.map_entries(), self.scope_entries(gid))
        (e,) = self.exceptions()
        self.assertEqual((e['cgroups'], e['narrowed']), ([self.session_cg['1']], 'other-session'))

    def test_narrowed_at_restart_if_another_session_appeared_meanwhile(self):
        gid = self.grant_session1()
        self.kill_broker()
        self.second_session(signal=False)
        self.start_broker()
        self.wait_for(lambda: self.map_entries() == self.scope_entries(gid), 5, 'the narrowing at restart')
        (e,) = self.exceptions()
        self.assertEqual(e['narrowed'], 'other-session')
        self.kill_broker()
        self.start_broker()
        self.assertEqual(self.exceptions(), [e], 'the narrowed record does not survive a restart')

    def test_scope_caller_refused_outside_a_scope_of_its_own(self):
        self.polkit_mock.SetAllowed([ACTION_REQUEST])
        res = self.request(['dev-mem'], 600, {'scope': 'caller'})
        self.assert_error(res, 'InvalidArgument', 'scope=caller from a login session scope',
                          r"session-1\.scope, a login session's")
        res = self.call('RequestException', 'asta{sv}', [['dev-mem'], 600, {'scope': 'caller'}], uid=USER_UID,
                        cgroup=self.nosession_cg)
        self.assert_error(res, 'InvalidArgument', 'scope=caller from a service', r"'cron\.service' is not a \.scope")
        self.assertEqual(self.polkit_calls(), [], 'polkit was asked about a request that cannot be granted')
        self.assertEqual(self.kernel_grants(), [])

    def test_unknown_scope_values_refused(self):
        self.polkit_mock.SetAllowed([ACTION_REQUEST])
        for value, message in (('user', r'unknown value .user. for the option "scope"'),
                               ('', r'unknown value .. for the option "scope"'),
                               (1, r'"scope" must be a string')):
            res = self.request(['dev-mem'], 600, {'scope': value})
            self.assert_error(res, 'InvalidArgument', f'scope={value!r}', message)
        res = self.request(['dev-mem'], 600, {'scope': 'session'})
        self.assert_ok(res, 'scope=session, the default spelled out')
        self.assertEqual(len(self.polkit_calls()), 1)


class RestartTests(GrantingTestCase):
    """The daemon dies (kill -9) and comes back: no hole, no stale grant."""

    def test_grant_survives_crash_and_restart(self):
        gid = self.grant_session1()
        entries = self.map_entries()
        before = self.exceptions()
        self.kill_broker()
        self.assertEqual(self.map_entries(), entries, 'the kernel map changed when the daemon died')
        self.start_broker()
        self.assertEqual(self.exceptions(), before, 'the restarted daemon does not list the same exception')
        self.pump(0.3)
        self.assertEqual(self.map_entries(), entries)
        self.assertEqual(self.signals_named('ExceptionRevoked'), [])
        # the holder is still recognised
        self.assert_ok(self.call('ReleaseException', 't', [gid], uid=USER_UID, cgroup=self.session_cg['1']),
                       'release after a restart')
        self.wait_map_empty()

    def test_session_inactive_while_daemon_down(self):
        gid = self.grant_session1()
        self.kill_broker()
        self.session_mock('1').UpdateProperties(SESSION_IFACE, {'Active': False})
        self.start_broker()
        self.wait_map_empty()
        self.assertEqual(self.wait_revoked(gid)[1], 'session-inactive')
        self.assertEqual(self.exceptions(), [])

    def test_session_gone_while_daemon_down(self):
        gid = self.grant_session1()
        self.kill_broker()
        self.logind_mock.RemoveObject(f'{LOGIND_PATH}/session/1')
        self.start_broker()
        self.wait_map_empty()
        self.assertIn(self.wait_revoked(gid)[1], ('session-removed', 'invalid'))

    def test_unknown_kernel_grant_removed_at_start(self):
        # A grant in the map with no metadata: nothing justifies it.
        self.kill_broker()
        self.run_tool([self.testctl, '--pin-dir', self.pin_dir, 'grant', '--reason', 'dev-mem', '--cgroup',
                       CGROUP2_ROOT + self.test_service_cg, '--seconds', '600'], 'planting a stray grant')
        self.assertEqual(len(self.kernel_grants()), 1)
        self.start_broker()
        self.wait_map_empty()


class LeaseTests(GrantingTestCase):
    """The kernel-side lease: renewed while the daemon runs, a backstop when it does not."""

    CONF = DEFAULT_CONF + 'LeaseSeconds=3\n'

    def expiry(self):
        """(absolute expiry on the monotonic clock in ms, remaining ms) of the one grant."""
        before = time.monotonic()
        rows = self.kernel_grants()
        now = (before + time.monotonic()) / 2 * 1000  # ld-testctl's own "now" lies in between
        self.assertTrue(rows, 'the grant is gone from the map')
        r = min(g['remaining_ms'] for g in rows)
        return now + r, r

    def test_lease_renewed_then_kernel_backstop(self):
        self.grant_session1(seconds=600)
        e1, r1 = self.expiry()
        self.assertLessEqual(r1, 3000 + 100, f'kernel expiry is {r1} ms away: the lease is 3 s, not the '
                                             'exception\'s 600 s')
        time.sleep(2.2)
        e2, r2 = self.expiry()
        self.assertGreater(e2 - e1, 500, f'the lease was not renewed: expiry moved {e2 - e1:.0f} ms in 2.2 s')
        self.assertGreater(r2, 0)
        os.kill(self.daemon.pid, signal.SIGSTOP)
        try:
            e3, _ = self.expiry()
            time.sleep(3.3)
            e4, r4 = self.expiry()
        finally:
            os.kill(self.daemon.pid, signal.SIGCONT)
        # a renewal would move it by a third of the lease (1 s)
        self.assertLess(abs(e4 - e3), 250, f'the expiry moved {e4 - e3:.0f} ms while the daemon was stopped')
        self.assertLessEqual(r4, 0, f'the grant still had {r4} ms 3.3 s after the daemon stopped renewing a 3 s lease')
        metric('lease', lease_s=3, renewed_by_ms=round(e2 - e1), remaining_after_stop_ms=r4)
        # the daemon is fine afterwards
        self.assertEqual(str(self.prop('Mode')), 'integrity')

    def test_exception_expires(self):
        gid = self.grant_session1(seconds=2)
        self.assertLessEqual(self.expiry()[1], 2000 + 100)
        t_sig, why = self.wait_revoked(gid, timeout=6)
        self.assertEqual(why, 'expired')
        self.wait_map_empty()
        self.assertEqual(self.exceptions(), [])


class StandingTests(BrokerTestCase):
    """exceptions.d: standing exceptions for units."""

    START_BROKER = False

    def write_rule(self, name, text):
        with open(os.path.join(self.exceptions_dir, name), 'w') as f:
            f.write(text)

    def standing_rows(self):
        cg = self.cgroups.cgroup_id(self.test_service_cg)
        return [g for g in self.kernel_grants() if g['cgroup_id'] == cg and g['reason'] == 'msr']

    def test_follows_unit_state(self):
        self.write_rule('10-msr.conf', '[Exception]\nUnit=test.service\nReasons=msr\n')
        self.start_broker()
        rows = self.wait_for(self.standing_rows, 3, 'the standing msr grant for test.service in the map')
        gid = rows[0]['grant']
        e = [x for x in self.exceptions() if x['id'] == gid]
        self.assertEqual(len(e), 1, self.exceptions())
        self.assertEqual((e[0]['scope_kind'], e[0]['scope'], e[0]['reasons'], e[0]['origin']),
                         ('unit', 'test.service', ['msr'], 'standing'))
        self.set_unit_active('test.service', False)
        self.wait_map_empty()
        self.assertEqual(self.wait_revoked(gid)[1], 'unit-stopped')
        self.set_unit_active('test.service', True)
        self.wait_for(self.standing_rows, 3, 'the standing grant again after test.service started again')

    def test_malformed_file_reported_and_skipped(self):
        self.write_rule('10-msr.conf', '[Exception]\nUnit=test.service\nReasons=msr\n')
        self.write_rule('20-bad.conf', '[Exception]\nUnit=cron.service\nReasons=no-such-reason\n')
        self.write_rule('30-garbage.conf', '[Exception]\nthis is not a key\n')
        self.start_broker()
        self.wait_for(self.standing_rows, 3, 'the valid rule still applied')
        self.assertEqual(len(self.kernel_grants()), 1, 'only the valid rule may grant')
        self.pump(0.2)
        log = self.daemon_output()
        self.assertIn('20-bad.conf:3', log, 'the bad reason is not reported with file:line')
        self.assertIn('30-garbage.conf:2', log, 'the syntax error is not reported with file:line')
        self.assertIsNone(self.daemon.poll(), 'the daemon stopped')


# HibernateBlockerCode's words, as the interface XML lists them.
HIBERNATE_BLOCKER_CODES = {
    'no-kernel-support', 'resume-unreadable', 'swaps-unreadable', 'no-swap', 'no-usable-swap', 'zram-only',
    'swap-in-ram', 'resume-in-ram', 'resume-mismatch', 'resume-unset', 'swap-stack-unreadable',
    'protection-unverifiable', 'swap-not-encrypted', 'swap-not-authenticated', 'swap-file', 'unsupported-layer',
    'page-size-unsupported',
    'shared-integrity-layer', 'layer-between', 'layer-holders-unreadable', 'stale-image', 'swap-header-unreadable',
    'swap-too-small', 'swap-below-active-memory', 'no-active-session', 'logind-unreachable', 'grant-failed'}


class HibernationTests(GrantingTestCase):
    """The hibernation contract on the host, whose image check fails (this
    host has no encrypted swap): CanHibernate is "na" with a reason, every
    way to hibernate is refused with that reason, and logind gets no grant.
    The passing paths need a real LUKS2 --integrity swap: the VM suite
    e2e-hibernate covers them."""

    def host_blocker(self):
        blocker = str(self.prop('HibernateBlocker'))
        self.assertTrue(blocker, 'CanHibernate is na, so HibernateBlocker must say why')
        return blocker

    def test_na_with_a_reason_and_no_grant_for_logind(self):
        self.assertEqual(str(self.prop('CanHibernate')), 'na')
        self.host_blocker()
        code = str(self.prop('HibernateBlockerCode'))
        self.assertIn(code, HIBERNATE_BLOCKER_CODES, f'HibernateBlockerCode {code!r} is not one the XML lists')
        device = str(self.prop('HibernateBlockerDevice'))
        if device:
            self.assertIn(device, self.host_blocker(), 'HibernateBlockerDevice must be the device the sentence names')
        self.assertEqual([e for e in self.exceptions() if e['origin'] == 'hibernation'], [])
        self.assertEqual(self.kernel_grants(), [])

    def test_hibernate_refused_names_the_reason_before_polkit(self):
        self.polkit_mock.ClearCalls()
        blocker = self.host_blocker()
        res = self.call('Hibernate', 'a{sv}', [{}], uid=self.session_uid('1'), cgroup=self.session_cg['1'])
        self.assert_error(res, 'Refused', 'Hibernate on an unprotected setup', re.escape(blocker))
        self.assertTrue(res.message.startswith('hibernation is refused: '), res.message)
        self.assertEqual(self.polkit_calls(), [], 'polkit was asked although the check had refused')
        self.assertEqual(self.kernel_grants(), [])

    def test_hibernate_needs_a_session(self):
        res = self.call('Hibernate', 'a{sv}', [{}], uid=0, cgroup=self.nosession_cg)
        self.assert_error(res, 'NoSession', 'Hibernate from no session')

    def test_hibernate_unknown_option(self):
        res = self.call('Hibernate', 'a{sv}', [{'now': True}], uid=self.session_uid('1'), cgroup=self.session_cg['1'])
        self.assert_error(res, 'InvalidArgument', 'Hibernate with an unknown option', 'now')

    def test_begin_hibernation_only_from_the_sleep_unit(self):
        res = self.call('BeginHibernation', 'a{sv}', [{}], uid=0, cgroup=self.test_service_cg)
        self.assert_error(res, 'NotAuthorized', 'BeginHibernation from test.service', 'systemd-hibernate.service')
        res = self.call('BeginHibernation', 'a{sv}', [{}], uid=self.session_uid('1'), cgroup=self.session_cg['1'])
        self.assert_error(res, 'NotAuthorized', 'BeginHibernation from a session')
        self.assertEqual(self.kernel_grants(), [])

    def test_begin_hibernation_from_the_sleep_unit_checks_again(self):
        sleep_cg = self.cgroups.add('/system.slice/systemd-hibernate.service')
        self.add_unit('systemd-hibernate.service', sleep_cg, active=True)
        blocker = self.host_blocker()
        res = self.call('BeginHibernation', 'a{sv}', [{}], uid=0, cgroup=sleep_cg)
        self.assert_error(res, 'Refused', 'BeginHibernation on an unprotected setup', re.escape(blocker))
        self.assertEqual(self.kernel_grants(), [], 'a refused hibernation left a grant')
        self.assertEqual(self.exceptions(), [])


class PropertyTests(BrokerTestCase):

    def test_version(self):
        want = os.environ.get('LDB_VERSION')
        self.assertTrue(want, 'LDB_VERSION is not set (meson sets it to the project version)')
        self.assertEqual(str(self.prop('Version')), want)

    def test_mode(self):
        self.assertEqual(str(self.prop('Mode')), 'integrity')

    def test_kernel_lockdown(self):
        with open('/sys/kernel/security/lockdown') as f:
            m = re.search(r'\[(\w+)\]', f.read())
        self.assertTrue(m, '/sys/kernel/security/lockdown has no [current] mode')
        self.assertEqual(str(self.prop('KernelLockdown')), m.group(1))

    def test_enforcing_false_with_maps_only(self):
        self.assertIs(bool(self.prop('Enforcing')), False, 'no BPF program is attached here')

    def test_notice_explains_kernel_lockdown(self):
        with open('/sys/kernel/security/lockdown') as f:
            kernel = re.search(r'\[(\w+)\]', f.read()).group(1)
        notice = str(self.prop('Notice'))
        if kernel == 'none':
            self.assertTrue(notice, 'Enforcing is false: Notice must say that enforcement is not loaded')
        else:
            self.assertIn(kernel, notice, f'the kernel is in {kernel} lockdown; Notice must say so: {notice!r}')
            self.assertRegex(notice.lower(), 'lockdown', notice)

    def test_notice_code_names_the_first_sentence(self):
        # Enforcing is false here (maps only): "not-enforcing" comes first,
        # whatever the kernel's own lockdown says.
        notice = str(self.prop('Notice'))
        self.assertTrue(notice.startswith('Lockdown is not enforcing'), notice)
        self.assertEqual(str(self.prop('NoticeCode')), 'not-enforcing')

    def test_features(self):
        features = [str(f) for f in self.prop('Features')]
        self.assertEqual(sorted(features), sorted(['scope-caller', 'dynamic-debug', 'hibernate',
                                                   'exception-narrowing', 'codes', 'denied-owner']))
        self.assertEqual(len(features), len(set(features)), features)

    def test_reasons(self):
        reasons = [(str(a), str(b), str(c)) for a, b, c, _ in self.prop('Reasons')]
        self.assertIn(('dev-mem', 'integrity', 'deny'), reasons)
        names = [r[0] for r in reasons]
        self.assertEqual(len(names), len(set(names)), 'a reason is listed twice')
        for name, level, action in reasons:
            self.assertIn(level, ('integrity', 'confidentiality'), name)
            self.assertIn(action, ('allow', 'deny', 'audit'), name)
            # Mode=integrity: integrity reasons denied, the others allowed
            self.assertEqual(action, 'deny' if level == 'integrity' else 'allow', name)
        out = self.run_tool([self.brokerd, '--list-reasons', '--json'], 'lockdown-brokerd --list-reasons --json')
        catalogue = [(r['name'], r['level']) for r in json.loads(out)['reasons']]
        self.assertEqual(sorted(catalogue), sorted((n, lv) for n, lv, _ in reasons))

    def test_get_all_types(self):
        props = dbus.Interface(self.broker_obj, 'org.freedesktop.DBus.Properties').GetAll(BROKER)
        want = {'Version': 's', 'KernelLockdown': 's', 'Mode': 's', 'Enforcing': 'b', 'Notice': 's',
                'NoticeCode': 's', 'Features': 'as', 'Reasons': 'a(sssa{sv})', 'Exceptions': 'a(tasssustsa{sv})',
                'CanHibernate': 's', 'HibernateBlocker': 's', 'HibernateBlockerCode': 's',
                'HibernateBlockerDevice': 's'}
        self.assertEqual(set(props), set(want))
        self.assertEqual(props['Features'].signature, 's')
        self.assertEqual(props['Exceptions'].signature, '(tasssustsa{sv})')
        self.assertEqual(props['Reasons'].signature, '(sssa{sv})')
        self.assertEqual({dict(r[3]) == {} for r in props['Reasons']}, {True}, 'extra: no keys yet')

    def test_introspection_matches_interface_xml(self):
        xml_path = os.environ.get('LDB_INTERFACE_XML')
        self.assertTrue(xml_path, 'LDB_INTERFACE_XML is not set')

        def members(root):
            iface = root.find(f"interface[@name='{BROKER}']")
            self.assertIsNotNone(iface)
            out = set()
            for el in iface:
                if el.tag == 'property':
                    # sd-bus introspects "true", the default, as no annotation.
                    emits = {a.get('name'): a.get('value') for a in el.findall('annotation')}.get(
                        'org.freedesktop.DBus.Property.EmitsChangedSignal', 'true')
                    out.add(('property', el.get('name'), el.get('type'), el.get('access'), emits))
                elif el.tag in ('method', 'signal'):
                    sig = tuple((a.get('type'), a.get('direction', 'out' if el.tag == 'signal' else 'in'))
                                for a in el.findall('arg'))
                    out.add((el.tag, el.get('name'), sig))
            return out
        live = ET.fromstring(str(dbus.Interface(self.broker_obj, 'org.freedesktop.DBus.Introspectable').Introspect()))
        self.assertEqual(members(live), members(ET.parse(xml_path).getroot()))

    def test_unknown_method(self):
        res = self.call('NoSuchMethod', '', [])
        self.assertEqual(res.error, 'org.freedesktop.DBus.Error.UnknownMethod', repr(res))


class KernelLockdownChangeTests(BrokerTestCase):
    """KernelLockdown (and Notice) follow the kernel's lockdown file within a
    second: inotify sees a write at once, a re-read every second catches what
    inotify cannot see. The daemon reads a test file in its place
    (--kernel-lockdown-file); the real one cannot be lowered again."""

    START_BROKER = False
    NONE = '[none] integrity confidentiality\n'
    INTEGRITY = 'none [integrity] confidentiality\n'

    def setUp(self):
        super().setUp()
        self.lockdown = os.path.join(self.tmp, 'lockdown')
        with open(self.lockdown, 'w') as f:
            f.write(self.NONE)
        self.start_broker(['--kernel-lockdown-file', self.lockdown])

    def changed_to(self, name):
        """The values PropertiesChanged carried for `name`, oldest first."""
        return [a[0][name] for _, a in self.signals_named('PropertiesChanged') if name in a[0]]

    def test_a_raised_lockdown_reaches_a_subscribed_client_within_a_second(self):
        self.assertEqual(str(self.prop('KernelLockdown')), 'none')
        notice_before = str(self.prop('Notice'))
        self.assertNotIn("kernel's own lockdown", notice_before)
        t0 = time.monotonic()
        with open(self.lockdown, 'w') as f:  # a write through the VFS, as the kernel's file gets it
            f.write(self.INTEGRITY)
        self.wait_for(lambda: 'integrity' in self.changed_to('KernelLockdown'), 1.0,
                      'PropertiesChanged with KernelLockdown = integrity')
        metric('kernel_lockdown_change', signal_ms=round((time.monotonic() - t0) * 1000, 1))
        self.assertEqual(str(self.prop('KernelLockdown')), 'integrity')
        self.wait_for(lambda: self.changed_to('Notice'), 1.0, 'PropertiesChanged for Notice')
        notice = str(self.changed_to('Notice')[-1])
        self.assertIn("The kernel's own lockdown is 'integrity'", notice)
        self.assertEqual(str(self.prop('NoticeCode')), 'not-enforcing', 'Enforcing is false here: that comes first')

    def test_a_replaced_file_is_caught_by_the_re_read(self):
        # A rename over the file moves inotify's watch off the path; only the
        # re-read can see what is written there afterwards.
        tmp = self.lockdown + '.new'
        with open(tmp, 'w') as f:
            f.write(self.NONE)
        os.rename(tmp, self.lockdown)
        self.pump(0.3)
        with open(self.lockdown, 'w') as f:
            f.write(self.INTEGRITY)
        self.wait_for(lambda: 'integrity' in self.changed_to('KernelLockdown'), 2.5,
                      'PropertiesChanged with KernelLockdown = integrity from the re-read')

    def test_no_change_no_signal(self):
        self.pump(1.5)
        self.assertEqual(self.changed_to('KernelLockdown'), [])


class PolicyModeTests(GrantingTestCase):
    """Mode= and Allow= reach the Reasons property and what may be requested."""

    CONF = '[Lockdown]\nMode=confidentiality\nAllow=dev-mem\n'

    def test_confidentiality_mode_with_allow(self):
        self.assertEqual(str(self.prop('Mode')), 'confidentiality')
        reasons = {str(n): (str(lv), str(a)) for n, lv, a, _ in self.prop('Reasons')}
        self.assertEqual(reasons['dev-mem'], ('integrity', 'allow'), 'Allow=dev-mem')
        self.assertEqual(reasons['kcore'], ('confidentiality', 'deny'))
        self.assertEqual(reasons['msr'], ('integrity', 'deny'))
        self.polkit_mock.SetAllowed([ACTION_REQUEST])
        res = self.request(['dev-mem'])
        self.assert_error(res, 'InvalidArgument', 'requesting a reason the policy allows', r'dev-mem')
        gid = self.assert_ok(self.request(['kcore']), 'requesting a confidentiality reason')
        self.assertEqual(self.map_entries(), self.session1_entries(gid, ('kcore',)))


class CtlTests(GrantingTestCase):
    """lockdownctl against the real daemon: exit codes are its interface."""

    def ctl(self, args, uid=USER_UID, sid='1', cgroup=None):
        cg = cgroup if cgroup is not None else self.session_cg[sid]
        return self.lockdownctl(['--no-ask-password', *args], uid=uid, cgroup=cg)

    def test_request_list_release(self):
        self.polkit_mock.SetAllowed([ACTION_REQUEST])
        rc, out, err = self.ctl(['request', 'dev-mem', '--for', '10min'])
        self.assertEqual(rc, 0, f'lockdownctl request: {err}')
        self.assertRegex(out.strip(), r'^[0-9a-f]{16}$', 'request prints the id in hex')
        gid = int(out.strip(), 16)
        self.assertEqual(self.map_entries(), self.session1_entries(gid))
        details = {str(k): str(v) for k, v in self.polkit_calls()[0][2].items()}
        self.assertEqual(details['seconds'], '600')
        rc, out, err = self.ctl(['exceptions', '--json'])
        self.assertEqual(rc, 0, err)
        listed = json.loads(out)['exceptions']
        self.assertEqual([int(e['id'], 16) for e in listed], [gid])
        rc, out, err = self.ctl(['release', f'{gid:016x}'])
        self.assertEqual(rc, 0, f'lockdownctl release: {err}')
        self.assertEqual(self.kernel_grants(), [])

    def test_request_not_authorized_exit_3(self):
        self.polkit_mock.SetAllowed([])
        rc, out, err = self.ctl(['request', 'dev-mem'])
        self.assertEqual(rc, 3, f'stdout {out!r} stderr {err!r}')
        self.assertTrue(err.strip(), 'no message on stderr')
        self.assertEqual(self.kernel_grants(), [])

    def test_request_no_session_exit_3(self):
        self.polkit_mock.SetAllowed([ACTION_REQUEST])
        rc, out, err = self.ctl(['request', 'dev-mem'], cgroup=self.nosession_cg)
        self.assertEqual(rc, 3, f'stdout {out!r} stderr {err!r}')
        self.assertIn('session', err)

    def test_request_unknown_reason_exit_2(self):
        self.polkit_mock.SetAllowed([ACTION_REQUEST])
        rc, out, err = self.ctl(['request', 'no-such-reason'])
        self.assertEqual(rc, 2, f'stdout {out!r} stderr {err!r}')
        self.assertIn('no-such-reason', err)

    def test_release_by_non_holder_exit_3(self):
        gid = self.grant_session1()
        rc, out, err = self.ctl(['release', f'{gid:016x}'], uid=OTHER_UID, sid='2')
        self.assertEqual(rc, 3, f'stdout {out!r} stderr {err!r}')
        self.assertEqual(self.map_entries(), self.session1_entries(gid))

    def test_revoke_unknown_exit_4(self):
        self.polkit_mock.SetAllowed([ACTION_MANAGE])
        rc, out, err = self.lockdownctl(['--no-ask-password', 'revoke', '0000000000004242'], uid=0,
                                        cgroup=self.nosession_cg)
        self.assertEqual(rc, 4, f'stdout {out!r} stderr {err!r}')

    def test_grant_unit_as_admin(self):
        self.polkit_mock.SetAllowed([ACTION_MANAGE])
        rc, out, err = self.lockdownctl(['--no-ask-password', 'grant', 'msr', '--unit', 'test.service', '--for', '1h'],
                                        uid=0, cgroup=self.nosession_cg)
        self.assertEqual(rc, 0, err)
        gid = int(out.strip(), 16)
        self.assertEqual(self.map_entries(), {(self.cgroups.cgroup_id(self.test_service_cg), 'msr', gid)})

    def test_broker_absent_exit_5(self):
        self.stop_broker()
        rc, out, err = self.lockdownctl(['status'], uid=USER_UID, cgroup=self.session_cg['1'])
        self.assertEqual(rc, 5, f'stdout {out!r} stderr {err!r}')
        self.assertIn('lockdown-brokerd', err)


if __name__ == '__main__':
    main()
