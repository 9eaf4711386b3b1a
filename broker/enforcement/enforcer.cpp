// SPDX-License-Identifier: LGPL-2.1-or-later
#include "enforcement/enforcer.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <linux/magic.h>
#include <functional>
#include <memory>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <sys/vfs.h>

#include "base/error.hpp"
#include "lockdown.skel.h"

namespace ldb {

namespace {

// libbpf talks through a global print callback. We keep its recent lines so
// that an error can show the one that matters, and echo only with verbose.
std::string g_libbpf_log;
bool g_libbpf_verbose = false;

int libbpf_print(enum libbpf_print_level level, const char* fmt, va_list ap)
{
    if (level == LIBBPF_DEBUG && !g_libbpf_verbose)
        return 0;
    // A program's verifier log comes as one call and can be long; the line
    // that names a failed CO-RE relocation is near its end.
    va_list copy;
    va_copy(copy, ap);
    const int n = std::vsnprintf(nullptr, 0, fmt, copy);
    va_end(copy);
    if (n > 0) {
        std::string buf(static_cast<size_t>(n) + 1, '\0');
        va_copy(copy, ap);
        std::vsnprintf(buf.data(), buf.size(), fmt, copy);
        va_end(copy);
        buf.resize(static_cast<size_t>(n));
        g_libbpf_log.append(buf);
        if (g_libbpf_log.size() > 65536)
            g_libbpf_log.erase(0, g_libbpf_log.size() - 65536);
    }
    if (g_libbpf_verbose)
        std::vfprintf(stderr, fmt, ap);
    return 0;
}

std::string last_libbpf_line()
{
    std::string s = g_libbpf_log;
    while (!s.empty() && s.back() == '\n')
        s.pop_back();
    const size_t nl = s.rfind('\n');
    return nl == std::string::npos ? s : s.substr(nl + 1);
}

// What libbpf's log says about why a load failed: a CO-RE relocation that
// does not fit this kernel if one is named; else the program the kernel
// refused and the verifier's last complaint; else the last line.
std::string libbpf_cause()
{
    const std::string& log = g_libbpf_log;
    auto line_at = [&](size_t at) {
        const size_t start = at == 0 ? 0 : log.rfind('\n', at - 1);
        const size_t from = start == std::string::npos || at == 0 ? 0 : start + 1;
        const size_t end = log.find('\n', at);
        return log.substr(from, end == std::string::npos ? std::string::npos : end - from);
    };
    for (const char* t : {"failed to resolve CO-RE relocation", "failed to find kernel BTF type ID"})
        if (const size_t at = log.rfind(t); at != std::string::npos)
            return line_at(at);
    const size_t failed = log.rfind("BPF program load failed");
    const size_t end_log = log.rfind("-- END PROG LOAD LOG --");
    if (failed != std::string::npos) {
        std::string cause = line_at(failed);
        if (end_log != std::string::npos && end_log > failed) {
            // The verifier ends with statistics; its complaint is the line
            // before them.
            size_t pos = end_log;
            while (pos > failed) {
                const size_t prev = log.rfind('\n', pos - 1);
                if (prev == std::string::npos || prev <= failed)
                    break;
                const std::string l = line_at(prev + 1);
                pos = prev;
                if (l.empty() || l.rfind("processed ", 0) == 0 || l.rfind("verification time", 0) == 0 ||
                    l.rfind("stack depth", 0) == 0 || l.rfind("-- END", 0) == 0)
                    continue;
                cause += "; verifier: " + l;
                break;
            }
        }
        return cause;
    }
    return last_libbpf_line();
}

struct SkelDeleter {
    void operator()(lockdown_bpf* s) const noexcept { lockdown_bpf__destroy(s); }
};
struct LinkDeleter {
    // Closes our fd only; a pinned link stays attached.
    void operator()(bpf_link* l) const noexcept { bpf_link__destroy(l); }
};

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

UniqueFd obj_get(const std::string& path)
{
    const int fd = bpf_obj_get(path.c_str());
    if (fd < 0) {
        const int err = errno;
        if (err == ENOENT)
            throw Error(ErrorKind::NotFound, "lockdown enforcement is not loaded: " + path + " does not exist",
                        "start it with: lockdown-brokerd --enforce-only");
        throw errno_error(err, "opening " + path);
    }
    return UniqueFd(fd);
}

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

// A shared mapping of the ld_control map (BPF_F_MMAPABLE), unmapped on scope exit.
class ControlMapping {
public:
    explicit ControlMapping(int fd)
    {
        const long page = ::sysconf(_SC_PAGESIZE);
        len_ = (sizeof(ld_control) + static_cast<size_t>(page) - 1) / static_cast<size_t>(page) * static_cast<size_t>(page);
        void* p = ::mmap(nullptr, len_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
            throw errno_error(errno, "mapping the control map");
        ctl_ = static_cast<ld_control*>(p);
    }
    ~ControlMapping() { ::munmap(ctl_, len_); }
    ControlMapping(const ControlMapping&) = delete;
    ControlMapping& operator=(const ControlMapping&) = delete;
    ld_control* operator->() const noexcept { return ctl_; }

private:
    ld_control* ctl_ = nullptr;
    size_t len_ = 0;
};

void write_policy(int control_fd, const Policy& policy, uint32_t reason_count, uint32_t& generation)
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
    generation = p.generation;
}

uint64_t random_id()
{
    uint64_t id = 0;
    while (id == 0) {
        if (::getrandom(&id, sizeof(id), 0) != sizeof(id))
            throw errno_error(errno, "getrandom");
    }
    return id;
}

} // namespace

std::string decision_name(uint32_t decision)
{
    switch (decision) {
    case LD_DECISION_ALLOW:
        return "allow";
    case LD_DECISION_DENY:
        return "deny";
    case LD_DECISION_AUDIT:
        return "audit";
    case LD_DECISION_GRANTED:
        return "granted";
    case LD_DECISION_EXPIRED:
        return "expired";
    }
    return "decision-" + std::to_string(decision);
}

namespace {

// What happened to one program's link.
enum class LinkOutcome { Reused, Attached, Replaced };

// Attaches `prog` and pins its link at `path`, reusing a pinned link whose
// program has the same tag. `may_replace` is false once the pins are
// protected: the old pin can no longer be renamed over.
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

