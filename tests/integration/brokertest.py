# SPDX-License-Identifier: LGPL-2.1-or-later
"""Harness for lockdown-brokerd's D-Bus contract tests.

Every test gets its own world, so that tests can run in parallel and a failure
never leaks into the next one:

- a private system bus (our own dbus-daemon configuration: every user may
  connect, own and send, so that callers can run as unprivileged users);
- python-dbusmock's logind, systemd and polkitd templates on it, completed
  with what lockdown-brokerd needs and the templates lack (GetSessionByPID,
  the Scope and ControlGroup properties, systemd's unit escaping, ...);
- real cgroup2 directories below /sys/fs/cgroup/unified/ldb-it-<random>/,
  into which caller processes are moved before they exec, so that the
  caller's identity and cgroup are the real ones of that process;
- real BPF maps pinned under /sys/fs/bpf/ldb-it-<random>/ (maps only: this
  host cannot load BPF LSM programs), read back with ld-testctl;
- lockdown-brokerd itself, with temporary config, runtime and exceptions.d
  directories. Its stderr and the mocks' logs are appended to the report of
  any failing test.

The binaries come from the environment: LDB_BROKERD, LDB_TESTCTL and
LDB_LOCKDOWNCTL (tests/integration/meson.build sets them).
"""

import atexit
import ctypes
import errno
import importlib.util
import json
import os
import platform
import pwd
import re
import secrets
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unittest

try:
    import dbus
    import dbus.mainloop.glib
    from gi.repository import GLib
    if importlib.util.find_spec('dbusmock') is None:  # the mocks run as "python3 -m dbusmock"
        raise ImportError('No module named dbusmock')
except ImportError as _e:
    sys.stderr.write(f'the integration tests need python3-dbus, python3-dbusmock and python3-gi for '
                     f'/usr/bin/python3 (Debian packages of those names): {_e}\n')
    sys.exit(1)

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.join(HERE, 'client.py')
# The private system bus's policy, shared with tests/cli and tests/system.
BUS_CONF = os.path.join(HERE, '..', 'data', 'private-system-bus.conf')
_SHARED_DIR = None


def shared_copy(path):
    """`path` as a file every user may run. The clients run as other users,
    and a clone in root's home is out of their reach (Debian's /root is
    0700), so they run a copy in a private temporary directory of mode 0755."""
    global _SHARED_DIR
    if _SHARED_DIR is None:
        _SHARED_DIR = tempfile.mkdtemp(prefix='ldb-it-')
        os.chmod(_SHARED_DIR, 0o755)
        atexit.register(shutil.rmtree, _SHARED_DIR, True)
    dst = os.path.join(_SHARED_DIR, os.path.basename(path))
    if not os.path.exists(dst):
        shutil.copy2(path, dst)
        os.chmod(dst, 0o755)
    return dst
PYTHON = '/usr/bin/python3'

BROKER = 'org.freedesktop.LockdownBroker1'
BROKER_PATH = '/org/freedesktop/LockdownBroker1'
ERROR = BROKER + '.Error.'
PROPS = 'org.freedesktop.DBus.Properties'
MOCK = 'org.freedesktop.DBus.Mock'

LOGIND = 'org.freedesktop.login1'
LOGIND_PATH = '/org/freedesktop/login1'
LOGIND_MANAGER = 'org.freedesktop.login1.Manager'
SESSION_IFACE = 'org.freedesktop.login1.Session'
USER_IFACE = 'org.freedesktop.login1.User'

SYSTEMD = 'org.freedesktop.systemd1'
SYSTEMD_PATH = '/org/freedesktop/systemd1'
SYSTEMD_MANAGER = 'org.freedesktop.systemd1.Manager'
UNIT_IFACE = 'org.freedesktop.systemd1.Unit'

POLKIT = 'org.freedesktop.PolicyKit1'
POLKIT_PATH = '/org/freedesktop/PolicyKit1/Authority'
POLKIT_IFACE = 'org.freedesktop.PolicyKit1.Authority'

ACTION_REQUEST = BROKER + '.request-exception'
ACTION_MANAGE = BROKER + '.manage'

CGROUP2_ROOT = '/sys/fs/cgroup/unified'
BPFFS = '/sys/fs/bpf'

