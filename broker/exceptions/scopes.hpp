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

// Whether `other` is another session of `s`'s user, one that reaches the
// user's service manager too: any class and state (a closing session's
// leftover processes can still talk to the manager), except the manager's
// own logind session (class "manager", systemd 256 and later).
bool is_other_session_of_user(const SessionInfo& s, const SessionInfo& other);

// What a session's exception covers: its scope unit's cgroup, and that of
// the user's service manager (desktop components and apps run there) when
// it runs and `s` is the user's only session in `all`. Otherwise `narrowed`
// says why the manager is left out ("other-session").
struct SessionCover {
    std::vector<std::string> cgroups;
    std::string narrowed;
};
SessionCover session_cgroups(const SessionInfo& s, const std::vector<SessionInfo>& all, UnitDirectory& units);

// A user's request for their own session `s`, which the caller found
// eligible; `all` is every session logind knows now.
Exception requested_exception(std::vector<std::string> reasons, uint32_t uid, const SessionInfo& s,
                              const std::vector<SessionInfo>& all, UnitDirectory& units);

// A user's request for the scope they call from (RequestException
// scope=caller): the cgroup `scope` only, which check_caller_scope()
// accepted, bound to the session `s` it is attributed to.
Exception caller_scope_exception(std::vector<std::string> reasons, uint32_t uid, const std::string& scope,
                                 const SessionInfo& s);

// A caller outside any session (in the user manager) is attributed to the
// user's display session `s`; that holds only while `s` is the user's only
// session in `all`: with another one (a remote login, say) the caller could
// come from either. Throws ldb::Error (SessionNotEligible) otherwise.
void check_sole_session(const SessionInfo& s, const std::vector<SessionInfo>& all);

// The cgroups of `e` that are its holder's service manager
// (user@UID.service), the part that every session of the user reaches.
std::vector<std::string> user_manager_cgroups(const Exception& e);

// Session `appeared` is new: every session exception of its user held by
// another session gives up the user's manager (ExceptionTable::narrow, why
// "other-session"). It does not come back when `appeared` ends: that session
// may have left units (a timer, a socket) in the manager. Returns how many
// exceptions narrowed.
size_t withdraw_user_manager(ExceptionTable& exceptions, const SessionInfo& appeared);

// An administrator's (`admin_uid`) grant to `scope`: a unit while it runs, a
// cgroup, or an eligible session (then held by the session's user). Throws
// ldb::Error when the unit does not run or the session is gone or not
// eligible.
Exception granted_exception(std::vector<std::string> reasons, ScopeKind kind, const std::string& scope,
                            uint32_t admin_uid, SessionDirectory& sessions, UnitDirectory& units);

} // namespace ldb
