#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The dynamic debug part of lockdown-brokerd's D-Bus contract (SetDebug,
ListDebug, ResetDebug), on the private bus of brokertest.py, with the
broker's control file replaced by fake_dyndbg.py: a FUSE file that applies
queries as the kernel does.

Run one case:  test_dyndbg.py DebugTests.test_set_applies_and_records
"""

import json
import os
import re
import subprocess
import time

import dbus

from brokertest import (BROKER, DEFAULT_CONF, LOGIND_MANAGER, LOGIND_PATH, OTHER_UID, PYTHON, SESSION_IFACE,
                        USER_UID, BrokerTestCase, main)

ACTION_DYNDBG = BROKER + '.dynamic-debug'
ACTION_REQUEST = BROKER + '.request-exception'
HERE = os.path.dirname(os.path.abspath(__file__))

# Shapes of 6.1's control file: plain callsites, one with a class.
INITIAL = '''# filename:lineno [module]function flags format
drivers/net/virtio_net.c:10 [virtio_net]virtnet_probe =_ "probing %s\\n"
drivers/net/virtio_net.c:20 [virtio_net]virtnet_remove =_ "removing %s\\n"
drivers/net/virtio_net.c:30 [virtio_net]start_xmit =p "xmit %d\\n"
fs/binfmt_misc.c:40 [binfmt_misc]create_entry =_ "register: interpreter: {%s}\\n"
drivers/gpu/drm/drm_atomic.c:50 [drm]drm_atomic_check_only =_ "checking %p\\n" class:DRM_UT_ATOMIC
'''


class DebugTestCase(BrokerTestCase):
    """A broker whose control file is the fake kernel's."""

    START_BROKER = False
    LETTERS = 'pmflt_'

    def setUp(self):
        super().setUp()
        self.fake_dir = os.path.join(self.tmp, 'fakeproc')
        os.mkdir(self.fake_dir)
        initial = os.path.join(self.tmp, 'initial-control')
        with open(initial, 'w') as f:
            f.write(INITIAL)
        self.fake_log = os.path.join(self.tmp, 'fake-writes.log')
        open(self.fake_log, 'w').close()
        self.fake_err = open(os.path.join(self.tmp, 'fake-dyndbg.err'), 'w')
        self.fake = subprocess.Popen([PYTHON, os.path.join(HERE, 'fake_dyndbg.py'), self.fake_dir, initial,
                                      self.fake_log, self.LETTERS], stdout=self.fake_err, stderr=subprocess.STDOUT)
        self.addCleanup(self._unmount_fake)
        deadline = time.monotonic() + 15
        while not os.path.ismount(self.fake_dir):
            if self.fake.poll() is not None:
                self.fail(f'the fake control file did not mount (FUSE): exit {self.fake.returncode}: '
                          + open(self.fake_err.name).read())
            if time.monotonic() > deadline:
                self.fail('the fake control file did not mount within 15 s')
            time.sleep(0.02)
        self.control = os.path.join(self.fake_dir, 'control')
        self.start_broker(['--dynamic-debug-control', self.control])

    def _unmount_fake(self):
        subprocess.run(['umount', '-l', self.fake_dir], capture_output=True)
        if self.fake.poll() is None:
            self.fake.terminate()
            try:
                self.fake.wait(5)
            except subprocess.TimeoutExpired:
                self.fake.kill()
        self.fake_err.close()

    # ------------------------------------------------------------- helpers

    def flags(self):
        """{function: flags} as the fake kernel prints them now."""
        out = {}
        with open(self.control) as f:
            for line in f:
                if line.startswith('#'):
                    continue
                head = line.split(' ', 3)
                out[head[1].split(']', 1)[1]] = head[2][1:]
        return out

    def writes(self):
        with open(self.fake_log) as f:
            return [json.loads(l) for l in f]

    def user_writes(self):
        """What was written besides the broker's probe of the kernel's flag letters."""
        return [w['query'] for w in self.writes() if not w['query'].startswith('module ldb.probe')]

    def set_debug(self, query, sid='1', uid=None):
        if uid is None:
            uid = self.session_uid(sid)
        return self.call('SetDebug', 's', [query], uid=uid, cgroup=self.session_cg[sid])

    def reset_debug(self, sid='1'):
        return self.call('ResetDebug', '', [], uid=self.session_uid(sid), cgroup=self.session_cg[sid])

    def records(self):
        d = os.path.join(self.runtime_dir, 'dynamic-debug')
        return sorted(os.listdir(d)) if os.path.isdir(d) else []

    def wait_flags(self, want, timeout=5, what='the flags'):
        return self.wait_for(lambda: all(self.flags()[k] == v for k, v in want.items()), timeout, what)


