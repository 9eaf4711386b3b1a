#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Reloading the policy (SIGHUP; `lockdown-brokerd --reload`, the unit's
ExecReload=) on the private bus of brokertest.py, against real BPF maps:
after boot the policy may only tighten. A tighter one is written into the
control map at once and Mode/Reasons emit PropertiesChanged; a looser one,
even in part, or a file with a mistake changes nothing and --reload fails.

The maps come from create-maps (all-deny); each test first writes the
policy of its boot configuration with `ld-testctl set-policy`, as
lockdown-enforce would at boot.

Run one case:  test_reload.py ReloadTests.test_tighter_applies_at_once
"""

import os
import subprocess

from brokertest import BROKER, BrokerTestCase, main

BOOT_CONF = '[Lockdown]\nMode=integrity\n\n[Exceptions]\nMaxSeconds=3600\n'


class ReloadTests(BrokerTestCase):
    CONF = BOOT_CONF
    START_BROKER = False

    def setUp(self):
        super().setUp()
        self.set_kernel_policy(BOOT_CONF)
        self.start_broker()

    # ---------------------------------------------------------------- helpers

    def set_kernel_policy(self, conf):
        path = os.path.join(self.tmp, 'boot.conf')
        with open(path, 'w') as f:
            f.write(conf)
        self.run_tool([self.testctl, '--pin-dir', self.pin_dir, 'set-policy', path], 'writing the boot policy')

    def kernel_policy(self):
        """({reason: action}, generation) of the active slot."""
        out = self.run_tool([self.testctl, '--pin-dir', self.pin_dir, 'policy'], 'reading the policy')
        lines = out.splitlines()
        head = dict(kv.split('=', 1) for kv in lines[0].split())
        return dict(line.split('=', 1) for line in lines[1:]), int(head['generation'])

    def reload(self, conf=None, main_pid=None):
        """Writes `conf` (if given) and runs `lockdown-brokerd --reload` as
        systemd runs ExecReload=; returns (status, stdout, stderr)."""
        if conf is not None:
            self.write_conf(conf)
        env = dict(os.environ, MAINPID=str(main_pid if main_pid is not None else self.daemon.pid))
        r = subprocess.run([self.brokerd, '--reload', '--runtime-dir', self.runtime_dir], env=env,
                           capture_output=True, text=True, timeout=40)
        self.pump()
        return r.returncode, r.stdout, r.stderr

    def props_changed(self):
        """The policy properties each PropertiesChanged named (others, such
        as CanHibernate after the start, are left out)."""
        out = []
        for _, a in self.signals_named('PropertiesChanged'):
            names = sorted(n for n in [str(k) for k in a[0].keys()] + [str(i) for i in a[1]]
                           if n in ('Mode', 'Reasons'))
            if names:
                out.append(names)
        return out

    def reasons_prop(self):
        return {str(n): str(a) for n, _, a, _ in self.prop('Reasons')}

    # ------------------------------------------------------------------ tests

    def test_tighter_applies_at_once(self):
        before, gen = self.kernel_policy()
        self.assertEqual((before['kcore'], before['dev-mem']), ('allow', 'deny'))
        rc, out, err = self.reload(BOOT_CONF + '[Lockdown]\nDeny=kcore\nAudit=perf\n')
        self.assertEqual(rc, 0, f'stdout {out!r} stderr {err!r}\n{self.daemon_output()}')
        self.assertIn('reload applied', out)
        self.assertIn('kcore (allow -> deny)', out)
        after, gen2 = self.kernel_policy()
        self.assertEqual((after['kcore'], after['perf'], after['dev-mem']), ('deny', 'audit', 'deny'))
        self.assertEqual(gen2, gen + 1)
        self.wait_for(lambda: ['Reasons'] in self.props_changed(), 3, 'PropertiesChanged for Reasons')
        self.assertEqual(self.reasons_prop()['kcore'], 'deny')
        self.assertEqual(str(self.prop('Mode')), 'integrity')

    def test_mode_change_emits_mode_and_reasons(self):
        rc, out, err = self.reload('[Lockdown]\nMode=confidentiality\n')
        self.assertEqual(rc, 0, f'stdout {out!r} stderr {err!r}\n{self.daemon_output()}')
        self.wait_for(lambda: ['Mode', 'Reasons'] in self.props_changed(), 3,
                      'PropertiesChanged for Mode and Reasons')
        # The subscribed client gets the new value in the signal itself
        # (EmitsChangedSignal true), not only the name.
        carried = [str(a[0]['Mode']) for _, a in self.signals_named('PropertiesChanged') if 'Mode' in a[0]]
        self.assertEqual(carried, ['confidentiality'])
        self.assertEqual(str(self.prop('Mode')), 'confidentiality')
        self.assertEqual(self.kernel_policy()[0]['kcore'], 'deny')

    def test_looser_is_refused_until_the_next_boot(self):
        before = self.kernel_policy()
        rc, out, err = self.reload('[Lockdown]\nMode=none\n')
        self.assertEqual(rc, 1, f'stdout {out!r} stderr {err!r}')
        self.assertIn('reload refused', err)
        self.assertIn('dev-mem (deny -> allow)', err)
        self.assertIn('takes effect at the next boot', err)
        self.assertEqual(self.kernel_policy(), before, 'the kernel policy changed')
        self.pump(0.3)
        self.assertEqual(self.props_changed(), [], 'a refused reload emitted PropertiesChanged')
        self.assertEqual(str(self.prop('Mode')), 'integrity')
        self.assertEqual(self.reasons_prop()['dev-mem'], 'deny')
        self.assertIn('takes effect at the next boot', self.daemon_output())

    def test_partly_looser_is_refused_whole(self):
        before = self.kernel_policy()
        rc, out, err = self.reload(BOOT_CONF + '[Lockdown]\nDeny=kcore\nAllow=msr\n')
        self.assertEqual(rc, 1, f'stdout {out!r} stderr {err!r}')
        self.assertIn('msr (deny -> allow)', err)
        self.assertEqual(self.kernel_policy(), before, 'half of the reload was applied')
        self.assertEqual(self.reasons_prop()['kcore'], 'allow')

    def test_a_mistake_changes_nothing(self):
        before = self.kernel_policy()
        rc, out, err = self.reload('[Lockdown]\nMode=strict\n')
        self.assertEqual(rc, 1, f'stdout {out!r} stderr {err!r}')
        self.assertIn('reload invalid', err)
        self.assertIn('broker.conf:2', err)
        self.assertEqual(self.kernel_policy(), before)
        self.assertEqual(str(self.prop('Mode')), 'integrity')

    def test_tightened_stays_tight(self):
        """Back to the boot file after tightening is loosening: refused."""
        self.assertEqual(self.reload(BOOT_CONF + '[Lockdown]\nDeny=kcore\n')[0], 0)
        rc, out, err = self.reload(BOOT_CONF)
        self.assertEqual(rc, 1, f'stdout {out!r} stderr {err!r}')
        self.assertIn('kcore (deny -> allow)', err)
        self.assertEqual(self.kernel_policy()[0]['kcore'], 'deny')

    def test_other_settings_wait_for_a_restart(self):
        rc, out, err = self.reload('[Lockdown]\nMode=integrity\n\n[Exceptions]\nMaxSeconds=60\n')
        self.assertEqual(rc, 0, f'stdout {out!r} stderr {err!r}')
        self.assertIn('reload unchanged', out)
        self.assertIn('[Exceptions] MaxSeconds= (when lockdown-broker restarts)', out)

    def test_start_applies_a_tighter_file(self):
        self.stop_broker()
        self.write_conf(BOOT_CONF + '[Lockdown]\nDeny=kcore\n')
        self.start_broker()
        self.wait_for(lambda: self.kernel_policy()[0]['kcore'] == 'deny', 3, 'kcore denied after the start')

    def test_start_with_a_looser_file_keeps_the_kernel_policy(self):
        self.stop_broker()
        before = self.kernel_policy()
        self.write_conf('[Lockdown]\nMode=none\n')
        self.start_broker()
        self.assertEqual(self.kernel_policy(), before)
        self.assertIn('takes effect at the next boot', self.daemon_output())

    def test_reload_without_a_daemon_fails(self):
        rc, out, err = self.reload(main_pid=0)
        self.assertEqual(rc, 1)
        self.assertIn('MAINPID', err)
        dead = subprocess.Popen(['true'])
        dead.wait()
        rc, out, err = self.reload(main_pid=dead.pid)
        self.assertEqual(rc, 1)
        self.assertIn('No such process', err)


if __name__ == '__main__':
    main()
