// SPDX-License-Identifier: LGPL-2.1-or-later
#include "enforcement/policy.hpp"

#include <algorithm>

#include "base/i18n.hpp"
#include "base/error.hpp"

namespace ldb {

Action baseline(Mode mode, Level level)
{
    switch (mode) {
    case Mode::None:
        return Action::Allow;
    case Mode::Integrity:
        return level == Level::Integrity ? Action::Deny : Action::Allow;
    case Mode::Confidentiality:
        return Action::Deny;
    }
    return Action::Deny;
}

Policy Policy::build(const ReasonCatalog& catalog, const Config& cfg)
{
    Policy p;
    p.mode_ = cfg.mode;
    for (const auto& r : catalog.all())
        p.entries_.push_back(PolicyEntry{r, baseline(cfg.mode, r.level), "Mode=" + to_string(cfg.mode)});

    for (const auto& a : cfg.assignments) {
        auto it = std::find_if(p.entries_.begin(), p.entries_.end(),
                               [&](const PolicyEntry& e) { return e.reason.name == a.reason; });
        if (it == p.entries_.end()) {
            std::string hint = _("'lockdown-brokerd --list-reasons' shows the reasons of the running kernel");
            if (a.reason.find(',') != std::string::npos)
                hint = _("separate reason names with spaces, not commas");
            throw Error(ErrorKind::Config,
                        at(a.where.file, a.where.line, fill(_("unknown lockdown reason '%s'"), {a.reason})), hint);
        }
        it->action = a.action;
        std::string key = a.action == Action::Allow ? "Allow" : a.action == Action::Deny ? "Deny" : "Audit";
        it->origin = key + "= at " + a.where.file + ":" + std::to_string(a.where.line);
    }
    return p;
}

Action Policy::action_for(std::string_view reason_name) const
{
    for (const auto& e : entries_)
        if (e.reason.name == reason_name)
            return e.action;
    throw Error(ErrorKind::NotFound, "unknown lockdown reason '" + std::string(reason_name) + "'");
}

std::array<unsigned char, LD_MAX_REASONS> Policy::action_table() const
{
    std::array<unsigned char, LD_MAX_REASONS> t{}; // LD_ACTION_DENY
    for (const auto& e : entries_)
        if (e.reason.value < LD_MAX_REASONS)
            t[e.reason.value] = static_cast<unsigned char>(e.action);
    return t;
}

} // namespace ldb
