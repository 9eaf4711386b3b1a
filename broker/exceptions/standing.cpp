// SPDX-License-Identifier: LGPL-2.1-or-later
#include "exceptions/standing.hpp"

#include <algorithm>

#include "base/error.hpp"
#include "base/ini.hpp"
#include "base/log.hpp"
#include "exceptions/checks.hpp"
#include "base/text.hpp"

namespace ldb {

namespace {
constexpr uint64_t kStandingSeconds = kMaxSecondsCeiling; // renewed while the unit runs
}

StandingExceptions::StandingExceptions(std::vector<StandingRule> rules, ExceptionTable& grants, UnitDirectory& units,
                                       const Policy& policy)
    : rules_(std::move(rules)), grants_(grants), units_(units), policy_(policy)
{
}

void StandingExceptions::apply_all()
{
    for (const auto& r : rules_)
        apply(r);
}

void StandingExceptions::unit_changed(const std::string& unit)
{
    for (const auto& r : rules_)
        if (r.unit == unit)
            apply(r);
}

void StandingExceptions::apply(const StandingRule& r)
{
    for (const auto& [id, e] : grants_.all())
        if (e.origin == Origin::Standing && e.scope == r.unit)
            return;
    UnitState st;
    try {
        st = units_.unit(r.unit);
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::NotFound)
            return; // not loaded: it does not run
        throw;
    }
    if (!st.running || st.control_group.empty())
        return;
    std::vector<std::string> locked;
    for (const auto& name : r.reasons)
        if (policy_.action_for(name) != Action::Allow)
            locked.push_back(name);
    if (locked.empty())
        return;
    Exception spec;
    spec.reasons = locked;
    spec.scope_kind = ScopeKind::Unit;
    spec.scope = r.unit;
    spec.cgroups = {st.control_group};
    spec.holder_uid = 0;
    spec.origin = Origin::Standing;
    const auto& e = grants_.add(std::move(spec), kStandingSeconds);
    log_notice("standing exception %016llx from %s: %s may use %s while it runs",
               static_cast<unsigned long long>(e.id), r.file.c_str(), r.unit.c_str(), join(locked).c_str());
}

} // namespace ldb
