// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hibernation/kernel_facts.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/unique_fd.hpp"
#include "hibernation/device_stack.hpp"
#include "hibernation/kernel_tree.hpp"
#include "hibernation/page_io.hpp"

namespace fs = std::filesystem;

namespace ldb {

using kernel_text::chomp;
using kernel_text::is_hex;
using kernel_text::shown;

std::string to_string(LayerKind k)
{
    switch (k) {
    case LayerKind::Disk: return "disk";
    case LayerKind::DmCrypt: return "dm-crypt";
    case LayerKind::DmIntegrity: return "dm-integrity";
    case LayerKind::DmOther: return "device-mapper";
    case LayerKind::Md: return "md";
    case LayerKind::Loop: return "loop";
    case LayerKind::Volatile: return "RAM";
    }
    return "?";
}

std::string describe_layer(const BlockLayer& l)
{
    std::string s = l.node();
    if (!l.dm_name.empty())
        s += " (" + shown(l.dm_name) + ")";
    return s;
}

namespace {

// The first block of a swap file, in pages, as systemd computes
// resume_offset. nullopt where FIEMAP is not supported (tmpfs) or refused.
std::optional<uint64_t> swap_file_offset(const std::string& path)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd)
        return std::nullopt;
    // struct fiemap ends in a flexible array: room for one extent after it.
    alignas(struct fiemap) unsigned char buf[sizeof(struct fiemap) + sizeof(struct fiemap_extent)]{};
    auto* map = reinterpret_cast<struct fiemap*>(buf);
    map->fm_start = 0;
    map->fm_length = FIEMAP_MAX_OFFSET;
    map->fm_extent_count = 1;
    if (::ioctl(fd.get(), FS_IOC_FIEMAP, map) < 0 || map->fm_mapped_extents == 0)
        return std::nullopt;
    const long page = ::sysconf(_SC_PAGESIZE);
    if (page <= 0)
        return std::nullopt;
    return map->fm_extents[0].fe_physical / static_cast<uint64_t>(page);
}

// The file system (or swap) UUID that udev's /dev/disk/by-uuid/ gives the
// kernel device `name`, or "": what resume=UUID= and RESUME=UUID= name.
std::string uuid_of(const KernelTree& tree, const std::string& name)
{
    constexpr size_t kMaxEntries = 4096;
    std::error_code ec;
    size_t seen = 0;
    fs::directory_iterator it(tree.path("/dev/disk/by-uuid"), ec);
    for (const fs::directory_iterator end{}; !ec && it != end && seen++ < kMaxEntries; it.increment(ec)) {
        const std::string uuid = it->path().filename().string();
        if (uuid.empty() || uuid.size() > 64 || !std::all_of(uuid.begin(), uuid.end(), [](char c) {
                return is_hex(c) || c == '-';
            }))
            continue;
        std::string err;
        if (tree.resolve("/dev/disk/by-uuid/" + uuid, err) == "/dev/" + name)
            return uuid;
    }
    return {};
}

// Page 0 of a swap partition. O_DIRECT on a device (page_io.hpp); a
// fixture's regular file is read without, and a short one holds nothing.
void read_swap_header(const std::string& full, bool is_block, SwapFacts& s)
{
    const UniqueFd fd = open_page0(full, O_RDONLY, is_block);
    if (!fd) {
        if (errno != ENOENT)
            s.header_errno = errno;
        return;
    }
    PageBuffer page(1);
    const PageIo r = read_page0(fd.get(), page);
    if (r.ok())
        s.header = swap_signature(page.data());
    else if (r.err)
        s.header_errno = r.err;
    else if (is_block)
        s.header_errno = EIO;
}

