// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// cgroup v2 paths and ids. On cgroup2 a cgroup's id (what
// bpf_get_current_cgroup_id() returns) is its directory's inode number.

#include <cstdint>
#include <optional>
#include <string>

namespace ldb {

inline constexpr const char* kCgroupRoot = "/sys/fs/cgroup";

// Accepts an absolute path under /sys/fs/cgroup or a path relative to it
// ("/user.slice/..."). Throws if it is not a cgroup2 directory.
uint64_t cgroup_id_of(const std::string& path);

// Finds the cgroup with this id below /sys/fs/cgroup (bounded walk), returned
// relative to the root ("/user.slice/..."). nullopt if it is gone.
std::optional<std::string> cgroup_path_of(uint64_t id);

// The calling process's cgroup, relative to the root.
std::string own_cgroup();

} // namespace ldb
