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

#include "base/clock.hpp"
#include "base/journal.hpp"
#include "config/config.hpp"
#include "dyndbg/change_store.hpp"
#include "dyndbg/ledger.hpp"

namespace ldb::dyndbg {

class SessionChanges {
public:
    struct Hooks {
        std::function<void(const JournalRecord&)> journal;
        std::function<void()> changed; // the set of recorded changes changed
    };

    SessionChanges(ControlPort& port, ChangeStore& store, Grammar grammar, DyndbgLimits limits, Clocks clocks,
                   Hooks hooks);

    const Grammar& grammar() const noexcept { return ledger_.grammar(); }
    const DyndbgLimits& limits() const noexcept { return limits_; }
    const std::map<uint64_t, ChangeRecord>& records() const noexcept { return ledger_.records(); }

    // Throws InvalidArgument when `session` already holds as many changes as
    // it may (checked before polkit is asked, and again by set()).
    void check_room(const std::string& session) const;
    // Writes `q` for `holder`; returns the callsites whose flags it changed.
    // A query that changes nothing leaves no record.
    std::vector<FlagChange> set(const Query& q, const Holder& holder);
    // The callsites `filter` selects (classes included unless it names one).
    std::vector<Callsite> list(const MatchSpec& filter);

    // Puts back everything `session` changed, newest first.
    RevertOutcome reset(const std::string& session, const std::string& why);
    size_t end_session(const std::string& session, const std::string& why);
    size_t end_all_sessions(const std::string& why);
    // Puts back what reached its lease end; returns how many records.
    size_t expire();
    // Reverts every record `invalid_why` names a reason for. A revert that
    // fails (control file unreadable) is logged and tried again next time.
    size_t sweep(const std::function<std::string(const ChangeRecord&)>& invalid_why);
    // After a (re)start: the records under the runtime directory, then sweep().
    void restore(const std::function<std::string(const ChangeRecord&)>& invalid_why);
    // CLOCK_BOOTTIME of the next lease end, if any.
    std::optional<uint64_t> next_expiry() const;

private:
    bool revert(uint64_t id, const std::string& why, RevertOutcome* total = nullptr);
    size_t revert_where(const std::function<bool(const ChangeRecord&)>& pred, const std::string& why);

    ControlPort& port_;
    ChangeStore& store_;
    Ledger ledger_;
    DyndbgLimits limits_;
    Clocks clocks_;
    Hooks hooks_;
};

} // namespace ldb::dyndbg
