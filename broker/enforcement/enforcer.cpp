// SPDX-License-Identifier: LGPL-2.1-or-later
// Putting enforcement in place: load the parts, switch the policy, pin the
// links; and opening what an earlier run pinned. The grant keys are in
// grant_keys.cpp, the counters in counters.cpp, the skeleton's handling in
// skeleton.cpp and the policy switch in control_map.cpp.
#include "enforcement/enforcer.hpp"

#include <algorithm>
#include <bpf/bpf.h>
#include <cerrno>
#include <sys/stat.h>

#include "base/error.hpp"
#include "enforcement/control_map.hpp"
#include "enforcement/libbpf_log.hpp"
#include "enforcement/seal.hpp"
#include "enforcement/skeleton.hpp"

namespace ldb {

using namespace skeleton;

namespace {

// Every map, by its pinned name.
constexpr const char* kMapNames[] = {"ld_control", "ld_grants", "ld_events", "ld_counters", LD_PIN_GUARD,
                                     "ld_fences", "ld_marks"};

// Loads locked_down, the policy itself: without it nothing is enforced, so
// its failure is the command's failure. Its load creates or reuses the
// pinned maps that the other parts share.
SkelPtr load_core(const PinLayout& pins, const struct stat& dir_st)
{
    std::string refused;
    SkelPtr core = open_part(EnforcementPart::LockedDown, pins, dir_st, refused);
    if (!refused.empty())
        throw Error(ErrorKind::Kernel, "loading the BPF LSM program failed: " + refused);
    if (lockdown_bpf__load(core.get()) < 0)
        throw_core_load_error(errno, pins);
    return core;
}

// Loads and links an optional part on its own: one that cannot load on this
// kernel is reported in `report`, and enforcement stands.
bool attach_optional(EnforcementPart part, const PinLayout& pins, const struct stat& dir_st, bool may_replace,
                     EnforceReport& report)
{
    PartState state{part_info(part).name, false, ""};
    SkelPtr skel = load_optional(part, pins, dir_st, state);
    if (skel) {
        const auto progs = programs_of(skel.get(), part);
        const auto& links = part_info(part).links;
        try {
            for (size_t i = 0; i < progs.size(); i++)
                ensure_link(progs[i], pins.path(links[i]), may_replace);
            state.loaded = true;
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::Kernel)
                throw;
            state.cause = e.what();
        }
    }
    report.parts.push_back(state);
    return state.loaded;
}

} // namespace

EnforceReport Enforcer::enforce(const Policy& policy, uint32_t reason_count, bool protect_pins, const PinLayout& pins,
                                bool verbose)
{
    return enforce(policy.action_table(), reason_count, protect_pins, pins, verbose);
}

EnforceReport Enforcer::enforce(const std::array<unsigned char, LD_MAX_REASONS>& table, uint32_t reason_count,
                                bool protect_pins, const PinLayout& pins, bool verbose)
{
    libbpf_log_start(verbose);
    ensure_bpffs(pins);
    EnforceReport report;
    for (const char* m : kMapNames)
        report.reused_maps = report.reused_maps || pinned(pins.path(m));

    struct stat dir_st{};
    if (::stat(pins.dir.c_str(), &dir_st) < 0)
        throw errno_error(errno, "stat " + pins.dir);

    SkelPtr core = load_core(pins, dir_st);
    report.generation = switch_policy(bpf_map__fd(core->maps.ld_control), table, reason_count);

    const auto& protect_links = part_info(EnforcementPart::PinProtection).links;
    const bool protected_now = std::any_of(protect_links.begin(), protect_links.end(),
                                           [&](const char* l) { return pinned(pins.path(l)); });
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

    // The dynamic-debug pseudo-reason: opening a dynamic_debug control file
    // for writing.
    attach_optional(EnforcementPart::Dyndbg, pins, dir_st, !protected_now, report);

    if (protect_pins || protected_now) {
        report.pins_protected =
            attach_optional(EnforcementPart::PinProtection, pins, dir_st, !protected_now, report) || protected_now;
        if (!protect_pins)
            report.note = "ProtectPins=no takes effect at the next boot: the pins of " + pins.dir +
                          " are protected until then";
        if (report.pins_protected)
            report.guarded_mounts = record_guarded_mounts(bpf_map__fd(core->maps.ld_guard), pins);
    } else {
        report.parts.push_back({part_info(EnforcementPart::PinProtection).name, false, "ProtectPins=no"});
    }
    // The seal itself is set by the broker once it holds its fds.
    // Before the fence's programs: they read it from their first call on.
    record_init_cgroup(bpf_map__fd(core->maps.ld_guard));
    for (auto part : {EnforcementPart::SelfProtection, EnforcementPart::KexecFile, EnforcementPart::HibernationFiles,
                      EnforcementPart::CgroupFence})
        attach_optional(part, pins, dir_st, !protected_now, report);
    return report;
}

