// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// A kernel grant map in memory, for tests of what sits on ExceptionTable.
#include <map>
#include <utility>
#include <vector>

#include "base/error.hpp"
#include "exceptions/table.hpp"

namespace ldb_test {

using ldb::Error;
using ldb::ErrorKind;
using ldb::GrantEntry;
using ldb::GrantRequest;

class FakeKernel : public ldb::KernelGrants {
public:
    uint64_t add(const GrantRequest& req) override
    {
        if (fail_add)
            throw Error(ErrorKind::Kernel, "map full");
        const uint64_t id = next_id++;
        for (auto cg : req.cgroup_ids)
            for (auto r : req.reasons)
                keys.push_back({id, cg, r, req.expires_boot_ns, req.holder_uid});
        flags[id] = req.flags;
        return id;
    }
    size_t remove(uint64_t id) override
    {
        return std::erase_if(keys, [id](const GrantEntry& g) { return g.grant_id == id; });
    }
    size_t renew(uint64_t id, uint64_t t) override
    {
        size_t n = 0;
        for (auto& g : keys)
            if (g.grant_id == id) {
                g.expires_boot_ns = t;
                n++;
            }
        return n;
    }
    size_t narrow(uint64_t id, uint64_t cgroup_id) override
    {
        if (fail_narrow)
            throw Error(ErrorKind::Kernel, "cannot delete a key");
        narrowed.emplace_back(id, cgroup_id);
        return std::erase_if(keys, [&](const GrantEntry& g) { return g.grant_id == id && g.cgroup_id == cgroup_id; });
    }
    std::vector<GrantEntry> list() const override { return keys; }
    std::vector<GrantEntry> keys;
    std::vector<std::pair<uint64_t, uint64_t>> narrowed; // (grant, cgroup) asked
    bool fail_narrow = false;
    std::map<uint64_t, uint32_t> flags; // grant -> LD_GRANT_*
    uint64_t next_id = 0x1000;
    bool fail_add = false;
};

} // namespace ldb_test
