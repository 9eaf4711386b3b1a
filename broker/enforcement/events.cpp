// SPDX-License-Identifier: LGPL-2.1-or-later
#include "enforcement/events.hpp"

#include <cstring>

#include "host/cgroup.hpp"
#include "enforcement/enforcer.hpp"
#include "base/message_ids.hpp"
#include "base/text.hpp"

namespace ldb {

namespace {

const char* message_id_for(uint32_t decision)
{
    switch (decision) {
    case LD_DECISION_DENY:
        return message_id::kDenied;
    case LD_DECISION_AUDIT:
        return message_id::kAudit;
    case LD_DECISION_GRANTED:
        return message_id::kGrantUsed;
    case LD_DECISION_EXPIRED:
        return message_id::kLeaseExpired;
    }
    return message_id::kDenied;
}

std::string session_of_cgroup(const std::string& path)
{
    // logind names session scopes "session-<id>.scope".
    const size_t p = path.rfind("/session-");
    if (p == std::string::npos)
        return {};
    const size_t end = path.find(".scope", p);
    if (end == std::string::npos)
        return {};
    return path.substr(p + 9, end - p - 9);
}

} // namespace

EventSink::EventSink(const ReasonCatalog& reasons, Outputs out, Settings s)
    : reasons_(reasons), out_(std::move(out)), s_(s)
{
}

JournalRecord EventSink::record(const Seen& s, uint64_t count) const
{
    JournalRecord r;
    r.message_id = message_id_for(s.decision);
    const std::string who = s.notice.comm + "[" + std::to_string(s.notice.pid) + "]" +
                            (s.notice.unit.empty() ? "" : " in " + s.notice.unit);
    const std::string times = count > 1 ? " (" + std::to_string(count) + " times)" : "";
    switch (s.decision) {
    case LD_DECISION_DENY:
        r.priority = 4;
        r.message = "Lockdown refused " + s.notice.reason + " to " + who + times;
        break;
    case LD_DECISION_EXPIRED:
        r.priority = 4;
        r.message = "Lockdown refused " + s.notice.reason + " to " + who + ": its exception's lease ran out" + times;
        break;
    case LD_DECISION_AUDIT:
        r.priority = 5;
        r.message = "Lockdown allowed " + s.notice.reason + " to " + who + " (audit)" + times;
        break;
    default:
        r.priority = 6;
        r.message = "Lockdown exception used: " + s.notice.reason + " by " + who + times;
        break;
    }
    r.fields = {
        {"LOCKDOWN_REASON", s.notice.reason},
        {"LOCKDOWN_DECISION", decision_name(s.decision)},
        {"LOCKDOWN_PID", std::to_string(s.notice.pid)},
        {"LOCKDOWN_COMM", s.notice.comm},
        {"LOCKDOWN_UID", std::to_string(s.uid)},
        {"LOCKDOWN_UNIT", s.notice.unit},
        {"LOCKDOWN_SESSION", s.session},
        {"LOCKDOWN_CGROUP_ID", std::to_string(s.cgroup_id)},
        {"LOCKDOWN_COUNT", std::to_string(count)},
    };
    if (s.grant_id)
        r.fields.emplace_back("LOCKDOWN_EXCEPTION_ID", hex_id(s.grant_id));
    return r;
}

void EventSink::handle(const ld_event& ev)
{
    const auto key = std::make_tuple(ev.decision, ev.reason, ev.pid);
    auto it = keys_.find(key);
    if (it != keys_.end()) {
        it->second.count++;
        return;
    }
    if (keys_.size() >= s_.max_keys) {
        suppressed_++;
        return;
    }
    Seen s;
    s.decision = ev.decision;
    s.uid = ev.uid;
    s.grant_id = ev.grant_id;
    s.cgroup_id = ev.cgroup_id;
    s.notice.reason = reasons_.name_of(ev.reason);
    s.notice.pid = ev.pid;
    char comm[LD_COMM_LEN + 1] = {};
    std::memcpy(comm, ev.comm, LD_COMM_LEN);
    s.notice.comm = comm;
    const std::string cg = out_.cgroup_path ? out_.cgroup_path(ev.cgroup_id, ev.pid) : std::string();
    s.notice.unit = unit_of_cgroup(cg);
    s.session = session_of_cgroup(cg);
    s.notice.uid = ev.uid;
    s.notice.session = s.session;
    // The first of a kind is logged at once; repeats are summed up at flush.
    if (out_.journal)
        out_.journal(record(s, 1));
    keys_.emplace(key, std::move(s));
}

void EventSink::flush()
{
    size_t signals = 0;
    uint64_t signals_suppressed = 0;
    for (auto& [key, s] : keys_) {
        if (s.count > 0 && out_.journal)
            out_.journal(record(s, s.count));
        const bool is_denial = s.decision == LD_DECISION_DENY || s.decision == LD_DECISION_EXPIRED;
        if (!is_denial || !out_.denied)
            continue;
        if (signals >= s_.max_signals) {
            signals_suppressed++;
            continue;
        }
        DeniedNotice n = s.notice;
        n.count = s.count + 1;
        out_.denied(n);
        signals++;
    }
    if ((suppressed_ || signals_suppressed) && out_.journal) {
        JournalRecord r;
        r.message_id = message_id::kEventsDropped;
        r.priority = 4;
        r.message = "Lockdown events coalesced under load: " + std::to_string(suppressed_) +
                    " records from further processes and " + std::to_string(signals_suppressed) +
                    " Denied signals were not reported individually in the last " + std::to_string(s_.window_ms) + " ms";
        r.fields = {{"LOCKDOWN_SUPPRESSED_RECORDS", std::to_string(suppressed_)},
                    {"LOCKDOWN_SUPPRESSED_SIGNALS", std::to_string(signals_suppressed)}};
        out_.journal(r);
    }
    keys_.clear();
    suppressed_ = 0;
}

void EventSink::note_kernel_drops(uint64_t total)
{
    if (total <= kernel_drops_seen_)
        return;
    const uint64_t fresh = total - kernel_drops_seen_;
    kernel_drops_seen_ = total;
    if (!out_.journal)
        return;
    JournalRecord r;
    r.message_id = message_id::kEventsDropped;
    r.priority = 4;
    r.message = "The kernel dropped " + std::to_string(fresh) +
                " lockdown event records because the ring buffer was full (" + std::to_string(total) + " since boot)";
    r.fields = {{"LOCKDOWN_KERNEL_DROPPED", std::to_string(fresh)}, {"LOCKDOWN_KERNEL_DROPPED_TOTAL", std::to_string(total)}};
    out_.journal(r);
}

} // namespace ldb
