// SPDX-License-Identifier: LGPL-2.1-or-later
// lockdownctl: the command line, the dispatch to one subcommand, and the
// translation of every failure into a message, a hint and an exit code.

#include <cstdio>
#include <cstring>
#include <getopt.h>
#include <string>

#include <sdbus-c++/Error.h>

#include "base/i18n.hpp"
#include "errors.hpp"
#include "lockdownctl.hpp"
#include "output.hpp"

#ifndef LDB_VERSION
#define LDB_VERSION "0"
#endif

namespace ldctl {

namespace {

void usage(FILE* f)
{
    // TRANSLATORS: keep the command and option names; align the descriptions.
    std::fputs(_("Usage: lockdownctl [OPTIONS] COMMAND ...\n"
               "\n"
               "Ask lockdown-brokerd for exceptions to kernel lockdown, and watch it.\n"
               "\n"
               "Commands:\n"
               "  run REASON... -- COMMAND [ARGS]\n"
               "                              run COMMAND with REASONs lifted for it alone:\n"
               "                              in a new scope, until it exits (recommended)\n"
               "  request REASON...           let this login session use REASONs (its scope;\n"
               "                              your user manager while it is your only session)\n"
               "  status                      show the broker's state and any notice\n"
               "  reasons                     list the lockdown reasons and their actions\n"
               "  exceptions, list            list the active exceptions\n"
               "  release ID                  end an exception you requested\n"
               "  revoke ID                   end any exception (administrators)\n"
               "  grant REASON... SCOPE       give an exception to a unit, cgroup or\n"
               "                              session (administrators)\n"
               "  monitor                     print denials and exception changes live\n"
               "  hibernate                   hibernate, if the image would be protected\n"
               "  hibernate --check           say whether hibernation is possible, and why not\n"
               "  debug enable MATCH...       turn dynamic debug messages on for this session,\n"
               "                              e.g. 'debug enable module virtio_net'\n"
               "  debug disable MATCH...      turn them off\n"
               "  debug set QUERY             apply a whole query, e.g. 'module m =pf'\n"
               "  debug list [MATCH...]       list dynamic debug callsites\n"
               "  debug reset                 put back what this session changed\n"
               "\n"
               "Options:\n"
               "  --for DURATION              how long the exception lasts at most (run,\n"
               "                              request, grant),\n"
               "                              e.g. 90s, 15min, 2h, 1h30min; default 15min\n"
               "  --unit UNIT                 grant: to a systemd unit\n"
               "  --cgroup PATH               grant: to a cgroup below the cgroup2 root\n"
               "  --session ID                grant: to a logind session\n"
               "  --check                     hibernate: only check, do not hibernate\n"
               "  --flags LETTERS             debug enable/disable: the flags (default p)\n"
               "  --json                      machine-readable output\n"
               "  --no-ask-password           do not ask for a password (polkit)\n"
               "  -h, --help                  show this help\n"
               "  --version                   show the version\n"
               "\n"
               "See lockdownctl(1) for exit codes and examples.\n"),
               f);
}

enum LongOpt { OptJson = 256, OptNoAsk, OptVersion, OptFor, OptUnit, OptCgroup, OptSession, OptNames, OptIds, OptCheck, OptFlags };

const option long_options[] = {
    {"json", no_argument, nullptr, OptJson},
    {"no-ask-password", no_argument, nullptr, OptNoAsk},
    {"help", no_argument, nullptr, 'h'},
    {"version", no_argument, nullptr, OptVersion},
    {"for", required_argument, nullptr, OptFor},
    {"unit", required_argument, nullptr, OptUnit},
    {"cgroup", required_argument, nullptr, OptCgroup},
    {"session", required_argument, nullptr, OptSession},
    {"names-only", no_argument, nullptr, OptNames},
    {"ids-only", no_argument, nullptr, OptIds},
    {"check", no_argument, nullptr, OptCheck},
    {"flags", required_argument, nullptr, OptFlags},
    {},
};

struct Command {
    const char* name;
    int (*run)(const Options&);
    size_t min_args, max_args;
    const char* args_usage;
};

constexpr size_t many = SIZE_MAX;

const Command commands[] = {
    {"status", cmd_status, 0, 0, "status"},
    {"reasons", cmd_reasons, 0, 0, "reasons"},
    {"exceptions", cmd_exceptions, 0, 0, "exceptions"},
    {"list", cmd_exceptions, 0, 0, "list"},
    {"run", cmd_run, 1, many, "run REASON... [--for DURATION] -- COMMAND [ARGS]"},
    {"request", cmd_request, 1, many, "request REASON... [--for DURATION]"},
    {"release", cmd_release, 1, 1, "release ID"},
    {"revoke", cmd_release, 1, 1, "revoke ID"},
    {"grant", cmd_grant, 1, many, "grant REASON... (--unit UNIT | --cgroup PATH | --session ID) [--for DURATION]"},
    {"monitor", cmd_monitor, 0, 0, "monitor"},
    {"hibernate", cmd_hibernate, 0, 0, "hibernate [--check]"},
    {"debug", cmd_debug, 0, many, "debug enable|disable|set|list|reset ..."},
};

// Sets `o.scope_kind`; a second scope option is a mistake.
void set_scope(Options& o, const char* kind, const char* value)
{
    if (!o.scope_kind.empty())
        throw UsageError(_("give only one of --unit, --cgroup and --session"));
    if (!*value)
        throw UsageError(ldb::fill(_("--%s needs a value"), {kind}));
    o.scope_kind = kind;
    o.scope = value;
}

// What getopt_long found besides Options: --help and --version.
struct Asked {
    bool help = false;
    bool version = false;
};

// Applies one option getopt_long returned.
void apply_option(int c, char** argv, Options& o, Asked& asked)
{
    switch (c) {
    case 'h':
        asked.help = true;
        break;
    case OptVersion:
        asked.version = true;
        break;
    case OptJson:
        o.json = true;
        break;
    case OptNoAsk:
        o.ask_password = false;
        break;
    case OptFor: {
        std::string err;
        const auto s = parse_duration(optarg, err);
        if (!s)
            throw UsageError(err);
        o.seconds = *s;
        o.seconds_given = true;
        break;
    }
    case OptUnit:
        set_scope(o, "unit", optarg);
        break;
    case OptCgroup:
        set_scope(o, "cgroup", optarg);
        break;
    case OptSession:
        set_scope(o, "session", optarg);
        break;
    case OptNames:
        o.names_only = true;
        break;
    case OptIds:
        o.ids_only = true;
        break;
    case OptCheck:
        o.check = true;
        break;
    case OptFlags:
        if (!*optarg)
            throw UsageError(_("--flags needs letters, e.g. --flags pmf"));
        o.debug_flags = optarg;
        break;
    case ':':
        throw UsageError(ldb::fill(_("option '%s' needs a value"), {argv[optind - 1]}));
    default:
        if (optopt && optopt < 256)
            throw UsageError(ldb::fill(_("unknown option '%s'"), {std::string("-") + char(optopt)}));
        throw UsageError(ldb::fill(_("unknown option '%s'"), {argv[optind - 1]}));
    }
}

const Command& find_command(const Options& o)
{
    for (const auto& k : commands)
        if (o.command == k.name)
            return k;
    throw UsageError(ldb::fill(_("unknown command '%s'"), {o.command}),
                     _("the commands are run, status, reasons, exceptions, request, release, revoke, grant, "
                       "monitor, hibernate, debug"));
}

// The number of arguments, and each option only with the commands it applies to.
void check_usage(const Command& cmd, const Options& o)
{
    // TRANSLATORS: %s is the command's synopsis, e.g. "release ID".
    const std::string usage_line = ldb::fill(_("usage: lockdownctl %s"), {cmd.args_usage});
    if (o.args.size() < cmd.min_args)
        throw UsageError(ldb::fill(cmd.max_args == 1 ? _("'%s' needs an exception ID") : _("'%s' needs at least one REASON"),
                                   {o.command}),
                         usage_line);
    if (o.args.size() > cmd.max_args)
        throw UsageError(ldb::fill(_("unexpected argument '%s'"), {o.args[cmd.max_args]}), usage_line);

    const bool takes_duration = o.command == "run" || o.command == "request" || o.command == "grant";
    if (o.seconds_given && !takes_duration)
        throw UsageError(_("--for only applies to run, request and grant"));
    if (o.command == "run" && o.exec_argv.empty())
        throw UsageError(o.dashdash ? _("'run' needs a COMMAND after '--'") : _("'run' needs '--' before the COMMAND"),
                         usage_line);
    if (!o.scope_kind.empty() && o.command != "grant")
        throw UsageError(ldb::fill(_("--%s only applies to grant"), {o.scope_kind}));
    if (o.command == "grant" && o.scope_kind.empty())
        throw UsageError(_("grant needs a scope: --unit UNIT, --cgroup PATH or --session ID"), usage_line);
    if (o.names_only && o.command != "reasons")
        throw UsageError(_("--names-only only applies to reasons"));
    if (o.ids_only && cmd.run != cmd_exceptions)
        throw UsageError(_("--ids-only only applies to exceptions"));
    if (o.check && o.command != "hibernate")
        throw UsageError(_("--check only applies to hibernate"));
    if (o.json && o.command == "hibernate" && !o.check)
        throw UsageError(_("--json only applies to hibernate --check"));
    if (!o.debug_flags.empty() && o.command != "debug")
        throw UsageError(_("--flags only applies to debug enable and debug disable"));
}

// Cuts argv at the first "--": what follows is run's COMMAND, never
// options (getopt would take them, and lose the "--").
int split_dashdash(int argc, char** argv, Options& o)
{
    for (int i = 1; i < argc; i++)
        if (std::strcmp(argv[i], "--") == 0) {
            o.dashdash = true;
            o.exec_argv.assign(argv + i + 1, argv + argc);
            return i;
        }
    return argc;
}

// Returns the command to run, or nullptr when --help or --version was handled.
const Command* parse(int argc, char** argv, Options& o)
{
    argc = split_dashdash(argc, argv, o);
    Asked asked;
    opterr = 0;
    int c;
    // "+" would stop at the first non-option; we want options anywhere.
    while ((c = getopt_long(argc, argv, ":h", long_options, nullptr)) != -1)
        apply_option(c, argv, o, asked);
    if (asked.help) {
        usage(stdout);
        return nullptr;
    }
    if (asked.version) {
        std::puts("lockdownctl " LDB_VERSION);
        return nullptr;
    }
    if (optind >= argc)
        throw UsageError(_("no command given"));
    o.command = argv[optind];
    o.args.assign(argv + optind + 1, argv + argc);
    if (o.command == "help") {
        usage(stdout);
        return nullptr;
    }
    // Elsewhere "--" only ends the options, as it always did.
    if (o.command != "run") {
        o.args.insert(o.args.end(), o.exec_argv.begin(), o.exec_argv.end());
        o.exec_argv.clear();
    }
    const Command& cmd = find_command(o);
    check_usage(cmd, o);
    return &cmd;
}

} // namespace

std::vector<std::string> reason_args(const std::vector<std::string>& args)
{
    std::vector<std::string> out;
    for (const auto& a : args) {
        size_t start = 0;
        while (true) {
            const size_t comma = a.find(',', start);
            std::string name = a.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            if (name.empty())
                throw UsageError(ldb::fill(_("empty reason name in '%s'"), {a}));
            out.push_back(std::move(name));
            if (comma == std::string::npos)
                break;
            start = comma + 1;
        }
    }
    return out;
}

uint64_t id_arg(const std::string& arg)
{
    const auto id = parse_id(arg);
    if (!id)
        throw UsageError(ldb::fill(_("invalid exception id '%s': expected up to 16 hex digits (not 0), as "
                                     "'lockdownctl exceptions' prints them"),
                                   {arg}));
    return *id;
}

} // namespace ldctl

int main(int argc, char** argv)
{
    using namespace ldctl;
    ldb::init_i18n();
    Options o;
    try {
        const Command* cmd = parse(argc, argv, o);
        if (!cmd)
            return ExitOk;
        const int r = cmd->run(o);
        if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
            std::fprintf(stderr, "lockdownctl: %s\n",
                         ldb::fill(_("cannot write the output: %s"), {std::strerror(errno)}).c_str());
            return ExitFailure;
        }
        return r;
    } catch (const UsageError& e) {
        std::fprintf(stderr, "lockdownctl: %s\n", e.what());
        std::fprintf(stderr, _("  hint: %s\n"), e.hint().c_str());
        return ExitUsage;
    } catch (const Failure& e) {
        std::fprintf(stderr, "lockdownctl: %s\n", e.what());
        if (!e.hint().empty())
            std::fprintf(stderr, _("  hint: %s\n"), e.hint().c_str());
        return e.exit_code();
    } catch (const sdbus::Error& e) {
        const Failure f = bus_failure(e, o);
        std::fprintf(stderr, "lockdownctl: %s\n", f.what());
        if (!f.hint().empty())
            std::fprintf(stderr, _("  hint: %s\n"), f.hint().c_str());
        return f.exit_code();
    }
}
