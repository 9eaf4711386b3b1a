// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hibernation/gate.hpp"

#include <utility>

#include "base/error.hpp"
#include "base/log.hpp"

namespace ldb {

namespace {

// logind's grant is re-added when it runs out; it ends earlier whenever
// the conditions do.
constexpr uint64_t kLogindGrantSeconds = 24 * 3600;
// Enough for the helper to reach /dev/snapshot; the kernel checks only the
// open. The grant also ends when the unit stops, or at the resume.
constexpr uint64_t kSleepGrantSeconds = 300;

constexpr std::pair<CanHibernate, std::string_view> kCanHibernate[] = {
    {CanHibernate::Yes, "yes"},
    {CanHibernate::Na, "na"},
};

bool is_hibernation_grant(const Exception& e, const char* unit)
{
    return e.origin == Origin::Hibernation && e.scope_kind == ScopeKind::Unit && e.scope == unit;
}

// The hibernation reason for the running unit `unit`'s cgroup.
const Exception& grant_unit(ExceptionTable& grants, UnitDirectory& units, const std::string& unit, uint64_t seconds)
{
    const auto u = units.unit(unit);
    if (!u.running || u.control_group.empty())
        throw Error(ErrorKind::Kernel, unit + " is not running, so it cannot be let to hibernate");
    Exception spec;
    spec.reasons = {"hibernation"};
    spec.scope_kind = ScopeKind::Unit;
    spec.scope = unit;
    spec.cgroups = {u.control_group};
    spec.holder_uid = 0;
    spec.origin = Origin::Hibernation;
    // lockdown-hibernate renews the swap header after the resume, before the
    // thaw, while the broker is still frozen and however long the machine was
    // off (see Exception::kernel_lease). logind's grant keeps its lease.
    spec.kernel_lease = unit == kLogindUnit;
    // logind offers Hibernate; only the sleep unit opens /dev/snapshot and
    // writes /sys/power.
    spec.view_only = unit == kLogindUnit;
    return grants.add(std::move(spec), seconds);
}

} // namespace

std::string_view to_string(CanHibernate c)
{
    for (const auto& [v, name] : kCanHibernate)
        if (v == c)
            return name;
    return "na";
}

std::optional<CanHibernate> parse_can_hibernate(std::string_view s)
{
    for (const auto& [v, name] : kCanHibernate)
        if (name == s)
            return v;
    return std::nullopt;
}

bool is_local_active_user(const SessionInfo& s)
{
    return s.active && !s.remote && s.session_class == "user";
}

HibernationState HibernationGate::evaluate()
{
    HibernationState st;
    st.verdict = d_.check();
    if (!st.verdict.allowed()) {
        st.blocker = st.verdict.blocker;
        st.blocker_code = st.verdict.blocker_code;
        st.blocker_device = st.verdict.blocker_device;
        return st;
    }
    bool someone = false;
    try {
        for (const auto& s : d_.sessions.all())
            someone = someone || is_local_active_user(s);
    } catch (const Error& e) {
        st.blocker = std::string("cannot ask logind for the sessions: ") + e.what();
        st.blocker_code = "logind-unreachable";
        return st;
    }
    if (!someone) {
        st.blocker = "nobody is logged in at the machine: hibernation needs an active local session";
        st.blocker_code = "no-active-session";
        return st;
    }
    st.can_hibernate = CanHibernate::Yes;
    return st;
}

void HibernationGate::keep_logind_grant(bool wanted)
{
    const Exception* have = nullptr;
    for (const auto& [id, e] : d_.grants.all())
        if (is_hibernation_grant(e, kLogindUnit))
            have = &e;
    if (!wanted) {
        if (have)
            d_.grants.remove_if([](const Exception& e) { return is_hibernation_grant(e, kLogindUnit); },
                                RevokeWhy::HibernationBlocked);
        return;
    }
    if (!have)
        grant_unit(d_.grants, d_.units, kLogindUnit, kLogindGrantSeconds);
}

const HibernationState& HibernationGate::refresh()
{
    HibernationState next = evaluate();
    try {
        keep_logind_grant(next.can_hibernate == CanHibernate::Yes);
    } catch (const Error& e) {
        next.can_hibernate = CanHibernate::Na;
        next.blocker = e.what();
        next.blocker_code = "grant-failed";
        next.blocker_device.clear();
        log_error("hibernation: %s", e.what());
    }
    const bool changed = !evaluated_ || !next.same_as(state_);
    evaluated_ = true;
    state_ = std::move(next);
    if (changed) {
        log_info("hibernation: CanHibernate=%s%s%s", to_string(state_.can_hibernate).data(), state_.blocker.empty() ? "" : ": ",
                 state_.blocker.c_str());
        if (d_.changed)
            d_.changed(state_);
    }
    return state_;
}

const Exception& HibernationGate::begin(const std::string& unit)
{
    const auto& st = refresh();
    if (st.can_hibernate != CanHibernate::Yes)
        throw Error(ErrorKind::Refused, "hibernation is refused: " + st.blocker);
    const Exception* granted = nullptr;
    for (const auto& [id, e] : d_.grants.all())
        if (is_hibernation_grant(e, unit.c_str())) {
            granted = &e;
            break;
        }
    const Exception& e = granted ? *granted : grant_unit(d_.grants, d_.units, unit, kSleepGrantSeconds);
    if (d_.began)
        d_.began();
    return e;
}

void HibernationGate::resumed()
{
    d_.grants.remove_if([](const Exception& e) { return e.origin == Origin::Hibernation && e.scope != kLogindUnit; },
                        RevokeWhy::Resumed);
}

} // namespace ldb
