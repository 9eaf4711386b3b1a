// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dyndbg/foreign_watch.hpp"

#include <cstring>

#include "base/error.hpp"
#include "base/log.hpp"
#include "base/message_ids.hpp"
#include "base/text.hpp"
#include "enforcement/reasons.hpp"

namespace ldb::dyndbg {

namespace {

std::string shown(const ForeignSite& s)
{
    return s.site.file + ":" + std::to_string(s.site.line) + " " + s.site.function + " =" + s.site.flags;
}

} // namespace

size_t ForeignWatch::check(const std::string& trigger)
{
    const BrokerFlags broker = broker_flags(hooks_.records());
    std::optional<std::set<std::string>> modules;
    if (hooks_.loaded_modules)
        modules = hooks_.loaded_modules();
    const std::set<std::string>* scope = modules ? &*modules : nullptr;
    ForeignChanges fc = foreign_changes(port_.read(), broker, grammar_, scope);
    if (!fc.bad.empty())
        log_debug("dynamic debug: %zu control line(s) not understood, left alone (first: %s)", fc.bad.size(),
                  fc.bad.front().c_str());
    std::erase_if(fc.sites, [this](const ForeignSite& s) {
        return !s.query && unnameable_reported_.count({key_of(s.site), s.site.flags});
    });
    if (fc.sites.empty())
        return 0;

    std::map<std::string, std::vector<Outcome>> by_module;
    size_t restored = 0;
    for (auto& o : revert(fc, broker, scope)) {
        restored += o.left_why.empty();
        if (o.left_why == "unnameable")
            unnameable_reported_.insert({key_of(o.site.site), o.site.site.flags});
        by_module[o.site.site.module].push_back(std::move(o));
    }
    for (const auto& [module, outcomes] : by_module)
        report(module, outcomes, trigger);
    return restored;
}

std::vector<ForeignWatch::Outcome> ForeignWatch::revert(const ForeignChanges& fc, const BrokerFlags& broker,
                                                       const std::set<std::string>* modules)
{
    std::map<std::string, int> err_of; // query -> errno of its write
    std::string open_error;
    if (!fc.queries.empty()) {
        try {
            const auto errs = port_.write(fc.queries);
            for (size_t i = 0; i < fc.queries.size(); i++)
                err_of[fc.queries[i]] = i < errs.size() ? errs[i] : EIO;
        } catch (const Error& e) {
            open_error = e.what();
        }
    }
    // What is still foreign afterwards, and what is there at all.
    std::set<SiteKey> still, present;
    if (!fc.queries.empty()) {
        const std::string after = port_.read();
        for (const auto& s : foreign_changes(after, broker, grammar_, modules).sites)
            still.insert(key_of(s.site));
        for (const auto& c : parse_control(after))
            present.insert(key_of(c));
    }

    std::vector<Outcome> out;
    for (const auto& s : fc.sites) {
        const SiteKey key = key_of(s.site);
        std::string why;
        if (!s.query)
            why = "unnameable";
        else if (!open_error.empty())
            why = "write-failed: " + open_error;
        else if (const int err = err_of[*s.query])
            why = std::string("write-failed: ") + std::strerror(err);
        else if (!present.count(key))
            why = "gone";
        else if (still.count(key))
            why = "not-restored";
        out.push_back(Outcome{s, why});
    }
    return out;
}

void ForeignWatch::report(const std::string& module, const std::vector<Outcome>& outcomes, const std::string& trigger)
{
    size_t restored = 0;
    std::map<std::string, size_t> left_by_why;
    std::vector<std::string> names;
    for (const auto& o : outcomes) {
        if (o.left_why.empty())
            restored++;
        else
            left_by_why[o.left_why]++;
        if (names.size() < kForeignSitesShown)
            names.push_back(shown(o.site));
    }
    std::string left_text;
    for (const auto& [w, n] : left_by_why)
        left_text += (left_text.empty() ? "" : ", ") + std::to_string(n) + " " + w;
    std::string sites = join(names, ", ");
    if (outcomes.size() > names.size())
        sites += " and " + std::to_string(outcomes.size() - names.size()) + " more";

    JournalRecord j;
    j.message_id = message_id::kDebugForeign;
    j.priority = left_by_why.empty() ? 4 : 3;
    j.fields = {{"LOCKDOWN_REASON", kDynamicDebugReason},
                {"LOCKDOWN_DEBUG_MODULE", module},
                {"LOCKDOWN_DEBUG_CALLSITES", std::to_string(outcomes.size())},
                {"LOCKDOWN_DEBUG_RESTORED", std::to_string(restored)},
                {"LOCKDOWN_DEBUG_LEFT", std::to_string(outcomes.size() - restored)},
                {"LOCKDOWN_DEBUG_SITES", sites},
                {"LOCKDOWN_WHY", trigger}};
    j.message = "Dynamic debug of module " + module +
                " changed without the broker (module parameter or modprobe.d); reverted: " +
                std::to_string(restored) + " of " + std::to_string(outcomes.size()) + " callsite(s) put back" +
                (left_text.empty() ? "" : ", left: " + left_text) + " (" + sites + "; seen at " + trigger + ")";
    if (hooks_.journal)
        hooks_.journal(j);
    if (!log_is_journal())
        log_warning("%s", j.message.c_str());
}

} // namespace ldb::dyndbg
