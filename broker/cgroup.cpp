// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cgroup.hpp"

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "error.hpp"

namespace fs = std::filesystem;

namespace ldb {

uint64_t cgroup_id_of(const std::string& path)
{
    std::string full = path;
    if (!path.starts_with(kCgroupRoot))
        full = std::string(kCgroupRoot) + (path.starts_with("/") ? "" : "/") + path;
    struct statfs sfs{};
    if (::statfs(full.c_str(), &sfs) < 0)
        throw errno_error(errno, "cgroup " + full);
    if (sfs.f_type != CGROUP2_SUPER_MAGIC)
        throw Error(ErrorKind::InvalidArgument, full + " is not on a cgroup2 file system",
                    "lockdown-broker needs the unified cgroup hierarchy");
    struct stat st{};
    if (::stat(full.c_str(), &st) < 0)
        throw errno_error(errno, "cgroup " + full);
    if (!S_ISDIR(st.st_mode))
        throw Error(ErrorKind::InvalidArgument, full + " is not a cgroup directory");
    return st.st_ino;
}

std::optional<std::string> cgroup_path_of(uint64_t id)
{
    std::error_code ec;
    struct stat st{};
    if (::stat(kCgroupRoot, &st) == 0 && st.st_ino == id)
        return "/";
    constexpr int kMaxDepth = 16;
    for (fs::recursive_directory_iterator it(kCgroupRoot, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
        if (it.depth() > kMaxDepth) {
            it.disable_recursion_pending();
            continue;
        }
        if (!it->is_directory(ec)) {
            continue;
        }
        if (::stat(it->path().c_str(), &st) == 0 && st.st_ino == id)
            return it->path().string().substr(std::char_traits<char>::length(kCgroupRoot));
    }
    return std::nullopt;
}

std::string own_cgroup()
{
    std::ifstream f("/proc/self/cgroup");
    std::string line;
    while (std::getline(f, line))
        if (line.starts_with("0::"))
            return line.substr(3);
    throw Error(ErrorKind::Kernel, "no cgroup2 entry in /proc/self/cgroup", "lockdown-broker needs the unified cgroup hierarchy");
}

} // namespace ldb
