// SPDX-License-Identifier: LGPL-2.1-or-later
// logind sessions without logind: which change ends a session's exceptions,
// and which sessions may hold one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes/fake_host.hpp"
#include "host/sessions.hpp"

using namespace ldb;
using ::testing::HasSubstr;

TEST(SessionEnding, TheSessionsStateSaysWhichChangeEndsIt)
{
    SessionInfo s;
    s.id = "2";
    s.active = true;
    EXPECT_EQ(ending_change(s), std::nullopt) << "active and unlocked: it keeps its exceptions";
    EXPECT_EQ(ending_change(std::nullopt), SessionChange::Removed);
    s.locked = true;
    EXPECT_EQ(ending_change(s), SessionChange::Locked);
    s.active = false;
    EXPECT_EQ(ending_change(s), SessionChange::Locked) << "locked wins over inactive";
    s.locked = false;
    EXPECT_EQ(ending_change(s), SessionChange::Inactive);
}

TEST(SessionEligibility, OnlyAnActiveUnlockedLocalUserSessionWithAScope)
{
    SessionInfo s = ldb_test::seat_session();
    EXPECT_EQ(session_ineligibility(s), "");
    s.remote = true;
    EXPECT_THAT(session_ineligibility(s), HasSubstr("remote"));
    s = ldb_test::seat_session(/*active=*/false);
    EXPECT_THAT(session_ineligibility(s), HasSubstr("not the active session"));
    s = ldb_test::seat_session(true, false, /*locked=*/true);
    EXPECT_THAT(session_ineligibility(s), HasSubstr("is locked"));
    s = ldb_test::seat_session();
    s.session_class = "greeter";
    EXPECT_THAT(session_ineligibility(s), HasSubstr("'greeter' session"));
    s = ldb_test::seat_session();
    s.scope_unit.clear();
    EXPECT_THAT(session_ineligibility(s), HasSubstr("no scope unit"));
}
