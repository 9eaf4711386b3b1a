// SPDX-License-Identifier: LGPL-2.1-or-later
#include "enforcement/skeleton.hpp"

#include <algorithm>
#include <array>
#include <bpf/bpf.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "base/error.hpp"
#include "enforcement/libbpf_log.hpp"

namespace ldb::skeleton {

namespace {

struct LinkDeleter {
    // Closes our fd only; a pinned link stays attached.
    void operator()(bpf_link* l) const noexcept { bpf_link__destroy(l); }
};

bool prog_tag(int prog_fd, std::array<unsigned char, BPF_TAG_SIZE>& tag)
{
    bpf_prog_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) < 0)
        return false;
    std::memcpy(tag.data(), info.tag, BPF_TAG_SIZE);
    return true;
}

// The tag of the program behind a pinned link, or false if there is no
// usable pinned link.
bool pinned_link_prog_tag(const std::string& link_path, std::array<unsigned char, BPF_TAG_SIZE>& tag)
{
    const int raw = bpf_obj_get(link_path.c_str());
    if (raw < 0)
        return false;
    UniqueFd link(raw);
    bpf_link_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(link.get(), &info, &len) < 0)
        return false;
    const int p = bpf_prog_get_fd_by_id(info.prog_id);
    if (p < 0)
        return false;
    UniqueFd prog(p);
    return prog_tag(prog.get(), tag);
}

// Upgrade: both programs run until the rename drops the old pin, so there
// is no moment without enforcement.
void replace_pin(bpf_link* link, const std::string& path)
{
    const std::string tmp = path + ".new";
    ::unlink(tmp.c_str());
    if (bpf_link__pin(link, tmp.c_str()) < 0)
        throw errno_error(errno, "pinning the new program link at " + tmp);
    if (::rename(tmp.c_str(), path.c_str()) < 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw errno_error(err, "replacing " + path);
    }
}

// For tests: LOCKDOWN_BROKER_TEST_UNLOADABLE=<part name> points that part's
// programs at an LSM hook that no kernel has, so that libbpf refuses them as
// it refuses a program whose hook or field this kernel lacks. It can only
// take parts away, and what it takes away is reported like any other
// failure, with the variable named in the cause.
bool test_unloadable(EnforcementPart p)
{
    const char* v = std::getenv("LOCKDOWN_BROKER_TEST_UNLOADABLE");
    return v && std::strcmp(v, part_info(p).name) == 0;
}

void make_unloadable(const std::vector<bpf_program*>& progs, std::string& refused)
{
    for (bpf_program* p : progs) {
        const int err = bpf_program__set_attach_target(p, 0, "ldb_test_no_such_hook");
        if (err < 0 && refused.empty())
            refused = std::string("prog '") + bpf_program__name(p) +
                      "': this kernel has no LSM hook ldb_test_no_such_hook (" + std::strerror(-err) +
                      "; set by LOCKDOWN_BROKER_TEST_UNLOADABLE)";
    }
}

} // namespace

void ensure_bpffs(const PinLayout& pins)
{
    const std::string parent = pins.dir.substr(0, pins.dir.rfind('/'));
    struct statfs sfs{};
    if (::statfs(parent.c_str(), &sfs) < 0)
        throw errno_error(errno, "checking " + parent);
    if (sfs.f_type != BPF_FS_MAGIC) {
        // Early boot: nobody mounted the BPF file system yet.
        if (::mount("bpf", parent.c_str(), "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") < 0)
            throw errno_error(errno, "mounting the BPF file system on " + parent);
    }
    if (::mkdir(pins.dir.c_str(), 0700) < 0 && errno != EEXIST)
        throw errno_error(errno, "creating " + pins.dir);
}

Error sealed_error(const std::string& path)
{
    return Error(ErrorKind::Refused,
                 "enforcement is sealed since the broker started (the kernel refused to open " + path +
                     "): policy changes take effect at the next boot",
                 "'systemctl reload lockdown-broker' applies a tighter policy now");
}

