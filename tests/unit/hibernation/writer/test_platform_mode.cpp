// SPDX-License-Identifier: LGPL-2.1-or-later
// What the kernel's own writer would do on this machine (issue 17, item 8):
// the mode /sys/power/disk selects, and the hardware signature it copies
// from ACPI's FACS only with acpi_sleep=s4_hwsig.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "base/error.hpp"
#include "fakes/test_support.hpp"
#include "hibernation/writer/platform_mode.hpp"

using namespace ldb;
using ldb_test::TempDir;
using ldb_test::write_file;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

// A FACS table: "FACS", length, hardware_signature (little-endian), ...
std::string facs(uint32_t sig)
{
    std::string t(64, '\0');
    std::memcpy(t.data(), "FACS", 4);
    const uint32_t len = 64;
    std::memcpy(t.data() + 4, &len, 4);
    std::memcpy(t.data() + 8, &sig, 4);
    return t;
}

constexpr const char* kPlatform = "[platform] shutdown reboot suspend test_resume \n";
constexpr const char* kShutdown = "platform [shutdown] reboot suspend test_resume \n";
constexpr const char* kNoS4 = "[shutdown] reboot suspend test_resume \n";

} // namespace

TEST(PlatformMode, ParsesSysPowerDisk)
{
    auto m = parse_disk_modes(kPlatform);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->selected, "platform");
    EXPECT_THAT(m->available, ElementsAre("platform", "shutdown", "reboot", "suspend", "test_resume"));
    m = parse_disk_modes("[disabled]\n");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->selected, "disabled");
    EXPECT_FALSE(parse_disk_modes("platform shutdown\n")) << "nothing selected";
    EXPECT_FALSE(parse_disk_modes("[platform] [shutdown]\n"));
    EXPECT_FALSE(parse_disk_modes(""));
}

TEST(PlatformMode, PlatformIsSelectedByTheKernelsChoiceOnly)
{
    auto p = plan_platform(kPlatform, "root=/dev/vda1", std::nullopt);
    EXPECT_TRUE(p.header.platform_mode);
    EXPECT_EQ(p.mode, "platform");
    EXPECT_THAT(p.summary, HasSubstr("SNAPSHOT_POWER_OFF"));
    p = plan_platform(kShutdown, "root=/dev/vda1", std::nullopt);
    EXPECT_FALSE(p.header.platform_mode);
    EXPECT_EQ(p.mode, "shutdown");
    EXPECT_THAT(p.summary, HasSubstr("reboot(2)"));
    for (const char* other : {"platform shutdown [reboot] suspend", "platform shutdown reboot [suspend]"})
        EXPECT_FALSE(plan_platform(other, "", std::nullopt).header.platform_mode) << other;
}

TEST(PlatformMode, DisabledOrUnparsableRefuses)
{
    const Error e = ldb_test::catch_error([] { plan_platform("[disabled]\n", "", std::nullopt); });
    EXPECT_THAT(e.what(), HasSubstr("[disabled]"));
    EXPECT_THAT(e.hint(), HasSubstr("hibernation grant"));
    const Error e2 = ldb_test::catch_error([] { plan_platform("garbage\n", "", std::nullopt); });
    EXPECT_THAT(e2.what(), HasSubstr("names no selected hibernation mode"));
}

TEST(PlatformMode, AcpiSleepOptionsAsTheX86ParserReadsThem)
{
    EXPECT_FALSE(cmdline_wants_s4_hwsig("root=/dev/vda1 quiet"));
    EXPECT_TRUE(cmdline_wants_s4_hwsig("quiet acpi_sleep=s4_hwsig"));
    EXPECT_TRUE(cmdline_wants_s4_hwsig("acpi_sleep=s3_bios,s4_hwsig"));
    EXPECT_TRUE(cmdline_wants_s4_hwsig("acpi_sleep=s3_bios,,s4_hwsig"));
    EXPECT_FALSE(cmdline_wants_s4_hwsig("acpi_sleep=s4_nohwsig"));
    EXPECT_FALSE(cmdline_wants_s4_hwsig("acpi_sleep=s4_hwsig acpi_sleep=s4_nohwsig")) << "the last one wins";
    EXPECT_TRUE(cmdline_wants_s4_hwsig("acpi_sleep=s4_nohwsig,s4_hwsig"));
    EXPECT_FALSE(cmdline_wants_s4_hwsig("xacpi_sleep=s4_hwsig"));
    EXPECT_FALSE(cmdline_wants_s4_hwsig("acpi_sleep=old_ordering"));
}

TEST(PlatformMode, HardwareSignatureExactlyWhenTheKernelSetsIt)
{
    const std::string hwsig = "root=/dev/vda1 acpi_sleep=s4_hwsig";
#if defined(__x86_64__) || defined(__i386__)
    auto p = plan_platform(kPlatform, hwsig, facs(0x0badf00d));
    EXPECT_EQ(p.header.hw_sig, 0x0badf00du);
    EXPECT_THAT(p.summary, HasSubstr("hardware signature 0badf00d"));
    // Shutdown mode still has the signature: the kernel sets it at boot,
    // whatever the mode.
    EXPECT_EQ(plan_platform(kShutdown, hwsig, facs(7)).header.hw_sig, 7u);
#endif
    // Not without acpi_sleep=s4_hwsig (the default only warns at resume).
    EXPECT_FALSE(plan_platform(kPlatform, "root=/dev/vda1", facs(7)).header.hw_sig);
    // Not without ACPI S4 (no "platform": acpi_sleep_hibernate_setup returned early).
    EXPECT_FALSE(plan_platform(kNoS4, hwsig, facs(7)).header.hw_sig);
    // Not for a zero signature, nor without a FACS table.
    EXPECT_FALSE(plan_platform(kPlatform, hwsig, facs(0)).header.hw_sig);
    EXPECT_FALSE(plan_platform(kPlatform, hwsig, std::nullopt).header.hw_sig);
#if defined(__x86_64__) || defined(__i386__)
    const Error e = ldb_test::catch_error([&] { plan_platform(kPlatform, hwsig, std::string("XXXX")); });
    EXPECT_THAT(e.what(), HasSubstr("not an ACPI FACS table"));
#endif
}

TEST(PlatformMode, ReadsTheFilesBelowARoot)
{
    TempDir t;
    write_file(t / "sys/power/disk", kPlatform);
    write_file(t / "proc/cmdline", "root=/dev/vda1 acpi_sleep=s4_hwsig\n");
    write_file(t / "sys/firmware/acpi/tables/FACS", facs(0x11223344));
    auto p = read_platform_plan(t.str());
    EXPECT_TRUE(p.header.platform_mode);
#if defined(__x86_64__) || defined(__i386__)
    EXPECT_EQ(p.header.hw_sig, 0x11223344u);
#endif
    write_file(t / "proc/cmdline", "root=/dev/vda1\n");
    EXPECT_FALSE(read_platform_plan(t.str()).header.hw_sig);
}
