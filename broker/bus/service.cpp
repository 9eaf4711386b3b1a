// SPDX-License-Identifier: LGPL-2.1-or-later
#include "bus/service.hpp"

#include <systemd/sd-bus.h>

#include "bus/errors.hpp"
#include "host/cgroup.hpp"
#include "bus/replying.hpp"
#include "base/error.hpp"
#include "base/log.hpp"
#include "exceptions/checks.hpp"
#include "base/text.hpp"

#ifndef LDB_VERSION
#define LDB_VERSION "0"
#endif

namespace ldb {

namespace {

constexpr const char* kIface = bus_names::kInterface;

// sdbus-c++ 1.2 does not expose the message header's
// ALLOW_INTERACTIVE_AUTHORIZATION flag. A pointer to the protected member,
// formed inside a derived class, reaches the underlying sd_bus_message
// legally.
struct MessagePeek : sdbus::Message {
    static sd_bus_message* raw(const sdbus::Message& m) { return static_cast<sd_bus_message*>(m.*(&MessagePeek::msg_)); }
};

std::vector<std::string> option_keys(const std::map<std::string, sdbus::Variant>& options)
{
    std::vector<std::string> keys;
    for (const auto& [k, v] : options)
        keys.push_back(k);
    return keys;
}

} // namespace

BusService::BusService(sdbus::IConnection& bus, Deps deps)
    : AdaptorInterfaces(bus, kObjectPath), bus_(bus), d_(std::move(deps))
{
    status_ = d_.probe_status();
    // A caller that goes away while polkit is asking gets nothing.
    name_watch_ = bus_.addMatch(
        "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged'",
        [this](sdbus::Message& m) {
            std::string name, old_owner, new_owner;
            m >> name >> old_owner >> new_owner;
            if (new_owner.empty() && !name.empty() && name[0] == ':')
                cancel_pending_of(name);
        });
    registerAdaptor();
}

BusService::~BusService()
{
    unregisterAdaptor();
}

void BusService::cancel_pending_of(const std::string& bus_name)
{
    for (auto it = pending_.begin(); it != pending_.end();) {
        if (it->second.sender != bus_name) {
            ++it;
            continue;
        }
        log_info("caller %s disconnected while polkit was deciding; cancelled, nothing granted", bus_name.c_str());
        d_.authority.cancel(it->second.handle);
        it = pending_.erase(it);
    }
}

BusService::Caller BusService::caller() const
{
    const sdbus::Message* m = getObject().getCurrentlyProcessedMessage();
    if (!m)
        throw Error(ErrorKind::Internal, "no message being processed");
    Caller c;
    c.sender = m->getSender();
    // Identity as the bus daemon saw it when the caller connected.
    c.uid = m->getCredsUid();
    c.pid = static_cast<uint32_t>(m->getCredsPid());
    c.interactive = sd_bus_message_get_allow_interactive_authorization(MessagePeek::raw(*m)) > 0;
    return c;
}

SessionInfo BusService::caller_session(const Caller& c) const
{
    const auto s = d_.sessions.session_of_pid(c.pid);
    if (!s)
        throw Error(ErrorKind::NoSession, "the calling process (pid " + std::to_string(c.pid) + ") is not part of a login session",
                    "ask from a terminal or application inside your desktop session");
    if (s->uid != c.uid)
        throw Error(ErrorKind::NoSession, "the calling process runs as uid " + std::to_string(c.uid) +
                                              " inside session " + s->id + " of uid " + std::to_string(s->uid),
                    "ask as the user who owns the session");
    if (const auto why = session_ineligibility(*s); !why.empty())
        throw Error(ErrorKind::SessionNotEligible, why);
    return *s;
}

std::vector<std::string> BusService::session_cgroups(const SessionInfo& s) const
{
    std::vector<std::string> out;
    const auto scope = d_.units.unit(s.scope_unit);
    if (scope.control_group.empty())
        throw Error(ErrorKind::Internal, "session " + s.id + ": " + s.scope_unit + " has no cgroup");
    out.push_back(scope.control_group);
    // The user's service manager runs desktop components (and apps) outside
    // the session scope.
    if (!s.user_service.empty()) {
        try {
            const auto svc = d_.units.unit(s.user_service);
            if (!svc.control_group.empty())
                out.push_back(svc.control_group);
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::NotFound)
                throw;
            log_info("session %s: %s is not running; the exception covers the session scope only", s.id.c_str(),
                     s.user_service.c_str());
        }
    }
    return out;
}

