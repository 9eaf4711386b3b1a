// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dyndbg/ledger.hpp"

#include <cstring>

#include "base/error.hpp"

namespace ldb::dyndbg {

namespace {

using Index = std::map<SiteKey, std::vector<const Callsite*>>;

// Points into `sites`, which must outlive the index.
Index index_of(const std::vector<Callsite>& sites)
{
    Index idx;
    for (const auto& c : sites)
        idx[key_of(c)].push_back(&c);
    return idx;
}

// The flags every callsite under this key has, or "" if they differ or none is left.
std::string flags_at(const Index& idx, const SiteKey& k)
{
    auto it = idx.find(k);
    if (it == idx.end() || it->second.empty())
        return {};
    const std::string& f = it->second.front()->flags;
    for (const Callsite* c : it->second)
        if (c->flags != f)
            return {};
    return f;
}

} // namespace

const ChangeRecord* Ledger::find(uint64_t id) const
{
    auto it = records_.find(id);
    return it == records_.end() ? nullptr : &it->second;
}

uint64_t Ledger::next_seq() const
{
    uint64_t s = 0;
    for (const auto& [id, r] : records_)
        s = std::max(s, r.seq);
    return s + 1;
}

void Ledger::add(ChangeRecord r)
{
    if (r.id == 0 || records_.count(r.id))
        throw Error(ErrorKind::Internal, "dynamic debug change id collision");
    records_.emplace(r.id, std::move(r));
}

RevertOutcome Ledger::revert(uint64_t id, ControlPort& port)
{
    auto it = records_.find(id);
    if (it == records_.end())
        throw Error(ErrorKind::NotFound, "no dynamic debug change " + std::to_string(id));
    const ChangeRecord& rec = it->second;
    RevertOutcome out;

    const auto now = parse_control(port.read());
    const Index idx = index_of(now);
    std::vector<std::string> queries;
    std::vector<SiteChange> planned;

    for (const SiteChange& sc : rec.sites) {
        // The earliest later change of the same callsite, if any.
        ChangeRecord* later = nullptr;
        SiteChange* later_site = nullptr;
        for (auto& [oid, other] : records_) {
            if (oid == id || other.seq <= rec.seq || (later && other.seq >= later->seq))
                continue;
            for (auto& os : other.sites)
                if (os.key == sc.key) {
                    later = &other;
                    later_site = &os;
                    break;
                }
        }
        if (later && later_site->old_flags == sc.new_flags) {
            later_site->old_flags = sc.old_flags;
            out.passed_on.push_back(sc);
            out.updated.push_back(later->id);
            continue;
        }
        if (idx.find(sc.key) == idx.end()) {
            out.left.push_back({sc, "gone"});
            continue;
        }
        if (flags_at(idx, sc.key) != sc.new_flags) {
            out.left.push_back({sc, "changed-since"});
            continue;
        }
        const auto q = site_query(sc.key, sc.old_flags, grammar_);
        if (!q) {
            out.left.push_back({sc, "unnameable"});
            continue;
        }
        queries.push_back(*q);
        planned.push_back(sc);
    }

    if (!queries.empty()) {
        const std::vector<int> errs = port.write(queries);
        const auto sites_after = parse_control(port.read());
        const Index after = index_of(sites_after); // points into sites_after
        for (size_t i = 0; i < planned.size(); i++) {
            const int err = i < errs.size() ? errs[i] : EIO;
            if (err != 0)
                out.left.push_back({planned[i], std::string("write-failed: ") + std::strerror(err)});
            else if (flags_at(after, planned[i].key) != planned[i].old_flags)
                out.left.push_back({planned[i], "not-restored"});
            else
                out.restored.push_back(planned[i]);
        }
    }
    records_.erase(it);
    return out;
}

} // namespace ldb::dyndbg
