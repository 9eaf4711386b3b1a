// SPDX-License-Identifier: LGPL-2.1-or-later
#include "exceptions/scopes.hpp"

#include "base/error.hpp"
#include "base/log.hpp"
#include "exceptions/table.hpp"
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

std::vector<std::string> session_cgroups(const SessionInfo& s, UnitDirectory& units)
{
    std::vector<std::string> out;
    const auto scope = units.unit(s.scope_unit);
    if (scope.control_group.empty())
        throw Error(ErrorKind::Internal, "session " + s.id + ": " + s.scope_unit + " has no cgroup");
    out.push_back(scope.control_group);
    if (s.user_service.empty())
        return out;
    try {
        const auto svc = units.unit(s.user_service);
        if (!svc.control_group.empty())
            out.push_back(svc.control_group);
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::NotFound)
            throw;
        log_info("session %s: %s is not running; the exception covers the session scope only", s.id.c_str(),
                 s.user_service.c_str());
    }
    return out;
}

Exception requested_exception(std::vector<std::string> reasons, uint32_t uid, const SessionInfo& s,
                              UnitDirectory& units)
{
    Exception spec;
    spec.reasons = std::move(reasons);
    spec.scope_kind = ScopeKind::Session;
    spec.scope = s.id;
    spec.cgroups = session_cgroups(s, units);
    spec.holder_uid = uid;
    spec.holder_session = s.id;
    spec.origin = Origin::Request;
    return spec;
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
        spec.cgroups = session_cgroups(*s, units);
        spec.holder_uid = s->uid;
        spec.holder_session = s->id;
        break;
    }
    }
    return spec;
}

} // namespace ldb
