// SPDX-License-Identifier: LGPL-2.1-or-later
// What lockdown-hibernate tells the user when the swap it would write to is
// in use but its header says S1SUSPEND: an image from before this boot. That
// is the corruption case, so the text must say never to resume it and how to
// repair the swap without changing what /etc/fstab and resume= name it by.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