UniqueFd obj_get(const std::string& path, uint32_t file_flags)
{
    LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = file_flags);
    const int fd = bpf_obj_get_opts(path.c_str(), &opts);
    if (fd < 0) {
        const int err = errno;
        if (err == ENOENT)
            throw Error(ErrorKind::NotFound, "lockdown enforcement is not loaded: " + path + " does not exist",
                        "start it with: lockdown-brokerd --enforce-only");
        // The pin directory is root's (0700): root gets EPERM only from the
        // seal, everyone else EACCES from the path walk.
        if (err == EPERM && ::geteuid() == 0)
            throw sealed_error(path);
        throw errno_error(err, "opening " + path);
    }
    return UniqueFd(fd);
}

bool pinned(const std::string& path)
{
    struct stat st{};
    return ::lstat(path.c_str(), &st) == 0;
}

LinkOutcome ensure_link(bpf_program* prog, const std::string& path, bool may_replace)
{
    std::array<unsigned char, BPF_TAG_SIZE> old_tag{}, new_tag{};
    const bool have_link = pinned_link_prog_tag(path, old_tag);
    if (!prog_tag(bpf_program__fd(prog), new_tag))
        throw errno_error(errno, "reading the loaded program's tag");
    if (have_link && old_tag == new_tag)
        return LinkOutcome::Reused;
    if (have_link && !may_replace)
        throw Error(ErrorKind::Kernel,
                    "a different lockdown-broker BPF program is enforcing, and its pins are protected",
                    "reboot to switch to this version; the running enforcement stays in place until then");

    // By its section: lsm/ programs to their LSM hook, tp_btf/ to their
    // tracepoint.
    std::unique_ptr<bpf_link, LinkDeleter> link(bpf_program__attach(prog));
    if (!link) {
        const int err = errno;
        throw Error(ErrorKind::Kernel,
                    std::string("attaching ") + bpf_program__name(prog) + " to its hook failed: " + std::strerror(err),
                    "the kernel needs CONFIG_BPF_LSM=y and 'bpf' in its LSM list");
    }
    if (have_link) {
        replace_pin(link.get(), path);
        return LinkOutcome::Replaced;
    }
    // A stale non-link object under our name would block pinning.
    ::unlink(path.c_str());
    if (bpf_link__pin(link.get(), path.c_str()) < 0)
        throw errno_error(errno, "pinning the program link at " + path);
    return LinkOutcome::Attached;
}

std::vector<bpf_program*> programs_of(lockdown_bpf* s, EnforcementPart p)
{
    switch (p) {
    case EnforcementPart::LockedDown:
        return {s->progs.ld_locked_down};
    case EnforcementPart::Dyndbg:
        return {s->progs.ld_dyndbg_open};
    case EnforcementPart::PinProtection:
        return {s->progs.ld_protect_unlink, s->progs.ld_protect_rename, s->progs.ld_protect_rmdir,
                s->progs.ld_protect_umount,  s->progs.ld_protect_move,   s->progs.ld_protect_mount,
                s->progs.ld_protect_pivot,   s->progs.ld_protect_record};
    case EnforcementPart::SelfProtection:
        return {s->progs.ld_seal_map, s->progs.ld_seal_prog, s->progs.ld_seal_bpf, s->progs.ld_guard_ptrace};
    case EnforcementPart::KexecFile:
        return {s->progs.ld_kernel_read_file, s->progs.ld_kernel_load_data};
    case EnforcementPart::HibernationFiles:
        return {s->progs.ld_hibernation_open};
    case EnforcementPart::CgroupFence:
        return {s->progs.ld_fence_write, s->progs.ld_fence_clone, s->progs.ld_fence_attached,
                s->progs.ld_fence_ptrace, s->progs.ld_fence_traceme};
    }
    return {};
}

std::vector<bpf_map*> maps_of(lockdown_bpf* s)
{
    return {s->maps.ld_control, s->maps.ld_grants, s->maps.ld_events, s->maps.ld_counters, s->maps.ld_guard,
            s->maps.ld_fences,  s->maps.ld_marks};
}

