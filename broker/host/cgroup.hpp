// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// cgroup v2 paths and ids. On cgroup2 a cgroup's id (what
// bpf_get_current_cgroup_id() returns) is its directory's inode number.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ldb {

inline constexpr const char* kCgroupRoot = "/sys/fs/cgroup";

// Accepts an absolute path under /sys/fs/cgroup or a path relative to it
// ("/user.slice/..."). Throws if it is not a cgroup2 directory.
// `root` is where cgroup2 is mounted (tests on hybrid hosts use
// /sys/fs/cgroup/unified).
uint64_t cgroup_id_of(const std::string& path, const std::string& root = kCgroupRoot);

// Finds the cgroup with this id below /sys/fs/cgroup (bounded walk), returned
// relative to the root ("/user.slice/..."). nullopt if it is gone.
std::optional<std::string> cgroup_path_of(uint64_t id, const std::string& root = kCgroupRoot);

// The cgroup2 path in the text of /proc/PID/cgroup (its "0::PATH" line),
// nullopt if there is none.
std::optional<std::string> unified_cgroup_entry(std::string_view proc_cgroup_text);

// The calling process's cgroup, relative to the root.
std::string own_cgroup();

// A process's cgroup2 path ("/user.slice/..."), or nullopt if the process is
// gone or has no cgroup2 entry.
std::optional<std::string> cgroup_of_pid(uint32_t pid);

// Names cgroups by id for event records, where the process may be gone by
// the time the record is read. Ids are never reused, so a cache is safe; it
// is cleared when full to stay bounded.
class CgroupNames {
public:
    explicit CgroupNames(std::string root = kCgroupRoot, size_t max_entries = 1024)
        : root_(std::move(root)), max_(max_entries) {}
    // The path of cgroup `id` ("" if it is gone). `pid` is a cheap first
    // guess: its current cgroup, if that is the one.
    std::string path_of(uint64_t id, uint32_t pid);

private:
    std::string root_;
    size_t max_;
    std::map<uint64_t, std::string> cache_;
};

// The systemd unit a cgroup path belongs to: the innermost component that
// names a unit ("session-3.scope", "foo.service"), or "" if none.
std::string unit_of_cgroup(std::string_view path);

// A path relative to the cgroup root that is safe to join to it: absolute,
// no "." or ".." components, no empty components, bounded length.
bool is_safe_cgroup_path(std::string_view path);

} // namespace ldb
