// SPDX-License-Identifier: LGPL-2.1-or-later
// lockdown-brokerd: wiring only. Parses the command line; --enforce-only
// hands the policy to the enforcer, no command runs the D-Bus service.

#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <getopt.h>
#include <optional>
#include <string>

#include <sdbus-c++/Error.h>

#include "config/config.hpp"
#include "daemon/daemon.hpp"
#include "daemon/enforce_command.hpp"
#include "daemon/reload_command.hpp"
#include "enforcement/enforcer.hpp"
#include "base/error.hpp"
#include "base/i18n.hpp"
#include "enforcement/kernel_env.hpp"
#include "enforcement/policy.hpp"
#include "enforcement/reasons.hpp"
#include "enforcement/report.hpp"

#ifndef LDB_VERSION
#define LDB_VERSION "0"
#endif

namespace {

enum class Command { None, EnforceOnly, CheckConfig, ListReasons, Reload };

struct Options {
    Command cmd = Command::None;
    std::string config_file;
    std::string btf_file;
    bool json = false;
    bool verbose = false;
    bool tighten_only = false; // --enforce-only only
    bool initramfs = false;    // --enforce-only only
    ldb::DaemonOptions daemon;
};

void usage(FILE* f)
{
    // TRANSLATORS: keep the option names and default paths; align the descriptions.
    std::fprintf(f,
                 _("Usage: lockdown-brokerd [OPTIONS] [COMMAND]\n"
                 "\n"
                 "Enforce kernel lockdown per reason with a BPF LSM program, and grant\n"
                 "session-bound exceptions over D-Bus (org.freedesktop.LockdownBroker1).\n"
                 "\n"
                 "Without a command, serve the D-Bus API on the system bus (what\n"
                 "lockdown-broker.service runs).\n"
                 "\n"
                 "Commands:\n"
                 "  --enforce-only     load, attach and pin enforcement with the configured\n"
                 "                     policy, then exit (idempotent; reuses existing pins)\n"
                 "  --tighten-only     with --enforce-only: where enforcement is pinned already\n"
                 "                     (e.g. by the initramfs), no reason loosens: a reason the\n"
                 "                     configuration would loosen keeps its pinned action\n"
                 "  --initramfs        with --enforce-only: run from the initramfs, before the\n"
                 "                     root is mounted: leave the pins' protection to the real\n"
                 "                     root's lockdown-enforce.service (the switch must move /sys)\n"
                 "                     and allow hibernation until then (a resume needs it)\n"
                 "  --check-config     validate the configuration and print the effective policy\n"
                 "  --list-reasons     print the lockdown reasons of the running kernel\n"
                 "  --reload           ask the running daemon ($MAINPID) to reload the policy and\n"
                 "                     wait for its answer (ExecReload= of lockdown-broker.service)\n"
                 "\n"
                 "Options:\n"
                 "  --config FILE      read only FILE instead of broker.conf and its drop-ins\n"
                 "  --btf FILE         read reasons from FILE instead of the running kernel\n"
                 "                     (only with --check-config and --list-reasons)\n"
                 "  --json             machine-readable output\n"
                 "  --pin-dir DIR      BPF pins (default %s)\n"
                 "  --cgroup-root DIR  cgroup2 mount point (default /sys/fs/cgroup)\n"
                 "  --runtime-dir DIR  exception records (default /run/lockdown-broker)\n"
                 "  --exceptions-dir DIR  standing exceptions\n"
                 "                     (default /etc/lockdown-broker/exceptions.d)\n"
                 "  --dynamic-debug-control FILE  for tests: FILE instead of\n"
                 "                     /proc/dynamic_debug/control\n"
                 "  --kernel-lockdown-file FILE  for tests: FILE instead of\n"
                 "                     /sys/kernel/security/lockdown\n"
                 "  --verbose          show libbpf's log\n"
                 "  --version, --help\n"),
                 LD_PIN_DIR);
}

int fail(const ldb::Error& e)
{
    std::fprintf(stderr, "lockdown-brokerd: %s\n", e.what());
    if (!e.hint().empty())
        std::fprintf(stderr, _("  hint: %s\n"), e.hint().c_str());
    return 1;
}

ldb::ReasonCatalog catalog_for(const Options& o)
{
    return o.btf_file.empty() ? ldb::ReasonCatalog::from_running_kernel() : ldb::ReasonCatalog::from_file(o.btf_file);
}

ldb::Config config_for(const Options& o)
{
    return o.config_file.empty() ? ldb::load_config() : ldb::load_config_file(o.config_file);
}

// systemd sets $MAINPID for ExecReload=.
int reload(const Options& o)
{
    ldb::ReloadCommand c;
    c.runtime_dir = o.daemon.runtime_dir;
    const char* pid = std::getenv("MAINPID");
    c.main_pid = pid ? static_cast<pid_t>(std::strtol(pid, nullptr, 10)) : 0;
    return ldb::run_reload_command(c);
}

int enforce_only(const Options& o)
{
    ldb::EnforceCommand c;
    c.config_file = o.config_file;
    c.pins = o.daemon.pins;
    c.runtime_dir = o.daemon.runtime_dir;
    c.json = o.json;
    c.verbose = o.verbose;
    c.tighten_only = o.tighten_only;
    c.initramfs = o.initramfs;
    return ldb::run_enforce_command(c);
}

enum {
    OPT_ENFORCE = 1000, OPT_CHECK, OPT_LIST, OPT_RELOAD, OPT_CONFIG, OPT_BTF, OPT_JSON, OPT_VERBOSE, OPT_VERSION,
    OPT_PIN_DIR, OPT_CGROUP_ROOT, OPT_RUNTIME_DIR, OPT_EXCEPTIONS_DIR, OPT_DYNDBG_CONTROL, OPT_LOCKDOWN_FILE,
    OPT_TIGHTEN_ONLY, OPT_INITRAMFS,
};

const option kLongOptions[] = {
    {"enforce-only", no_argument, nullptr, OPT_ENFORCE}, {"check-config", no_argument, nullptr, OPT_CHECK},
    {"list-reasons", no_argument, nullptr, OPT_LIST},    {"config", required_argument, nullptr, OPT_CONFIG},
    {"reload", no_argument, nullptr, OPT_RELOAD},
    {"tighten-only", no_argument, nullptr, OPT_TIGHTEN_ONLY}, {"initramfs", no_argument, nullptr, OPT_INITRAMFS},
    {"btf", required_argument, nullptr, OPT_BTF},        {"json", no_argument, nullptr, OPT_JSON},
    {"verbose", no_argument, nullptr, OPT_VERBOSE},      {"version", no_argument, nullptr, OPT_VERSION},
    {"pin-dir", required_argument, nullptr, OPT_PIN_DIR},
    {"cgroup-root", required_argument, nullptr, OPT_CGROUP_ROOT},
    {"runtime-dir", required_argument, nullptr, OPT_RUNTIME_DIR},
    {"exceptions-dir", required_argument, nullptr, OPT_EXCEPTIONS_DIR},
    {"dynamic-debug-control", required_argument, nullptr, OPT_DYNDBG_CONTROL},
    {"kernel-lockdown-file", required_argument, nullptr, OPT_LOCKDOWN_FILE},
    {"help", no_argument, nullptr, 'h'},                 {nullptr, 0, nullptr, 0},
};

void set_command(Options& o, Command cmd)
{
    if (o.cmd != Command::None && o.cmd != cmd) {
        std::fprintf(stderr, "lockdown-brokerd: %s\n", _("give only one command"));
        std::exit(2);
    }
    o.cmd = cmd;
}

// Takes one option into `o`; an exit status when it answers the command
// line by itself (--version, --help, a usage error).
std::optional<int> take_option(int c, const char* arg, Options& o)
{
    switch (c) {
    case OPT_ENFORCE:
        set_command(o, Command::EnforceOnly);
        break;
    case OPT_CHECK:
        set_command(o, Command::CheckConfig);
        break;
    case OPT_LIST:
        set_command(o, Command::ListReasons);
        break;
    case OPT_RELOAD:
        set_command(o, Command::Reload);
        break;
    case OPT_CONFIG:
        o.config_file = arg;
        break;
    case OPT_BTF:
        o.btf_file = arg;
        break;
    case OPT_JSON:
        o.json = true;
        break;
    case OPT_VERBOSE:
        o.verbose = true;
        break;
    case OPT_TIGHTEN_ONLY:
        o.tighten_only = true;
        break;
    case OPT_INITRAMFS:
        o.initramfs = true;
        break;
    case OPT_PIN_DIR:
        o.daemon.pins.dir = arg;
        break;
    case OPT_CGROUP_ROOT:
        o.daemon.cgroup_root = arg;
        break;
    case OPT_RUNTIME_DIR:
        o.daemon.runtime_dir = arg;
        break;
    case OPT_EXCEPTIONS_DIR:
        o.daemon.exceptions_dir = arg;
        break;
    case OPT_DYNDBG_CONTROL:
        o.daemon.dynamic_debug_control = arg;
        break;
    case OPT_LOCKDOWN_FILE:
        o.daemon.kernel_lockdown_file = arg;
        break;
    case OPT_VERSION:
        std::printf("lockdown-brokerd %s\n", LDB_VERSION);
        return 0;
    case 'h':
        usage(stdout);
        return 0;
    default:
        usage(stderr);
        return 2;
    }
    return std::nullopt;
}

// Reads the command line into `o`; an exit status when it is answered
// already or wrong.
std::optional<int> parse_command_line(int argc, char** argv, Options& o)
{
    int c;
    while ((c = getopt_long(argc, argv, "h", kLongOptions, nullptr)) != -1)
        if (auto done = take_option(c, optarg, o))
            return done;
    if (optind < argc) {
        std::fprintf(stderr, "lockdown-brokerd: %s\n", ldb::fill(_("unexpected argument '%s'"), {argv[optind]}).c_str());
        return 2;
    }
    if (!o.btf_file.empty() && o.cmd == Command::EnforceOnly) {
        std::fprintf(stderr, "lockdown-brokerd: %s\n",
                     _("--btf cannot be used with --enforce-only: enforcement must use the running kernel's "
                       "reasons"));
        return 2;
    }
    if ((o.tighten_only || o.initramfs) && o.cmd != Command::EnforceOnly) {
        std::fprintf(stderr, "lockdown-brokerd: %s\n", _("--tighten-only and --initramfs go with --enforce-only"));
        return 2;
    }
    return std::nullopt;
}

// EX_CONFIG of sysexits.h.
constexpr int kExitSealedWithoutHandles = 78;

int run_command(Options& o)
{
    switch (o.cmd) {
    case Command::EnforceOnly:
        return enforce_only(o);
    case Command::CheckConfig: {
        const auto cat = catalog_for(o);
        std::fputs(ldb::render_policy(ldb::Policy::build(cat, config_for(o)), cat, o.json).c_str(), stdout);
        return 0;
    }
    case Command::ListReasons:
        std::fputs(ldb::render_reasons(catalog_for(o), o.json).c_str(), stdout);
        return 0;
    case Command::Reload:
        return reload(o);
    case Command::None:
        o.daemon.config_file = o.config_file;
        o.daemon.verbose = o.verbose;
        return ldb::run_daemon(o.daemon);
    }
    return 1;
}

} // namespace

int main(int argc, char** argv)
{
    ldb::init_i18n();
    Options o;
    if (auto done = parse_command_line(argc, argv, o))
        return *done;
    // The service speaks to the journal and over D-Bus, never to a terminal:
    // it stays English (a journal MESSAGE= is translated through the catalog,
    // by MESSAGE_ID=, and clients translate by error name), so back to "C".
    if (o.cmd == Command::None) {
        std::setlocale(LC_CTYPE, "C");
        std::setlocale(LC_MESSAGES, "C");
    }
    try {
        return run_command(o);
    } catch (const ldb::Error& e) {
        const int rc = fail(e);
        // The daemon refused to start: the maps are sealed and it has no
        // handles (handles.cpp). Restarting cannot help until the next boot;
        // the unit's RestartPreventExitStatus= names this status.
        return o.cmd == Command::None && e.kind() == ldb::ErrorKind::Refused ? kExitSealedWithoutHandles : rc;
    } catch (const sdbus::Error& e) {
        std::fprintf(stderr, "lockdown-brokerd: D-Bus: %s (%s)\n", e.getMessage().c_str(), e.getName().c_str());
        return 1;
    }
}
