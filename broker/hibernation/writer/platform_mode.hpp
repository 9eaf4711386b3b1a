// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// How the kernel's own writer would end a hibernation on this machine, so
// that lockdown-hibernate does the same (issue 17, item 8):
//  - /sys/power/disk selects the mode. `[platform]` (the kernel's default
//    when ACPI offers S4) makes the image with ACPI's platform hooks, marks
//    the header SF_PLATFORM_MODE and enters S4 to power off
//    (kernel/power/hibernate.c, user.c: SNAPSHOT_PLATFORM_SUPPORT,
//    SNAPSHOT_POWER_OFF). Every other mode powers off as `shutdown` does.
//  - The hardware signature: on x86 the kernel copies the firmware's FACS
//    hardware_signature into the header (hw_sig, SF_HW_SIG) only when booted
//    with acpi_sleep=s4_hwsig, ACPI offers S4 and the signature is nonzero
//    (drivers/acpi/sleep.c acpi_sleep_hibernate_setup, arch/x86/kernel/acpi/
//    sleep.c acpi_sleep_setup, kernel/power/swap.c mark_swapfiles). The boot
//    kernel then refuses an image from other hardware.
// Parsing and the decision are pure; read_platform_plan() reads the files.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hibernation/swap_header.hpp"

namespace ldb {

// /sys/power/disk: "[platform] shutdown reboot suspend test_resume". The
// kernel shows "[disabled]" to a process that may not hibernate.
struct DiskModes {
    std::string selected;               // the bracketed one
    std::vector<std::string> available; // all of them, in order, brackets removed
};
// nullopt unless exactly one mode is bracketed.
std::optional<DiskModes> parse_disk_modes(std::string_view text);

// Whether /proc/cmdline asks for acpi_sleep=s4_hwsig: the x86 parser reads
// every acpi_sleep= option list (comma-separated), and the last of s4_hwsig
// and s4_nohwsig wins; neither is the kernel's default (warn only).
bool cmdline_wants_s4_hwsig(std::string_view cmdline);

// hardware_signature of an ACPI FACS table (offset 8, after "FACS" and the
// length); nullopt if `facs` is not one.
std::optional<uint32_t> facs_hardware_signature(std::string_view facs);

// What the writer does: the header options, and whether to power off
// through the platform (SNAPSHOT_POWER_OFF, ACPI S4).
struct PlatformPlan {
    ResumeHeaderOptions header;
    std::string mode;    // /sys/power/disk's selected mode
    std::string summary; // one line for the log
};

// The decision, from what read_platform_plan() read. `facs` is nullopt when
// the system has no FACS table. Throws ldb::Error for a /sys/power/disk that
// cannot be used ([disabled], unparsable).
PlatformPlan plan_platform(std::string_view disk, std::string_view cmdline, const std::optional<std::string>& facs);

// Reads /sys/power/disk, /proc/cmdline and /sys/firmware/acpi/tables/FACS
// (only when the signature would be used) below `root`. Must run with the
// hibernation grant: without it the kernel says [disabled].
PlatformPlan read_platform_plan(const std::string& root = "/");

} // namespace ldb
