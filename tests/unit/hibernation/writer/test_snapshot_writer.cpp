// SPDX-License-Identifier: LGPL-2.1-or-later
// What lockdown-hibernate tells the user when the swap it would write to is
// in use but its header says S1SUSPEND: an image from before this boot. That
// is the corruption case, so the text must say never to resume it and how to
// repair the swap without changing what /etc/fstab and resume= name it by.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "hibernation/writer/snapshot_writer.hpp"

using namespace ldb;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(StaleImageInUse, SaysNeverResumeIt)
{
    const Error e = stale_image_in_use("/dev/mapper/cryptswap");
    EXPECT_THAT(std::string(e.what()),
                AllOf(HasSubstr("/dev/mapper/cryptswap is in use as swap"), HasSubstr("S1SUSPEND"),
                      HasSubstr("Never resume it"), HasSubstr("would corrupt them")));
    // Nothing that reads as advice to resume: no reboot, no "resume it" alone.
    const std::string all = std::string(e.what()) + " " + e.hint();
    EXPECT_THAT(all, Not(HasSubstr("reboot")));
    EXPECT_THAT(all, Not(HasSubstr(". Resume")));
}

TEST(StaleImageInUse, RepairRerunsTheGuardThatAlreadyRanAtBoot)
{
    // lockdown-swap-guard.service is a oneshot with RemainAfterExit=yes that
    // ran at boot: `systemctl start` would do nothing at all.
    const Error e = stale_image_in_use("/dev/dm-1");
    EXPECT_THAT(e.hint(), HasSubstr("systemctl restart lockdown-swap-guard.service"));
    EXPECT_THAT(e.hint(), Not(HasSubstr("systemctl start lockdown-swap-guard")));
}

TEST(StaleImageInUse, RepairByHandKeepsUuidAndLabel)
{
    // fstab and resume= name the swap by UUID or LABEL: a repair that drops
    // either leaves a swap the next boot does not find.
    const Error e = stale_image_in_use("/dev/dm-1");
    EXPECT_THAT(e.hint(), HasSubstr("swapoff /dev/dm-1 && swapon /dev/dm-1"));
    EXPECT_THAT(e.hint(), AllOf(HasSubstr("mkswap -U \"$(blkid -s UUID -o value /dev/dm-1)\""),
                                HasSubstr("-L \"$(blkid -s LABEL -o value /dev/dm-1)\" /dev/dm-1")));
    EXPECT_THAT(e.hint(), HasSubstr("keeping its UUID and label"));
}

// The test harness's fault switch (LOCKDOWN_HIBERNATE_TEST_RENEWAL_CRASH):
// a page of a disk, read in the resumed system. Anything but the exact line
// must leave the fault off: a stray crash powers the machine off.
namespace {
std::string page_of(const std::string& text)
{
    std::string page(4096, '\0');
    page.replace(0, std::min(text.size(), page.size()), text.substr(0, page.size()));
    return page;
}
} // namespace

TEST(FaultSwitch, ExactFirstLineSwitchesItOn)
{
    EXPECT_TRUE(fault_switch_says(page_of("crash-in-renewal\n"), "crash-in-renewal"));
    EXPECT_TRUE(fault_switch_says(page_of("crash-in-renewal\nboots=4\n"), "crash-in-renewal"));
}

TEST(FaultSwitch, BadPagesLeaveItOff)
{
    const std::string fault = "crash-in-renewal";
    for (const std::string& bad : {
             std::string(),                                 // nothing read
             page_of(""),                                  // a zeroed disk
             page_of("\n"),                                // an empty line
             page_of("crash-in-renewal"),                  // no newline: cut off
             std::string("crash-in-renewal"),              // a short page, no newline
             page_of("crash-in-renewal2\n"),               // longer
             page_of("crash-in-renewa\n"),                 // shorter
             page_of(" crash-in-renewal\n"),               // leading blank
             page_of("crash-in-renewal \n"),               // trailing blank
             page_of("crash-in-renewal\r\n"),              // CRLF
             page_of("CRASH-IN-RENEWAL\n"),                // case
             page_of("boots=4\ncrash-in-renewal\n"),       // not the first line
             page_of(std::string("crash-in-renewal\0\n", 18)), // NUL before the newline
             page_of("none\n"),
             std::string(4096, '\xff'),                    // garbage, no newline
             std::string(4095, 'x') + "\n",                // one long line
         })
        EXPECT_FALSE(fault_switch_says(bad, fault)) << "page starting with '" << bad.substr(0, 24) << "'";
    // An empty fault name matches nothing, not even an empty line.
    EXPECT_FALSE(fault_switch_says(page_of("\n"), ""));
}