void Enforcer::create_maps_only(const PinLayout& pins)
{
    libbpf_log_install();
    ensure_bpffs(pins);
    create_maps(pins);
}

bool Enforcer::link_pinned(const PinLayout& pins, const char* name)
{
    const int fd = bpf_obj_get(pins.path(name).c_str());
    if (fd < 0)
        return false;
    UniqueFd link(fd);
    bpf_link_info info{};
    uint32_t len = sizeof(info);
    // lsm/ and fentry programs attach through tracing links; tp_btf ones
    // (cgroup-fence's cgroup_attach_task) through raw tracepoint links.
    return bpf_obj_get_info_by_fd(link.get(), &info, &len) == 0 &&
           (info.type == BPF_LINK_TYPE_TRACING || info.type == BPF_LINK_TYPE_RAW_TRACEPOINT);
}

Enforcer Enforcer::open_pinned(const PinLayout& pins, Access access)
{
    Enforcer e;
    if (access == Access::ReadOnly) {
        e.control_ = obj_get(pins.path("ld_control"), BPF_F_RDONLY);
        e.grants_ = obj_get(pins.path("ld_grants"), BPF_F_RDONLY);
        e.counters_ = obj_get(pins.path("ld_counters"), BPF_F_RDONLY);
        e.guard_ = obj_get(pins.path(LD_PIN_GUARD), BPF_F_RDONLY);
        e.fences_ = obj_get(pins.path("ld_fences"), BPF_F_RDONLY);
        return e;
    }
    e.control_ = obj_get(pins.path("ld_control"));
    e.grants_ = obj_get(pins.path("ld_grants"));
    e.events_ = obj_get(pins.path("ld_events"));
    e.counters_ = obj_get(pins.path("ld_counters"));
    e.guard_ = obj_get(pins.path(LD_PIN_GUARD));
    e.fences_ = obj_get(pins.path("ld_fences"));
    e.marks_ = obj_get(pins.path("ld_marks"));
    return e;
}

Enforcer Enforcer::from_fds(NamedFds fds)
{
    Enforcer e;
    UniqueFd* slots[] = {&e.control_, &e.grants_, &e.events_, &e.counters_, &e.guard_, &e.fences_, &e.marks_};
    for (auto& [name, fd] : fds) {
        std::string kernel_name;
        map_id(fd.get(), &kernel_name);
        for (size_t i = 0; i < std::size(kMapNames); i++)
            if (name == kMapNames[i]) {
                // A stale or foreign fd under our name would write elsewhere.
                if (kernel_name != kMapNames[i])
                    throw Error(ErrorKind::Internal, "the fd named " + name + " is the map '" + kernel_name + "'");
                *slots[i] = std::move(fd);
            }
    }
    for (size_t i = 0; i < std::size(kMapNames); i++)
        if (!*slots[i])
            throw Error(ErrorKind::NotFound, std::string("no fd for the map ") + kMapNames[i]);
    return e;
}

std::vector<std::pair<std::string, int>> Enforcer::fds() const
{
    const UniqueFd* slots[] = {&control_, &grants_, &events_, &counters_, &guard_, &fences_, &marks_};
    std::vector<std::pair<std::string, int>> out;
    for (size_t i = 0; i < std::size(kMapNames); i++)
        if (*slots[i])
            out.emplace_back(kMapNames[i], slots[i]->get());
    return out;
}

void Enforcer::seal(uint32_t broker_tgid, const PinLayout& pins)
{
    SealIds ids;
    for (const auto& [name, fd] : fds()) {
        ids.maps.push_back(map_id(fd));
        if (name == std::string("ld_events"))
            ids.events_map = ids.maps.back();
    }
    add_link_ids(ids, pins);
    write_seal(guard_.get(), ids, broker_tgid);
}

bool Enforcer::sealed() const
{
    return guard_ && read_guard(guard_.get()).sealed != 0;
}

ActivePolicy Enforcer::active_policy() const
{
    return read_active_policy(control_.get());
}

uint32_t Enforcer::apply_policy(const Policy& policy, uint32_t reason_count)
{
    return switch_policy(control_.get(), policy, reason_count);
}

} // namespace ldb
