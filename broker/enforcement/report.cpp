// SPDX-License-Identifier: LGPL-2.1-or-later
#include "enforcement/report.hpp"

#include <cstdio>

#include "base/i18n.hpp"
#include "base/json.hpp"
#include "base/text.hpp"

namespace ldb {

std::string render_reasons(const ReasonCatalog& cat, bool json)
{
    std::string out;
    if (json) {
        out = "{\"integrity_max\":" + std::to_string(cat.integrity_max()) +
              ",\"confidentiality_max\":" + std::to_string(cat.confidentiality_max()) + ",\"reasons\":[";
        bool first = true;
        for (const auto& r : cat.all()) {
            out += first ? "" : ",";
            first = false;
            out += "{\"name\":" + json_str(r.name) + ",\"kernel_name\":" + json_str(r.kernel_name) +
                   ",\"value\":" + std::to_string(r.value) + ",\"level\":" + json_str(to_string(r.level)) + (r.pseudo ? ",\"pseudo\":true" : "") + "}";
        }
        return out + "]}\n";
    }
    // TRANSLATORS: column headers of lockdown-brokerd --list-reasons; the
    // rows under them (reason names, levels) stay as the configuration spells them.
    out = pad_right(_("REASON"), 22) + " " + pad_right(_("LEVEL"), 16) + " " + pad_right(_("VALUE"), 5) + "  " +
          _("KERNEL NAME") + "\n";
    char line[160];
    for (const auto& r : cat.all()) {
        std::snprintf(line, sizeof(line), "%-22s %-16s %5u  %s\n", r.name.c_str(),
                      std::string(to_string(r.level)).c_str(), r.value,
                      r.pseudo ? _("(lockdown-broker's own)") : r.kernel_name.c_str());
        out += line;
    }
    return out;
}

std::string render_policy(const Policy& policy, const ReasonCatalog& cat, bool json)
{
    std::string out;
    if (json) {
        out = "{\"mode\":" + json_str(to_string(policy.mode())) + ",\"reasons\":[";
        bool first = true;
        for (const auto& e : policy.entries()) {
            out += first ? "" : ",";
            first = false;
            out += "{\"name\":" + json_str(e.reason.name) + ",\"level\":" + json_str(to_string(e.reason.level)) +
                   ",\"value\":" + std::to_string(e.reason.value) + ",\"action\":" + json_str(to_string(e.action)) +
                   ",\"origin\":" + json_str(e.origin) + "}";
        }
        return out + "]}\n";
    }
    out = fill(_("Mode: %1$s (%2$s reasons known to this kernel)"),
               {to_string(policy.mode()), std::to_string(cat.all().size())}) +
          "\n";
    // TRANSLATORS: column headers of lockdown-brokerd --check-config; FROM
    // heads where each action was set ("Deny= at FILE:LINE").
    out += pad_right(_("REASON"), 22) + " " + pad_right(_("LEVEL"), 16) + " " + pad_right(_("ACTION"), 7) + " " +
           _("FROM") + "\n";
    char line[512];
    for (const auto& e : policy.entries()) {
        std::snprintf(line, sizeof(line), "%-22s %-16s %-7s %s\n", e.reason.name.c_str(),
                      std::string(to_string(e.reason.level)).c_str(), to_string(e.action).c_str(), e.origin.c_str());
        out += line;
    }
    return out;
}

} // namespace ldb
