// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The exception each scope kind gives, built from logind and systemd as
// they are at the moment of granting, and the per-user quota of requests.
// Callers have decided *whether* (arguments, polkit); this says *what*.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "exceptions/exception.hpp"

namespace ldb {

class ExceptionTable;
class SessionDirectory;
class UnitDirectory;
struct SessionInfo;

// How many requested exceptions one uid may hold at once.
inline constexpr size_t kMaxExceptionsPerUser = 16;

// Throws ldb::Error (InvalidArgument) when `uid` already holds
// kMaxExceptionsPerUser exceptions it requested.
void check_quota(const ExceptionTable& exceptions, uint32_t uid);

// What a session's exception covers: its scope unit's cgroup, and that of
// the user's service manager (desktop components and apps run there) when
// it runs.
std::vector<std::string> session_cgroups(const SessionInfo& s, UnitDirectory& units);

// A user's request for their own session `s`, which the caller found
// eligible.
Exception requested_exception(std::vector<std::string> reasons, uint32_t uid, const SessionInfo& s,
                              UnitDirectory& units);

// An administrator's (`admin_uid`) grant to `scope`: a unit while it runs, a
// cgroup, or an eligible session (then held by the session's user). Throws
// ldb::Error when the unit does not run or the session is gone or not
// eligible.
Exception granted_exception(std::vector<std::string> reasons, ScopeKind kind, const std::string& scope,
                            uint32_t admin_uid, SessionDirectory& sessions, UnitDirectory& units);

} // namespace ldb
