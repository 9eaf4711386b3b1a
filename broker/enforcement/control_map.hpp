// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The ld_control map (BPF_F_MMAPABLE), mapped into our memory: the policy
// switch (two slots; the inactive one is filled, then one release store
// flips to it), the active policy read back, and the allow counters kept
// there.
#include <array>
#include <cstddef>
#include <cstdint>

#include "enforcement/enforcer.hpp"
#include "enforcement/policy.hpp"
#include "lockdown-broker.h"

namespace ldb {

// A shared mapping of the control map, unmapped on scope exit: for writing
// the policy. Reads go through a copy (read_control), which a read-only fd
// allows too: the kernel maps a read-only fd privately, and a BPF map
// refuses that.
class ControlMapping {
public:
    explicit ControlMapping(int fd);
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
uint32_t switch_policy(int control_fd, const std::array<unsigned char, LD_MAX_REASONS>& table, uint32_t reason_count);
ActivePolicy read_active_policy(int control_fd);
// A copy of the control map's one value.
ld_control read_control(int control_fd);

} // namespace ldb
