// SPDX-License-Identifier: LGPL-2.1-or-later
#include "enforcement/policy_order.hpp"

#include "enforcement/reasons.hpp"

namespace ldb {

int strictness(unsigned char action) noexcept
{
    switch (action) {
    case LD_ACTION_ALLOW:
        return 0;
    case LD_ACTION_AUDIT:
        return 1;
    default:
        return 2; // LD_ACTION_DENY, and whatever else the program reads as deny
    }
}

const char* action_word(unsigned char action) noexcept
{
    static const char* const words[] = {"allow", "audit", "deny"};
    return words[strictness(action)];
}

PolicyComparison compare_policies(const ActionTable& active, const ActionTable& proposed)
{
    PolicyComparison c;
    for (uint32_t r = 0; r < active.size(); r++) {
        const int was = strictness(active[r]), now = strictness(proposed[r]);
        if (now < was)
            c.looser.push_back({r, active[r], proposed[r]});
        else if (now > was)
            c.tighter.push_back({r, active[r], proposed[r]});
    }
    return c;
}

std::string describe(const ReasonChange& c, const ReasonCatalog& catalog)
{
    return catalog.name_of(c.reason) + " (" + action_word(c.from) + " -> " + action_word(c.to) + ")";
}

std::string reason_names(const std::vector<ReasonChange>& changes, const ReasonCatalog& catalog)
{
    std::string out;
    for (const auto& c : changes)
        out += (out.empty() ? "" : ",") + catalog.name_of(c.reason);
    return out;
}

} // namespace ldb
