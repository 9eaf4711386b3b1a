// SPDX-License-Identifier: LGPL-2.1-or-later
#include "daemon/policy_reload.hpp"

#include "base/error.hpp"
#include "base/message_ids.hpp"
#include "base/text.hpp"
#include "config/reload_scope.hpp"
#include "enforcement/reasons.hpp"

namespace ldb {

const char* to_string(ReloadResult r) noexcept
{
    switch (r) {
    case ReloadResult::Applied:
        return "applied";
    case ReloadResult::Unchanged:
        return "unchanged";
    case ReloadResult::Refused:
        return "refused";
    case ReloadResult::Invalid:
        return "invalid";
    case ReloadResult::Failed:
        return "failed";
    }
    return "invalid";
}

namespace {

std::string describe_all(const std::vector<ReasonChange>& changes, const ReasonCatalog& catalog)
{
    std::vector<std::string> parts;
    for (const auto& c : changes)
        parts.push_back(describe(c, catalog));
    return join(parts, ", ");
}

} // namespace

ReloadPlan plan_reload(const ReasonCatalog& catalog, const Config& running, const ActionTable& active,
                       const std::function<Config()>& load)
{
    ReloadPlan plan;
    Config next;
    std::optional<Policy> policy;
    try {
        next = load();
        policy.emplace(Policy::build(catalog, next));
    } catch (const Error& e) {
        plan.message = std::string("the configuration was not reloaded, nothing changed: ") + e.what() +
                       (e.hint().empty() ? "" : " (" + e.hint() + ")");
        return plan;
    }
    plan.comparison = compare_policies(active, policy->action_table());
    if (plan.comparison.loosens()) {
        plan.result = ReloadResult::Refused;
        plan.message = "the new policy loosens " + describe_all(plan.comparison.looser, catalog) +
                       ": it takes effect at the next boot; nothing changed now (a policy may only tighten "
                       "after boot)";
        return plan;
    }
    plan.waiting = settings_waiting(running, next);
    const bool kernel_changes = policy->action_table() != active;
    plan.result = kernel_changes ? ReloadResult::Applied : ReloadResult::Unchanged;
    plan.message = kernel_changes ? "the policy is tighter now: " + describe_all(plan.comparison.tighter, catalog)
                                  : "the policy is unchanged";
    if (kernel_changes && plan.comparison.tighter.empty())
        plan.message = "the policy is rewritten with the same effect";
    if (!plan.waiting.empty())
        plan.message += "; waiting: " + join(plan.waiting, ", ");
    plan.config = with_policy_of(running, next);
    plan.policy = std::move(policy);
    return plan;
}

ReloadPlan failed_reload(const std::string& why)
{
    ReloadPlan plan;
    plan.result = ReloadResult::Failed;
    plan.message = "nothing changed: " + why;
    return plan;
}

JournalRecord reload_journal_record(const ReloadPlan& plan, const ReasonCatalog& catalog, uint32_t generation,
                                    pid_t from)
{
    JournalRecord r;
    r.message = std::string("Lockdown policy reload ") + to_string(plan.result) + ": " + plan.message;
    r.fields = {{"LOCKDOWN_RESULT", to_string(plan.result)}};
    if (from > 0)
        r.fields.emplace_back("LOCKDOWN_SENDER_PID", std::to_string(from));
    switch (plan.result) {
    case ReloadResult::Applied:
    case ReloadResult::Unchanged:
        r.message_id = message_id::kPolicyReloaded;
        r.priority = plan.result == ReloadResult::Applied ? 5 : 6;
        r.fields.emplace_back("LOCKDOWN_REASON", reason_names(plan.comparison.tighter, catalog));
        r.fields.emplace_back("LOCKDOWN_MODE", plan.config ? to_string(plan.config->mode) : "");
        r.fields.emplace_back("LOCKDOWN_GENERATION", std::to_string(generation));
        r.fields.emplace_back("LOCKDOWN_WAITING", join(plan.waiting, ", "));
        break;
    case ReloadResult::Refused:
        r.message_id = message_id::kPolicyLoosenRefused;
        r.priority = 4;
        r.fields.emplace_back("LOCKDOWN_REASON", reason_names(plan.comparison.looser, catalog));
        break;
    case ReloadResult::Invalid:
    case ReloadResult::Failed:
        r.message_id = message_id::kPolicyReloadFailed;
        r.priority = 3;
        break;
    }
    return r;
}

} // namespace ldb
