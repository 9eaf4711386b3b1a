#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Prove that polkit accepts org.freedesktop.LockdownBroker1.policy.

polkitd once ignored a broken policy file without a word and every method
of a daemon became unauthorized (USBGuard). So this test does not stop at the
DTD: it starts the real polkitd on a private system bus, in a private mount
namespace where /usr/share/polkit-1/actions holds only our policy and
/etc/polkit-1/rules.d only our example rule, and checks what polkitd itself
reports:

  1. the policy is valid against polkit's DTD (xmllint);
  2. it declares exactly the four expected actions with the expected
     implicit authorizations;
  3. polkitd lists exactly those actions with those defaults (pkaction),
     and compiles the example rule without error;
  4. the example rule does not grant dynamic-debug outside an active local
     session, even to a member of its group;
  5. an authentication agent is shown each action's message, with the
     "reasons" and "seconds" details substituted as the daemon sends them.

Usage: test-polkit-policy.py POLICY RULES_EXAMPLE
Needs root (mount namespace, polkitd drops to its own user by itself).
"""

import os
import pwd
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

PREFIX = "org.freedesktop.LockdownBroker1."
EXPECTED = {
    # action: (allow_any, allow_inactive, allow_active)
    PREFIX + "request-exception": ("no", "no", "auth_admin"),
    PREFIX + "manage": ("no", "no", "auth_admin"),
    PREFIX + "hibernate": ("no", "no", "yes"),
    PREFIX + "dynamic-debug": ("no", "no", "auth_admin_keep"),
}
# What lockdown-brokerd passes as details of request-exception.
DETAILS = {PREFIX + "request-exception": {"reasons": "dev-mem,msr", "seconds": "600"}}
DTD = "/usr/share/polkit-1/policyconfig-1.dtd"
POLKITD_CANDIDATES = ["/usr/lib/polkit-1/polkitd", "/usr/libexec/polkitd",
                      "/usr/libexec/polkit-1/polkitd"]
TEST_GROUP = "ldb-polkit-test"
SUBJECT_USER = "nobody"
TIMEOUT = 10.0
# The private system bus's policy, shared with tests/cli and tests/integration.
BUS_CONF = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data', 'private-system-bus.conf')


class TestFailure(Exception):
    pass


def fail(msg):
    raise TestFailure(msg)


def need_tool(name):
    path = shutil.which(name)
    if path is None:
        fail(f"'{name}' is not installed; this test needs it (see scripts/deps-debian.txt)")
    return path


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, **kw)


def wait_for(predicate, what, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    fail(f"timed out after {timeout:.0f}s waiting for {what}")


def read_policy(policy):
    """Steps 1 and 2: DTD validation and the declared actions."""
    need_tool("xmllint")
    if not os.path.exists(DTD):
        fail(f"{DTD} is missing; install polkitd to validate against polkit's own DTD")
    r = run(["xmllint", "--noout", "--dtdvalid", DTD, policy])
    if r.returncode != 0:
        fail(f"{policy} is not valid against {DTD}:\n{r.stderr}")
    print(f"ok: {os.path.basename(policy)} is valid against {DTD}")

    actions = {}
    for action in ET.parse(policy).getroot().findall("action"):
        aid = action.get("id")
        if aid in actions:
            fail(f"action {aid} is declared twice")
        d = action.find("defaults")
        if d is None:
            fail(f"action {aid} has no <defaults>")
        defaults = tuple((d.findtext(k) or "").strip()
                         for k in ("allow_any", "allow_inactive", "allow_active"))
        description = (action.findtext("description") or "").strip()
        message = " ".join((action.findtext("message") or "").split())
        if not description or not message:
            fail(f"action {aid} needs a <description> and a <message> for the prompt")
        actions[aid] = {"defaults": defaults, "message": message}

    missing = sorted(set(EXPECTED) - set(actions))
    unexpected = sorted(set(actions) - set(EXPECTED))
    if missing or unexpected:
        fail(f"actions differ from the design: missing {missing}, unexpected {unexpected}")
    for aid, want in EXPECTED.items():
        if actions[aid]["defaults"] != want:
            fail(f"{aid}: defaults (any, inactive, active) are {actions[aid]['defaults']}, "
                 f"expected {want}")
    print(f"ok: the policy declares exactly {len(EXPECTED)} actions with the expected defaults")
    return actions


class Namespace:
    """Private bus plus polkitd, inside the mount namespace we run in."""

    def __init__(self, policy, example, tmp):
        self.tmp = tmp
        self.procs = []
        self.polkitd_log = os.path.join(tmp, "polkitd.log")
        self.subject_uid = pwd.getpwnam(SUBJECT_USER).pw_uid
        self.subject_gid = pwd.getpwnam(SUBJECT_USER).pw_gid
        self._stage(policy, example)

    def _stage(self, policy, example):
        t = self.tmp
        for d in ("actions", "rules", "share-rules"):
            os.mkdir(os.path.join(t, d))
            os.chmod(os.path.join(t, d), 0o755)
        shutil.copy(policy, os.path.join(t, "actions"))

        # The example with its one variable pointed at a group that exists
        # only in this namespace, installed under the name the admin would use.
        text = open(example).read()
        text, n = re.subn(r'^(var \w+Group = )"[^"]*";', rf'\1"{TEST_GROUP}";', text, flags=re.M)
        if n != 1:
            fail(f"{example}: expected one 'var ...Group = \"...\";' line at the top, found {n}")
        with open(os.path.join(t, "rules", "50-lockdown-broker-dynamic-debug.rules"), "w") as f:
            f.write(text)
        # A test-only rule that runs after the example: it turns every one of
        # our actions into an admin challenge (so the agent gets to show the
        # message), and dynamic-debug into a refusal unless polkit sees the
        # subject in the test group. So a challenge for dynamic-debug proves
        # both that the example did not answer YES and that the group is seen.
        with open(os.path.join(t, "rules", "90-test-challenge.rules"), "w") as f:
            f.write(f"""polkit.addRule(function(action, subject) {{
    if (action.id.indexOf("{PREFIX}") !== 0)
        return polkit.Result.NOT_HANDLED;
    if (action.id === "{PREFIX}dynamic-debug" && !subject.isInGroup("{TEST_GROUP}"))
        return polkit.Result.NO;
    return polkit.Result.AUTH_ADMIN;
}});
""")
        for name in os.listdir(os.path.join(t, "rules")):
            os.chmod(os.path.join(t, "rules", name), 0o644)

        with open("/etc/group") as src, open(os.path.join(t, "group"), "w") as dst:
            groups = src.read()
            if re.search(rf"^{TEST_GROUP}:", groups, flags=re.M):
                fail(f"group {TEST_GROUP} already exists on this host; remove it")
            dst.write(groups.rstrip("\n") + f"\n{TEST_GROUP}:x:64999:{SUBJECT_USER}\n")
        os.chmod(os.path.join(t, "group"), 0o644)

        self.bus_socket = os.path.join(t, "system_bus_socket")

    def mount(self):
        t = self.tmp
        for src, dst in ((f"{t}/actions", "/usr/share/polkit-1/actions"),
                         (f"{t}/rules", "/etc/polkit-1/rules.d"),
                         (f"{t}/share-rules", "/usr/share/polkit-1/rules.d"),
                         (f"{t}/group", "/etc/group")):
            if not os.path.exists(dst):
                fail(f"{dst} does not exist; is polkitd installed?")
            r = run(["mount", "--bind", src, dst])
            if r.returncode != 0:
                fail(f"cannot bind-mount {src} over {dst}: {r.stderr.strip()}")

    def start(self):
        dbus_daemon = need_tool("dbus-daemon")
        bus = subprocess.Popen([dbus_daemon, "--nofork", "--nopidfile",
                                f"--config-file={BUS_CONF}",
                                f"--address=unix:path={self.bus_socket}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.procs.append(bus)
        wait_for(lambda: os.path.exists(self.bus_socket) or bus.poll() is not None,
                 "the private dbus-daemon")
        if bus.poll() is not None:
            fail(f"dbus-daemon exited with {bus.returncode}: {bus.stderr.read()}")
        os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = f"unix:path={self.bus_socket}"

        polkitd = next((p for p in POLKITD_CANDIDATES if os.access(p, os.X_OK)), None)
        if polkitd is None:
            fail(f"polkitd not found in {POLKITD_CANDIDATES}; install polkitd")
        log = open(self.polkitd_log, "w")
        # Without --no-debug polkitd reports every rule file it compiles.
        pd = subprocess.Popen([polkitd], stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(pd)
        wait_for(lambda: "Acquired the name org.freedesktop.PolicyKit1" in self.log()
                 or pd.poll() is not None, "polkitd to own org.freedesktop.PolicyKit1")
        if pd.poll() is not None:
            fail(f"polkitd exited with {pd.returncode}:\n{self.log()}")
        print(f"ok: real polkitd ({polkitd}) runs on a private system bus; "
              "it said: " + "; ".join(line.strip() for line in self.log().splitlines()[:1]))

    def log(self):
        with open(self.polkitd_log) as f:
            return f.read()

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()

    def as_subject(self):
        return ["setpriv", f"--reuid={self.subject_uid}", f"--regid={self.subject_gid}",
                "--clear-groups"]


def parse_pkaction(text):
    out = {}
    for line in text.splitlines():
        m = re.match(r"\s+implicit (any|inactive|active):\s+(\S+)\s*$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return (out.get("any"), out.get("inactive"), out.get("active"))


def check_rules_compiled(ns):
    log = ns.log()
    # "Error getting login monitor": polkitd found no logind (a container or
    # chroot without systemd); it says nothing about our files.
    errors = [line for line in log.splitlines() if "rror" in line and "login monitor" not in line]
    if errors:
        fail("polkitd reported errors while loading our files:\n" + "\n".join(errors))
    m = re.search(r"Finished loading, compiling and executing (\d+) rules", log)
    if not m:
        fail(f"polkitd did not report loading its rules:\n{log}")
    if int(m.group(1)) != 2:
        fail(f"polkitd compiled {m.group(1)} rule files, expected 2 (the example and "
             f"the test rule):\n{log}")
    print("ok: polkitd compiled the example rule (installed as "
          "/etc/polkit-1/rules.d/50-lockdown-broker-dynamic-debug.rules) without error")


def check_pkaction():
    r = run(["pkaction"])
    if r.returncode != 0:
        fail(f"pkaction failed ({r.returncode}): {r.stderr.strip()}")
    listed = sorted(r.stdout.split())
    if listed != sorted(EXPECTED):
        fail(f"polkitd knows the actions {listed}, expected {sorted(EXPECTED)}; "
             "a missing action means polkitd ignored (part of) the policy file")
    for aid, want in EXPECTED.items():
        r = run(["pkaction", "--action-id", aid, "--verbose"])
        if r.returncode != 0:
            fail(f"pkaction --action-id {aid} failed ({r.returncode}): {r.stderr.strip()}")
        got = parse_pkaction(r.stdout)
        if got != want:
            fail(f"{aid}: polkitd reports implicit (any, inactive, active) {got}, "
                 f"expected {want}:\n{r.stdout}")
        print(f"ok: pkaction {aid}: implicit any={got[0]} inactive={got[1]} active={got[2]}")


def start_subject(ns):
    subject = subprocess.Popen(ns.as_subject() + ["sleep", "300"])
    wait_for(lambda: open(f"/proc/{subject.pid}/comm").read().strip() == "sleep",
             "the subject process")
    return subject


def check_example_rule_scope(ns, subject):
    aid = PREFIX + "dynamic-debug"
    r = run(["pkcheck", "--process", str(subject.pid), "--action-id", aid])
    if r.returncode == 0:
        fail(f"the example rule granted {aid} to {SUBJECT_USER}, who is in group "
             f"{TEST_GROUP} but in no session at all; it must require an active local session")
    if r.returncode == 1:
        fail(f"polkit refused {aid} outright: it did not see {SUBJECT_USER} in group "
             f"{TEST_GROUP}, so this check proves nothing ({r.stderr.strip()})")
    if r.returncode != 2:
        fail(f"pkcheck for {aid} exited with {r.returncode}: {r.stderr.strip()}")
    print(f"ok: the example rule does not grant {aid} to a group member outside an "
          "active local session (polkit fell through to the next rule)")


def agent_message(ns, subject, aid, details):
    """Runs pkttyagent for the subject, asks polkitd, returns the prompt text."""
    registered = f"Registered Authentication Agent for unix-process:{subject.pid}:"
    before = ns.log().count(registered)
    # pkttyagent talks to a terminal: give it one with script(1).
    agent = subprocess.Popen(
        ns.as_subject() + ["script", "-qfec", f"pkttyagent --process {subject.pid}", "/dev/null"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True)
    output = b""
    try:
        wait_for(lambda: ns.log().count(registered) > before or agent.poll() is not None,
                 f"pkttyagent to register for {aid}")
        if agent.poll() is not None:
            fail(f"pkttyagent exited with {agent.returncode}: {agent.stdout.read().decode()}")
        cmd = ["pkcheck", "--process", str(subject.pid), "--action-id", aid,
               "--allow-user-interaction"]
        for k, v in details.items():
            cmd += ["--detail", k, v]
        check = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + TIMEOUT
        while b"Password:" not in output and time.monotonic() < deadline:
            ready, _, _ = select.select([agent.stdout], [], [], 0.2)
            if ready:
                chunk = os.read(agent.stdout.fileno(), 4096)
                if not chunk:
                    break
                output += chunk
    finally:
        if agent.poll() is None:
            os.killpg(agent.pid, signal.SIGTERM)
        agent.wait(timeout=TIMEOUT)
    check.wait(timeout=TIMEOUT)
    if check.returncode == 0:
        fail(f"{aid} was authorized without authentication; the test rule should force a challenge")
    text = re.sub(rb"\x1b\[[0-9;]*m", b"", output).decode(errors="replace").replace("\r", "")
    m = re.search(rf"==== AUTHENTICATING FOR {re.escape(aid)} ====\n(.*?)\nAuthenticating as", text, re.S)
    if not m:
        fail(f"the agent was not asked to authenticate for {aid}; it printed:\n{text}\n"
             f"polkitd log:\n{ns.log()}")
    return " ".join(m.group(1).split())


def check_messages(ns, subject, actions):
    for aid in EXPECTED:
        details = DETAILS.get(aid, {})
        expected = actions[aid]["message"]
        for k, v in details.items():
            expected = expected.replace(f"$({k})", v)
        shown = agent_message(ns, subject, aid, details)
        if shown != expected:
            fail(f"{aid}: the agent showed\n  {shown}\nexpected\n  {expected}")
        if "$(" in shown:
            fail(f"{aid}: the message shown still has an unsubstituted variable: {shown}")
        print(f"ok: the agent prompt for {aid}: {shown}")


def inside(policy, example):
    """Runs in the private mount namespace made by main()."""
    for tool in ("mount", "pkaction", "pkcheck", "pkttyagent", "script", "setpriv"):
        need_tool(tool)
    actions = read_policy(policy)
    tmp = tempfile.mkdtemp(prefix="ldb-polkit-")
    os.chmod(tmp, 0o755)  # polkitd reads as its own user, the subject connects as nobody
    ns = Namespace(policy, example, tmp)
    subject = None
    try:
        ns.mount()
        ns.start()
        check_pkaction()
        check_rules_compiled(ns)
        subject = start_subject(ns)
        check_example_rule_scope(ns, subject)
        check_messages(ns, subject, actions)
        log_errors = [line for line in ns.log().splitlines()
                      if re.search(r"Error (compiling|evaluating|parsing|loading)", line)]
        if log_errors:
            fail("polkitd reported errors:\n" + "\n".join(log_errors))
    finally:
        if subject is not None:
            subject.kill()
            subject.wait()
        ns.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--inside":
        try:
            inside(sys.argv[2], sys.argv[3])
        except TestFailure as e:
            print(f"FAIL: {e}", file=sys.stderr)
            return 1
        print("PASS")
        return 0
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    policy, example = (os.path.abspath(p) for p in sys.argv[1:])
    if os.geteuid() != 0:
        print("FAIL: this test must run as root: it bind-mounts polkit's directories in a "
              "private mount namespace and starts polkitd, which drops to its own user",
              file=sys.stderr)
        return 1
    if shutil.which("unshare") is None:
        print("FAIL: unshare(1) (util-linux) is needed for the private mount namespace",
              file=sys.stderr)
        return 1
    # Private propagation, so no bind mount leaks back to the host.
    return subprocess.call(["unshare", "--mount", "--propagation", "private", "--",
                            sys.executable, os.path.abspath(__file__), "--inside", policy, example])


if __name__ == "__main__":
    sys.exit(main())