def _unprivileged_uids():
    """Two unprivileged users that exist (dbus-daemon refuses unknown uids):
    the first regular users if there are any, else nobody and daemon, which
    every Debian system has (a fresh machine may have no uid 1000)."""
    found = []
    for uid in (1000, 1001, 1002, 65534, 1):
        try:
            pwd.getpwuid(uid)
            found.append(uid)
        except KeyError:
            pass
    if len(found) < 2:
        raise RuntimeError('the tests need two unprivileged users (uid 1000, 1001, 1002, 65534 or 1); '
                           f'this host has only {found}')
    return found[0], found[1]


# The session holder, and a second user who acts as a non-holder.
USER_UID, OTHER_UID = _unprivileged_uids()

DEFAULT_CONF = '[Lockdown]\nMode=integrity\n\n[Exceptions]\nMaxSeconds=3600\n'


def tool(var, what):
    path = os.environ.get(var)
    if not path:
        raise AssertionError(f'{var} is not set: it must give the path of the built {what}; '
                             'run the tests with "meson test --suite integration"')
    if not os.access(path, os.X_OK):
        raise AssertionError(f'{var}={path} is not an executable {what}; build it first (ninja)')
    return path


def systemd_label(name):
    """systemd's bus_label_escape(): every byte but [A-Za-z0-9] becomes _xx."""
    return ''.join(c if c.isascii() and c.isalnum() else f'_{ord(c):02x}' for c in name)


def read_tail(path, limit=12000):
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as e:
        return f'(cannot read {path}: {e})'
    text = data.decode('utf-8', 'replace')
    return text if len(text) <= limit else '...\n' + text[-limit:]


class CallResult:
    """What a client call returned: value, or a D-Bus error name and message."""

    def __init__(self, doc, argv, stderr):
        self.doc = doc
        self.argv = argv
        self.stderr = stderr
        self.value = doc.get('ok')
        self.error = doc.get('error')
        self.message = doc.get('message', '')
        self.sender = doc.get('sender')

    def __repr__(self):
        if self.error:
            return f'<error {self.error}: {self.message!r}>'
        return f'<ok {self.value!r}>'


class GrantMapWatch:
    """Asks the kernel directly whether the pinned grant map is empty: one
    bpf() call (~10 us), so that revocation latency can be measured finely.
    ld-testctl remains the reader for contents."""

    _SYS_BPF = {'x86_64': 321, 'aarch64': 280}
    _BPF_MAP_GET_NEXT_KEY = 4
    _BPF_OBJ_GET = 7

    def __init__(self, pin_dir):
        nr = self._SYS_BPF.get(platform.machine())
        if nr is None:
            raise AssertionError(f'no bpf() syscall number known for {platform.machine()}')
        self._nr = nr
        self._libc = ctypes.CDLL(None, use_errno=True)
        self._libc.syscall.restype = ctypes.c_long
        path = ctypes.create_string_buffer(os.path.join(pin_dir, 'ld_grants').encode())
        attr = ctypes.create_string_buffer(struct.pack('=QII', ctypes.addressof(path), 0, 0), 128)
        self.fd = self._bpf(self._BPF_OBJ_GET, attr, f'opening {pin_dir}/ld_grants')
        self._next = ctypes.create_string_buffer(256)

    def _bpf(self, cmd, attr, what):
        rc = self._libc.syscall(ctypes.c_long(self._nr), ctypes.c_int(cmd), attr, ctypes.c_uint(128))
        if rc < 0:
            e = ctypes.get_errno()
            raise OSError(e, f'bpf(): {what}: {os.strerror(e)}')
        return rc

    def empty(self):
        attr = ctypes.create_string_buffer(struct.pack('=IIQQ', self.fd, 0, 0, ctypes.addressof(self._next)), 128)
        rc = self._libc.syscall(ctypes.c_long(self._nr), ctypes.c_int(self._BPF_MAP_GET_NEXT_KEY), attr,
                                ctypes.c_uint(128))
        if rc == 0:
            return False
        e = ctypes.get_errno()
        if e == errno.ENOENT:
            return True
        raise OSError(e, f'bpf(BPF_MAP_GET_NEXT_KEY): {os.strerror(e)}')

    def close(self):
        os.close(self.fd)