class DebugTests(DebugTestCase):

    def test_set_applies_and_records(self):
        self.polkit_mock.SetAllowed([ACTION_DYNDBG])
        self.polkit_mock.ClearCalls()
        res = self.set_debug('module virtio-net +p')
        changed = self.assert_ok(res, 'SetDebug')
        self.assertEqual(sorted(tuple(c[:6]) for c in changed),
                         [('drivers/net/virtio_net.c', 10, 'virtio_net', 'virtnet_probe', '_', 'p'),
                          ('drivers/net/virtio_net.c', 20, 'virtio_net', 'virtnet_remove', '_', 'p')],
                         'start_xmit already printed: not a change')
        self.assertEqual([(len(c), dict(c[6])) for c in changed], [(7, {}), (7, {})],
                         'each record ends in extra (a{sv}), empty in this version')
        self.assertEqual(self.flags()['virtnet_probe'], 'p')
        self.assertEqual(self.user_writes(), ['module virtio_net +p'], 'the canonical query, not the caller\'s bytes')
        calls = self.polkit_calls()
        self.assertEqual(len(calls), 1)
        subject, action, details = calls[0][0], calls[0][1], calls[0][2]
        self.assertEqual(str(subject[0]), 'system-bus-name')
        self.assertEqual(str(subject[1]['name']), res.sender)
        self.assertEqual(str(action), ACTION_DYNDBG)
        self.assertEqual({str(k): str(v) for k, v in details.items()}, {'query': 'module virtio_net +p'})
        self.assertEqual(len(self.records()), 1, 'no record under the runtime directory')

    def test_polkit_denies(self):
        self.polkit_mock.SetAllowed([])
        self.assert_error(self.set_debug('module virtio_net +p'), 'NotAuthorized', 'SetDebug with polkit saying no')
        self.assertEqual(self.user_writes(), [])
        self.assertEqual(self.flags()['virtnet_probe'], '_')
        self.assertEqual(self.records(), [])

    def test_request_exception_action_is_not_enough(self):
        self.polkit_mock.SetAllowed([ACTION_REQUEST])
        self.assert_error(self.set_debug('module virtio_net +p'), 'NotAuthorized')
        self.assertEqual(self.user_writes(), [])

    def test_no_session(self):
        self.polkit_mock.SetAllowed([ACTION_DYNDBG])
        res = self.call('SetDebug', 's', ['module virtio_net +p'], uid=USER_UID, cgroup=self.nosession_cg)
        self.assert_error(res, 'NoSession', 'SetDebug from outside any session')
        self.assertEqual(self.polkit_calls(), [], 'polkit asked although the caller has no session')
        self.assertEqual(self.user_writes(), [])

    def test_inactive_and_locked_sessions(self):
        self.polkit_mock.SetAllowed([ACTION_DYNDBG])
        self.session_mock('1').UpdateProperties(SESSION_IFACE, {'Active': False})
        self.assert_error(self.set_debug('module virtio_net +p'), 'SessionNotEligible', 'from an inactive session')
        self.session_mock('1').UpdateProperties(SESSION_IFACE, {'Active': True, 'LockedHint': True})
        self.assert_error(self.set_debug('module virtio_net +p'), 'SessionNotEligible', 'from a locked session')
        self.assertEqual(self.polkit_calls(), [])
        self.assertEqual(self.user_writes(), [])

    def test_session_locked_during_prompt(self):
        self.polkit_mock.SetAllowed([ACTION_DYNDBG])
        self.polkit_mock.SimulateHangActions([ACTION_DYNDBG])
        p = self.start_call('SetDebug', 's', ['module virtio_net +p'], uid=USER_UID, cgroup=self.session_cg['1'])
        self.wait_for(lambda: self.polkit_mock.HaveHangingCalls(), 5, 'the call to reach polkit')
        self.session_mock('1').UpdateProperties(SESSION_IFACE, {'LockedHint': True})
        self.pump(0.2)
        self.polkit_mock.ReleaseHangingCalls()
        self.assert_error(self.finish(p), 'SessionNotEligible')
        self.assertEqual(self.user_writes(), [], 'written although the session locked while polkit asked')

    def test_bad_queries_name_the_token(self):
        self.polkit_mock.SetAllowed([ACTION_DYNDBG])
        for query, token in [('modul virtio_net +p', "'modul'"),
                             ('module virtio_net +p\nmodule drm +p', 'line break'),
                             ('module virtio_net +p; module drm +p', "';'"),
                             ('module virtio_net +p module drm +p', "flags '+p'"),
                             ('module virtio_net\x01 +p', 'control character \\x01'),
                             ('module virtio_net +p # drm', 'comment'),
                             ('module virtio_net +q', "unknown flag 'q'"),
                             ('module virtio_net line 0 +p', "line '0'"),
                             ('module ' + 'a' * 600 + ' +p', 'more than 512'),
                             ('module * +p', 'all over the kernel'),
                             ('+p', 'all over the kernel')]:
            with self.subTest(query=query[:40]):
                self.assert_error(self.set_debug(query), 'InvalidArgument', repr(query[:40]), message_re=re.escape(token))
        self.assertEqual(self.polkit_calls(), [], 'polkit asked about a query that is refused anyway')
        self.assertEqual(self.writes(), [], 'something reached the control file')

    def test_letters_of_the_running_kernel(self):
        # 's' is valid on 6.6 and later; this fake kernel is 6.1. Known only
        # once the broker asked the kernel, i.e. after polkit.
        self.polkit_mock.SetAllowed([ACTION_DYNDBG])
        self.assert_error(self.set_debug('module virtio_net +ps'), 'InvalidArgument', message_re="unknown flag 's'")
        self.assertEqual(self.user_writes(), [])
        self.assertTrue(any(w['query'] == 'module ldb.probe =s' and w['errno'] for w in self.writes()),
                        'the broker did not learn the letters from the kernel')

    def test_reset_restores_and_leaves_others_changes(self):
        self.polkit_mock.SetAllowed([ACTION_DYNDBG])
        self.assert_ok(self.set_debug('module virtio_net =pmf'))
        self.assertEqual(self.flags()['start_xmit'], 'pmf')
        with open(self.control, 'w') as f:  # someone else, afterwards
            f.write('func virtnet_remove =t')
        restored = self.assert_ok(self.reset_debug(), 'ResetDebug')
        self.assertEqual(sorted((c[3], c[4], c[5]) for c in restored),
                         [('start_xmit', 'p', 'pmf'), ('virtnet_probe', '_', 'pmf')])
        f = self.flags()
        self.assertEqual((f['virtnet_probe'], f['start_xmit'], f['virtnet_remove']), ('_', 'p', 't'),
                         "someone else's change must stay")
        self.assertEqual(self.records(), [])
        self.assertEqual(self.assert_ok(self.reset_debug()), [], 'a second reset has nothing to do')

    def test_reset_by_other_session_touches_nothing(self):
        self.polkit_mock.SetAllowed([ACTION_DYNDBG])
        self.assert_ok(self.set_debug('module binfmt_misc +p'))
        self.assertEqual(self.assert_ok(self.reset_debug(sid='2')), [])
        self.assertEqual(self.flags()['create_entry'], 'p')
        res = self.call('ResetDebug', '', [], uid=USER_UID, cgroup=self.nosession_cg)
        self.assert_error(res, 'NoSession')

    def revert_on(self, trigger):
        self.polkit_mock.SetAllowed([ACTION_DYNDBG])
        self.assert_ok(self.set_debug('module virtio_net +p'))
        self.assert_ok(self.set_debug('module drm class DRM_UT_ATOMIC +p'))
        self.assertEqual(self.flags()['drm_atomic_check_only'], 'p')
        trigger()
        self.wait_flags({'virtnet_probe': '_', 'virtnet_remove': '_', 'start_xmit': 'p',
                         'drm_atomic_check_only': '_'}, what='the flags put back')
        self.wait_for(lambda: not self.records(), 5, 'the records removed')

    def test_session_lock_reverts(self):
        session = dbus.Interface(self.bus.get_object('org.freedesktop.login1', f'{LOGIND_PATH}/session/1'),
                                 SESSION_IFACE)
        self.revert_on(session.Lock)

    def test_session_inactive_reverts(self):
        self.revert_on(lambda: self.session_mock('1').UpdateProperties(SESSION_IFACE, {'Active': False}))

    def test_session_removed_reverts(self):
        path = f'{LOGIND_PATH}/session/1'

        def remove():
            self.logind_mock.EmitSignal(LOGIND_MANAGER, 'SessionRemoved', 'so', ['1', dbus.ObjectPath(path)])
            self.logind_mock.RemoveObject(path)
        self.revert_on(remove)

    def test_resume_reverts(self):
        def sleep_and_resume():
            self.logind_mock.EmitSignal(LOGIND_MANAGER, 'PrepareForSleep', 'b', [True])
            self.logind_mock.EmitSignal(LOGIND_MANAGER, 'PrepareForSleep', 'b', [False])
        self.revert_on(sleep_and_resume)

    def test_other_session_ending_changes_nothing(self):
        self.polkit_mock.SetAllowed([ACTION_DYNDBG])
        self.assert_ok(self.set_debug('module virtio_net +p'))
        self.session_mock('2').UpdateProperties(SESSION_IFACE, {'Active': False})
        self.pump(0.5)
        self.assertEqual(self.flags()['virtnet_probe'], 'p')

    def test_two_sessions_stack_and_unwind(self):
        self.polkit_mock.SetAllowed([ACTION_DYNDBG])
        self.assert_ok(self.set_debug('func virtnet_probe +p', sid='1'))
        self.assert_ok(self.set_debug('func virtnet_probe +f', sid='2'))
        self.assertEqual(self.flags()['virtnet_probe'], 'pf')
        self.session_mock('1').UpdateProperties(SESSION_IFACE, {'Active': False})
        self.pump(0.5)
        self.assertEqual(self.flags()['virtnet_probe'], 'pf', "session 2's change stands on session 1's")
        self.session_mock('2').UpdateProperties(SESSION_IFACE, {'Active': False})
        self.wait_flags({'virtnet_probe': '_'}, what='both changes unwound')

    def test_restart_keeps_changes_and_reverts_what_ended_meanwhile(self):
        self.polkit_mock.SetAllowed([ACTION_DYNDBG])
        self.assert_ok(self.set_debug('module virtio_net +p', sid='1'))
        self.assert_ok(self.set_debug('module binfmt_misc +p', sid='2'))
        self.kill_broker()
        self.session_mock('2').UpdateProperties(SESSION_IFACE, {'Active': False})
        self.start_broker(['--dynamic-debug-control', self.control])
        self.wait_flags({'create_entry': '_'}, what="session 2's change put back at start")
        self.assertEqual(self.flags()['virtnet_probe'], 'p', "session 1's change survives the restart")
        self.assertEqual(len(self.records()), 1)
        self.assertEqual(len(self.assert_ok(self.reset_debug(sid='1'))), 2, 'the restarted broker still knows it')

    def test_list(self):
        self.polkit_mock.SetAllowed([ACTION_DYNDBG])
        self.assert_ok(self.set_debug('module virtio_net func virtnet_probe +p'))
        rows = self.assert_ok(self.call('ListDebug', 's', ['module virtio_net'], uid=OTHER_UID,
                                        cgroup=self.nosession_cg), 'ListDebug from anyone')
        by_func = {r[3]: r for r in rows}
        self.assertEqual(sorted(by_func), ['start_xmit', 'virtnet_probe', 'virtnet_remove'])
        self.assertEqual(by_func['virtnet_probe'], ['drivers/net/virtio_net.c', 10, 'virtio_net', 'virtnet_probe',
                                                    'p', 'probing %s\\n', '', '1', {}], 'ends in an empty extra')
        self.assertEqual(by_func['virtnet_remove'][7], '', 'no session changed it')
        drm = self.assert_ok(self.call('ListDebug', 's', ['module drm'], uid=USER_UID, cgroup=self.session_cg['1']))
        self.assertEqual([r[6] for r in drm], ['DRM_UT_ATOMIC'], 'listing shows classed callsites')
        self.assertEqual(len(self.assert_ok(self.call('ListDebug', 's', [''], uid=USER_UID,
                                                      cgroup=self.session_cg['1']))), 5)
        self.assert_error(self.call('ListDebug', 's', ['module virtio_net +p'], uid=USER_UID,
                                    cgroup=self.session_cg['1']), 'InvalidArgument', message_re='no flags')

    def test_request_exception_refuses_the_pseudo_reason(self):
        self.polkit_mock.SetAllowed([ACTION_REQUEST])
        res = self.request(['dynamic-debug'], 60)
        self.assert_error(res, 'InvalidArgument', message_re='SetDebug|debug')
        self.assertEqual(self.kernel_grants(), [])

    def test_reasons_property_lists_the_pseudo_reason(self):
        reasons = {str(r[0]): (str(r[1]), str(r[2])) for r in self.prop('Reasons')}
        self.assertEqual(reasons['dynamic-debug'], ('integrity', 'deny'))

    def test_ctl_debug(self):
        self.polkit_mock.SetAllowed([ACTION_DYNDBG])
        rc, out, err = self.lockdownctl(['--json', 'debug', 'enable', 'module', 'binfmt_misc', '--flags', 'pf'],
                                        uid=USER_UID, cgroup=self.session_cg['1'])
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)['changed'][0]['new_flags'], 'pf')
        rc, out, err = self.lockdownctl(['--json', 'debug', 'list', 'module', 'binfmt_misc'], uid=USER_UID,
                                        cgroup=self.session_cg['1'])
        self.assertEqual(rc, 0, err)
        self.assertEqual([(c['function'], c['flags'], c['session']) for c in json.loads(out)['callsites']],
                         [('create_entry', 'pf', '1')])
        rc, out, err = self.lockdownctl(['debug', 'disable', 'module', 'binfmt_misc', '--flags', 'f'],
                                        uid=USER_UID, cgroup=self.session_cg['1'])
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r'fs/binfmt_misc.c:40 +binfmt_misc +create_entry +pf -> p')
        rc, out, err = self.lockdownctl(['debug', 'set', 'module', '*', '+p'], uid=USER_UID,
                                        cgroup=self.session_cg['1'])
        self.assertEqual(rc, 2, 'InvalidArgument is exit 2')
        self.assertIn('all over the kernel', err)
        rc, out, err = self.lockdownctl(['--json', 'debug', 'set', 'module binfmt_misc +t'], uid=USER_UID,
                                        cgroup=self.session_cg['1'])
        self.assertEqual(rc, 0, 'a whole query in one argument: ' + err)
        self.assertEqual(json.loads(out)['changed'][0]['new_flags'], 'pt')
        rc, out, err = self.lockdownctl(['--json', 'debug', 'enable', 'module', 'binfmt_misc', 'format',
                                         'interpreter: {%s}'], uid=USER_UID, cgroup=self.session_cg['1'])
        self.assertEqual(rc, 0, 'a format with spaces, quoted by lockdownctl: ' + err)
        self.assertEqual(self.user_writes()[-1], 'module binfmt_misc format "interpreter: {%s}" +p')
        rc, out, err = self.lockdownctl(['--json', 'debug', 'reset'], uid=USER_UID, cgroup=self.session_cg['1'])
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.flags()['create_entry'], '_')
        # pf, -f, +t: four changes of one callsite unwound to where it started.
        self.assertEqual([(c['old_flags'], c['new_flags']) for c in json.loads(out)['restored']],
                         [('pt', 'p'), ('p', 'pf'), ('pf', '_')], 'reset prints what each step put back, newest first')
        rc, out, err = self.lockdownctl(['debug', 'enable', 'module', 'binfmt_misc'], uid=USER_UID,
                                        cgroup=self.nosession_cg)
        self.assertEqual(rc, 3, 'NoSession is exit 3')


