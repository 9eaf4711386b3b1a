// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Dynamic debug on behalf of a session: apply one validated query, record
// what it changed (kernel, ledger, runtime-dir record), and put it back when
// the session ends, locks or goes inactive, on resume, at the lease end
// (MaxDuration=), or on ResetDebug. Every toggle and every revert is logged.
// Knows nothing of D-Bus or polkit: callers decide *whether*.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dyndbg/ledger.hpp"
#include "dyndbg/change_store.hpp"
#include "enforcement/events.hpp"
#include "exceptions/table.hpp"
#include "base/clock.hpp"

namespace ldb {

// [DynamicDebug] of broker.conf.
inline constexpr uint64_t kDebugMaxSecondsCeiling = 7 * 24 * 3600;
struct DebugSettings {
    uint64_t max_seconds = 8 * 3600; // MaxDuration=: a change is put back this long after it was made
    bool allow_global = false;       // AllowGlobalQueries=
    size_t max_changes_per_session = 32;
};

class DynamicDebug {
public:
    struct Hooks {
        std::function<void(const JournalRecord&)> journal;
        std::function<void()> changed; // the set of recorded changes changed
    };

    DynamicDebug(dyndbg::ControlPort& port, dyndbg::ChangeStore& store, dyndbg::Grammar grammar, DebugSettings settings,
                 Clocks clocks, Hooks hooks);

    const dyndbg::Grammar& grammar() const noexcept { return ledger_.grammar(); }
    const DebugSettings& settings() const noexcept { return settings_; }
    const std::map<uint64_t, dyndbg::ChangeRecord>& records() const noexcept { return ledger_.records(); }

    // Throws InvalidArgument when `session` already holds as many changes as
    // it may (checked before polkit is asked, and again by set()).
    void check_room(const std::string& session) const;
    // Writes `q` for `holder`; returns the callsites whose flags it changed.
    // A query that changes nothing leaves no record.
    std::vector<dyndbg::FlagChange> set(const dyndbg::Query& q, const dyndbg::Holder& holder);
    // The callsites `filter` selects (classes included unless it names one).
    std::vector<dyndbg::Callsite> list(const dyndbg::MatchSpec& filter);

    // Puts back everything `session` changed, newest first.
    dyndbg::RevertOutcome reset(const std::string& session, const std::string& why);
    size_t end_session(const std::string& session, const std::string& why);
    size_t end_all_sessions(const std::string& why);
    // Puts back what reached its lease end; returns how many records.
    size_t expire();
    // Reverts every record `invalid_why` names a reason for. A revert that
    // fails (control file unreadable) is logged and tried again next time.
    size_t sweep(const std::function<std::string(const dyndbg::ChangeRecord&)>& invalid_why);
    // After a (re)start: the records under the runtime directory, then sweep().
    void restore(const std::function<std::string(const dyndbg::ChangeRecord&)>& invalid_why);
    // CLOCK_BOOTTIME of the next lease end, if any.
    std::optional<uint64_t> next_expiry() const;

private:
    bool revert(uint64_t id, const std::string& why, dyndbg::RevertOutcome* total = nullptr);
    size_t revert_where(const std::function<bool(const dyndbg::ChangeRecord&)>& pred, const std::string& why);

    dyndbg::ControlPort& port_;
    dyndbg::ChangeStore& store_;
    dyndbg::Ledger ledger_;
    DebugSettings settings_;
    Clocks clocks_;
    Hooks hooks_;
};

} // namespace ldb
