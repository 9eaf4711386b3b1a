// SPDX-License-Identifier: LGPL-2.1-or-later
// The Enforcer's grant keys in the pinned ld_grants map: one (cgroup,
// reason) key per pair a grant covers, all carrying the grant's id and its
// kernel-side lease (expiry), added all or none, renewed and removed by id;
// and the fences of the cgroups they name (ld_fences), which follow them.
#include "enforcement/enforcer.hpp"

#include <algorithm>
#include <bpf/bpf.h>
#include <cerrno>
#include <set>

#include "base/error.hpp"
#include "base/random_id.hpp"

namespace ldb {

namespace {

void check_request(const GrantRequest& req)
{
    if (req.reasons.empty() || req.cgroup_ids.empty())
        throw Error(ErrorKind::InvalidArgument, "a grant needs at least one reason and one cgroup");
    for (uint32_t r : req.reasons)
        if (r >= LD_MAX_REASONS)
            throw Error(ErrorKind::InvalidArgument, "reason value " + std::to_string(r) + " out of range");
}

} // namespace

void Enforcer::raise_fences(const std::vector<uint64_t>& cgroups, bool strict)
{
    for (uint64_t cg : cgroups) {
        ld_fence f{};
        if (bpf_map_lookup_elem(fences_.get(), &cg, &f) == 0 && (f.flags & LD_GRANT_FENCE_STRICT))
            continue; // already at least as tight
        f.flags = strict ? LD_GRANT_FENCE_STRICT : 0;
        f.pad = 0;
        if (bpf_map_update_elem(fences_.get(), &cg, &f, BPF_ANY) < 0)
            throw errno_error(errno, "fencing cgroup " + std::to_string(cg) + " in the kernel map");
    }
}

void Enforcer::derive_fences(const std::vector<uint64_t>& cgroups)
{
    const auto keys = grants();
    for (uint64_t cg : cgroups) {
        bool fenced = false, strict = false;
        for (const auto& k : keys)
            if (k.cgroup_id == cg) {
                fenced = true;
                strict = strict || (k.flags & LD_GRANT_FENCE_STRICT);
            }
        if (!fenced) {
            if (bpf_map_delete_elem(fences_.get(), &cg) < 0 && errno != ENOENT)
                throw errno_error(errno, "removing the fence of cgroup " + std::to_string(cg));
            continue;
        }
        const ld_fence f{strict ? LD_GRANT_FENCE_STRICT : 0u, 0};
        if (bpf_map_update_elem(fences_.get(), &cg, &f, BPF_ANY) < 0)
            throw errno_error(errno, "fencing cgroup " + std::to_string(cg) + " in the kernel map");
    }
}

std::vector<FenceEntry> Enforcer::fences() const
{
    std::vector<FenceEntry> out;
    uint64_t key = 0, next = 0;
    const void* prev = nullptr;
    while (bpf_map_get_next_key(fences_.get(), prev, &next) == 0) {
        ld_fence f{};
        if (bpf_map_lookup_elem(fences_.get(), &next, &f) == 0)
            out.push_back(FenceEntry{next, f.flags});
        key = next;
        prev = &key;
    }
    return out;
}

uint64_t Enforcer::add_grant(const GrantRequest& req)
{
    check_request(req);
    // Fenced first: no moment in which the grant is live and a process
    // could still be moved in from outside.
    const auto key_flags = [&req](uint64_t cg) {
        const bool lenient = std::find(req.pid1_may_enter.begin(), req.pid1_may_enter.end(), cg) !=
                             req.pid1_may_enter.end();
        return lenient ? req.flags & ~LD_GRANT_FENCE_STRICT : req.flags;
    };
    for (uint64_t cg : req.cgroup_ids)
        raise_fences({cg}, key_flags(cg) & LD_GRANT_FENCE_STRICT);
    const uint64_t id = random_id();
    ld_grant_value val{};
    val.grant_id = id;
    val.expires_boot_ns = req.expires_boot_ns;
    val.holder_uid = req.holder_uid;
    val.flags = req.flags;

    // Remember what each key held so a failure part-way restores it exactly.
    struct Undo {
        ld_grant_key key;
        bool had;
        ld_grant_value old;
    };
    std::vector<Undo> undo;
    try {
        for (uint64_t cg : req.cgroup_ids) {
            val.flags = key_flags(cg);
            for (uint32_t r : req.reasons) {
                ld_grant_key key{};
                key.cgroup_id = cg;
                key.reason = r;
                Undo u{key, false, {}};
                u.had = bpf_map_lookup_elem(grants_.get(), &key, &u.old) == 0;
                if (bpf_map_update_elem(grants_.get(), &key, &val, BPF_ANY) < 0)
                    throw errno_error(errno, "adding a grant to the kernel map");
                undo.push_back(u);
            }
        }
    } catch (...) {
        for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
            if (it->had)
                bpf_map_update_elem(grants_.get(), &it->key, &it->old, BPF_ANY);
            else
                bpf_map_delete_elem(grants_.get(), &it->key);
        }
        derive_fences(req.cgroup_ids);
        throw;
    }
    return id;
}

