// SPDX-License-Identifier: LGPL-2.1-or-later
#include "bus/authorize.hpp"

#include "base/log.hpp"

namespace ldb {

namespace {

constexpr std::pair<Guarded, Guard> kGuards[] = {
    {Guarded::RequestException, {"RequestException", action::kRequestException, true}},
    {Guarded::GrantException, {"GrantException", action::kManage, false}},
    {Guarded::RevokeException, {"RevokeException", action::kManage, false}},
    {Guarded::Hibernate, {"Hibernate", action::kHibernate, true}},
    {Guarded::SetDebug, {"SetDebug", action::kDynamicDebug, true}},
};

// The session `id` as it is now, still eligible.
SessionInfo session_again(SessionDirectory& sessions, const std::string& id)
{
    const auto now = sessions.session(id);
    if (!now)
        throw Error(ErrorKind::NoSession, "session " + id + " ended while authorizing");
    if (const auto why = session_ineligibility(*now); !why.empty())
        throw Error(ErrorKind::SessionNotEligible, why + " (it changed while authorizing)");
    return *now;
}

} // namespace

const Guard& guard_of(Guarded m)
{
    for (const auto& [method, guard] : kGuards)
        if (method == m)
            return guard;
    throw Error(ErrorKind::Internal, "no polkit action for method " + std::to_string(static_cast<int>(m)));
}

void Authorizer::precondition(Stage stage, GuardedCall& call, const Condition& extra) const
{
    if (guard_of(call.method).session_bound) {
        if (stage == Stage::BeforePolkit) {
            call.via_display = call.display_fallback && !sessions_.session_of_pid(call.caller.pid);
            call.session = eligible_session(call.caller, sessions_, call.display_fallback);
        }
        else
            call.session = session_again(sessions_, call.session.value().id);
    }
    if (extra)
        extra(stage, call);
}

void Authorizer::cancel_of(const std::string& sender)
{
    for (auto it = pending_.begin(); it != pending_.end();) {
        if (it->second.sender != sender) {
            ++it;
            continue;
        }
        log_info("caller %s disconnected while polkit was deciding; cancelled, nothing granted", sender.c_str());
        authority_.cancel(it->second.handle);
        it = pending_.erase(it);
    }
}

} // namespace ldb
