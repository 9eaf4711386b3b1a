// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dyndbg/foreign_changes.hpp"

#include "base/text.hpp"

#include <set>

#include "base/error.hpp"

namespace ldb::dyndbg {

namespace {

// A module name with '*' or '?' would be a glob in a query, selecting
// other modules too; so would such a file or function name within its
// module. No kernel prints one; a reading that does is not trusted.
bool plain(const SiteKey& k)
{
    const auto no_glob = [](const std::string& s) { return s.find_first_of("*?") == std::string::npos; };
    return no_glob(k.module) && no_glob(k.file) && no_glob(k.function);
}

struct Reading {
    std::vector<Callsite> sites;
    std::vector<std::string> expected; // per site
    // (module, line) -> sites: every callsite a per-callsite query can
    // select (it names both exactly) is in its group.
    std::map<std::pair<std::string, uint32_t>, std::vector<size_t>> groups;
};

// The query that sets `site`'s expected flags, if it touches no callsite
// that should have other flags (a file named by its base name, a line
// shared by two functions of one class: nothing a kernel prints, but the
// reading is not trusted).
std::optional<std::string> exact_query(const Reading& r, size_t i, const Grammar& grammar)
{
    const SiteKey key = key_of(r.sites[i]);
    if (!plain(key))
        return std::nullopt;
    auto query = site_query(key, r.expected[i], grammar);
    if (!query)
        return std::nullopt;
    const Query parsed = parse_query(*query, Grammar{grammar.flags, true}); // site_query checked it parses
    for (size_t j : r.groups.at({r.sites[i].module, r.sites[i].line}))
        if (r.expected[j] != r.expected[i] && matches(parsed.match, r.sites[j], true))
            return std::nullopt;
    return query;
}

} // namespace

BrokerFlags broker_flags(const std::map<uint64_t, ChangeRecord>& records)
{
    std::map<SiteKey, std::pair<uint64_t, std::string>> newest; // key -> (seq, new flags)
    for (const auto& [id, r] : records)
        for (const auto& s : r.sites) {
            auto [it, fresh] = newest.try_emplace(s.key, r.seq, s.new_flags);
            if (!fresh && r.seq > it->second.first)
                it->second = {r.seq, s.new_flags};
        }
    BrokerFlags out;
    for (auto& [key, v] : newest)
        out.emplace(key, std::move(v.second));
    return out;
}

std::set<std::string> proc_modules(std::string_view text)
{
    std::set<std::string> out;
    for (const std::string_view line : lines_of(text)) {
        const std::string_view name = line.substr(0, line.find(' '));
        if (is_word(name))
            out.emplace(name);
    }
    return out;
}

ForeignChanges foreign_changes(std::string_view control, const BrokerFlags& broker, const Grammar& grammar,
                               const std::set<std::string>* modules)
{
    ForeignChanges out;
    Reading r;
    r.sites = parse_control(control, &out.bad);
    if (modules)
        std::erase_if(r.sites, [modules](const Callsite& c) { return !modules->count(c.module); });
    r.expected.reserve(r.sites.size());
    for (size_t i = 0; i < r.sites.size(); i++) {
        const auto held = broker.find(key_of(r.sites[i]));
        r.expected.push_back(held == broker.end() ? "_" : held->second);
        r.groups[{r.sites[i].module, r.sites[i].line}].push_back(i);
    }
    std::set<std::string> queued;
    for (size_t i = 0; i < r.sites.size(); i++) {
        if (r.sites[i].flags == r.expected[i])
            continue;
        // Callsites sharing a key (a macro expanded twice on one line) share
        // their query: one write puts both back.
        auto query = exact_query(r, i, grammar);
        if (query && queued.insert(*query).second)
            out.queries.push_back(*query);
        out.sites.push_back(ForeignSite{r.sites[i], r.expected[i], std::move(query)});
    }
    return out;
}

} // namespace ldb::dyndbg
