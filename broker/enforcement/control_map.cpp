// SPDX-License-Identifier: LGPL-2.1-or-later
#include "enforcement/control_map.hpp"

#include <cerrno>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

#include "base/error.hpp"

namespace ldb {

ControlMapping::ControlMapping(int fd, Access access)
{
    const long page = ::sysconf(_SC_PAGESIZE);
    len_ = (sizeof(ld_control) + static_cast<size_t>(page) - 1) / static_cast<size_t>(page) * static_cast<size_t>(page);
    void* p = ::mmap(nullptr, len_, access == Access::ReadOnly ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        throw errno_error(errno, "mapping the control map");
    ctl_ = static_cast<ld_control*>(p);
}

ControlMapping::~ControlMapping()
{
    ::munmap(ctl_, len_);
}

uint32_t switch_policy(int control_fd, const Policy& policy, uint32_t reason_count)
{
    ControlMapping ctl(control_fd);
    const uint32_t active = __atomic_load_n(&ctl->active_slot, __ATOMIC_ACQUIRE) & 1;
    const uint32_t next = active ^ 1;

    ld_policy p{};
    const auto table = policy.action_table();
    std::memcpy(p.action, table.data(), sizeof(p.action));
    p.generation = ctl->slot[active].generation + 1;
    p.reason_count = reason_count;
    // Fill the inactive slot completely, then flip with one release store.
    std::memcpy(&ctl->slot[next], &p, sizeof(p));
    __atomic_store_n(&ctl->active_slot, next, __ATOMIC_RELEASE);
    return p.generation;
}

ActivePolicy read_active_policy(int control_fd)
{
    ControlMapping ctl(control_fd, ControlMapping::Access::ReadOnly);
    ActivePolicy ap;
    ap.slot = __atomic_load_n(&ctl->active_slot, __ATOMIC_ACQUIRE) & 1;
    const ld_policy& p = ctl->slot[ap.slot];
    ap.generation = p.generation;
    ap.reason_count = p.reason_count;
    std::memcpy(ap.action.data(), p.action, sizeof(p.action));
    return ap;
}

} // namespace ldb
