// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Argument checks for the D-Bus methods, before anything is asked of polkit
// or logind. Each throws ldb::Error (InvalidArgument) naming the bad value.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "enforcement/policy.hpp"
#include "exceptions/exception.hpp"
#include "enforcement/reasons.hpp"

namespace ldb {

inline constexpr size_t kMaxReasonsPerCall = LD_MAX_REASONS;
inline constexpr size_t kMaxNameLength = 255;

// Known, listed once, and locked by policy (deny or audit): an exception for
// an allowed reason would change nothing.
void check_reasons(const std::vector<std::string>& reasons, const ReasonCatalog& catalog, const Policy& policy);
// RequestException: not the pseudo-reasons, which the broker exercises on
// the caller's behalf (dynamic-debug: SetDebug, validated and put back).
void check_requestable(const std::vector<std::string>& reasons, const ReasonCatalog& catalog);
void check_seconds(uint64_t seconds, uint64_t max_seconds);
// Refuses keys not in `known`, so that a misspelt option is not ignored.
void check_option_keys(const std::vector<std::string>& keys, const std::set<std::string>& known);
// `kind` names a scope kind ("unit", "cgroup" or "session") and `scope`
// fits it; returns the kind.
ScopeKind check_scope(const std::string& kind, const std::string& scope);
// RequestException scope=caller: `cgroup` (the caller's own, as
// /proc/PID/cgroup names it) is a scope of the caller's own: its last
// component is a ".scope" that is neither a logind session scope
// ("session-N.scope") nor a manager's "init.scope", and it lies below
// /user.slice/user-UID.slice/ of the caller's `uid`. Throws InvalidArgument
// saying which rule failed.
void check_caller_scope(const std::string& cgroup, uint32_t uid);
// Whether `cgroup` lies inside the user manager of `uid`
// (/user.slice/user-UID.slice/user@UID.service/...): where the session
// agent and other user services run, outside any login session.
bool in_user_manager(const std::string& cgroup, uint32_t uid);
// The value of RequestException's option "scope": "session" or "caller";
// throws InvalidArgument for anything else.
enum class RequestScope { Session, Caller };
RequestScope parse_request_scope(const std::string& value);
// A name systemd could accept as a unit: "name.type", no path separators,
// bounded length.
bool is_valid_unit_name(std::string_view name);

} // namespace ldb