size_t Enforcer::for_each_key(uint64_t grant_id, const std::function<bool(const ld_grant_key&)>& fn)
{
    size_t done = 0;
    for (const auto& g : grants()) {
        if (g.grant_id != grant_id)
            continue;
        ld_grant_key key{};
        key.cgroup_id = g.cgroup_id;
        key.reason = g.reason;
        done += fn(key);
    }
    return done;
}

size_t Enforcer::remove_grant(uint64_t grant_id)
{
    std::set<uint64_t> cgroups;
    const size_t n = for_each_key(grant_id, [&](const ld_grant_key& key) {
        cgroups.insert(key.cgroup_id);
        if (bpf_map_delete_elem(grants_.get(), &key) == 0)
            return true;
        if (errno != ENOENT)
            throw errno_error(errno, "removing a grant from the kernel map");
        return false;
    });
    // Keys first, then fences: the fence outlives the last key.
    derive_fences({cgroups.begin(), cgroups.end()});
    return n;
}

size_t Enforcer::remove_grant_cgroup(uint64_t grant_id, uint64_t cgroup_id)
{
    const size_t n = for_each_key(grant_id, [&](const ld_grant_key& key) {
        if (key.cgroup_id != cgroup_id)
            return false;
        if (bpf_map_delete_elem(grants_.get(), &key) == 0)
            return true;
        if (errno != ENOENT)
            throw errno_error(errno, "removing a grant key from the kernel map");
        return false;
    });
    derive_fences({cgroup_id});
    return n;
}

size_t Enforcer::renew_grant(uint64_t grant_id, uint64_t expires_boot_ns)
{
    return for_each_key(grant_id, [&](const ld_grant_key& key) {
        ld_grant_value val{};
        if (bpf_map_lookup_elem(grants_.get(), &key, &val) < 0 || val.grant_id != grant_id)
            return false; // removed or replaced meanwhile
        val.expires_boot_ns = expires_boot_ns;
        // BPF_EXIST: never resurrect a key that was removed meanwhile.
        if (bpf_map_update_elem(grants_.get(), &key, &val, BPF_EXIST) == 0)
            return true;
        if (errno != ENOENT)
            throw errno_error(errno, "renewing a grant in the kernel map");
        return false;
    });
}

std::vector<GrantEntry> Enforcer::grants() const
{
    std::vector<GrantEntry> out;
    ld_grant_key key{}, next{};
    const void* prev = nullptr;
    while (bpf_map_get_next_key(grants_.get(), prev, &next) == 0) {
        ld_grant_value v{};
        if (bpf_map_lookup_elem(grants_.get(), &next, &v) == 0)
            out.push_back(GrantEntry{v.grant_id, next.cgroup_id, next.reason, v.expires_boot_ns, v.holder_uid, v.flags});
        key = next;
        prev = &key;
    }
    return out;
}

} // namespace ldb
