// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The guard entry (struct ld_guard in lockdown-broker.h): the mounts that
// hold the pins, recorded by the loader, and the seal the broker sets once
// it holds its fds. What the kernel does with it is in lockdown.bpf.c.
#include <cstdint>
#include <string>
#include <vector>

#include "enforcement/enforcer.hpp"
#include "lockdown-broker.h"

namespace ldb {

// Records in the guard our BPF file system's mount and every mount above it,
// as this process sees them: from the pin directory up to /. Must run in the
// initial mount namespace (lockdown-enforce.service does). Needs the
// pin-protection part, whose flock hook does the recording. Returns how
// many mounts were recorded (0 without that part).
uint32_t record_guarded_mounts(int guard_fd, const PinLayout& pins);

// Records in the guard the cgroup id of PID 1's own cgroup (init.scope under
// systemd), for the cgroup-fence part; nothing when PID 1 sits in the root
// cgroup (no systemd: the root is everyone's) or has no cgroup2 entry.
// Returns the id recorded, or 0.
uint64_t record_init_cgroup(int guard_fd);

// What the kernel must refuse new fds to.
struct SealIds {
    std::vector<uint32_t> maps;
    uint32_t events_map = 0;
    std::vector<uint32_t> progs;
    std::vector<uint32_t> links;
};

// The id of a BPF map behind `fd`, and its name.
uint32_t map_id(int fd, std::string* name = nullptr);
// Adds the ids of every link pinned under `pins` (every part's), and of its
// program. Link pins can be opened after the seal too; their programs not.
void add_link_ids(SealIds& ids, const PinLayout& pins);
// Writes the ids, the broker's tgid and sealed=1, keeping the mounts.
// Throws if a list does not fit.
void write_seal(int guard_fd, const SealIds& ids, uint32_t broker_tgid);

ld_guard read_guard(int guard_fd);

} // namespace ldb
