// SPDX-License-Identifier: LGPL-2.1-or-later
// The exception methods of org.freedesktop.LockdownBroker1: the arguments
// checked, polkit asked through the Authorizer, and the exception built by
// exceptions/scopes and added to the table.
#include "base/error.hpp"
#include "base/text.hpp"
#include "bus/authorize.hpp"
#include "bus/caller.hpp"
#include "bus/replying.hpp"
#include "bus/service.hpp"
#include "config/config.hpp"
#include "exceptions/checks.hpp"
#include "exceptions/scopes.hpp"
#include "exceptions/table.hpp"

namespace ldb {

namespace {

// A string option's value, `fallback` when absent.
std::string string_option(const std::map<std::string, sdbus::Variant>& options, const std::string& key,
                          std::string fallback)
{
    auto it = options.find(key);
    if (it == options.end())
        return fallback;
    if (!it->second.containsValueOfType<std::string>())
        throw Error(ErrorKind::InvalidArgument, "the option \"" + key + "\" must be a string");
    return it->second.get<std::string>();
}

} // namespace

void BusService::RequestException(sdbus::Result<uint64_t>&& result, std::vector<std::string> reasons, uint64_t seconds,
                                  std::map<std::string, sdbus::Variant> options)
{
    replying(result, [&] {
        check_reasons(reasons, d_.reasons, d_.policy);
        check_requestable(reasons, d_.reasons);
        check_seconds(seconds, d_.config.exceptions.max_seconds);
        check_option_keys(option_keys(options), {"scope"});
        const RequestScope scope = parse_request_scope(string_option(options, "scope", "session"));
        GuardedCall call{Guarded::RequestException, caller(), {}};
        std::string cgroup;
        if (scope == RequestScope::Caller) {
            cgroup = cgroup_of(call.caller);
            check_caller_scope(cgroup, call.caller.uid);
            call.display_fallback = true;
        } else if (in_user_manager(cgroup_of(call.caller), call.caller.uid)) {
            // A user service (the session agent is one) is in no session:
            // it asks for the user's display session, the one polkit
            // attributes it to, and only while that is the user's only one.
            call.display_fallback = true;
        }
        authorizer_->run<sdbus::Result<uint64_t>>(
            std::move(result), std::move(call),
            [&] {
                PolkitDetails details{{"reasons", join(reasons, ",")}, {"seconds", std::to_string(seconds)}};
                if (scope == RequestScope::Caller)
                    details["scope"] = "caller";
                return details;
            },
            [this, cgroup](Stage stage, const GuardedCall& call) {
                if (stage == Stage::BeforePolkit)
                    check_quota(d_.exceptions, call.caller.uid);
                // The prompt may take minutes: the caller must still be where
                // it was when it asked.
                if (stage == Stage::AfterPolkit && !cgroup.empty() && cgroup_of(call.caller) != cgroup)
                    throw Error(ErrorKind::InvalidArgument,
                                "the calling process left " + cgroup + " while authorizing; nothing was granted");
                if (call.via_display)
                    check_sole_session(*call.session, d_.sessions.all());
            },
            [this, reasons, seconds, cgroup](sdbus::Result<uint64_t>& r, const GuardedCall& call) {
                Exception spec = cgroup.empty()
                                     ? requested_exception(reasons, call.caller.uid, *call.session, d_.sessions.all(),
                                                           d_.units)
                                     : caller_scope_exception(reasons, call.caller.uid, cgroup, *call.session);
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
        if (!holds(caller(), *e, d_.sessions))
            throw Error(ErrorKind::NotAuthorized, "exception " + hex_id(id) + " is not yours to release",
                        "only its holder can release it; administrators can revoke it");
        d_.exceptions.remove(id, RevokeWhy::Released);
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
        const ScopeKind kind = check_scope(scope_kind, scope);
        authorizer_->run<sdbus::Result<uint64_t>>(
            std::move(result), {Guarded::GrantException, caller(), {}},
            [&] {
                return PolkitDetails{{"reasons", join(reasons, ",")},
                                     {"seconds", std::to_string(seconds)},
                                     {"scope_kind", scope_kind},
                                     {"scope", scope}};
            },
            {},
            [this, reasons, seconds, kind, scope](sdbus::Result<uint64_t>& r, const GuardedCall& call) {
                Exception spec = granted_exception(reasons, kind, scope, call.caller.uid, d_.sessions, d_.units);
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
        if (holds(c, *e, d_.sessions)) {
            d_.exceptions.remove(id, RevokeWhy::Revoked);
            result.returnResults();
            return;
        }
        authorizer_->run<sdbus::Result<>>(
            std::move(result), {Guarded::RevokeException, c, {}},
            [id] { return PolkitDetails{{"exception", hex_id(id)}}; }, {},
            [this, id](sdbus::Result<>& r, const GuardedCall&) {
                if (!d_.exceptions.remove(id, RevokeWhy::Revoked))
                    throw Error(ErrorKind::NotFound, "exception " + hex_id(id) + " already ended");
                r.returnResults();
            });
    });
}

ExceptionRows BusService::ListExceptions()
{
    return Exceptions();
}

} // namespace ldb
