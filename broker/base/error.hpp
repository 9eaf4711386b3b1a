// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The one error type of the broker. It carries what was being done, why it
// failed, and what the user can do about it, so that the CLI, the journal
// and (later) the D-Bus error all say the same complete thing.

#include <stdexcept>
#include <string>

namespace ldb {

enum class ErrorKind {
    Config,        // a configuration file is wrong (names file and line)
    Kernel,        // the running kernel cannot do what we need
    Permission,    // we lack a privilege
    NotFound,      // a named thing does not exist
    InvalidArgument,
    NotAuthorized,      // polkit said no, or the caller is not the holder
    NoSession,          // the caller is in no logind session
    SessionNotEligible, // remote, inactive, locked or not a user session
    Refused,            // valid and authorized, but the system's state forbids it (an unprotected hibernation image)
    Internal,
};

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, std::string what, std::string hint = {})
        : std::runtime_error(std::move(what)), kind_(kind), hint_(std::move(hint)) {}

    ErrorKind kind() const noexcept { return kind_; }
    // What the user can do; may be empty.
    const std::string& hint() const noexcept { return hint_; }

private:
    ErrorKind kind_;
    std::string hint_;
};

// An Error from a failed system call: appends strerror(err) to `doing`.
Error errno_error(int err, const std::string& doing, std::string hint = {});

} // namespace ldb
