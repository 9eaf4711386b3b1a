// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// A kernel grant map in memory, for tests of what sits on ExceptionTable.
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
    std::vector<GrantEntry> list() const override { return keys; }
    std::vector<GrantEntry> keys;
    uint64_t next_id = 0x1000;
    bool fail_add = false;
};

} // namespace ldb_test
