// SPDX-License-Identifier: LGPL-2.1-or-later
// The hibernation methods of org.freedesktop.LockdownBroker1: Hibernate()
// for the person at the machine (the gate checked before polkit and again
// after, then logind asked), BeginHibernation() for lockdown-hibernate run
// by the sleep unit.
#include "base/error.hpp"
#include "base/log.hpp"
#include "bus/authorize.hpp"
#include "bus/replying.hpp"
#include "bus/service.hpp"
#include "exceptions/checks.hpp"
#include "hibernation/gate.hpp"

namespace ldb {

namespace {

void require_hibernation(HibernationGate& gate)
{
    // Cheap and decisive: no prompt for what would be refused anyway.
    if (const auto& st = gate.refresh(); st.can_hibernate != CanHibernate::Yes)
        throw Error(ErrorKind::Refused, "hibernation is refused: " + st.blocker);
}

} // namespace

void BusService::Hibernate(sdbus::Result<>&& result, std::map<std::string, sdbus::Variant> options)
{
    replying(result, [&] {
        check_option_keys(option_keys(options), {});
        authorizer_->run<sdbus::Result<>>(
            std::move(result), {Guarded::Hibernate, caller(), {}},
            [this] { return PolkitDetails{{"swap", d_.hibernation.state().verdict.swap}}; },
            [this](Stage, const GuardedCall&) { require_hibernation(d_.hibernation); },
            [this](sdbus::Result<>& r, const GuardedCall& call) {
                log_info("hibernation requested by session %s: asking logind", call.session->id.c_str());
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
        const std::string unit = unit_of(c);
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

} // namespace ldb