class CgroupTree:
    """ldb-it-<random>/ below the cgroup2 root, with the units' cgroups."""

    def __init__(self, tag):
        if not os.path.exists(os.path.join(CGROUP2_ROOT, 'cgroup.procs')):
            raise AssertionError(f'{CGROUP2_ROOT} is not a cgroup2 mount; these tests need the unified '
                                 'hierarchy there (hybrid layout) to create real cgroups')
        self.prefix = '/' + tag
        self.dirs = []
        os.mkdir(self.fs(''))
        self.dirs.append(self.fs(''))

    def fs(self, rel):
        """File-system path of a cgroup path relative to our prefix."""
        return CGROUP2_ROOT + self.prefix + rel

    def add(self, rel):
        """Creates every missing level of `rel` ("/user.slice/..."); returns the cgroup path."""
        cur = ''
        for part in rel.strip('/').split('/'):
            cur += '/' + part
            d = self.fs(cur)
            if not os.path.isdir(d):
                os.mkdir(d)
                self.dirs.append(d)
        return self.prefix + rel

    def cgroup_id(self, cgpath):
        """The kernel's cgroup id of a cgroup path (the inode of its directory)."""
        return os.stat(CGROUP2_ROOT + cgpath).st_ino

    def remove(self):
        problems = []
        root_procs = os.path.join(CGROUP2_ROOT, 'cgroup.procs')
        for d in sorted(self.dirs, key=len, reverse=True):
            if not os.path.isdir(d):
                continue
            # A process we started may still be exiting: move what is left out.
            for _ in range(50):
                try:
                    with open(os.path.join(d, 'cgroup.procs')) as f:
                        pids = f.read().split()
                except OSError:
                    break
                if not pids:
                    break
                for pid in pids:
                    try:
                        with open(root_procs, 'w') as f:
                            f.write(pid)
                    except OSError:
                        pass
                time.sleep(0.02)
            try:
                os.rmdir(d)
            except OSError as e:
                problems.append(f'{d}: {e}')
        if problems:
            raise RuntimeError('could not remove test cgroups: ' + '; '.join(problems))