void gather_swap(const KernelTree& tree, CryptInspector& inspector, SwapFacts& s)
{
    const std::string& path = s.entry.path;
    if (s.entry.type == SwapType::Other) {
        s.error = "swap type '" + shown(s.entry.type_text) + "' is neither a partition nor a file";
        return;
    }
    if (s.entry.deleted) {
        s.error = "swap file " + shown(path) + " was deleted";
        return;
    }
    struct stat st{};
    const std::string full = tree.path(path);
    const bool stat_ok = ::stat(full.c_str(), &st) == 0;
    const int stat_errno = errno;
    if (s.entry.type == SwapType::File) {
        if (!stat_ok) {
            s.error = "cannot stat swap file " + shown(path) + ": " + std::strerror(stat_errno);
            return;
        }
        s.devno = DevNo{::major(st.st_dev), ::minor(st.st_dev)};
        s.file_offset_pages = swap_file_offset(full);
    } else if (stat_ok && S_ISBLK(st.st_mode)) {
        s.devno = DevNo{::major(st.st_rdev), ::minor(st.st_rdev)};
        read_swap_header(full, true, s);
    } else {
        if (stat_ok && S_ISREG(st.st_mode))
            read_swap_header(full, false, s); // a fixture's stand-in for the device
        // Not a device node here (a fixture tree, or /dev not populated):
        // find the kernel name and ask sysfs for its number.
        std::string err;
        std::string real = tree.resolve(path, err);
        if (real.empty())
            real = path;
        if (!real.starts_with("/dev/")) {
            s.error = "cannot tell which block device swap " + shown(path) + " is" + (err.empty() ? "" : ": " + err);
            return;
        }
        const std::string name = fs::path(real).filename().string();
        const auto dev = tree.read("/sys/class/block/" + name + "/dev", &err);
        const auto d = dev ? parse_devno(*dev) : std::nullopt;
        if (!d) {
            s.error = "cannot find the device number of swap " + shown(path) + ": " +
                      (dev ? "/sys/class/block/" + name + "/dev is not MAJ:MIN" : err);
            return;
        }
        s.devno = *d;
    }

    std::string err;
    const std::string dir = tree.resolve("/sys/dev/block/" + to_string(*s.devno), err);
    if (dir.empty()) {
        s.error = s.entry.type == SwapType::File
                      ? "the file system holding swap file " + shown(path) + " is on device " + to_string(*s.devno) +
                            ", which is not a block device in /sys/dev/block (btrfs, tmpfs and network file systems "
                            "are not supported): " + err
                      : err;
        return;
    }
    read_device_stack(tree, inspector, dir, s.layers);
    if (!s.layers.empty())
        s.uuid = uuid_of(tree, s.layers[0].name);
}


} // namespace

HibernationFacts gather_hibernation_facts(CryptInspector& inspector, const std::string& root)
{
    const KernelTree tree(root);
    HibernationFacts f;
    std::string err;
    if (const auto r = tree.read("/sys/power/resume", &err)) {
        f.resume_readable = true;
        f.resume_text = shown(chomp(*r));
        f.resume = parse_devno(*r);
        if (f.resume && !(*f.resume == DevNo{})) {
            std::string rerr;
            const std::string dir = tree.resolve("/sys/dev/block/" + to_string(*f.resume), rerr);
            if (!dir.empty())
                f.resume_name = fs::path(dir).filename().string();
        }
    } else {
        f.warnings.push_back(err);
    }
    if (const auto r = tree.read("/sys/power/resume_offset"))
        f.resume_offset = parse_u64(*r);
    if (const auto r = tree.read("/sys/power/image_size"))
        f.image_size = parse_u64(*r);
    if (const auto r = tree.read("/proc/meminfo")) {
        f.mem_total_kib = parse_meminfo_kib(*r, "MemTotal");
        f.active_anon_kib = parse_meminfo_kib(*r, "Active(anon)");
    }
    if (const auto r = tree.read("/proc/swaps", &err)) {
        f.swaps_readable = true;
        for (auto& e : parse_proc_swaps(*r, f.warnings)) {
            SwapFacts s;
            s.entry = std::move(e);
            f.swaps.push_back(std::move(s));
        }
    } else {
        f.warnings.push_back(err);
    }
    for (auto& s : f.swaps)
        gather_swap(tree, inspector, s);
    const long page = ::sysconf(_SC_PAGESIZE);
    f.page_size = page > 0 ? static_cast<uint64_t>(page) : 0;
    return f;
}

} // namespace ldb
