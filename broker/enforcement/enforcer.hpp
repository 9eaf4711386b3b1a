// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The enforcer owns the BPF side: it loads the locked_down program from the
// generated skeleton, pins program link and maps under the pin directory, and
// writes policy and grants into the pinned maps. It outlives any one daemon
// process: the pins keep enforcement in place after we exit. One class, its
// jobs in files of their own: enforcer.cpp (load and pin), skeleton.cpp
// (the BPF skeleton part by part), control_map.cpp (the policy switch),
// grant_keys.cpp (grant keys and their leases), counters.cpp.

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "lockdown-broker.h"
#include "enforcement/parts.hpp"
#include "enforcement/policy.hpp"
#include "base/unique_fd.hpp"

namespace ldb {

struct EnforceReport {
    bool reused_maps = false;   // pinned maps from an earlier run were reused
    bool reused_link = false;   // the pinned program was already the same code
    bool replaced_link = false; // a different pinned program was swapped out
    uint32_t generation = 0;    // policy generation now active
    bool pins_protected = false; // the pin protection programs are attached
    uint32_t guarded_mounts = 0; // mounts recorded as holding the pins (seal.hpp)
    std::string note;            // something the admin should know, or empty
    // Every part, loaded or not, with the cause when not. locked-down is
    // always loaded when enforce() returns (else it throws).
    std::vector<PartState> parts;
};

struct GrantRequest {
    std::vector<uint32_t> reasons;    // kernel reason values
    std::vector<uint64_t> cgroup_ids; // each covers its descendants
    uint64_t expires_boot_ns = 0;     // CLOCK_BOOTTIME
    uint32_t holder_uid = 0;
    uint32_t flags = 0;               // LD_GRANT_*
    // Of cgroup_ids: fenced without LD_GRANT_FENCE_STRICT whatever `flags`
    // say, so that PID 1 may still move processes in.
    std::vector<uint64_t> pid1_may_enter;
};

struct GrantEntry {
    uint64_t grant_id = 0;
    uint64_t cgroup_id = 0;
    uint32_t reason = 0;
    uint64_t expires_boot_ns = 0;
    uint32_t holder_uid = 0;
    uint32_t flags = 0; // LD_GRANT_*
};

// A fenced cgroup (the cgroup-fence part): see struct ld_fence.
struct FenceEntry {
    uint64_t cgroup_id = 0;
    uint32_t flags = 0; // LD_GRANT_FENCE_STRICT or 0
    bool operator==(const FenceEntry&) const = default;
};

struct ReasonCounters {
    uint32_t reason = 0;
    std::array<uint64_t, LD_DECISION__COUNT> by_decision{};
};

struct Counters {
    std::vector<ReasonCounters> reasons; // only reasons with a non-zero count
    uint64_t dropped_events = 0;
    uint64_t kexec_file_refused = 0; // refused at the read of a kexec image
    uint64_t seal_refused = 0;       // new fds to our objects refused
    uint64_t ptrace_refused = 0;     // ptrace-class access to PID 1 or the broker
    uint64_t mounts_refused = 0;     // unmount/move of guarded mounts, MS_MOVE, pivot_root
    uint64_t fence_move_refused = 0;  // a process moved into a fenced cgroup from outside
    uint64_t fence_trace_refused = 0; // ptrace-class access into a fenced cgroup from outside
    uint64_t fence_clones_marked = 0; // clone3(CLONE_INTO_CGROUP) children marked
};

struct ActivePolicy {
    uint32_t slot = 0;
    uint32_t generation = 0;
    uint32_t reason_count = 0;
    std::array<unsigned char, LD_MAX_REASONS> action{};
};

// The BPF file system location; tests may point it elsewhere.
struct PinLayout {
    std::string dir = LD_PIN_DIR;
    std::string path(const std::string& name) const { return dir + "/" + name; }
};

std::string decision_name(uint32_t decision);

class Enforcer {
public:
    // Loads (or reuses) everything, applies `policy` atomically, attaches and
    // pins. Idempotent. Afterwards enforcement is in place with no process
    // holding it.
    // protect_pins: attach the programs that refuse unlink/rename/rmdir in
    // the pin directory and unmounting its file system, to everyone. Once
    // attached they stay until reboot.
    // Each part (parts.hpp) is loaded on its own: an optional
    // part that cannot load is reported in `parts`, and enforcement stands;
    // if locked_down itself cannot load this throws.
    static EnforceReport enforce(const Policy& policy, uint32_t reason_count, bool protect_pins,
                                 const PinLayout& pins = {}, bool verbose = false);
    // The same with the action table given as it is (Policy::action_table(),
    // or one that --enforce-only derived from it: see enforce_command.hpp).
    static EnforceReport enforce(const std::array<unsigned char, LD_MAX_REASONS>& table, uint32_t reason_count,
                                 bool protect_pins, const PinLayout& pins = {}, bool verbose = false);

