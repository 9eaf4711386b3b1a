// SPDX-License-Identifier: LGPL-2.1-or-later
#include "exceptions/table.hpp"

#include <algorithm>
#include <ctime>
#include <set>

#include "base/error.hpp"
#include "base/log.hpp"
#include "base/clock.hpp"

namespace ldb {

ExceptionTable::ExceptionTable(KernelGrants& kernel, const ReasonCatalog& reasons, ExceptionStore& store, Settings settings,
                       Clocks clocks, Hooks hooks)
    : kernel_(kernel), reasons_(reasons), store_(store), settings_(std::move(settings)), clocks_(std::move(clocks)),
      hooks_(std::move(hooks))
{
}

std::chrono::milliseconds ExceptionTable::renew_interval() const
{
    return std::chrono::milliseconds(settings_.lease_seconds * 1000 / 3);
}

uint64_t ExceptionTable::lease_until(const Exception& e) const
{
    if (!e.kernel_lease)
        return kNoLease;
    return std::min<uint64_t>(e.expires_boot_ns, clocks_.boot_ns() + settings_.lease_seconds * 1000000000ull);
}

const Exception& ExceptionTable::add(Exception spec, uint64_t seconds)
{
    if (spec.reasons.empty() || spec.cgroups.empty())
        throw Error(ErrorKind::InvalidArgument, "an exception needs at least one reason and one cgroup");
    GrantRequest req;
    for (const auto& name : spec.reasons) {
        const Reason* r = reasons_.find(name);
        if (!r)
            throw Error(ErrorKind::InvalidArgument, "unknown lockdown reason '" + name + "'");
        req.reasons.push_back(r->value);
    }
    for (const auto& cg : spec.cgroups) {
        req.cgroup_ids.push_back(settings_.cgroup_id(cg));
        if (fence_strict(spec) && fence_admits_pid1(spec, cg))
            req.pid1_may_enter.push_back(req.cgroup_ids.back());
    }
    spec.expires_boot_ns = clocks_.boot_ns() + seconds * 1000000000ull;
    spec.expires_realtime_usec = clocks_.realtime_usec() + seconds * 1000000ull;
    req.expires_boot_ns = lease_until(spec);
    req.holder_uid = spec.holder_uid;
    req.flags = (spec.view_only ? LD_GRANT_VIEW_ONLY : 0) | (fence_strict(spec) ? LD_GRANT_FENCE_STRICT : 0);

    spec.id = kernel_.add(req);
    try {
        store_.save(spec);
    } catch (...) {
        // Nothing half-applied: without its record a grant could not be
        // explained after a restart.
        kernel_.remove(spec.id);
        throw;
    }
    auto [it, inserted] = table_.emplace(spec.id, std::move(spec));
    if (!inserted)
        throw Error(ErrorKind::Internal, "exception id collision");
    if (hooks_.granted)
        hooks_.granted(it->second);
    return it->second;
}

bool ExceptionTable::remove(uint64_t id, RevokeWhy why)
{
    auto it = table_.find(id);
    if (it == table_.end())
        return false;
    // Kernel first: once this returns, no process can use the grant.
    kernel_.remove(id);
    Exception gone = std::move(it->second);
    table_.erase(it);
    try {
        store_.erase(id);
    } catch (const Error& e) {
        // The kernel grant is gone; a stale record is dropped at restore.
        log_warning("exception %016llx: %s", static_cast<unsigned long long>(id), e.what());
    }
    if (hooks_.revoked)
        hooks_.revoked(gone, why);
    return true;
}

size_t ExceptionTable::remove_if(const std::function<bool(const Exception&)>& pred, RevokeWhy why)
{
    std::vector<uint64_t> ids;
    for (const auto& [id, e] : table_)
        if (pred(e))
            ids.push_back(id);
    for (uint64_t id : ids)
        remove(id, why);
    return ids.size();
}

size_t ExceptionTable::end_session(const std::string& session_id, RevokeWhy why)
{
    return remove_if([&](const Exception& e) { return !e.holder_session.empty() && e.holder_session == session_id; }, why);
}

size_t ExceptionTable::end_unit(const std::string& unit)
{
    return remove_if([&](const Exception& e) { return e.scope_kind == ScopeKind::Unit && e.scope == unit; },
                     RevokeWhy::UnitStopped);
}

size_t ExceptionTable::end_all_sessions(RevokeWhy why)
{
    return remove_if([](const Exception& e) { return !e.holder_session.empty(); }, why);
}

bool ExceptionTable::narrow(uint64_t id, const std::vector<std::string>& drop, std::string_view why)
{
    auto it = table_.find(id);
    if (it == table_.end())
        return false;
    Exception& e = it->second;
    std::vector<std::string> kept, dropped;
    for (const auto& cg : e.cgroups)
        (std::find(drop.begin(), drop.end(), cg) == drop.end() ? kept : dropped).push_back(cg);
    if (dropped.empty())
        return false;
    if (kept.empty())
        return remove(id, RevokeWhy::Invalid);
    // Kernel first, as remove() does: once this returns, no process in a
    // dropped cgroup can use the grant.
    for (const auto& cg : dropped) {
        try {
            kernel_.narrow(id, settings_.cgroup_id(cg));
        } catch (const Error& err) {
            if (err.kind() != ErrorKind::NotFound)
                throw;
            // A removed cgroup has no processes, and its id is never reused:
            // its keys can do nothing and go with the grant.
            log_info("exception %016llx: %s is gone", static_cast<unsigned long long>(id), cg.c_str());
        }
    }
    e.cgroups = std::move(kept);
    e.narrowed = std::string(why);
    try {
        store_.save(e);
    } catch (const Error& err) {
        // The kernel is narrowed; a record that still names the cgroup is
        // narrowed again at restore if the condition still holds.
        log_warning("exception %016llx: %s", static_cast<unsigned long long>(id), err.what());
    }
    if (hooks_.narrowed)
        hooks_.narrowed(e);
    return true;
}

const Exception* ExceptionTable::find(uint64_t id) const
{
    auto it = table_.find(id);
    return it == table_.end() ? nullptr : &it->second;
}

void ExceptionTable::renew()
{
    const uint64_t now = clocks_.boot_ns();
    remove_if([now](const Exception& e) { return e.expires_boot_ns <= now; }, RevokeWhy::Expired);
    std::vector<uint64_t> vanished;
    for (const auto& [id, e] : table_)
        if (kernel_.renew(id, lease_until(e)) == 0)
            vanished.push_back(id);
    for (uint64_t id : vanished) {
        log_warning("exception %016llx disappeared from the kernel map; dropping it",
                    static_cast<unsigned long long>(id));
        remove(id, RevokeWhy::Invalid);
    }
}

void ExceptionTable::restore(const std::function<std::optional<RevokeWhy>(const Exception&)>& invalid_why)
{
    std::set<uint64_t> in_kernel;
    for (const auto& g : kernel_.list())
        in_kernel.insert(g.grant_id);
    std::vector<std::string> bad;
    auto records = store_.load_all(bad);
    for (const auto& b : bad)
        log_warning("dropped an unreadable exception record: %s", b.c_str());

    std::set<uint64_t> known;
    for (auto& e : records) {
        if (!in_kernel.count(e.id)) {
            log_info("exception %016llx ended while the broker was down", static_cast<unsigned long long>(e.id));
            store_.erase(e.id);
            continue;
        }
        known.insert(e.id);
        table_.emplace(e.id, std::move(e));
    }
    for (uint64_t id : in_kernel)
        if (!known.count(id)) {
            log_warning("removing kernel grant %016llx: no record explains it", static_cast<unsigned long long>(id));
            kernel_.remove(id);
        }
    std::vector<std::pair<uint64_t, RevokeWhy>> invalid;
    for (const auto& [id, e] : table_)
        if (const auto why = invalid_why(e))
            invalid.emplace_back(id, *why);
    for (const auto& [id, why] : invalid)
        remove(id, why);
    renew();
}

} // namespace ldb
