// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Kernel decision records -> journal records and coalesced Denied signals.
// Bounded under a flood: repeats of one (decision, reason, pid) within a
// window become one record with a count, at most kMaxKeys keys are tracked
// per window (the rest are counted as suppressed, and said so), and at most
// max_signals Denied signals leave per window.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "lockdown-broker.h"
#include "base/journal.hpp"
#include "enforcement/reasons.hpp"

namespace ldb {

struct DeniedNotice {
    std::string reason;
    uint32_t pid = 0;
    std::string comm;
    std::string unit;
    uint64_t count = 0;
    uint32_t uid = 0;
    std::string session; // the logind session of the refused process, "" if none
};

class EventSink {
public:
    struct Settings {
        uint64_t window_ms = 1000;
        size_t max_keys = 256;
        size_t max_signals = 20; // per window
    };
    struct Outputs {
        std::function<void(const JournalRecord&)> journal;
        std::function<void(const DeniedNotice&)> denied;
        std::function<uint64_t()> now_ms;                        // monotonic
        // The path of a cgroup by id ("" if gone); the pid is a hint.
        std::function<std::string(uint64_t cgroup_id, uint32_t pid)> cgroup_path;
    };
    EventSink(const ReasonCatalog& reasons, Outputs out, Settings s);
    EventSink(const ReasonCatalog& reasons, Outputs out) : EventSink(reasons, std::move(out), Settings{}) {}

    void handle(const ld_event& ev);
    // Emits what the window coalesced; call it when the window ends.
    void flush();
    // The kernel's dropped-records counter: logs what is new since last time.
    void note_kernel_drops(uint64_t total);
    uint64_t window_ms() const noexcept { return s_.window_ms; }
    bool pending() const noexcept { return !keys_.empty() || suppressed_ != 0; }

private:
    struct Seen {
        DeniedNotice notice;
        uint32_t decision = 0;
        uint32_t uid = 0;
        std::string session;
        uint64_t grant_id = 0;
        uint64_t cgroup_id = 0;
        uint64_t count = 0; // after the first, which was logged at once
    };
    JournalRecord record(const Seen& s, uint64_t count) const;

    const ReasonCatalog& reasons_;
    Outputs out_;
    Settings s_;
    std::map<std::tuple<uint32_t, uint32_t, uint32_t>, Seen> keys_; // (decision, reason, pid)
    uint64_t suppressed_ = 0;
    uint64_t kernel_drops_seen_ = 0;
};

} // namespace ldb
