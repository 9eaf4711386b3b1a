// SPDX-License-Identifier: LGPL-2.1-or-later
#include "enforcement/seal.hpp"

#include <algorithm>
#include <bpf/bpf.h>
#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/error.hpp"
#include "host/cgroup.hpp"

namespace ldb {

namespace {

void write_guard(int guard_fd, const ld_guard& g)
{
    const uint32_t zero = 0;
    if (bpf_map_update_elem(guard_fd, &zero, &g, BPF_ANY) < 0)
        throw errno_error(errno, "writing the guard map");
}

template <size_t N>
void copy_ids(const std::vector<uint32_t>& from, uint32_t (&to)[N], const char* what)
{
    if (from.size() > N)
        throw Error(ErrorKind::Internal, std::string("too many ") + what + " to seal: " + std::to_string(from.size()) +
                                             " (room for " + std::to_string(N) + ")");
    std::fill(std::begin(to), std::end(to), 0u);
    std::copy(from.begin(), from.end(), std::begin(to));
}

} // namespace

ld_guard read_guard(int guard_fd)
{
    const uint32_t zero = 0;
    ld_guard g{};
    if (bpf_map_lookup_elem(guard_fd, &zero, &g) < 0)
        throw errno_error(errno, "reading the guard map");
    return g;
}

uint32_t record_guarded_mounts(int guard_fd, const PinLayout& pins)
{
    ld_guard g = read_guard(guard_fd);
    g.recorder_tgid = static_cast<uint32_t>(::getpid());
    g.mount_count = 0;
    g.init_mnt_ns = 0;
    std::fill(std::begin(g.mounts), std::end(g.mounts), 0ull);
    write_guard(guard_fd, g);

    // Each directory from the pin directory up to /: the mount it is on is
    // the one that holds everything below it.
    std::string path = pins.dir;
    for (;;) {
        UniqueFd dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!dir)
            throw errno_error(errno, "opening " + path + " to record its mount");
        if (::flock(dir.get(), LOCK_SH) == 0)
            ::flock(dir.get(), LOCK_UN);
        if (path == "/")
            break;
        const size_t slash = path.rfind('/');
        path = slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
    }

    g = read_guard(guard_fd);
    g.recorder_tgid = 0;
    write_guard(guard_fd, g);
    return g.mount_count;
}

uint64_t record_init_cgroup(int guard_fd)
{
    const auto path = cgroup_of_pid(1);
    if (!path || *path == "/" || path->empty())
        return 0;
    const uint64_t id = cgroup_id_of(*path);
    ld_guard g = read_guard(guard_fd);
    g.init_cgroup_id = id;
    write_guard(guard_fd, g);
    return id;
}

uint32_t map_id(int fd, std::string* name)
{
    bpf_map_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
        throw errno_error(errno, "reading a map's id");
    if (name)
        *name = info.name;
    return info.id;
}

void add_link_ids(SealIds& ids, const PinLayout& pins)
{
    for (const auto& part : enforcement_parts())
        for (const char* link : part.links) {
            const int raw = bpf_obj_get(pins.path(link).c_str());
            if (raw < 0)
                continue; // a part that did not load: nothing to seal
            UniqueFd fd(raw);
            bpf_link_info info{};
            uint32_t len = sizeof(info);
            if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) < 0)
                throw errno_error(errno, "reading the link pinned at " + pins.path(link));
            ids.links.push_back(info.id);
            ids.progs.push_back(info.prog_id);
        }
}

void write_seal(int guard_fd, const SealIds& ids, uint32_t broker_tgid)
{
    ld_guard g = read_guard(guard_fd);
    copy_ids(ids.maps, g.map_ids, "maps");
    copy_ids(ids.progs, g.prog_ids, "programs");
    copy_ids(ids.links, g.link_ids, "links");
    g.events_map_id = ids.events_map;
    g.broker_tgid = broker_tgid;
    g.sealed = 1;
    write_guard(guard_fd, g);
}

} // namespace ldb
