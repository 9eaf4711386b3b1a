// SPDX-License-Identifier: LGPL-2.1-or-later
#include "enforcement/control_map.hpp"

#include <bpf/bpf.h>
#include <cerrno>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

#include "base/error.hpp"

namespace ldb {

ControlMapping::ControlMapping(int fd)
{
    const long page = ::sysconf(_SC_PAGESIZE);
    len_ = (sizeof(ld_control) + static_cast<size_t>(page) - 1) / static_cast<size_t>(page) * static_cast<size_t>(page);
    void* p = ::mmap(nullptr, len_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
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
    return switch_policy(control_fd, policy.action_table(), reason_count);
}

uint32_t switch_policy(int control_fd, const std::array<unsigned char, LD_MAX_REASONS>& table, uint32_t reason_count)
{
    ControlMapping ctl(control_fd);
    const uint32_t active = __atomic_load_n(&ctl->active_slot, __ATOMIC_ACQUIRE) & 1;
    const uint32_t next = active ^ 1;

    ld_policy p{};
    std::memcpy(p.action, table.data(), sizeof(p.action));
    p.generation = ctl->slot[active].generation + 1;
    p.reason_count = reason_count;
    // Fill the inactive slot completely, then flip with one release store.
    std::memcpy(&ctl->slot[next], &p, sizeof(p));
    __atomic_store_n(&ctl->active_slot, next, __ATOMIC_RELEASE);
    return p.generation;
}

ld_control read_control(int control_fd)
{
    const uint32_t zero = 0;
    ld_control ctl{};
    if (bpf_map_lookup_elem(control_fd, &zero, &ctl) < 0)
        throw errno_error(errno, "reading the control map");
    return ctl;
}

ActivePolicy read_active_policy(int control_fd)
{
    const ld_control ctl = read_control(control_fd);
    ActivePolicy ap;
    ap.slot = ctl.active_slot & 1;
    const ld_policy& p = ctl.slot[ap.slot];
    ap.generation = p.generation;
    ap.reason_count = p.reason_count;
    std::memcpy(ap.action.data(), p.action, sizeof(p.action));
    return ap;
}

} // namespace ldb
