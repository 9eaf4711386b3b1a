// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// What one reload of broker.conf does, decided before anything changes: the
// daemon then carries the plan out (kernel, properties, journal) or, when it
// is refused, leaves everything as it was. See config/reload_scope.hpp for
// which settings a reload takes, and enforcement/policy_order.hpp for the
// order of tightness.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "base/journal.hpp"
#include "config/config.hpp"
#include "enforcement/policy.hpp"
#include "enforcement/policy_order.hpp"

namespace ldb {

class ReasonCatalog;

enum class ReloadResult {
    Applied,   // the kernel now runs the new, tighter policy
    Unchanged, // the kernel's policy stays as it is (the files ask for the same)
    Refused,   // the new policy loosens some reason: nothing changed, it waits for the next boot
    Invalid,   // the files could not be read or are wrong: nothing changed
    Failed,    // allowed, but writing it into the kernel failed: nothing changed
};
const char* to_string(ReloadResult r) noexcept;

struct ReloadPlan {
    ReloadResult result = ReloadResult::Invalid;
    // Applied and Unchanged: what the daemon serves from now on (the running
    // configuration with the new policy part) and its policy.
    std::optional<Config> config;
    std::optional<Policy> policy;
    PolicyComparison comparison;       // against the kernel's active table
    std::vector<std::string> waiting;  // settings_waiting(), for Applied and Unchanged
    std::string message;               // one sentence for the journal and the reload command
};

// `load` reads the files (and throws ldb::Error for a mistake in them);
// `active` is the table the kernel runs now.
ReloadPlan plan_reload(const ReasonCatalog& catalog, const Config& running, const ActionTable& active,
                       const std::function<Config()>& load);

// A plan for a reload that failed outside the files (reading or writing the
// kernel's policy): nothing changed.
ReloadPlan failed_reload(const std::string& why);

// The journal record of a reload that went as `plan` says; `generation` is
// the kernel's policy generation afterwards, `from` the pid that sent SIGHUP
// (0: none, the check at start).
JournalRecord reload_journal_record(const ReloadPlan& plan, const ReasonCatalog& catalog, uint32_t generation,
                                    pid_t from);

} // namespace ldb
