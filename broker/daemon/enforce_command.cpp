// SPDX-License-Identifier: LGPL-2.1-or-later
#include "daemon/enforce_command.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "config/config.hpp"
#include "base/error.hpp"
#include "base/journal.hpp"
#include "base/json.hpp"
#include "enforcement/kernel_env.hpp"
#include "base/log.hpp"
#include "base/message_ids.hpp"
#include "enforcement/policy.hpp"
#include "enforcement/reasons.hpp"
#include "base/files.hpp"
#include "base/i18n.hpp"
#include "base/text.hpp"
#include "enforcement/parts.hpp"

namespace ldb {

namespace {

// The record is a hint for the daemon's Notice; failing to write it must
// not fail enforcement, but it is said.
void record_parts(const std::string& runtime_dir, const std::vector<PartState>& parts)
{
    try {
        make_record_dir(runtime_dir);
        write_record(enforcement_record_path(runtime_dir), format_enforcement_record(parts));
    } catch (const Error& e) {
        std::fprintf(stderr, "lockdown-brokerd: %s\n",
                     ldb::fill(_("warning: could not record the enforcement state: %s"), {e.what()}).c_str());
    }
}

// The table to write (see table_to_apply); says on stderr and in the
// journal which reasons --tighten-only kept.
AppliedTable applied_table(const EnforceCommand& c, const Policy& configured, const ReasonCatalog& catalog)
{
    std::optional<ActionTable> pinned;
    if (c.tighten_only && Enforcer::link_pinned(c.pins, LD_PIN_LINK))
        pinned = Enforcer::open_pinned(c.pins, Enforcer::Access::ReadOnly).active_policy().action;
    auto applied = table_to_apply(configured.action_table(), pinned ? &*pinned : nullptr, c.initramfs, catalog);
    if (!applied.kept.empty()) {
        const std::string message = kept_message(applied.kept, catalog);
        std::fprintf(stderr, "lockdown-brokerd: %s\n", fill(_("warning: %s"), {message}).c_str());
        journal_send({message_id::kPolicyLoosenRefused, 4, "Lockdown policy not loosened at boot: " + message,
                      {{"LOCKDOWN_RESULT", "refused"},
                       {"LOCKDOWN_SOURCE", "enforce-only"},
                       {"LOCKDOWN_LOOSER", reason_names(applied.kept, catalog)}}});
    }
    return applied;
}

void journal_part(const char* message_id, int priority, const std::string& part, const std::string& message,
                  const std::string& cause)
{
    journal_send({message_id, priority, message, {{"LOCKDOWN_PART", part}, {"LOCKDOWN_CAUSE", cause}}});
}

} // namespace

AppliedTable table_to_apply(const ActionTable& configured, const ActionTable* pinned, bool initramfs,
                            const ReasonCatalog& catalog)
{
    AppliedTable out;
    out.table = configured;
    if (initramfs)
        if (const Reason* hib = catalog.find("hibernation");
            hib && hib->value < out.table.size() && out.table[hib->value] != LD_ACTION_ALLOW) {
            out.table[hib->value] = LD_ACTION_ALLOW;
            out.hibernation_opened = true;
        }
    if (pinned) {
        const auto cmp = compare_policies(*pinned, out.table);
        for (const auto& ch : cmp.looser)
            out.table[ch.reason] = ch.from;
        out.kept = cmp.looser;
    }
    return out;
}

std::string kept_message(const std::vector<ReasonChange>& kept, const ReasonCatalog& catalog)
{
    std::vector<std::string> looser;
    for (const auto& ch : kept)
        looser.push_back(describe(ch, catalog));
    return "the configuration loosens " + join(looser, ", ") +
           " against the policy enforced earlier in this boot (by the initramfs, or an earlier run): these keep "
           "their tighter action until the next boot; the other reasons are as configured. To boot with the "
           "looser policy, also rebuild the initramfs (update-initramfs -u, or dracut -f) if it runs "
           "lockdown-brokerd";
}

std::string render_enforce_result(const EnforceReport& rep, const EnforceSummary& sum, bool json)
{
    // The JSON "program" value is this English text; the terminal line translates it.
    const char* how = rep.reused_link    ? N_("reused pinned program")
                      : rep.replaced_link ? N_("replaced pinned program")
                                          : N_("attached new program");
    const auto flag = [](bool b) { return std::string(b ? "true" : "false"); };
    if (json) {
        std::string parts;
        for (const auto& p : rep.parts)
            parts += std::string(parts.empty() ? "" : ",") + "{\"name\":" + json_str(p.name) +
                     ",\"loaded\":" + flag(p.loaded) + ",\"cause\":" + json_str(p.cause) + "}";
        return "{\"enforcing\":true,\"mode\":" + json_str(to_string(sum.mode)) +
               ",\"generation\":" + std::to_string(rep.generation) + ",\"program\":" + json_str(how) +
               ",\"reused_maps\":" + flag(rep.reused_maps) + ",\"deny\":" + std::to_string(sum.deny) +
               ",\"audit\":" + std::to_string(sum.audit) + ",\"reasons\":" + std::to_string(sum.reasons) +
               ",\"pins_protected\":" + flag(rep.pins_protected) + ",\"parts\":[" + parts + "]}\n";
    }
    // TRANSLATORS: %1$s is a mode (none, integrity, confidentiality: keep it), then counts and a generation
    // number; %6$s says what happened to the program ("attached new program").
    return "lockdown-brokerd: " +
           fill(_("enforcing Mode=%1$s (%2$s reasons: %3$s denied, %4$s audited), policy generation %5$s, %6$s"),
                {to_string(sum.mode), std::to_string(sum.reasons), std::to_string(sum.deny), std::to_string(sum.audit),
                 std::to_string(rep.generation), _(how)}) +
           (rep.reused_maps ? _(", pinned maps reused") : "") + (rep.pins_protected ? _(", pins protected") : "") +
           (sum.some_missing ? _(", some protections missing (see the warnings)") : "") +
           (sum.kept ? fill(_(", %s reasons kept tighter than configured (see the warning)"), {std::to_string(sum.kept)})
                     : "") +
           (sum.pins_deferred ? _(", pin protection left to the real root") : "") +
           (sum.hibernation_opened ? _(", hibernation allowed until the real root (resume)") : "") + "\n";
}

int run_enforce_command(const EnforceCommand& c)
{
    const auto env = KernelEnv::probe();
    EnforceReport rep;
    std::optional<Policy> policy;
    AppliedTable applied;
    try {
        require_enforceable(env);
        const auto cat = ReasonCatalog::from_running_kernel();
        // Everything is parsed and checked before the kernel is touched.
        const auto cfg = c.config_file.empty() ? load_config() : load_config_file(c.config_file);
        policy.emplace(Policy::build(cat, cfg));
        applied = applied_table(c, *policy, cat);
        rep = Enforcer::enforce(applied.table, cat.confidentiality_max(), cfg.protect_pins && !c.initramfs, c.pins,
                                c.verbose);
    } catch (const Error& e) {
        // A configuration error leaves whatever runs in place, and so does
        // sealed enforcement (Refused: the broker holds the maps, the policy
        // stays): only a failure to enforce at all is recorded as "not
        // enforcing".
        if (e.kind() != ErrorKind::Config && e.kind() != ErrorKind::InvalidArgument &&
            e.kind() != ErrorKind::Refused) {
            const std::string name = part_info(EnforcementPart::LockedDown).name;
            record_parts(c.runtime_dir, {{name, false, e.what()}});
            journal_part(message_id::kNotEnforcing, 3, name,
                         std::string("Lockdown is not enforcing: the locked_down program did not load: ") + e.what(),
                         e.what());
        }
        throw;
    }
    record_parts(c.runtime_dir, rep.parts);

    if (auto notice = kernel_lockdown_notice(env); !notice.empty())
        std::fprintf(stderr, "lockdown-brokerd: %s\n", fill(_("warning: %s"), {notice}).c_str());
    if (!rep.note.empty())
        std::fprintf(stderr, "lockdown-brokerd: %s\n", fill(_("note: %s"), {rep.note}).c_str());
    std::vector<const PartState*> missing;
    for (const auto& p : rep.parts) {
        if (p.loaded || p.cause == "ProtectPins=no" || (c.initramfs && p.name == part_info(EnforcementPart::PinProtection).name))
            continue;
        missing.push_back(&p);
        const auto& info = *std::find_if(enforcement_parts().begin(), enforcement_parts().end(),
                                         [&](const PartInfo& i) { return p.name == i.name; });
        // The journal's MESSAGE= stays English (the catalog translates it); the terminal's is translated.
        const char* const sentence = N_("Lockdown is enforced, but its %s protection did not load on this kernel: %s (%s)");
        std::fprintf(stderr, "lockdown-brokerd: %s\n",
                     fill(_("warning: %s"), {fill(_(sentence), {p.name, info.meaning, p.cause})}).c_str());
        journal_part(message_id::kPartMissing, 4, p.name, fill(sentence, {p.name, info.meaning, p.cause}), p.cause);
    }

    EnforceSummary sum;
    sum.mode = policy->mode();
    sum.reasons = policy->entries().size();
    // What was written (applied.table), not what was configured: the two
    // differ where --tighten-only kept a reason or --initramfs opened one.
    for (const auto& e : policy->entries()) {
        const auto written = applied.table[e.reason.value];
        sum.deny += written == LD_ACTION_DENY;
        sum.audit += written == LD_ACTION_AUDIT;
    }
    sum.some_missing = !missing.empty();
    sum.pins_deferred = c.initramfs;
    sum.kept = applied.kept.size();
    sum.hibernation_opened = applied.hibernation_opened;
    std::fputs(render_enforce_result(rep, sum, c.json).c_str(), stdout);
    return 0;
}

} // namespace ldb
