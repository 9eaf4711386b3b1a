// SPDX-License-Identifier: LGPL-2.1-or-later
// The names of the kernel's decisions, as the counters and events show them.
#include <gtest/gtest.h>

#include "enforcement/enforcer.hpp"

TEST(DecisionName, EveryDecisionHasItsName)
{
    EXPECT_EQ(ldb::decision_name(LD_DECISION_ALLOW), "allow");
    EXPECT_EQ(ldb::decision_name(LD_DECISION_DENY), "deny");
    EXPECT_EQ(ldb::decision_name(LD_DECISION_AUDIT), "audit");
    EXPECT_EQ(ldb::decision_name(LD_DECISION_GRANTED), "granted");
    EXPECT_EQ(ldb::decision_name(LD_DECISION_EXPIRED), "expired");
    EXPECT_EQ(ldb::decision_name(LD_DECISION__COUNT + 7), "decision-" + std::to_string(LD_DECISION__COUNT + 7));
}
