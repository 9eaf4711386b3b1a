// SPDX-License-Identifier: LGPL-2.1-or-later
#include "host/cgroup.hpp"

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "base/error.hpp"
#include "base/files.hpp"

namespace fs = std::filesystem;

namespace ldb {

namespace {

// One line per hierarchy; a path is at most PATH_MAX.
constexpr ReadLimits kProcCgroupLimits{.max_bytes = 64 * 1024, .too_big = ErrorKind::Kernel};

} // namespace

std::optional<std::string> unified_cgroup_entry(std::string_view text)
{
    while (!text.empty()) {
        const size_t nl = text.find('\n');
        const std::string_view line = text.substr(0, nl);
        if (line.starts_with("0::"))
            return std::string(line.substr(3));
        if (nl == std::string_view::npos)
            break;
        text.remove_prefix(nl + 1);
    }
    return std::nullopt;
}

uint64_t cgroup_id_of(const std::string& path, const std::string& root)
{
    std::string full = path;
    if (!path.starts_with(root))
        full = root + (path.starts_with("/") ? "" : "/") + path;
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

std::optional<std::string> cgroup_path_of(uint64_t id, const std::string& root)
{
    std::error_code ec;
    struct stat st{};
    if (::stat(root.c_str(), &st) == 0 && st.st_ino == id)
        return "/";
    constexpr int kMaxDepth = 16;
    for (fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
        if (it.depth() > kMaxDepth) {
            it.disable_recursion_pending();
            continue;
        }
        if (!it->is_directory(ec)) {
            continue;
        }
        if (::stat(it->path().c_str(), &st) == 0 && st.st_ino == id)
            return it->path().string().substr(root.size());
    }
    return std::nullopt;
}

std::optional<std::string> cgroup_of_pid(uint32_t pid)
{
    const std::string path = "/proc/" + std::to_string(pid) + "/cgroup";
    std::optional<std::string> text;
    try {
        text = read_file_if_exists(path, kProcCgroupLimits);
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::Kernel)
            throw; // larger than any /proc/PID/cgroup
        return std::nullopt; // ESRCH: the process exited between open and read
    }
    return text ? unified_cgroup_entry(*text) : std::nullopt;
}

std::string CgroupNames::path_of(uint64_t id, uint32_t pid)
{
    if (auto it = cache_.find(id); it != cache_.end())
        return it->second;
    std::string path;
    if (auto guess = cgroup_of_pid(pid)) {
        struct stat st{};
        if (::stat((root_ + *guess).c_str(), &st) == 0 && st.st_ino == id)
            path = *guess;
    }
    if (path.empty())
        path = cgroup_path_of(id, root_).value_or("");
    if (path.empty())
        return path; // gone: do not remember, a later walk will not find it either
    if (cache_.size() >= max_)
        cache_.clear();
    cache_.emplace(id, path);
    return path;
}

std::string unit_of_cgroup(std::string_view path)
{
    static constexpr std::string_view kSuffixes[] = {".service", ".scope", ".slice", ".socket", ".mount", ".swap"};
    while (!path.empty()) {
        const size_t slash = path.rfind('/');
        const std::string_view comp = slash == std::string_view::npos ? path : path.substr(slash + 1);
        // A slice is a unit too, but the leaf unit is what a user recognises.
        for (auto suf : kSuffixes)
            if (suf != ".slice" && comp.size() > suf.size() && comp.ends_with(suf))
                return std::string(comp);
        if (slash == std::string_view::npos)
            break;
        path = path.substr(0, slash);
    }
    return {};
}

bool is_safe_cgroup_path(std::string_view path)
{
    if (path.empty() || path.size() > 4096 || path.front() != '/')
        return false;
    size_t i = 1;
    while (i <= path.size()) {
        const size_t j = std::min(path.find('/', i), path.size());
        const std::string_view comp = path.substr(i, j - i);
        if (comp.empty() ? j != path.size() || path.size() != 1 : (comp == "." || comp == ".."))
            return false;
        for (char c : comp)
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                return false;
        i = j + 1;
    }
    return true;
}

std::string own_cgroup()
{
    if (auto path = unified_cgroup_entry(read_file("/proc/self/cgroup", kProcCgroupLimits)))
        return *path;
    throw Error(ErrorKind::Kernel, "no cgroup2 entry in /proc/self/cgroup", "lockdown-broker needs the unified cgroup hierarchy");
}

} // namespace ldb