class BrokerTestCase(unittest.TestCase):
    """Base class: sets up the world described in the module docstring.

    Class attributes a test class may override:
      CONF          broker.conf text
      START_BROKER  start lockdown-brokerd in setUp
    """

    CONF = DEFAULT_CONF
    START_BROKER = True
    # (session id, uid, seat, active, remote)
    SESSIONS = [('1', USER_UID, 'seat0', True, False),
                ('2', OTHER_UID, 'seat1', True, False)]

    # ------------------------------------------------------------------ setup

    def setUp(self):
        self.brokerd = tool('LDB_BROKERD', 'lockdown-brokerd')
        self.testctl = tool('LDB_TESTCTL', 'ld-testctl')
        self.tag = 'ldb-it-' + secrets.token_hex(4)
        self.tmp = tempfile.mkdtemp(prefix=self.tag + '-')
        os.chmod(self.tmp, 0o755)  # callers run as other users and need the bus socket
        self.children = []      # every process we started, for teardown
        self.diagnostics = ''   # filled at teardown; the runner appends it to failures
        self.daemon = None
        self.daemon_runs = 0
        self.signals = []       # (monotonic time, member, args) of the broker's signals
        self.cgroups = None
        self.pin_dir = None
        self.addCleanup(self._teardown_world)

        self._start_bus()
        self._start_mocks()
        self._setup_cgroups()
        self._setup_pins()
        self._setup_mock_world()
        self.runtime_dir = os.path.join(self.tmp, 'runtime')
        self.exceptions_dir = os.path.join(self.tmp, 'exceptions.d')
        os.mkdir(self.runtime_dir, 0o700)
        os.mkdir(self.exceptions_dir)
        self.conf_path = os.path.join(self.tmp, 'broker.conf')
        self.write_conf(self.CONF)
        self._watch_broker_signals()
        if self.START_BROKER:
            self.start_broker()

    def _start_bus(self):
        sock = os.path.join(self.tmp, 'system_bus_socket')
        self.bus_log = os.path.join(self.tmp, 'dbus-daemon.log')
        with open(self.bus_log, 'w') as err:
            p = subprocess.Popen(['dbus-daemon', '--nofork', '--config-file=' + BUS_CONF,
                                  '--address=unix:path=' + sock, '--print-address=1'],
                                 stdout=subprocess.PIPE, stderr=err, text=True)
        self.children.append(p)
        self.bus_daemon = p
        line = p.stdout.readline().strip()
        if not line:
            raise AssertionError('dbus-daemon did not start: ' + read_tail(self.bus_log))
        self.bus_address = line
        os.environ['DBUS_SYSTEM_BUS_ADDRESS'] = line
        self.bus = dbus.bus.BusConnection(line)

    def _start_mocks(self):
        self.mock_logs = {}
        procs = {}
        for template, name in (('logind', LOGIND), ('systemd', SYSTEMD), ('polkitd', POLKIT)):
            log = os.path.join(self.tmp, f'mock-{template}.log')
            self.mock_logs[template] = log
            procs[name] = subprocess.Popen([PYTHON, '-m', 'dbusmock', '--system', '--template', template, '-l', log],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
            self.children.append(procs[name])
        deadline = time.monotonic() + 30
        for name, p in procs.items():
            while not self.bus.name_has_owner(name):
                if p.poll() is not None:
                    raise AssertionError(f'the dbusmock for {name} exited with {p.returncode}')
                if time.monotonic() > deadline:
                    raise AssertionError(f'the dbusmock for {name} did not appear on the bus within 30 s')
                time.sleep(0.02)
        self.logind = self.bus.get_object(LOGIND, LOGIND_PATH)
        self.logind_mock = dbus.Interface(self.logind, MOCK)
        self.systemd = self.bus.get_object(SYSTEMD, SYSTEMD_PATH)
        self.systemd_mock = dbus.Interface(self.systemd, MOCK)
        self.polkit = self.bus.get_object(POLKIT, POLKIT_PATH)
        self.polkit_mock = dbus.Interface(self.polkit, MOCK)

    def _setup_cgroups(self):
        self.cgroups = CgroupTree(self.tag)
        self.test_service_cg = self.cgroups.add('/system.slice/test.service')
        # a process here is in no session: logind answers NoSessionForPID
        self.nosession_cg = self.cgroups.add('/system.slice/cron.service')

    def _setup_pins(self):
        pin_dir = os.path.join(BPFFS, self.tag)
        self.run_tool([self.testctl, '--pin-dir', pin_dir, 'create-maps'], 'creating the BPF maps')
        self.pin_dir = pin_dir

    def _setup_mock_world(self):
        prefix = self.cgroups.prefix
        # Like real logind: the session is the session-<id>.scope in the
        # caller's cgroup2 path (only within this test's hierarchy).
        self.logind_mock.AddMethod(LOGIND_MANAGER, 'GetSessionByPID', 'u', 'o', f'''
import re
pid = int(args[0])
found = None
try:
    with open("/proc/%d/cgroup" % pid) as f:
        text = f.read()
except OSError:
    text = ""
for line in text.splitlines():
    if line.startswith("0::"):
        m = re.match(r"^0::{re.escape(prefix)}/.*/session-([A-Za-z0-9_-]+)\\.scope(/.*)?$", line)
        if m and ("/org/freedesktop/login1/session/" + m.group(1)) in objects:
            found = "/org/freedesktop/login1/session/" + m.group(1)
if found is None:
    raise dbus.exceptions.DBusException("PID %d does not belong to any known session" % pid,
                                        name="org.freedesktop.login1.NoSessionForPID")
ret = found
''')
        # the template answers any id; real logind knows its sessions
        self.logind_mock.AddMethod(LOGIND_MANAGER, 'GetSession', 's', 'o', '''
path = "/org/freedesktop/login1/session/" + args[0]
if path not in objects:
    raise dbus.exceptions.DBusException("No session '%s' known" % args[0],
                                        name="org.freedesktop.login1.NoSuchSession")
ret = path
''')
        # Units are added with systemd's own escaping (AddMockUnit cannot
        # take "user@1000.service"), so GetUnit looks them up by Id.
        self.systemd_mock.AddMethod(SYSTEMD_MANAGER, 'GetUnit', 's', 'o', '''
ret = None
for path, obj in objects.items():
    if obj.props.get("org.freedesktop.systemd1.Unit", {}).get("Id") == args[0]:
        ret = path
if ret is None:
    raise dbus.exceptions.DBusException("Unit %s not loaded." % args[0],
                                        name="org.freedesktop.systemd1.NoSuchUnit")
''')
        self.systemd_mock.AddMethod(SYSTEMD_MANAGER, 'Subscribe', '', '', '')
        self.systemd_mock.AddMethod(SYSTEMD_MANAGER, 'Unsubscribe', '', '', '')
        self.polkit_mock.AddMethod(POLKIT_IFACE, 'CancelCheckAuthorization', 's', '', '')

        self.add_unit('test.service', self.test_service_cg, active=True)
        self.add_unit('cron.service', self.nosession_cg, active=True)
        self.session_cg = {}
        for sid, uid, seat, active, remote in self.SESSIONS:
            self.add_session(sid, uid, seat, active=active, remote=remote)

    def add_unit(self, name, cgpath, active=True):
        path = f'{SYSTEMD_PATH}/unit/{systemd_label(name)}'
        self.systemd_mock.AddObject(path, UNIT_IFACE, {
            'Id': name,
            'Names': dbus.Array([name], signature='s'),
            'LoadState': 'loaded',
            'ActiveState': 'active' if active else 'inactive',
            'SubState': 'running' if active else 'dead',
        }, dbus.Array([], signature='(ssss)'))
        kind = 'Scope' if name.endswith('.scope') else 'Service'
        dbus.Interface(self.bus.get_object(SYSTEMD, path), MOCK).AddProperty(
            f'org.freedesktop.systemd1.{kind}', 'ControlGroup', cgpath)
        return path

    def set_unit_active(self, name, active):
        path = f'{SYSTEMD_PATH}/unit/{systemd_label(name)}'
        dbus.Interface(self.bus.get_object(SYSTEMD, path), MOCK).UpdateProperties(
            UNIT_IFACE, {'ActiveState': 'active' if active else 'inactive',
                         'SubState': 'running' if active else 'dead'})

    def add_session(self, sid, uid, seat, active=True, remote=False):
        name = pwd.getpwuid(uid).pw_name
        path = self.logind_mock.AddSession(sid, seat, dbus.UInt32(uid), name, active)
        smock = dbus.Interface(self.bus.get_object(LOGIND, path), MOCK)
        smock.AddProperty(SESSION_IFACE, 'Scope', f'session-{sid}.scope')
        if remote:
            smock.UpdateProperties(SESSION_IFACE, {'Remote': True})
        user_service = f'user@{uid}.service'
        user_mock = dbus.Interface(self.bus.get_object(LOGIND, f'{LOGIND_PATH}/user/{uid}'), MOCK)
        user_props = dbus.Interface(self.bus.get_object(LOGIND, f'{LOGIND_PATH}/user/{uid}'), PROPS)
        if user_props.Get(USER_IFACE, 'Service') != user_service:
            user_mock.UpdateProperties(USER_IFACE, {'Service': user_service})
            self.add_unit(user_service, self.cgroups.add(f'/user.slice/user-{uid}.slice/{user_service}'))
        scope_cg = self.cgroups.add(f'/user.slice/user-{uid}.slice/session-{sid}.scope')
        self.add_unit(f'session-{sid}.scope', scope_cg)
        self.session_cg[sid] = scope_cg
        return path

    def session_mock(self, sid):
        return dbus.Interface(self.bus.get_object(LOGIND, f'{LOGIND_PATH}/session/{sid}'), MOCK)

    def user_service_cg(self, uid):
        return f'{self.cgroups.prefix}/user.slice/user-{uid}.slice/user@{uid}.service'

    def write_conf(self, text):
        with open(self.conf_path, 'w') as f:
            f.write(text)

    def _watch_broker_signals(self):
        def on_signal(*args, **kw):
            self.signals.append((time.monotonic(), kw['member'], args))
        self.bus.add_signal_receiver(on_signal, dbus_interface=BROKER, path=BROKER_PATH, member_keyword='member')

        def on_props(iface, changed, invalidated):
            if iface == BROKER:
                self.signals.append((time.monotonic(), 'PropertiesChanged', (changed, invalidated)))
        self.bus.add_signal_receiver(on_props, signal_name='PropertiesChanged', dbus_interface=PROPS,
                                     path=BROKER_PATH)

    # ---------------------------------------------------------------- daemon

    def start_broker(self, extra_args=(), timeout=15):
        """Starts lockdown-brokerd and waits until it owns its name."""
        self.daemon_runs += 1
        self.daemon_log = os.path.join(self.tmp, f'lockdown-brokerd-{self.daemon_runs}.log')
        argv = [self.brokerd, '--verbose', '--config', self.conf_path, '--pin-dir', self.pin_dir,
                '--cgroup-root', CGROUP2_ROOT, '--runtime-dir', self.runtime_dir,
                '--exceptions-dir', self.exceptions_dir, *extra_args]
        with open(self.daemon_log, 'w') as err:
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=err, stderr=subprocess.STDOUT)
        self.children.append(p)
        self.daemon = p
        deadline = time.monotonic() + timeout
        while not self.bus.name_has_owner(BROKER):
            if p.poll() is not None:
                self.fail(f'lockdown-brokerd exited with status {p.returncode} before it owned {BROKER}.\n'
                          f'command: {" ".join(argv)}\nits output:\n{read_tail(self.daemon_log)}')
            if time.monotonic() > deadline:
                self.fail(f'lockdown-brokerd did not own {BROKER} within {timeout} s.\n'
                          f'command: {" ".join(argv)}\nits output:\n{read_tail(self.daemon_log)}')
            time.sleep(0.02)
        self.broker_obj = self.bus.get_object(BROKER, BROKER_PATH, introspect=False)
        self.broker = dbus.Interface(self.broker_obj, BROKER)
        self.broker_props = dbus.Interface(self.broker_obj, PROPS)
        return p

    def kill_broker(self, sig=signal.SIGKILL):
        self.daemon.send_signal(sig)
        self.daemon.wait(10)
        deadline = time.monotonic() + 5
        while self.bus.name_has_owner(BROKER):
            self.assertLess(time.monotonic(), deadline, 'the broker name stayed owned after the daemon died')
            time.sleep(0.02)

    def stop_broker(self):
        """SIGTERM, and the daemon must exit cleanly and quickly."""
        self.daemon.send_signal(signal.SIGTERM)
        try:
            rc = self.daemon.wait(10)
        except subprocess.TimeoutExpired:
            self.daemon.kill()
            self.fail('lockdown-brokerd did not exit within 10 s of SIGTERM')
        self.assertEqual(rc, 0, 'lockdown-brokerd exited with an error on SIGTERM')

    def daemon_output(self):
        return read_tail(self.daemon_log) if self.daemon_runs else ''

    # --------------------------------------------------------------- callers

    def _preexec(self, uid, cgroup):
        procs = None if cgroup is None else CGROUP2_ROOT + cgroup + '/cgroup.procs'

        def fn():
            if procs is not None:
                with open(procs, 'w') as f:
                    f.write(str(os.getpid()))
            if uid != 0:
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
        return fn

    def spawn(self, argv, uid=0, cgroup=None, **kw):
        """Starts a process as `uid` inside `cgroup` (a cgroup path, or None
        to stay in ours). It runs with the private bus and from /."""
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus_address, LC_ALL='C.UTF-8')
        p = subprocess.Popen(argv, cwd='/', env=env, preexec_fn=self._preexec(uid, cgroup), **kw)
        self.children.append(p)
        return p

    def call(self, method, signature, args, uid=0, cgroup=None, timeout=30, interactive=False):
        """Calls a broker method from a separate process; returns a CallResult."""
        argv = [PYTHON, shared_copy(CLIENT), 'call', method, signature, json.dumps(args)]
        if interactive:
            argv.append('--interactive')
        p = self.spawn(argv, uid=uid, cgroup=cgroup, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            self.fail(f'{method} from uid {uid} did not return within {timeout} s')
        return self._parse_client(p, out, err, argv)

    def _parse_client(self, p, out, err, argv):
        try:
            doc = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            self.fail(f'the test client failed (status {p.returncode}): {err.strip()}\nstdout: {out!r}')
        return CallResult(doc, argv, err)

    def start_call(self, method, signature, args, uid=0, cgroup=None):
        """Sends a call and returns the running client once the call is on
        the wire; finish() it or kill it."""
        argv = [PYTHON, shared_copy(CLIENT), 'call', method, signature, json.dumps(args), '--announce']
        p = self.spawn(argv, uid=uid, cgroup=cgroup, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = p.stdout.readline()
        if not line.startswith('sent '):
            p.kill()
            _, err = p.communicate()
            self.fail(f'the test client did not send {method}: {line!r} {err}')
        p.sender = line.split()[1]
        p.argv = argv
        return p

    def finish(self, p, timeout=30):
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            self.fail(f'a pending call did not return within {timeout} s')
        return self._parse_client(p, out, err, p.argv)

    def request(self, reasons, seconds=600, options=None, sid='1', uid=None, cgroup=None):
        """RequestException from a caller in session `sid` (its uid and scope)."""
        if uid is None:
            uid = self.session_uid(sid)
        if cgroup is None:
            cgroup = self.session_cg[sid]
        return self.call('RequestException', 'asta{sv}', [reasons, seconds, options or {}], uid=uid, cgroup=cgroup)

    def session_uid(self, sid):
        for s, uid, *_ in self.SESSIONS:
            if s == sid:
                return uid
        raise KeyError(sid)

    def lockdownctl(self, args, uid=0, cgroup=None, timeout=30):
        """Runs lockdownctl; returns (status, stdout, stderr)."""
        ctl = shared_copy(tool('LDB_LOCKDOWNCTL', 'lockdownctl (the ctl/ target was not built, so the lockdownctl '
                               'cases cannot run)'))
        p = self.spawn([ctl, *args], uid=uid, cgroup=cgroup, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            self.fail(f'lockdownctl {" ".join(args)} did not finish within {timeout} s')
        return p.returncode, out, err

    # ------------------------------------------------------------ assertions

    def assert_ok(self, res, what=''):
        if res.error:
            self.fail(f'{what or res.argv[3]} failed: {res.error}: {res.message}')
        return res.value

    def assert_error(self, res, name, what='', message_re=None):
        if not res.error:
            self.fail(f'{what or res.argv[3]} succeeded ({res.value!r}); expected {ERROR + name}')
        self.assertEqual(res.error, ERROR + name, f'{what}: wrong error; message: {res.message!r}')
        self.assertTrue(res.message.strip(), f'{what}: {res.error} came without a message')
        if message_re:
            self.assertRegex(res.message, message_re, f'{what}: the message does not say what was wrong')

    # ------------------------------------------------------------------ maps

    def run_tool(self, argv, what):
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise AssertionError(f'{what} failed ({" ".join(argv)}, status {r.returncode}): '
                                 f'{r.stderr.strip()} {r.stdout.strip()}')
        return r.stdout

    def kernel_grants(self):
        """The kernel grant map: list of dicts with grant, reason, cgroup_id, uid, remaining_ms."""
        out = self.run_tool([self.testctl, '--pin-dir', self.pin_dir, 'grants'], 'reading the grant map')
        rows = []
        for line in out.splitlines():
            fields = dict(kv.split('=', 1) for kv in line.split() if '=' in kv)
            for key in ('grant', 'cgroup_id', 'uid', 'remaining_ms'):
                if key in fields:
                    fields[key] = int(fields[key])
            rows.append(fields)
        return rows

    def map_entries(self):
        """{(cgroup_id, reason, grant_id)} of the kernel map."""
        return {(g['cgroup_id'], g['reason'], g['grant']) for g in self.kernel_grants()}

    def measure_until_map_empty(self, t0, timeout=5):
        """Polls the kernel map directly until it is empty; returns the time."""
        watch = GrantMapWatch(self.pin_dir)
        try:
            deadline = t0 + timeout
            while not watch.empty():
                if time.monotonic() > deadline:
                    self.fail(f'the kernel grant map still has {self.kernel_grants()} {timeout} s later')
                time.sleep(0.0002)
            return time.monotonic()
        finally:
            watch.close()

    def wait_map_empty(self, timeout=5):
        deadline = time.monotonic() + timeout
        while True:
            rows = self.kernel_grants()
            if not rows:
                return time.monotonic()
            if time.monotonic() > deadline:
                self.fail(f'the kernel grant map still has {rows} {timeout} s later')
            time.sleep(0.005)

    # --------------------------------------------------------------- signals

    def pump(self, seconds=0.0):
        ctx = GLib.MainContext.default()
        end = time.monotonic() + seconds
        while True:
            while ctx.iteration(False):
                pass
            if time.monotonic() >= end:
                return
            time.sleep(0.005)

    def wait_for(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while True:
            self.pump()
            v = predicate()
            if v:
                return v
            if time.monotonic() > deadline:
                self.fail(f'timed out after {timeout} s waiting for {what}')
            time.sleep(0.005)

    def signals_named(self, member):
        self.pump()
        return [(t, a) for t, m, a in self.signals if m == member]

    def wait_revoked(self, grant_id, timeout=5):
        """Waits for ExceptionRevoked(grant_id, why); returns (time, why)."""
        def find():
            for t, a in self.signals_named('ExceptionRevoked'):
                if int(a[0]) == grant_id:
                    return (t, str(a[1]))
            return None
        return self.wait_for(find, timeout, f'ExceptionRevoked for {grant_id:016x}')

    # ------------------------------------------------------------ properties

    def prop(self, name):
        return self.broker_props.Get(BROKER, name)

    def exceptions(self):
        """The Exceptions property as a list of dicts."""
        return [exception_dict(e) for e in self.prop('Exceptions')]

    def polkit_calls(self, method='CheckAuthorization'):
        return [args for _, args in self.polkit_mock.GetMethodCalls(method)]

    # --------------------------------------------------------------- teardown

    def _teardown_world(self):
        problems = []
        for p in reversed(self.children):
            if p.poll() is None:
                try:
                    if p is self.daemon:
                        p.send_signal(signal.SIGCONT)
                        p.terminate()
                        try:
                            p.wait(5)
                        except subprocess.TimeoutExpired:
                            p.kill()
                    else:
                        p.kill()
                    p.wait(10)
                except (OSError, subprocess.TimeoutExpired) as e:
                    problems.append(f'stopping pid {p.pid}: {e}')
            for stream in (p.stdout, p.stderr):
                if stream:
                    stream.close()
        parts = []
        if self.daemon_runs:
            for i in range(1, self.daemon_runs + 1):
                parts.append(f'--- lockdown-brokerd output (run {i}) ---\n'
                             + read_tail(os.path.join(self.tmp, f'lockdown-brokerd-{i}.log')))
        bus_log = getattr(self, 'bus_log', None)
        if bus_log and os.path.exists(bus_log) and os.path.getsize(bus_log):
            parts.append('--- dbus-daemon ---\n' + read_tail(bus_log, 3000))
        for name, log in getattr(self, 'mock_logs', {}).items():
            parts.append(f'--- dbusmock {name} log (tail) ---\n' + read_tail(log, 3000))
        self.diagnostics = '\n'.join(parts)
        os.environ.pop('DBUS_SYSTEM_BUS_ADDRESS', None)
        if self.pin_dir and os.path.isdir(self.pin_dir):
            try:
                shutil.rmtree(self.pin_dir)
            except OSError as e:
                problems.append(f'removing {self.pin_dir}: {e}')
        if self.cgroups:
            try:
                self.cgroups.remove()
            except RuntimeError as e:
                problems.append(str(e))
        shutil.rmtree(self.tmp, ignore_errors=True)
        if problems:
            raise RuntimeError('teardown: ' + '; '.join(problems))


def exception_dict(e):
    return {
        'id': int(e[0]),
        'reasons': [str(r) for r in e[1]],
        'scope_kind': str(e[2]),
        'scope': str(e[3]),
        'holder_uid': int(e[4]),
        'holder_session': str(e[5]),
        'expires': int(e[6]),
        'origin': str(e[7]),
        'cgroups': [str(c) for c in e[8].get('cgroups', [])],
        'narrowed': str(e[8].get('narrowed', '')),
        'extra_keys': sorted(str(k) for k in e[8].keys()),
    }


def metric(name, **fields):
    """One machine-readable line on stdout (the meson test log keeps it)."""
    print('METRIC ' + json.dumps({'name': name, **fields}, sort_keys=True), flush=True)


class _Result(unittest.TextTestResult):
    """Appends the daemon's output and the mocks' logs to every failure. The
    logs are collected at teardown, which runs after the failure is recorded,
    so they are attached when the test stops."""

    def stopTest(self, test):
        diag = getattr(test, 'diagnostics', '')
        if diag:
            for lst in (self.failures, self.errors):
                for i, (t, text) in enumerate(lst):
                    if getattr(t, 'test_case', t) is test and not text.endswith(diag):
                        lst[i] = (t, text + '\n' + diag)
        super().stopTest(test)


def main():
    """Runs the tests named on the command line ("Class.test_method"). A
    skipped test counts as a failure: a test that cannot run must say so."""
    if os.geteuid() != 0:
        sys.stderr.write('the integration tests need root: they create cgroups, pin BPF maps and '
                         'run callers as other users\n')
        sys.exit(1)
    def terminated(signum, _frame):
        # meson's timeout: fail the test and still run the cleanups
        raise TimeoutError(f'terminated by signal {signum} (meson test timeout?)')
    signal.signal(signal.SIGTERM, terminated)
    # unittest reports on stderr, so that METRIC lines stay alone on stdout
    runner = unittest.TextTestRunner(verbosity=2, resultclass=_Result, stream=sys.stderr)
    prog = unittest.main(module='__main__', testRunner=runner, exit=False)
    result = prog.result
    if result.skipped:
        print(f'{len(result.skipped)} test(s) were skipped; skipping is a failure here')
        sys.exit(1)
    if result.testsRun == 0:
        print('no test ran')
        sys.exit(1)
    sys.exit(0 if result.wasSuccessful() else 1)