    std::unique_ptr<bpf_link, LinkDeleter> link(bpf_program__attach_lsm(prog));
    if (!link) {
        const int err = errno;
        throw Error(ErrorKind::Kernel,
                    std::string("attaching ") + bpf_program__name(prog) + " to its LSM hook failed: " + std::strerror(err),
                    "the kernel needs CONFIG_BPF_LSM=y and 'bpf' in its LSM list");
    }
    if (!have_link) {
        // A stale non-link object under our name would block pinning.
        ::unlink(path.c_str());
        if (bpf_link__pin(link.get(), path.c_str()) < 0)
            throw errno_error(errno, "pinning the program link at " + path);
        return LinkOutcome::Attached;
    }
    // Upgrade: both programs run until the rename drops the old pin, so there
    // is no moment without enforcement.
    const std::string tmp = path + ".new";
    ::unlink(tmp.c_str());
    if (bpf_link__pin(link.get(), tmp.c_str()) < 0)
        throw errno_error(errno, "pinning the new program link at " + tmp);
    if (::rename(tmp.c_str(), path.c_str()) < 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw errno_error(err, "replacing " + path);
    }
    return LinkOutcome::Replaced;
}

bool exists(const std::string& path)
{
    struct stat st{};
    return ::lstat(path.c_str(), &st) == 0;
}

} // namespace

