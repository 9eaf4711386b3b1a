// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hibernation/writer/platform_mode.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "base/error.hpp"
#include "base/files.hpp"
#include "base/text.hpp"

namespace ldb {

namespace {

std::string hex32(uint32_t v)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", v);
    return buf;
}

} // namespace

std::optional<DiskModes> parse_disk_modes(std::string_view text)
{
    DiskModes m;
    int selected = 0;
    for (std::string_view w : words_of(text)) {
        if (w.size() > 2 && w.front() == '[' && w.back() == ']') {
            w = w.substr(1, w.size() - 2);
            m.selected = std::string(w);
            selected++;
        }
        m.available.emplace_back(w);
    }
    if (selected != 1)
        return std::nullopt;
    return m;
}

bool cmdline_wants_s4_hwsig(std::string_view cmdline)
{
    bool want = false;
    for (std::string_view w : words_of(cmdline)) {
        constexpr std::string_view key = "acpi_sleep=";
        if (!w.starts_with(key))
            continue;
        std::string_view opts = w.substr(key.size());
        // acpi_sleep_setup(): strncmp() on each option, which a longer
        // option with the same start also matches.
        while (!opts.empty()) {
            if (opts.starts_with("s4_hwsig"))
                want = true;
            if (opts.starts_with("s4_nohwsig"))
                want = false;
            const size_t comma = opts.find(',');
            if (comma == std::string_view::npos)
                break;
            opts.remove_prefix(comma + 1);
            while (!opts.empty() && (opts.front() == ',' || opts.front() == ' ' || opts.front() == '\t'))
                opts.remove_prefix(1);
        }
    }
    return want;
}

std::optional<uint32_t> facs_hardware_signature(std::string_view facs)
{
    if (facs.size() < 12 || facs.substr(0, 4) != "FACS")
        return std::nullopt;
    uint32_t sig = 0;
    std::memcpy(&sig, facs.data() + 8, 4); // little-endian, as the firmware wrote it (x86)
    return sig;
}

PlatformPlan plan_platform(std::string_view disk, std::string_view cmdline, const std::optional<std::string>& facs)
{
    const auto modes = parse_disk_modes(disk);
    if (!modes)
        throw Error(ErrorKind::Kernel, "/sys/power/disk says '" + std::string(disk.substr(0, 80)) +
                                           "', which names no selected hibernation mode");
    if (modes->selected == "disabled")
        throw Error(ErrorKind::Permission,
                    "/sys/power/disk says [disabled]: the kernel does not allow this process to hibernate",
                    "lockdown-hibernate needs the hibernation grant of its unit");
    PlatformPlan p;
    p.mode = modes->selected;
    p.header.platform_mode = p.mode == "platform";
    // ACPI S4 is what lists "platform" (hibernation_set_ops); without it the
    // kernel never reads the signature.
    const bool s4 = std::find(modes->available.begin(), modes->available.end(), "platform") != modes->available.end();
#if defined(__x86_64__) || defined(__i386__)
    if (s4 && cmdline_wants_s4_hwsig(cmdline) && facs) {
        const auto sig = facs_hardware_signature(*facs);
        if (!sig)
            throw Error(ErrorKind::Kernel, "/sys/firmware/acpi/tables/FACS is not an ACPI FACS table",
                        "acpi_sleep=s4_hwsig asks for its hardware signature in the image header");
        if (*sig)
            p.header.hw_sig = *sig;
    }
#else
    (void)cmdline;
    (void)facs;
    (void)s4;
#endif
    p.summary = "hibernation mode " + p.mode +
                (p.header.platform_mode ? " (ACPI S4: SF_PLATFORM_MODE, power-off through SNAPSHOT_POWER_OFF)"
                                        : " (power-off through reboot(2))") +
                (p.header.hw_sig ? "; hardware signature " + hex32(*p.header.hw_sig) + " (acpi_sleep=s4_hwsig)"
                                 : "; no hardware signature");
    return p;
}

PlatformPlan read_platform_plan(const std::string& root)
{
    const std::string base = root == "/" ? "" : root;
    const std::string disk = read_file(base + "/sys/power/disk", {.max_bytes = 4096, .too_big = ErrorKind::Kernel});
    const std::string cmdline = read_file(base + "/proc/cmdline", {.max_bytes = 65536, .too_big = ErrorKind::Kernel});
    std::optional<std::string> facs;
    if (cmdline_wants_s4_hwsig(cmdline))
        facs = read_file_if_exists(base + "/sys/firmware/acpi/tables/FACS",
                                   {.max_bytes = 65536, .too_big = ErrorKind::Kernel});
    return plan_platform(disk, cmdline, facs);
}

} // namespace ldb
