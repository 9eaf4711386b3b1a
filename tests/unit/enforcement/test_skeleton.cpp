// SPDX-License-Identifier: LGPL-2.1-or-later
// What --enforce-only (and anyone opening the pins) says once the broker has
// sealed enforcement: the kernel refuses root BPF_OBJ_GET on our pins.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "enforcement/skeleton.hpp"

using ::testing::HasSubstr;

TEST(SealedEnforcement, SaysWhyAndWhatToDo)
{
    const ldb::Error e = ldb::skeleton::sealed_error("/sys/fs/bpf/lockdown-broker");
    // Refused, not Kernel or Permission: enforce_command then does not record
    // "not enforcing", because enforcement stands.
    EXPECT_EQ(e.kind(), ldb::ErrorKind::Refused);
    EXPECT_THAT(e.what(), HasSubstr("enforcement is sealed since the broker started"));
    EXPECT_THAT(e.what(), HasSubstr("/sys/fs/bpf/lockdown-broker"));
    EXPECT_THAT(e.what(), HasSubstr("policy changes take effect at the next boot"));
    EXPECT_THAT(e.hint(), HasSubstr("systemctl reload lockdown-broker"));
}
