// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dyndbg/session_changes.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/error.hpp"
#include "base/log.hpp"
#include "base/message_ids.hpp"
#include "base/random_id.hpp"
#include "base/text.hpp"
#include "enforcement/reasons.hpp"

namespace ldb::dyndbg {

namespace {

std::string who(const Holder& h)
{
    return "uid " + std::to_string(h.uid) + ", session " + (h.session.empty() ? "-" : h.session) +
           (h.unit.empty() ? "" : " (" + h.unit + ")");
}

std::vector<std::pair<std::string, std::string>> holder_fields(const ChangeRecord& r)
{
    return {{"LOCKDOWN_DEBUG_CHANGE_ID", hex_id(r.id)},
            {"LOCKDOWN_DEBUG_QUERY", r.query},
            {"LOCKDOWN_UID", std::to_string(r.holder.uid)},
            {"LOCKDOWN_SESSION", r.holder.session},
            {"LOCKDOWN_UNIT", r.holder.unit},
            {"LOCKDOWN_REASON", kDynamicDebugReason}};
}

} // namespace

SessionChanges::SessionChanges(ControlPort& port, ChangeStore& store, Grammar grammar, DyndbgLimits limits,
                               Clocks clocks, Hooks hooks)
    : port_(port), store_(store), ledger_(std::move(grammar)), limits_(limits), clocks_(std::move(clocks)),
      hooks_(std::move(hooks))
{
}

void SessionChanges::check_room(const std::string& session) const
{
    size_t held = 0;
    for (const auto& [id, r] : ledger_.records())
        held += r.holder.session == session;
    if (held >= limits_.max_changes_per_session)
        throw Error(ErrorKind::InvalidArgument,
                    "session " + session + " already holds " + std::to_string(held) + " dynamic debug changes",
                    "put them back first (lockdownctl debug reset)");
}

std::vector<FlagChange> SessionChanges::set(const Query& q, const Holder& holder)
{
    check_room(holder.session);

    const std::string text = q.text();
    const auto before = parse_control(port_.read());
    const auto errs = port_.write({text});
    if (errs.empty() || errs[0] != 0) {
        const int err = errs.empty() ? EIO : errs[0];
        if (err == EINVAL)
            throw Error(ErrorKind::InvalidArgument, "the kernel refused the dynamic debug query '" + text + "'",
                        "its log (journalctl -k) says why");
        throw errno_error(err, "writing '" + text + "' to the dynamic_debug control file");
    }
    auto changes = diff(before, parse_control(port_.read()));

    ChangeRecord r;
    r.id = random_id();
    r.seq = ledger_.next_seq();
    r.holder = holder;
    r.query = text;
    r.created_realtime_usec = clocks_.realtime_usec();
    r.expires_boot_ns = clocks_.boot_ns() + limits_.max_duration_seconds * 1000000000ull;
    r.expires_realtime_usec = r.created_realtime_usec + limits_.max_duration_seconds * 1000000ull;
    size_t unrecordable = 0;
    for (const auto& c : changes) {
        SiteChange s{key_of(c.site), c.old_flags, c.site.flags};
        if (storable(s) && site_query(s.key, s.old_flags, ledger_.grammar()))
            r.sites.push_back(std::move(s));
        else
            unrecordable++;
    }

    JournalRecord j;
    j.message_id = message_id::kDebugChanged;
    j.priority = 5;
    j.fields = holder_fields(r);
    j.fields.emplace_back("LOCKDOWN_DEBUG_CALLSITES", std::to_string(changes.size()));
    if (unrecordable)
        j.fields.emplace_back("LOCKDOWN_DEBUG_UNRECORDABLE", std::to_string(unrecordable));
    j.message = "Dynamic debug '" + text + "' for " + who(holder) + ": " + std::to_string(changes.size()) +
                " callsite(s) changed" +
                (unrecordable ? ", " + std::to_string(unrecordable) + " of them cannot be put back by query" : "");

    if (!r.sites.empty()) {
        ledger_.add(r);
        try {
            store_.save(r);
        } catch (const Error& e) {
            // Without its record the change could not be put back after a
            // restart: put it back now instead, and fail.
            log_error("dynamic debug change %s: %s; putting it back", hex_id(r.id).c_str(), e.what());
            revert(r.id, "not-recorded");
            throw;
        }
    }
    if (hooks_.journal)
        hooks_.journal(j);
    if (!log_is_journal())
        log_info("%s", j.message.c_str());
    if (!r.sites.empty() && hooks_.changed)
        hooks_.changed();
    return changes;
}

std::vector<Callsite> SessionChanges::list(const MatchSpec& filter)
{
    std::vector<Callsite> out;
    for (auto& c : parse_control(port_.read()))
        if (matches(filter, c, false))
            out.push_back(std::move(c));
    return out;
}

bool SessionChanges::revert(uint64_t id, const std::string& why, RevertOutcome* total)
{
    const ChangeRecord* rec = ledger_.find(id);
    if (!rec)
        return false;
    const ChangeRecord copy = *rec;
    RevertOutcome out;
    try {
        out = ledger_.revert(id, port_);
    } catch (const Error& e) {
        log_error("dynamic debug change %s (%s) could not be put back (%s): %s; trying again later",
                  hex_id(id).c_str(), copy.query.c_str(), why.c_str(), e.what());
        return false;
    }
    try {
        store_.erase(id);
        for (uint64_t u : out.updated)
            if (const ChangeRecord* other = ledger_.find(u))
                store_.save(*other);
    } catch (const Error& e) {
        log_error("dynamic debug records: %s", e.what());
    }

    std::map<std::string, size_t> left_by_why;
    for (const auto& l : out.left)
        left_by_why[l.why]++;
    std::string left_text;
    for (const auto& [w, n] : left_by_why)
        left_text += (left_text.empty() ? "" : ", ") + std::to_string(n) + " " + w;

    JournalRecord j;
    j.message_id = message_id::kDebugRestored;
    j.priority = out.left.empty() ? 5 : 4;
    j.fields = holder_fields(copy);
    j.fields.emplace_back("LOCKDOWN_WHY", why);
    j.fields.emplace_back("LOCKDOWN_DEBUG_CALLSITES", std::to_string(copy.sites.size()));
    j.fields.emplace_back("LOCKDOWN_DEBUG_RESTORED", std::to_string(out.restored.size()));
    j.fields.emplace_back("LOCKDOWN_DEBUG_PASSED_ON", std::to_string(out.passed_on.size()));
    j.fields.emplace_back("LOCKDOWN_DEBUG_LEFT", std::to_string(out.left.size()));
    j.message = "Dynamic debug '" + copy.query + "' of " + who(copy.holder) + " put back (" + why + "): " +
                std::to_string(out.restored.size()) + " of " + std::to_string(copy.sites.size()) +
                " callsite(s) restored" +
                (out.passed_on.empty() ? "" : ", " + std::to_string(out.passed_on.size()) + " passed on to a later change") +
                (left_text.empty() ? "" : ", left alone: " + left_text);
    if (hooks_.journal)
        hooks_.journal(j);
    if (!log_is_journal())
        log_info("%s", j.message.c_str());
    if (total) {
        total->restored.insert(total->restored.end(), out.restored.begin(), out.restored.end());
        total->passed_on.insert(total->passed_on.end(), out.passed_on.begin(), out.passed_on.end());
        total->left.insert(total->left.end(), out.left.begin(), out.left.end());
    }
    if (hooks_.changed)
        hooks_.changed();
    return true;
}

size_t SessionChanges::revert_where(const std::function<bool(const ChangeRecord&)>& pred, const std::string& why)
{
    // Newest first, so that one session's stacked changes unwind in order.
    std::vector<std::pair<uint64_t, uint64_t>> order; // (seq, id)
    for (const auto& [id, r] : ledger_.records())
        if (pred(r))
            order.emplace_back(r.seq, id);
    std::sort(order.rbegin(), order.rend());
    size_t n = 0;
    for (const auto& [seq, id] : order)
        n += revert(id, why);
    return n;
}

RevertOutcome SessionChanges::reset(const std::string& session, const std::string& why)
{
    std::vector<std::pair<uint64_t, uint64_t>> order;
    for (const auto& [id, r] : ledger_.records())
        if (r.holder.session == session)
            order.emplace_back(r.seq, id);
    std::sort(order.rbegin(), order.rend());
    RevertOutcome total;
    for (const auto& [seq, id] : order)
        if (!revert(id, why, &total))
            throw Error(ErrorKind::Kernel, "the dynamic_debug control file could not be read or written",
                        "the broker tries again on its next tick; its log says more");
    return total;
}

size_t SessionChanges::end_session(const std::string& session, const std::string& why)
{
    return revert_where([&](const ChangeRecord& r) { return r.holder.session == session; }, why);
}

size_t SessionChanges::end_all_sessions(const std::string& why)
{
    return revert_where([](const ChangeRecord& r) { return !r.holder.session.empty(); }, why);
}

size_t SessionChanges::expire()
{
    const uint64_t now = clocks_.boot_ns();
    return revert_where([now](const ChangeRecord& r) { return r.expires_boot_ns <= now; }, "expired");
}

size_t SessionChanges::sweep(const std::function<std::string(const ChangeRecord&)>& invalid_why)
{
    std::vector<std::pair<uint64_t, std::string>> invalid;
    for (const auto& [id, r] : ledger_.records()) {
        std::string why = invalid_why(r);
        if (!why.empty())
            invalid.emplace_back(id, std::move(why));
    }
    size_t n = 0;
    for (const auto& [id, why] : invalid)
        n += revert_where([id = id](const ChangeRecord& r) { return r.id == id; }, why);
    return n + expire();
}

void SessionChanges::restore(const std::function<std::string(const ChangeRecord&)>& invalid_why)
{
    std::vector<std::string> bad;
    for (auto& r : store_.load_all(bad)) {
        const uint64_t id = r.id;
        try {
            ledger_.add(std::move(r));
        } catch (const Error& e) {
            log_warning("dropped dynamic debug record %s: %s", hex_id(id).c_str(), e.what());
        }
    }
    for (const auto& b : bad)
        log_warning("dropped an unreadable dynamic debug record: %s", b.c_str());
    if (!ledger_.records().empty())
        log_info("%zu dynamic debug change(s) recorded before this start", ledger_.records().size());
    sweep(invalid_why);
}

std::optional<uint64_t> SessionChanges::next_expiry() const
{
    std::optional<uint64_t> first;
    for (const auto& [id, r] : ledger_.records())
        if (!first || r.expires_boot_ns < *first)
            first = r.expires_boot_ns;
    return first;
}

} // namespace ldb::dyndbg