bool BusService::is_holder(const Caller& c, const Exception& e) const
{
    if (c.uid != e.holder_uid)
        return false;
    if (e.holder_session.empty())
        return true;
    const auto s = d_.sessions.session_of_pid(c.pid);
    return s && s->id == e.holder_session;
}

template <typename R>
void BusService::authorize(R&& result, const Caller& c, const char* action_id,
                           std::map<std::string, std::string> details, std::function<void(R&)> then)
{
    const uint64_t token = next_token_++;
    auto shared = std::make_shared<R>(std::move(result));
    const std::string action_name = action_id;
    Authority::Handle handle = 0;
    try {
        handle = d_.authority.check(
            c.sender, action_id, details, c.interactive,
            [this, token, shared, then = std::move(then), action_name](AuthResult r, const std::string& detail) {
                pending_.erase(token);
                replying(*shared, [&] {
                    if (r == AuthResult::Failed)
                        throw Error(ErrorKind::Internal, detail);
                    if (r != AuthResult::Authorized)
                        throw Error(ErrorKind::NotAuthorized, detail + " (" + action_name + ")");
                    then(*shared);
                });
            });
    } catch (...) {
        // The result has moved here: answer through it, never through the
        // caller's moved-from one.
        replying(*shared, [] { throw; });
        return;
    }
    pending_[token] = PendingAuth{handle, c.sender};
}

void BusService::RequestException(sdbus::Result<uint64_t>&& result, std::vector<std::string> reasons, uint64_t seconds,
                                  std::map<std::string, sdbus::Variant> options)
{
    replying(result, [&] {
        check_reasons(reasons, d_.reasons, d_.policy);
        check_requestable(reasons, d_.reasons);
        check_seconds(seconds, d_.config.exceptions.max_seconds);
        check_option_keys(option_keys(options), {});
        const Caller c = caller();
        const SessionInfo s = caller_session(c);
        size_t held = 0;
        for (const auto& [id, e] : d_.exceptions.all())
            held += e.holder_uid == c.uid && e.origin == "request";
        if (held >= kMaxExceptionsPerUser)
            throw Error(ErrorKind::InvalidArgument,
                        "uid " + std::to_string(c.uid) + " already holds " + std::to_string(held) + " exceptions",
                        "release one first (lockdownctl release ID)");

        const std::string session_id = s.id;
        authorize<sdbus::Result<uint64_t>>(
            std::move(result), c, action::kRequestException,
            {{"reasons", join(reasons, ",")}, {"seconds", std::to_string(seconds)}},
            [this, reasons, seconds, session_id, c](sdbus::Result<uint64_t>& r) {
                // The prompt may have been open for minutes: look again.
                const auto now = d_.sessions.session(session_id);
                if (!now)
                    throw Error(ErrorKind::NoSession, "session " + session_id + " ended while authorizing");
                if (const auto why = session_ineligibility(*now); !why.empty())
                    throw Error(ErrorKind::SessionNotEligible, why + " (it changed while authorizing)");
                Exception spec;
                spec.reasons = reasons;
                spec.scope_kind = "session";
                spec.scope = session_id;
                spec.cgroups = session_cgroups(*now);
                spec.holder_uid = c.uid;
                spec.holder_session = session_id;
                spec.origin = "request";
                r.returnResults(d_.exceptions.add(std::move(spec), seconds).id);
            });
    });
}

void BusService::ReleaseException(const uint64_t& id)
{
    sync_replying([&] {
        const Exception* e = d_.exceptions.find(id);
        if (!e)
            throw Error(ErrorKind::NotFound, "no exception " + hex_id(id));
        const Caller c = caller();
        if (!is_holder(c, *e))
            throw Error(ErrorKind::NotAuthorized, "exception " + hex_id(id) + " is not yours to release",
                        "only its holder can release it; administrators can revoke it");
        d_.exceptions.remove(id, "released");
    });
}

