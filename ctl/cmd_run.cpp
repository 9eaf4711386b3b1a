// SPDX-License-Identifier: LGPL-2.1-or-later
// lockdownctl run REASON... [--for DURATION] -- COMMAND [ARGS]: the
// narrowest exception. This process moves into a new scope of the user's
// manager, asks for an exception that covers that scope only
// (RequestException scope=caller), runs COMMAND there, and releases the
// exception when COMMAND exits. The broker also ends it when the scope
// empties, so a lockdownctl killed with COMMAND leaves nothing behind.

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <map>
#include <sys/wait.h>
#include <unistd.h>

#include <sdbus-c++/Error.h>

#include "base/bus_names.hpp"
#include "base/i18n.hpp"
#include "broker_client.hpp"
#include "lockdownctl.hpp"
#include "output.hpp"
#include "user_scope.hpp"

namespace ldctl {

namespace {

volatile sig_atomic_t g_child = 0;

void forward(int sig)
{
    if (g_child > 0)
        ::kill(static_cast<pid_t>(g_child), sig);
}

// The signals the parent handles, and their dispositions before.
struct Dispositions {
    struct sigaction int_, quit, term, hup;
};

Dispositions take_signals()
{
    Dispositions old{};
    struct sigaction ignore{}, fwd{};
    ignore.sa_handler = SIG_IGN;
    fwd.sa_handler = forward;
    sigemptyset(&fwd.sa_mask);
    fwd.sa_flags = SA_RESTART;
    // As a shell does for a foreground job: ^C and ^\ reach the command
    // (same process group); we stay to release the exception.
    sigaction(SIGINT, &ignore, &old.int_);
    sigaction(SIGQUIT, &ignore, &old.quit);
    sigaction(SIGTERM, &fwd, &old.term);
    sigaction(SIGHUP, &fwd, &old.hup);
    return old;
}

[[noreturn]] void exec_command(const std::vector<std::string>& argv, const Dispositions& old)
{
    sigaction(SIGINT, &old.int_, nullptr);
    sigaction(SIGQUIT, &old.quit, nullptr);
    sigaction(SIGTERM, &old.term, nullptr);
    sigaction(SIGHUP, &old.hup, nullptr);
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    const int err = errno;
    std::fprintf(stderr, "lockdownctl: %s\n", ldb::fill(_("cannot run '%s': %s"), {args[0], std::strerror(err)}).c_str());
    ::_exit(err == ENOENT ? 127 : 126);
}

// The child's status as a shell reports it.
int exit_status_of(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return ExitFailure;
}

int run_child(const std::vector<std::string>& argv)
{
    std::fflush(nullptr);
    const Dispositions old = take_signals();
    const pid_t pid = ::fork();
    if (pid < 0)
        throw Failure(ExitFailure, ldb::fill(_("cannot fork: %s"), {std::strerror(errno)}));
    if (pid == 0)
        exec_command(argv, old);
    g_child = pid;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            throw Failure(ExitFailure, ldb::fill(_("waiting for the command: %s"), {std::strerror(errno)}));
    }
    g_child = 0;
    return exit_status_of(status);
}

// Ends the exception; one that ended already (the scope emptied, the session
// locked, its time ran out) is fine.
void release_quietly(BrokerClient& broker, uint64_t id)
{
    try {
        broker.release(id);
    } catch (const sdbus::Error& e) {
        if (e.getName() == std::string(ldb::bus_names::kErrorPrefix) + "NotFound")
            return;
        std::fprintf(stderr, "lockdownctl: %s\n",
                     ldb::fill(_("could not release exception %s: %s (it ends anyway when this scope is empty)"),
                               {format_id(id), e.getMessage()})
                         .c_str());
    }
}

} // namespace

int cmd_run(const Options& o)
{
    const auto reasons = reason_args(o.args);
    auto conn = connect_system_bus();
    BrokerClient broker(*conn, o.ask_password);
    const std::string scope = enter_new_user_scope("lockdownctl run " + o.exec_argv.front());
    const uint64_t id = broker.request(reasons, o.seconds, {{"scope", sdbus::Variant(std::string("caller"))}});
    if (isatty(STDERR_FILENO))
        // TRANSLATORS: an id, a scope unit ("lockdown-run-….scope") and a duration ("15min").
        std::fprintf(stderr, "%s\n",
                     ldb::fill(_("Exception %s granted to %s for at most %s, while the command runs."),
                               {format_id(id), scope, format_duration(o.seconds)})
                         .c_str());
    const int status = run_child(o.exec_argv);
    release_quietly(broker, id);
    return status;
}

} // namespace ldctl
