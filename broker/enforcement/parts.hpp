// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The parts of enforcement, each loaded on its own, so that a part that
// cannot load on some kernel (a renamed field, a missing hook) does not take
// the locked_down program down with it. What did not load is never silent:
// --enforce-only records it under the runtime directory, logs it with a
// MESSAGE_ID, and the daemon's Notice and `lockdownctl status` name it.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ldb {

enum class EnforcementPart {
    LockedDown,    // lsm/locked_down: the policy itself; without it nothing is enforced
    Dyndbg,        // lsm/file_open: the dynamic-debug pseudo-reason
    PinProtection, // unlink/rename/rmdir of the pins; unmounting or moving the mounts that hold them
    SelfProtection, // new fds to our maps, programs and links; ptrace of the broker and PID 1
    KexecFile,      // kexec_file_load decided like kexec; module loads reported
    HibernationFiles, // /dev/snapshot and /sys/power writes: the sleep unit's full grant only
    CgroupFence,      // no way into a granted cgroup: cgroup.procs writes, ptrace, CLONE_INTO_CGROUP
};

struct PartInfo {
    EnforcementPart part;
    const char* name;                // as logged and shown: "dynamic-debug"
    std::vector<const char*> links;  // pin names of its links
    const char* meaning;             // what its absence means, in one sentence
};

const std::vector<PartInfo>& enforcement_parts();
const PartInfo& part_info(EnforcementPart p);

// What --enforce-only found, per part.
struct PartState {
    std::string name;
    bool loaded = false;
    std::string cause; // why it did not load (libbpf's or the kernel's words)
};

// The record --enforce-only leaves for the daemon: one line per part,
// "name<TAB>loaded|missing<TAB>cause". Written atomically.
std::string enforcement_record_path(const std::string& runtime_dir);
std::string format_enforcement_record(const std::vector<PartState>& parts);
// Lines it cannot read are skipped: the pins stay the truth of what runs,
// the record only adds the cause.
std::vector<PartState> parse_enforcement_record(std::string_view text);

// What is missing now: parts whose links are not pinned (pin protection
// only when it is wanted), each with the cause from the record if it has
// one. Empty when everything wanted is in place.
struct MissingPart {
    EnforcementPart part;
    std::string cause;
};
// `link_pinned` says whether a link pin of ours is in place.
std::vector<MissingPart> missing_parts(const std::function<bool(const char* link)>& link_pinned,
                                       bool protection_wanted, const std::vector<PartState>& record);

// One or more sentences for Notice and `lockdownctl status`: "not enforcing"
// with the cause when locked_down is missing, else each missing part and
// what it means. Empty when nothing is missing.
std::string enforcement_notice(const std::vector<MissingPart>& missing);
// The NoticeCode of that text's first sentence: "not-enforcing" when
// locked_down is missing, else "part-missing-" and the first missing part's
// name ("part-missing-dynamic-debug"); "" when nothing is missing.
std::string enforcement_notice_code(const std::vector<MissingPart>& missing);

} // namespace ldb
