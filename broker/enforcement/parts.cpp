// SPDX-License-Identifier: LGPL-2.1-or-later
#include "enforcement/parts.hpp"

#include <algorithm>

#include "lockdown-broker.h"

namespace ldb {

const std::vector<PartInfo>& enforcement_parts()
{
    static const std::vector<PartInfo> parts = {
        {EnforcementPart::LockedDown, "locked-down", {LD_PIN_LINK},
         "nothing is enforced: every lockdown reason is allowed to everyone"},
        {EnforcementPart::Dyndbg, "dynamic-debug", {LD_PIN_LINK_DYNDBG},
         "the dynamic_debug control files are not protected: any root process can write "
         "/proc/dynamic_debug/control without asking the broker, and the broker's changes are not the only ones"},
        {EnforcementPart::PinProtection, "pin-protection",
         {"link_protect_unlink", "link_protect_rename", "link_protect_rmdir", "link_protect_umount",
          "link_protect_move", "link_protect_mount", "link_protect_pivot", "link_protect_record"},
         "the pins under /sys/fs/bpf/lockdown-broker are not protected: root can switch enforcement off "
         "by removing them or unmounting their file system or a mount above it"},
        {EnforcementPart::SelfProtection, "self-protection",
         {"link_seal_map", "link_seal_prog", "link_seal_bpf", "link_guard_ptrace"},
         "the maps and programs are not sealed: root can open them by id and add grants, drain the event ring, "
         "or ptrace the broker"},
        {EnforcementPart::KexecFile, "kexec-file",
         {"link_kernel_read_file", "link_kernel_load_data"},
         "a kexec_file_load of a signed kernel is not refused while kexec is denied, and module loads are not "
         "reported, so dynamic debug turned on by a module parameter is only put back when the broker restarts"},
        {EnforcementPart::HibernationFiles, "hibernation-files",
         {"link_hibernation_open"},
         "a hibernation exception opens /dev/snapshot and /sys/power to every process it covers, logind's "
         "included, not only to the sleep unit"},
        {EnforcementPart::CgroupFence, "cgroup-fence",
         {"link_fence_write", "link_fence_clone", "link_fence_attached", "link_fence_ptrace", "link_fence_traceme"},
         "a process outside a granted cgroup can move a process into it or trace one inside, and so use its "
         "exception"},
    };
    return parts;
}

const PartInfo& part_info(EnforcementPart p)
{
    const auto& parts = enforcement_parts();
    return *std::find_if(parts.begin(), parts.end(), [p](const PartInfo& i) { return i.part == p; });
}

std::string enforcement_record_path(const std::string& runtime_dir)
{
    return runtime_dir + "/enforcement";
}

namespace {

// Causes come from libbpf and the kernel; keep the record one line per part.
std::string one_line(std::string s)
{
    std::replace_if(s.begin(), s.end(), [](char c) { return c == '\n' || c == '\t' || c == '\r'; }, ' ');
    if (s.size() > 512)
        s.resize(512);
    return s;
}

} // namespace

std::string format_enforcement_record(const std::vector<PartState>& parts)
{
    std::string out;
    for (const auto& p : parts)
        out += one_line(p.name) + "\t" + (p.loaded ? "loaded" : "missing") + "\t" + one_line(p.cause) + "\n";
    return out;
}

std::vector<PartState> parse_enforcement_record(std::string_view text)
{
    std::vector<PartState> out;
    while (!text.empty()) {
        const size_t nl = text.find('\n');
        const std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        const size_t t1 = line.find('\t');
        if (t1 == std::string_view::npos)
            continue;
        const size_t t2 = line.find('\t', t1 + 1);
        if (t2 == std::string_view::npos)
            continue;
        const std::string_view state = line.substr(t1 + 1, t2 - t1 - 1);
        if (state != "loaded" && state != "missing")
            continue;
        const std::string_view name = line.substr(0, t1);
        const auto& parts = enforcement_parts();
        if (std::none_of(parts.begin(), parts.end(), [&](const PartInfo& i) { return name == i.name; }))
            continue;
        out.push_back({std::string(name), state == "loaded", std::string(line.substr(t2 + 1))});
    }
    return out;
}

std::vector<MissingPart> missing_parts(const std::function<bool(const char* link)>& link_pinned,
                                       bool protection_wanted, const std::vector<PartState>& record)
{
    std::vector<MissingPart> out;
    for (const auto& info : enforcement_parts()) {
        if (info.part == EnforcementPart::PinProtection && !protection_wanted)
            continue;
        if (std::all_of(info.links.begin(), info.links.end(), link_pinned))
            continue;
        std::string cause;
        for (const auto& r : record)
            if (r.name == info.name && !r.loaded)
                cause = r.cause;
        out.push_back({info.part, cause});
    }
    return out;
}

std::string enforcement_notice(const std::vector<MissingPart>& missing)
{
    if (missing.empty())
        return {};
    const auto core = std::find_if(missing.begin(), missing.end(),
                                   [](const MissingPart& m) { return m.part == EnforcementPart::LockedDown; });
    if (core != missing.end())
        return "Lockdown is not enforcing: the locked_down program is not loaded, so " +
               std::string(part_info(EnforcementPart::LockedDown).meaning) + "." +
               (core->cause.empty() ? " Start lockdown-enforce.service (lockdown-brokerd --enforce-only)."
                                    : " Cause: " + core->cause + ".");
    std::string out;
    for (const auto& m : missing) {
        const auto& info = part_info(m.part);
        out += std::string(out.empty() ? "" : " ") + "Lockdown is enforced, but its " + info.name +
               " protection did not load on this kernel: " + info.meaning + "." +
               (m.cause.empty() ? "" : " Cause: " + m.cause + ".");
    }
    return out;
}

std::string enforcement_notice_code(const std::vector<MissingPart>& missing)
{
    if (missing.empty())
        return {};
    if (std::any_of(missing.begin(), missing.end(),
                    [](const MissingPart& m) { return m.part == EnforcementPart::LockedDown; }))
        return "not-enforcing";
    return std::string("part-missing-") + part_info(missing.front().part).name;
}

} // namespace ldb