    // Opens the pinned maps of a running enforcement. ReadOnly is for
    // inspection (grants, policy, counters): it works after the seal, and
    // has no event ring (events_fd() is -1).
    enum class Access { ReadWrite, ReadOnly };
    static Enforcer open_pinned(const PinLayout& pins = {}, Access access = Access::ReadWrite);
    // The maps by name (as pinned: ld_control, ...), e.g. from systemd's fd
    // store; each must be the map of that name. Throws naming what is missing.
    using NamedFds = std::vector<std::pair<std::string, UniqueFd>>;
    static Enforcer from_fds(NamedFds fds);
    // This enforcer's map fds with their names, for systemd's fd store.
    std::vector<std::pair<std::string, int>> fds() const;

    // Seals our BPF objects (seal.hpp): from now on no process gets a new
    // fd to them, except read-only fds to maps other than the event ring;
    // ptrace-class access to `broker_tgid` is refused. Idempotent; a
    // restarted broker calls it again with its new tgid.
    void seal(uint32_t broker_tgid, const PinLayout& pins = {});
    bool sealed() const;

    // Creates and pins the maps only, attaching no program. For tests on
    // hosts whose kernel cannot load BPF LSM programs: the grant API then
    // works on real kernel maps.
    static void create_maps_only(const PinLayout& pins);

    // True when the locked_down program's link is pinned, i.e. enforcing
    // (or, with `name`, another of our links, e.g. LD_PIN_LINK_DYNDBG).
    static bool link_pinned(const PinLayout& pins = {}, const char* name = LD_PIN_LINK);

    // Grants. add_grant either adds every (cgroup, reason) key or none.
    // Each of its cgroups is fenced (ld_fences) before its keys are
    // written, so no grant is ever live unfenced; the fence is strict if
    // req.flags has LD_GRANT_FENCE_STRICT (or another grant's key there has).
    uint64_t add_grant(const GrantRequest& req);
    // Removes every key of this grant; returns how many were removed. The
    // fences of its cgroups are then derived again from the keys left.
    size_t remove_grant(uint64_t grant_id);
    // Removes the keys of this grant on one cgroup only (the grant narrows:
    // a session's exception gives up the user's manager); returns how many.
    // That cgroup's fence is derived again from the keys left.
    size_t remove_grant_cgroup(uint64_t grant_id, uint64_t cgroup_id);
    std::vector<GrantEntry> grants() const;
    std::vector<FenceEntry> fences() const;
    // Moves the kernel-side expiry of every key of this grant; returns how
    // many keys it updated (0: the grant is gone).
    size_t renew_grant(uint64_t grant_id, uint64_t expires_boot_ns);

    Counters counters() const;
    ActivePolicy active_policy() const;
    // Makes `policy` the active one through this process's control map fd
    // (the same atomic slot switch as enforce()); returns the new generation.
    // The daemon's reload: whether the change may be made is its to decide.
    uint32_t apply_policy(const Policy& policy, uint32_t reason_count);
    int events_fd() const noexcept { return events_.get(); }

private:
    // Calls fn on every key of the grant; returns how many calls said true.
    size_t for_each_key(uint64_t grant_id, const std::function<bool(const ld_grant_key&)>& fn);
    // Fences `cgroups` with at least `strict` before a grant's keys go in.
    void raise_fences(const std::vector<uint64_t>& cgroups, bool strict);
    // Sets each cgroup's fence to what the grant keys now say: none without
    // a key, strict if a key there is.
    void derive_fences(const std::vector<uint64_t>& cgroups);
    UniqueFd control_, grants_, events_, counters_, guard_, fences_, marks_;
};

} // namespace ldb
