#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''Runs test_client.js in gjs with the dbusmock template of the broker on a
private bus used as the system bus.'''

import os
import shutil
import subprocess
import sys
import unittest

import dbusmock

HERE = os.path.dirname(os.path.abspath(__file__))


class TestGjs(dbusmock.DBusTestCase):
    @classmethod
    def setUpClass(cls):
        cls.start_system_bus()

    def test_gjs(self):
        gjs = shutil.which('gjs')
        self.assertIsNotNone(gjs, 'gjs is not installed (Debian: gjs)')
        mock, _ = self.spawn_server_template(os.environ['LDB_DBUSMOCK_TEMPLATE'], {},
                                             stdout=subprocess.DEVNULL)
        try:
            run = subprocess.run([gjs, os.path.join(HERE, 'test_client.js')],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 timeout=60, check=False)
        finally:
            mock.terminate()
            mock.wait()
        sys.stdout.write('\n' + run.stdout)
        sys.stderr.write(run.stderr)
        self.assertEqual(run.returncode, 0, 'gjs test failed')
        self.assertNotIn('not ok', run.stdout)


if __name__ == '__main__':
    unittest.main(testRunner=unittest.TextTestRunner(stream=sys.stdout, verbosity=2))
