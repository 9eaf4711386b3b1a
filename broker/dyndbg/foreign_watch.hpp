// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Detects and reverts dynamic debug changes made without the broker (a
// module's dyndbg= parameter: see foreign_changes.hpp), through the same
// ControlPort the broker writes sessions' changes with, and says so in the
// journal: one record per module and check. What sessions changed through
// the broker is never touched.
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "base/journal.hpp"
#include "dyndbg/foreign_changes.hpp"
#include "dyndbg/ledger.hpp"

namespace ldb::dyndbg {

// How many callsites a journal record names (its count names them all).
inline constexpr size_t kForeignSitesShown = 5;

class ForeignWatch {
public:
    struct Hooks {
        std::function<const std::map<uint64_t, ChangeRecord>&()> records; // the ledger's, at the time of the check
        std::function<void(const JournalRecord&)> journal;
        // The loadable modules loaded now (proc_modules()); only their
        // callsites are checked. Unset: every callsite.
        std::function<std::set<std::string>()> loaded_modules;
    };
    ForeignWatch(ControlPort& port, Grammar grammar, Hooks hooks)
        : port_(port), grammar_(std::move(grammar)), hooks_(std::move(hooks))
    {
    }

    // Reads the control file and puts back every foreign change; `trigger`
    // ("module-load", "start") goes into the records. Returns how many
    // callsites were put back. Throws when the control file cannot be read;
    // a write that fails is reported in the records instead.
    size_t check(const std::string& trigger);

private:
    struct Outcome {
        ForeignSite site;
        std::string left_why; // "" when put back
    };
    std::vector<Outcome> revert(const ForeignChanges& fc, const BrokerFlags& broker,
                                const std::set<std::string>* modules);
    void report(const std::string& module, const std::vector<Outcome>& outcomes, const std::string& trigger);

    ControlPort& port_;
    Grammar grammar_;
    Hooks hooks_;
    // Callsites no query can name, with their flags, already reported: said
    // once, not at every later check.
    std::set<std::pair<SiteKey, std::string>> unnameable_reported_;
};

} // namespace ldb::dyndbg
