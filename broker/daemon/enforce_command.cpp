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

void journal_part(const char* message_id, int priority, const std::string& part, const std::string& message,
                  const std::string& cause)
{
    journal_send({message_id, priority, message, {{"LOCKDOWN_PART", part}, {"LOCKDOWN_CAUSE", cause}}});
}

} // namespace

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
           (sum.some_missing ? _(", some protections missing (see the warnings)") : "") + "\n";
}

int run_enforce_command(const EnforceCommand& c)
{
    const auto env = KernelEnv::probe();
    EnforceReport rep;
    std::optional<Policy> policy;
    try {
        require_enforceable(env);
        const auto cat = ReasonCatalog::from_running_kernel();
        // Everything is parsed and checked before the kernel is touched.
        const auto cfg = c.config_file.empty() ? load_config() : load_config_file(c.config_file);
        policy.emplace(Policy::build(cat, cfg));
        rep = Enforcer::enforce(*policy, cat.confidentiality_max(), cfg.protect_pins, c.pins, c.verbose);
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
        if (p.loaded || p.cause == "ProtectPins=no")
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
    for (const auto& e : policy->entries()) {
        sum.deny += e.action == Action::Deny;
        sum.audit += e.action == Action::Audit;
    }
    sum.some_missing = !missing.empty();
    std::fputs(render_enforce_result(rep, sum, c.json).c_str(), stdout);
    return 0;
}

} // namespace ldb