void BusService::GrantException(sdbus::Result<uint64_t>&& result, std::vector<std::string> reasons,
                                std::string scope_kind, std::string scope, uint64_t seconds,
                                std::map<std::string, sdbus::Variant> options)
{
    replying(result, [&] {
        check_reasons(reasons, d_.reasons, d_.policy);
        check_seconds(seconds, d_.config.exceptions.max_seconds);
        check_option_keys(option_keys(options), {});
        check_scope(scope_kind, scope);
        const Caller c = caller();
        authorize<sdbus::Result<uint64_t>>(
            std::move(result), c, action::kManage,
            {{"reasons", join(reasons, ",")},
             {"seconds", std::to_string(seconds)},
             {"scope_kind", scope_kind},
             {"scope", scope}},
            [this, reasons, seconds, scope_kind, scope, c](sdbus::Result<uint64_t>& r) {
                Exception spec;
                spec.reasons = reasons;
                spec.scope_kind = scope_kind;
                spec.scope = scope;
                spec.holder_uid = c.uid;
                spec.origin = "admin";
                if (scope_kind == "unit") {
                    const auto st = d_.units.unit(scope);
                    if (!st.running || st.control_group.empty())
                        throw Error(ErrorKind::InvalidArgument, "unit " + scope + " is not running",
                                    "an exception for a unit lasts while it runs; start it first");
                    spec.cgroups = {st.control_group};
                } else if (scope_kind == "cgroup") {
                    spec.cgroups = {scope};
                } else {
                    const auto s = d_.sessions.session(scope);
                    if (!s)
                        throw Error(ErrorKind::NotFound, "no session " + scope);
                    if (const auto why = session_ineligibility(*s); !why.empty())
                        throw Error(ErrorKind::SessionNotEligible, why);
                    spec.cgroups = session_cgroups(*s);
                    spec.holder_uid = s->uid;
                    spec.holder_session = s->id;
                }
                r.returnResults(d_.exceptions.add(std::move(spec), seconds).id);
            });
    });
}

void BusService::RevokeException(sdbus::Result<>&& result, uint64_t id)
{
    replying(result, [&] {
        const Exception* e = d_.exceptions.find(id);
        if (!e)
            throw Error(ErrorKind::NotFound, "no exception " + hex_id(id));
        const Caller c = caller();
        if (is_holder(c, *e)) {
            d_.exceptions.remove(id, "revoked");
            result.returnResults();
            return;
        }
        authorize<sdbus::Result<>>(std::move(result), c, action::kManage, {{"exception", hex_id(id)}},
                                   [this, id](sdbus::Result<>& r) {
                                       if (!d_.exceptions.remove(id, "revoked"))
                                           throw Error(ErrorKind::NotFound, "exception " + hex_id(id) + " already ended");
                                       r.returnResults();
                                   });
    });
}

std::vector<sdbus::Struct<uint64_t, std::vector<std::string>, std::string, std::string, uint32_t, std::string, uint64_t,
                          std::string>>
BusService::ListExceptions()
{
    return Exceptions();
}

void BusService::Hibernate(sdbus::Result<>&& result, std::map<std::string, sdbus::Variant> options)
{
    replying(result, [&] {
        check_option_keys(option_keys(options), {});
        const Caller c = caller();
        const SessionInfo s = caller_session(c);
        // Cheap and decisive: no prompt for what would be refused anyway.
        if (const auto& st = d_.hibernation.refresh(); st.can_hibernate != "yes")
            throw Error(ErrorKind::Refused, "hibernation is refused: " + st.blocker);
        authorize<sdbus::Result<>>(
            std::move(result), c, action::kHibernate, {{"swap", d_.hibernation.state().verdict.swap}},
            [this, session_id = s.id](sdbus::Result<>& r) {
                const auto now = d_.sessions.session(session_id);
                if (!now)
                    throw Error(ErrorKind::NoSession, "session " + session_id + " ended while authorizing");
                if (const auto why = session_ineligibility(*now); !why.empty())
                    throw Error(ErrorKind::SessionNotEligible, why + " (it changed while authorizing)");
                if (const auto& st = d_.hibernation.refresh(); st.can_hibernate != "yes")
                    throw Error(ErrorKind::Refused, "hibernation is refused: " + st.blocker);
                log_info("hibernation requested by session %s: asking logind", session_id.c_str());
                auto reply = std::make_shared<sdbus::Result<>>(std::move(r));
                d_.logind_hibernate([reply](const std::string& error) {
                    if (error.empty())
                        reply->returnResults();
                    else
                        reply->returnError(to_bus_error(Error(ErrorKind::Internal, "logind did not hibernate: " + error)));
                });
            });
    });
}

