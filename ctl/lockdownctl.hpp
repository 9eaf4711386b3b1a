// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// What the subcommands of lockdownctl share: the parsed command line, the
// exit codes, and the two error types that carry an exit code to main().

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace sdbus {
class IConnection;
}

namespace ldctl {

// Exit codes are part of the interface (lockdownctl(1), EXIT STATUS).
enum Exit : int {
    ExitOk = 0,
    ExitFailure = 1,
    ExitUsage = 2,         // bad usage, or the broker said InvalidArgument
    ExitNotAuthorized = 3, // NotAuthorized, NoSession, SessionNotEligible
    ExitNotFound = 4,      // no such exception
    ExitUnreachable = 5,   // no system bus, or no broker on it
    ExitCancelled = 6,
    ExitRefused = 7,       // valid and authorized, but refused by the system's state (hibernation)
};

struct Options {
    std::string command;
    std::vector<std::string> args;
    bool json = false;
    bool ask_password = true;
    bool names_only = false; // reasons --names-only
    bool ids_only = false;   // exceptions --ids-only
    bool check = false;      // hibernate --check
    uint64_t seconds = 15 * 60;
    bool seconds_given = false;
    std::string scope_kind; // grant: "unit", "cgroup" or "session"
    std::string scope;
    std::string debug_flags; // debug enable/disable --flags
    bool dashdash = false;               // "--" was given
    std::vector<std::string> exec_argv; // run: COMMAND [ARGS], after "--"
};

// A mistake on the command line, found before anything is sent.
class UsageError : public std::runtime_error {
public:
    explicit UsageError(std::string what, std::string hint = "see 'lockdownctl --help'")
        : std::runtime_error(std::move(what)), hint_(std::move(hint)) {}
    const std::string& hint() const noexcept { return hint_; }

private:
    std::string hint_;
};

// Any other failure: what happened, what to do, and the exit code.
class Failure : public std::runtime_error {
public:
    Failure(int exit_code, std::string what, std::string hint = {})
        : std::runtime_error(std::move(what)), exit_(exit_code), hint_(std::move(hint)) {}
    int exit_code() const noexcept { return exit_; }
    const std::string& hint() const noexcept { return hint_; }

private:
    int exit_;
    std::string hint_;
};

// Opens the system bus (DBUS_SYSTEM_BUS_ADDRESS is honoured); throws a
// Failure with ExitUnreachable when it cannot.
std::unique_ptr<sdbus::IConnection> connect_system_bus();

int cmd_status(const Options& o);
int cmd_reasons(const Options& o);
int cmd_exceptions(const Options& o);
int cmd_request(const Options& o);
int cmd_run(const Options& o);
int cmd_grant(const Options& o);
int cmd_release(const Options& o); // release and revoke
int cmd_monitor(const Options& o);
int cmd_hibernate(const Options& o);
int cmd_debug(const Options& o);

// Reason arguments: each may also be a comma-separated list.
std::vector<std::string> reason_args(const std::vector<std::string>& args);
uint64_t id_arg(const std::string& arg);

} // namespace ldctl