SkelPtr open_part(EnforcementPart part, const PinLayout& pins, const struct stat& dir_st, std::string& refused)
{
    SkelPtr skel(lockdown_bpf__open());
    if (!skel)
        throw errno_error(errno, "opening the embedded BPF object");
    const auto mine = programs_of(skel.get(), part);
    bpf_program* prog = nullptr;
    bpf_object__for_each_program(prog, skel->obj)
        bpf_program__set_autoload(prog, std::find(mine.begin(), mine.end(), prog) != mine.end());
    for (bpf_map* m : maps_of(skel.get())) {
        const std::string path = pins.path(bpf_map__name(m));
        if (bpf_map__set_pin_path(m, path.c_str()) < 0)
            throw errno_error(errno, "setting pin path " + path);
    }
    // What the protection programs guard, fixed before load (.rodata is
    // frozen by libbpf afterwards). The kernel encodes dev_t as major<<20|minor.
    skel->rodata->protect_dir_ino = dir_st.st_ino;
    skel->rodata->protect_dev = (major(dir_st.st_dev) << 20) | minor(dir_st.st_dev);
    if (test_unloadable(part))
        make_unloadable(mine, refused);
    return skel;
}

void throw_core_load_error(int err, const PinLayout& pins)
{
    // libbpf opens each pinned map with BPF_OBJ_GET before it reuses it.
    if (err == EPERM && ::geteuid() == 0 && libbpf_log_contains("couldn't retrieve pinned map"))
        throw sealed_error(pins.dir);
    if (libbpf_log_contains("couldn't reuse pinned map"))
        throw Error(ErrorKind::Kernel,
                    "the maps pinned under " + pins.dir + " come from an incompatible version of lockdown-broker",
                    "reboot to switch versions; enforcement stays in place until then");
    const bool verifier = libbpf_log_contains("-- BEGIN PROG LOAD LOG --");
    if ((err == EPERM || err == EACCES) && !verifier)
        throw Error(ErrorKind::Permission,
                    "the kernel refused to load the BPF LSM program: " + std::string(std::strerror(err)),
                    ::geteuid() == 0 ? "check that this kernel can load BPF LSM programs: "
                                       "bpftool feature probe | grep -i lsm"
                                     : "run as root (CAP_SYS_ADMIN and CAP_BPF are needed)");
    const std::string cause = libbpf_cause();
    throw Error(ErrorKind::Kernel, "loading the BPF LSM program failed: " + std::string(std::strerror(err)) +
                                       (cause.empty() ? "" : " (" + cause + ")"),
                "run with --verbose for the full libbpf log");
}

SkelPtr load_optional(EnforcementPart part, const PinLayout& pins, const struct stat& dir_st, PartState& state)
{
    std::string refused;
    SkelPtr skel = open_part(part, pins, dir_st, refused);
    if (!refused.empty()) {
        state.cause = refused;
        return nullptr;
    }
    libbpf_log_clear();
    if (lockdown_bpf__load(skel.get()) < 0) {
        const int err = errno;
        const std::string cause = libbpf_cause();
        state.cause = cause.empty() ? std::strerror(err) : cause;
        return nullptr;
    }
    return skel;
}

void create_maps(const PinLayout& pins)
{
    SkelPtr skel(lockdown_bpf__open());
    if (!skel)
        throw errno_error(errno, "opening the embedded BPF object");
    bpf_program* prog = nullptr;
    bpf_object__for_each_program(prog, skel->obj)
        bpf_program__set_autoload(prog, false);
    for (bpf_map* m : maps_of(skel.get()))
        if (bpf_map__set_pin_path(m, pins.path(bpf_map__name(m)).c_str()) < 0)
            throw errno_error(errno, "setting a pin path under " + pins.dir);
    if (lockdown_bpf__load(skel.get()) < 0)
        throw Error(ErrorKind::Kernel, "creating the BPF maps failed: " + last_libbpf_line());
}

} // namespace ldb::skeleton