std::tuple<uint64_t, std::string, std::string>
BusService::BeginHibernation(const std::map<std::string, sdbus::Variant>& options)
{
    return sync_replying([&] {
        check_option_keys(option_keys(options), {});
        const Caller c = caller();
        const auto cg = cgroup_of_pid(c.pid);
        const std::string unit = cg ? unit_of_cgroup(*cg) : std::string();
        if (c.uid != 0 || unit != kHibernateUnit)
            throw Error(ErrorKind::NotAuthorized,
                        "BeginHibernation is for lockdown-hibernate, run by systemd-hibernate.service (the caller is "
                        "uid " + std::to_string(c.uid) + " in " + (unit.empty() ? "no unit" : unit) + ")",
                        "to hibernate, call Hibernate() or use the desktop's Hibernate button");
        const Exception& e = d_.hibernation.begin(unit);
        const auto& v = d_.hibernation.state().verdict;
        if (!v.target)
            throw Error(ErrorKind::Internal, "the hibernation check passed without a target device");
        log_info("hibernation: %s may write the image to %s (%s)", unit.c_str(), v.swap.c_str(),
                 to_string(*v.target).c_str());
        return std::tuple<uint64_t, std::string, std::string>(e.id, v.swap, to_string(*v.target));
    });
}

std::string BusService::CanHibernate()
{
    return d_.hibernation.state().can_hibernate;
}

std::string BusService::HibernateBlocker()
{
    return d_.hibernation.state().blocker;
}

void BusService::hibernation_changed()
{
    getObject().emitPropertiesChangedSignal(kIface, {"CanHibernate", "HibernateBlocker"});
}

std::string BusService::Version()
{
    return LDB_VERSION;
}

std::string BusService::KernelLockdown()
{
    return status_.kernel_lockdown;
}

std::string BusService::Mode()
{
    return to_string(d_.config.mode);
}

bool BusService::Enforcing()
{
    return status_.enforcing;
}

std::string BusService::Notice()
{
    return status_.notice;
}

std::vector<sdbus::Struct<std::string, std::string, std::string>> BusService::Reasons()
{
    std::vector<sdbus::Struct<std::string, std::string, std::string>> out;
    for (const auto& e : d_.policy.entries())
        out.emplace_back(e.reason.name, std::string(to_string(e.reason.level)), to_string(e.action));
    return out;
}

std::vector<sdbus::Struct<uint64_t, std::vector<std::string>, std::string, std::string, uint32_t, std::string, uint64_t,
                          std::string>>
BusService::Exceptions()
{
    std::vector<sdbus::Struct<uint64_t, std::vector<std::string>, std::string, std::string, uint32_t, std::string,
                              uint64_t, std::string>>
        out;
    for (const auto& [id, e] : d_.exceptions.all())
        out.emplace_back(id, e.reasons, e.scope_kind, e.scope, e.holder_uid, e.holder_session, e.expires_realtime_usec,
                         e.origin);
    return out;
}

void BusService::exception_granted(const Exception& e)
{
    emitExceptionGranted(e.id, e.reasons, e.scope_kind, e.scope);
    getObject().emitPropertiesChangedSignal(kIface, {"Exceptions"});
}

void BusService::exception_revoked(const Exception& e, const std::string& why)
{
    emitExceptionRevoked(e.id, why);
    getObject().emitPropertiesChangedSignal(kIface, {"Exceptions"});
}

void BusService::denied(const DeniedNotice& n)
{
    emitDenied(n.reason, n.pid, n.comm, n.unit, n.count);
}

void BusService::refresh_status()
{
    const ServiceStatus now = d_.probe_status();
    std::vector<std::string> changed;
    if (now.kernel_lockdown != status_.kernel_lockdown)
        changed.push_back("KernelLockdown");
    if (now.enforcing != status_.enforcing)
        changed.push_back("Enforcing");
    if (now.notice != status_.notice)
        changed.push_back("Notice");
    status_ = now;
    if (!changed.empty())
        getObject().emitPropertiesChangedSignal(kIface, changed);
}

// For the dynamic debug methods, in bus_debug.cpp.
template void BusService::authorize<sdbus::Result<DebugSites>>(sdbus::Result<DebugSites>&&, const Caller&, const char*,
                                                                std::map<std::string, std::string>,
                                                                std::function<void(sdbus::Result<DebugSites>&)>);

} // namespace ldb