class DebugLimitTests(DebugTestCase):
    CONF = DEFAULT_CONF + '\n[DynamicDebug]\nMaxDuration=2s\nAllowGlobalQueries=yes\n'

    def test_lease_end_reverts(self):
        self.polkit_mock.SetAllowed([ACTION_DYNDBG])
        t0 = time.monotonic()
        self.assert_ok(self.set_debug('module virtio_net +p'))
        self.wait_flags({'virtnet_probe': '_'}, timeout=10, what='the change put back at MaxDuration=2s')
        self.assertGreaterEqual(time.monotonic() - t0, 1.5, 'put back before its lease ended')
        # The record goes once the broker has read the file back after its
        # write, a moment after the flags themselves change.
        self.wait_for(lambda: self.records() == [], 5, 'the change record removed after the revert')

    def test_global_query_allowed_by_policy(self):
        self.polkit_mock.SetAllowed([ACTION_DYNDBG])
        changed = self.assert_ok(self.set_debug('module * +p'))
        self.assertEqual(len(changed), 3, 'every unclassed callsite that was off')


class DebugFlagsOf612Tests(DebugTestCase):
    LETTERS = 'pmfslt_'

    def test_source_name_flag(self):
        self.polkit_mock.SetAllowed([ACTION_DYNDBG])
        changed = self.assert_ok(self.set_debug('module binfmt_misc +ps'))
        self.assertEqual([c[5] for c in changed], ['ps'])

if __name__ == '__main__':
    main()
