// SPDX-License-Identifier: LGPL-2.1-or-later
#include "exceptions/scopes.hpp"

#include "base/error.hpp"
#include "base/log.hpp"
#include "exceptions/table.hpp"
#include "host/cgroup.hpp"
#include "host/sessions.hpp"
#include "host/systemd_units.hpp"

namespace ldb {

void check_quota(const ExceptionTable& exceptions, uint32_t uid)
{
    size_t held = 0;
    for (const auto& [id, e] : exceptions.all())
        held += e.holder_uid == uid && e.origin == Origin::Request;
    if (held >= kMaxExceptionsPerUser)
        throw Error(ErrorKind::InvalidArgument,
                    "uid " + std::to_string(uid) + " already holds " + std::to_string(held) + " exceptions",
                    "release one first (lockdownctl release ID)");
}

bool is_other_session_of_user(const SessionInfo& s, const SessionInfo& other)
{
    return other.uid == s.uid && other.id != s.id && other.session_class != "manager" &&
           other.session_class != "manager-early";
}

SessionCover session_cgroups(const SessionInfo& s, const std::vector<SessionInfo>& all, UnitDirectory& units)
{
    SessionCover out;
    const auto scope = units.unit(s.scope_unit);
    if (scope.control_group.empty())
        throw Error(ErrorKind::Internal, "session " + s.id + ": " + s.scope_unit + " has no cgroup");
    out.cgroups.push_back(scope.control_group);
    if (s.user_service.empty())
        return out;
    for (const auto& other : all)
        if (is_other_session_of_user(s, other)) {
            log_info("session %s: session %s of uid %u exists too; the exception covers the session scope only, "
                     "not %s",
                     s.id.c_str(), other.id.c_str(), s.uid, s.user_service.c_str());
            out.narrowed = std::string(kNarrowedOtherSession);
            return out;
        }
    try {
        const auto svc = units.unit(s.user_service);
        if (!svc.control_group.empty())
            out.cgroups.push_back(svc.control_group);
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::NotFound)
            throw;
        log_info("session %s: %s is not running; the exception covers the session scope only", s.id.c_str(),
                 s.user_service.c_str());
    }
    return out;
}

Exception requested_exception(std::vector<std::string> reasons, uint32_t uid, const SessionInfo& s,
                              const std::vector<SessionInfo>& all, UnitDirectory& units)
{
    Exception spec;
    spec.reasons = std::move(reasons);
    spec.scope_kind = ScopeKind::Session;
    spec.scope = s.id;
    auto cover = session_cgroups(s, all, units);
    spec.cgroups = std::move(cover.cgroups);
    spec.narrowed = std::move(cover.narrowed);
    spec.holder_uid = uid;
    spec.holder_session = s.id;
    spec.origin = Origin::Request;
    return spec;
}

Exception caller_scope_exception(std::vector<std::string> reasons, uint32_t uid, const std::string& scope,
                                 const SessionInfo& s)
{
    Exception spec;
    spec.reasons = std::move(reasons);
    spec.scope_kind = ScopeKind::Cgroup;
    spec.scope = scope;
    spec.cgroups = {scope};
    spec.holder_uid = uid;
    spec.holder_session = s.id;
    spec.origin = Origin::Request;
    return spec;
}

void check_sole_session(const SessionInfo& s, const std::vector<SessionInfo>& all)
{
    for (const auto& other : all)
        if (is_other_session_of_user(s, other))
            throw Error(ErrorKind::SessionNotEligible,
                        "the calling process is in no login session, and uid " + std::to_string(s.uid) +
                            " has sessions " + s.id + " and " + other.id +
                            ": it cannot be told which one it comes from",
                        "log out of the other session, or ask from a process inside your session with scope=session");
}

std::vector<std::string> user_manager_cgroups(const Exception& e)
{
    const std::string manager = "user@" + std::to_string(e.holder_uid) + ".service";
    std::vector<std::string> out;
    for (const auto& cg : e.cgroups)
        if (unit_of_cgroup(cg) == manager)
            out.push_back(cg);
    return out;
}

size_t withdraw_user_manager(ExceptionTable& exceptions, const SessionInfo& appeared)
{
    std::vector<std::pair<uint64_t, std::vector<std::string>>> todo;
    for (const auto& [id, e] : exceptions.all()) {
        if (e.scope_kind != ScopeKind::Session || e.holder_session.empty())
            continue;
        SessionInfo holder;
        holder.id = e.holder_session;
        holder.uid = e.holder_uid;
        if (!is_other_session_of_user(holder, appeared))
            continue;
        if (auto drop = user_manager_cgroups(e); !drop.empty())
            todo.emplace_back(id, std::move(drop));
    }
    size_t n = 0;
    for (const auto& [id, drop] : todo)
        n += exceptions.narrow(id, drop, kNarrowedOtherSession);
    return n;
}

namespace {

std::vector<std::string> running_unit_cgroup(const std::string& unit, UnitDirectory& units)
{
    const auto st = units.unit(unit);
    if (!st.running || st.control_group.empty())
        throw Error(ErrorKind::InvalidArgument, "unit " + unit + " is not running",
                    "an exception for a unit lasts while it runs; start it first");
    return {st.control_group};
}

} // namespace

Exception granted_exception(std::vector<std::string> reasons, ScopeKind kind, const std::string& scope,
                            uint32_t admin_uid, SessionDirectory& sessions, UnitDirectory& units)
{
    Exception spec;
    spec.reasons = std::move(reasons);
    spec.scope_kind = kind;
    spec.scope = scope;
    spec.holder_uid = admin_uid;
    spec.origin = Origin::Admin;
    switch (kind) {
    case ScopeKind::Unit:
        spec.cgroups = running_unit_cgroup(scope, units);
        break;
    case ScopeKind::Cgroup:
        spec.cgroups = {scope};
        break;
    case ScopeKind::Session: {
        const auto s = sessions.session(scope);
        if (!s)
            throw Error(ErrorKind::NotFound, "no session " + scope);
        if (const auto why = session_ineligibility(*s); !why.empty())
            throw Error(ErrorKind::SessionNotEligible, why);
        auto cover = session_cgroups(*s, sessions.all(), units);
        spec.cgroups = std::move(cover.cgroups);
        spec.narrowed = std::move(cover.narrowed);
        spec.holder_uid = s->uid;
        spec.holder_session = s->id;
        break;
    }
    }
    return spec;
}

} // namespace ldb
