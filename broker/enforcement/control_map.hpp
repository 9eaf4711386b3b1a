// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The ld_control map (BPF_F_MMAPABLE), mapped into our memory: the policy
// switch (two slots; the inactive one is filled, then one release store
// flips to it), the active policy read back, and the allow counters kept
// there.
#include <cstddef>
#include <cstdint>

#include "enforcement/enforcer.hpp"
#include "enforcement/policy.hpp"
#include "lockdown-broker.h"

namespace ldb {

// A shared mapping of the control map, unmapped on scope exit. Read-only
// for inspection: once sealed, only the broker has a writable fd.
class ControlMapping {
public:
    enum class Access { ReadWrite, ReadOnly };
    explicit ControlMapping(int fd, Access access = Access::ReadWrite);
    ~ControlMapping();
    ControlMapping(const ControlMapping&) = delete;
    ControlMapping& operator=(const ControlMapping&) = delete;
    ld_control* operator->() const noexcept { return ctl_; }

private:
    ld_control* ctl_ = nullptr;
    size_t len_ = 0;
};

// Writes `policy` into the inactive slot and makes it the active one;
// returns the new generation.
uint32_t switch_policy(int control_fd, const Policy& policy, uint32_t reason_count);
ActivePolicy read_active_policy(int control_fd);

} // namespace ldb