namespace {

using SkelPtr = std::unique_ptr<lockdown_bpf, SkelDeleter>;

std::vector<bpf_program*> programs_of(lockdown_bpf* s, EnforcementPart p)
{
    switch (p) {
    case EnforcementPart::LockedDown:
        return {s->progs.ld_locked_down};
    case EnforcementPart::DynamicDebug:
        return {s->progs.ld_dyndbg_open};
    case EnforcementPart::PinProtection:
        return {s->progs.ld_protect_unlink, s->progs.ld_protect_rename, s->progs.ld_protect_rmdir,
                s->progs.ld_protect_umount};
    }
    return {};
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

// A skeleton in which only `part`'s programs load; its maps are the pinned
// ones (libbpf reuses a compatible pinned map, or creates and pins it).
// `refused` gets why libbpf refused the part before its load, if it did.
SkelPtr open_part(EnforcementPart part, const PinLayout& pins, const struct stat& dir_st, std::string& refused)
{
    SkelPtr skel(lockdown_bpf__open());
    if (!skel)
        throw errno_error(errno, "opening the embedded BPF object");
    const auto mine = programs_of(skel.get(), part);
    bpf_program* prog = nullptr;
    bpf_object__for_each_program(prog, skel->obj)
        bpf_program__set_autoload(prog, std::find(mine.begin(), mine.end(), prog) != mine.end());
    bpf_map* maps[] = {skel->maps.ld_control, skel->maps.ld_grants, skel->maps.ld_events, skel->maps.ld_counters};
    for (bpf_map* m : maps) {
        const std::string path = pins.path(bpf_map__name(m));
        if (bpf_map__set_pin_path(m, path.c_str()) < 0)
            throw errno_error(errno, "setting pin path " + path);
    }
    // What the protection programs guard, fixed before load (.rodata is
    // frozen by libbpf afterwards). The kernel encodes dev_t as major<<20|minor.
    skel->rodata->protect_dir_ino = dir_st.st_ino;
    skel->rodata->protect_dev = (major(dir_st.st_dev) << 20) | minor(dir_st.st_dev);
    if (test_unloadable(part)) {
        for (bpf_program* p : mine) {
            const int err = bpf_program__set_attach_target(p, 0, "ldb_test_no_such_hook");
            if (err < 0 && refused.empty())
                refused = std::string("prog '") + bpf_program__name(p) +
                          "': this kernel has no LSM hook ldb_test_no_such_hook (" + std::strerror(-err) +
                          "; set by LOCKDOWN_BROKER_TEST_UNLOADABLE)";
        }
    }
    return skel;
}

[[noreturn]] void throw_core_load_error(int err, const PinLayout& pins)
{
    const std::string line = last_libbpf_line();
    if (g_libbpf_log.find("couldn't reuse pinned map") != std::string::npos)
        throw Error(ErrorKind::Kernel,
                    "the maps pinned under " + pins.dir + " come from an incompatible version of lockdown-broker",
                    "reboot to switch versions; enforcement stays in place until then");
    const bool verifier = g_libbpf_log.find("-- BEGIN PROG LOAD LOG --") != std::string::npos;
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

// Loads an optional part; on failure records why and returns null.
SkelPtr load_optional(EnforcementPart part, const PinLayout& pins, const struct stat& dir_st, PartState& state)
{
    std::string refused;
    SkelPtr skel = open_part(part, pins, dir_st, refused);
    if (!refused.empty()) {
        state.cause = refused;
        return nullptr;
    }
    g_libbpf_log.clear();
    if (lockdown_bpf__load(skel.get()) < 0) {
        const int err = errno;
        const std::string cause = libbpf_cause();
        state.cause = cause.empty() ? std::strerror(err) : cause;
        return nullptr;
    }
    return skel;
}

} // namespace

EnforceReport Enforcer::enforce(const Policy& policy, uint32_t reason_count, bool protect_pins, const PinLayout& pins,
                                bool verbose)
{
    g_libbpf_verbose = verbose;
    g_libbpf_log.clear();
    libbpf_set_print(libbpf_print);

    ensure_bpffs(pins);
    EnforceReport report;
    for (const char* m : {"ld_control", "ld_grants", "ld_events", "ld_counters"})
        report.reused_maps = report.reused_maps || exists(pins.path(m));

    struct stat dir_st{};
    if (::stat(pins.dir.c_str(), &dir_st) < 0)
        throw errno_error(errno, "stat " + pins.dir);

    // 1. locked_down, the policy itself: without it nothing is enforced, so
    // its failure is the command's failure. Its load creates or reuses the
    // pinned maps that the other parts share.
    std::string refused;
    SkelPtr core = open_part(EnforcementPart::LockedDown, pins, dir_st, refused);
    if (!refused.empty())
        throw Error(ErrorKind::Kernel, "loading the BPF LSM program failed: " + refused);
    if (lockdown_bpf__load(core.get()) < 0)
        throw_core_load_error(errno, pins);

    write_policy(bpf_map__fd(core->maps.ld_control), policy, reason_count, report.generation);

    const auto& protect_links = part_info(EnforcementPart::PinProtection).links;
    const bool protected_now = std::any_of(protect_links.begin(), protect_links.end(),
                                           [&](const char* l) { return exists(pins.path(l)); });

    switch (ensure_link(core->progs.ld_locked_down, pins.path(LD_PIN_LINK), !protected_now)) {
    case LinkOutcome::Reused:
        report.reused_link = true;
        break;
    case LinkOutcome::Replaced:
        report.replaced_link = true;
        break;
    default:
        break;
    }
    report.parts.push_back({part_info(EnforcementPart::LockedDown).name, true, ""});

    // 2. The optional parts, each on its own: one that cannot load on this
    // kernel is reported, and enforcement stands.
    auto attach_optional = [&](EnforcementPart part) {
        PartState state{part_info(part).name, false, ""};
        SkelPtr skel = load_optional(part, pins, dir_st, state);
        if (skel) {
            const auto progs = programs_of(skel.get(), part);
            const auto& links = part_info(part).links;
            try {
                for (size_t i = 0; i < progs.size(); i++)
                    ensure_link(progs[i], pins.path(links[i]), !protected_now);
                state.loaded = true;
            } catch (const Error& e) {
                if (e.kind() != ErrorKind::Kernel)
                    throw;
                state.cause = e.what();
            }
        }
        report.parts.push_back(state);
        return state.loaded;
    };

    // The dynamic-debug pseudo-reason: opening a dynamic_debug control file
    // for writing.
    attach_optional(EnforcementPart::DynamicDebug);

    if (protect_pins || protected_now) {
        report.pins_protected = attach_optional(EnforcementPart::PinProtection) || protected_now;
        if (!protect_pins)
            report.note = "ProtectPins=no takes effect at the next boot: the pins of " + pins.dir +
                          " are protected until then";
    } else {
        report.parts.push_back({part_info(EnforcementPart::PinProtection).name, false, "ProtectPins=no"});
    }
    return report;
}

void Enforcer::create_maps_only(const PinLayout& pins)
{
    libbpf_set_print(libbpf_print);
    ensure_bpffs(pins);
    std::unique_ptr<lockdown_bpf, SkelDeleter> skel(lockdown_bpf__open());
    if (!skel)
        throw errno_error(errno, "opening the embedded BPF object");
    bpf_object* obj = skel->obj;
    bpf_program* prog = nullptr;
    bpf_object__for_each_program(prog, obj)
        bpf_program__set_autoload(prog, false);
    bpf_map* maps[] = {skel->maps.ld_control, skel->maps.ld_grants, skel->maps.ld_events, skel->maps.ld_counters};
    for (bpf_map* m : maps)
        if (bpf_map__set_pin_path(m, pins.path(bpf_map__name(m)).c_str()) < 0)
            throw errno_error(errno, "setting a pin path under " + pins.dir);
    if (lockdown_bpf__load(skel.get()) < 0)
        throw Error(ErrorKind::Kernel, "creating the BPF maps failed: " + last_libbpf_line());
}

bool Enforcer::link_pinned(const PinLayout& pins, const char* name)
{
    const int fd = bpf_obj_get(pins.path(name).c_str());
    if (fd < 0)
        return false;
    UniqueFd link(fd);
    bpf_link_info info{};
    uint32_t len = sizeof(info);
    return bpf_obj_get_info_by_fd(link.get(), &info, &len) == 0 && info.type == BPF_LINK_TYPE_TRACING;
}

Enforcer Enforcer::open_pinned(const PinLayout& pins)
{
    Enforcer e;
    e.control_ = obj_get(pins.path("ld_control"));
    e.grants_ = obj_get(pins.path("ld_grants"));
    e.events_ = obj_get(pins.path("ld_events"));
    e.counters_ = obj_get(pins.path("ld_counters"));
    return e;
}

uint64_t Enforcer::add_grant(const GrantRequest& req)
{
    if (req.reasons.empty() || req.cgroup_ids.empty())
        throw Error(ErrorKind::InvalidArgument, "a grant needs at least one reason and one cgroup");
    for (uint32_t r : req.reasons)
        if (r >= LD_MAX_REASONS)
            throw Error(ErrorKind::InvalidArgument, "reason value " + std::to_string(r) + " out of range");

    const uint64_t id = random_id();
    ld_grant_value val{};
    val.grant_id = id;
    val.expires_boot_ns = req.expires_boot_ns;
    val.holder_uid = req.holder_uid;

    // Remember what each key held so a failure part-way restores it exactly.
    struct Undo {
        ld_grant_key key;
        bool had;
        ld_grant_value old;
    };
    std::vector<Undo> undo;
    try {
        for (uint64_t cg : req.cgroup_ids) {
            for (uint32_t r : req.reasons) {
                ld_grant_key key{};
                key.cgroup_id = cg;
                key.reason = r;
                Undo u{key, false, {}};
                u.had = bpf_map_lookup_elem(grants_.get(), &key, &u.old) == 0;
                if (bpf_map_update_elem(grants_.get(), &key, &val, BPF_ANY) < 0)
                    throw errno_error(errno, "adding a grant to the kernel map");
                undo.push_back(u);
            }
        }
    } catch (...) {
        for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
            if (it->had)
                bpf_map_update_elem(grants_.get(), &it->key, &it->old, BPF_ANY);
            else
                bpf_map_delete_elem(grants_.get(), &it->key);
        }
        throw;
    }
    return id;
}

size_t Enforcer::for_each_key(uint64_t grant_id, const std::function<bool(const ld_grant_key&)>& fn)
{
    size_t done = 0;
    for (const auto& g : grants()) {
        if (g.grant_id != grant_id)
            continue;
        ld_grant_key key{};
        key.cgroup_id = g.cgroup_id;
        key.reason = g.reason;
        done += fn(key);
    }
    return done;
}

size_t Enforcer::remove_grant(uint64_t grant_id)
{
    return for_each_key(grant_id, [this](const ld_grant_key& key) {
        if (bpf_map_delete_elem(grants_.get(), &key) == 0)
            return true;
        if (errno != ENOENT)
            throw errno_error(errno, "removing a grant from the kernel map");
        return false;
    });
}

size_t Enforcer::renew_grant(uint64_t grant_id, uint64_t expires_boot_ns)
{
    return for_each_key(grant_id, [&](const ld_grant_key& key) {
        ld_grant_value val{};
        if (bpf_map_lookup_elem(grants_.get(), &key, &val) < 0 || val.grant_id != grant_id)
            return false; // removed or replaced meanwhile
        val.expires_boot_ns = expires_boot_ns;
        // BPF_EXIST: never resurrect a key that was removed meanwhile.
        if (bpf_map_update_elem(grants_.get(), &key, &val, BPF_EXIST) == 0)
            return true;
        if (errno != ENOENT)
            throw errno_error(errno, "renewing a grant in the kernel map");
        return false;
    });
}

std::vector<GrantEntry> Enforcer::grants() const
{
    std::vector<GrantEntry> out;
    ld_grant_key key{}, next{};
    const void* prev = nullptr;
    while (bpf_map_get_next_key(grants_.get(), prev, &next) == 0) {
        ld_grant_value v{};
        if (bpf_map_lookup_elem(grants_.get(), &next, &v) == 0)
            out.push_back(GrantEntry{v.grant_id, next.cgroup_id, next.reason, v.expires_boot_ns, v.holder_uid});
        key = next;
        prev = &key;
    }
    return out;
}

Counters Enforcer::counters() const
{
    const int ncpu = libbpf_num_possible_cpus();
    if (ncpu <= 0)
        throw errno_error(-ncpu, "counting possible CPUs");
    std::vector<uint64_t> vals(static_cast<size_t>(ncpu));
    auto sum = [&](uint32_t slot) {
        if (bpf_map_lookup_elem(counters_.get(), &slot, vals.data()) < 0)
            throw errno_error(errno, "reading the counters map");
        uint64_t s = 0;
        for (uint64_t v : vals)
            s += v;
        return s;
    };
    Counters c;
    ControlMapping ctl(control_.get());
    for (uint32_t r = 0; r < LD_MAX_REASONS; r++) {
        ReasonCounters rc;
        rc.reason = r;
        bool any = false;
        for (uint32_t d = 0; d < LD_DECISION__COUNT; d++) {
            rc.by_decision[d] = d == LD_DECISION_ALLOW ? __atomic_load_n(&ctl->allowed[r], __ATOMIC_RELAXED)
                                                       : sum(r * LD_DECISION__COUNT + d);
            any = any || rc.by_decision[d] != 0;
        }
        if (any)
            c.reasons.push_back(rc);
    }
    c.dropped_events = sum(LD_COUNTER_DROPPED);
    return c;
}

ActivePolicy Enforcer::active_policy() const
{
    ControlMapping ctl(control_.get());
    ActivePolicy ap;
    ap.slot = __atomic_load_n(&ctl->active_slot, __ATOMIC_ACQUIRE) & 1;
    const ld_policy& p = ctl->slot[ap.slot];
    ap.generation = p.generation;
    ap.reason_count = p.reason_count;
    std::memcpy(ap.action.data(), p.action, sizeof(p.action));
    return ap;
}

} // namespace ldb
