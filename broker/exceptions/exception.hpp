// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// What an exception is: which reasons, for whom, until when, and why it
// exists; and why one ends. Each enum has one string table: the words are
// those on the bus, in the journal and in the records, and never change.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/session_change.hpp"

namespace ldb {

// What `Exception::scope` names.
enum class ScopeKind { Session, Unit, Cgroup };
// Who asked: a user for their session, an administrator, an exceptions.d
// rule, or the hibernation gate.
enum class Origin { Request, Admin, Standing, Hibernation };
// Why an exception ended (ExceptionRevoked's `why`, LOCKDOWN_WHY).
enum class RevokeWhy {
    SessionLocked,
    SessionInactive,
    SessionRemoved,
    Expired,
    Released,
    Revoked,
    Resumed,
    UnitStopped,
    Invalid,
    HibernationBlocked,
    ScopeEmpty, // the caller's scope (RequestException scope=caller) emptied or was removed
};

// Why an exception now covers less than it did (ExceptionNarrowed's `why`).
// "other-session": another session of the holder's uid appeared, so the
// user's service manager, which every session of the user reaches, left
// the exception; only the asking session's own scope keeps it.
inline constexpr std::string_view kNarrowedOtherSession = "other-session";

// "session", "unit", "cgroup"
std::string_view to_string(ScopeKind k);
std::optional<ScopeKind> parse_scope_kind(std::string_view s);
// "request", "admin", "standing", "hibernation"
std::string_view to_string(Origin o);
std::optional<Origin> parse_origin(std::string_view s);
// "session-locked", "expired", "hibernation-blocked", ...
std::string_view to_string(RevokeWhy w);
std::optional<RevokeWhy> parse_revoke_why(std::string_view s);

// Why a session's exceptions end when logind reports `c`.
RevokeWhy revoke_why(SessionChange c);

struct Exception {
    uint64_t id = 0;
    std::vector<std::string> reasons; // names, as in the catalogue
    ScopeKind scope_kind = ScopeKind::Session;
    std::string scope;                // session id, unit name or cgroup path
    std::vector<std::string> cgroups; // cgroup2 paths the kernel grant covers
    uint32_t holder_uid = 0;
    std::string holder_session;         // "" when not bound to a session
    uint64_t expires_realtime_usec = 0; // when it ends, for people
    uint64_t expires_boot_ns = 0;       // when it ends, CLOCK_BOOTTIME
    Origin origin = Origin::Request;
    // false: the kernel grant has no lease and the broker alone ends it. Only
    // for the sleep unit's grant: the machine can be off for days between
    // the image and the renewal of the swap header, with the broker frozen,
    // and CLOCK_BOOTTIME counts that time. The unit's cgroup, and so the
    // grant's key, dies with the unit. Not kept in the record: a restarted
    // broker leases it again.
    bool kernel_lease = true;
    // true: the kernel grant answers "may this cgroup hibernate?" but opens
    // none of the files that hibernate or restore (LD_GRANT_VIEW_ONLY).
    // logind's hibernation grant: logind only needs to offer Hibernate. The
    // flag lives in the kernel grant, which keeps it across a restart.
    bool view_only = false;
    // "" or why the exception covers less than it was granted with (then
    // `cgroups` is what it covers now). Kept in the record.
    std::string narrowed;
};

// Whether nobody may move a process into the exception's cgroups from
// outside (LD_GRANT_FENCE_STRICT): session exceptions (the session scope
// and the user's manager), and unit or cgroup exceptions whose unit or last
// path component is a ".scope". Not services: PID 1 starts their processes
// in their cgroup.
bool fence_strict(const Exception& e);

// Whether PID 1 may still move a process into `cgroup`, one of the
// exception's: always under a fence that is not strict, and for a session
// exception's user@UID.service. From a session scope the user's manager
// cannot move a process into user@ (the kernel's delegation check), so
// systemd asks PID 1 (`systemd-run --user --scope`, `lockdownctl run`).
bool fence_admits_pid1(const Exception& e, std::string_view cgroup);

} // namespace ldb
