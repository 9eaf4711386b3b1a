// SPDX-License-Identifier: LGPL-2.1-or-later
// The answer to one reload, as the daemon writes it and --reload reads it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "base/error.hpp"
#include "daemon/reload_record.hpp"
#include "fakes/test_support.hpp"

using namespace ldb;
using ldb_test::catch_error;
using ::testing::HasSubstr;

TEST(ReloadRecord, RoundTrip)
{
    for (auto result : {ReloadResult::Applied, ReloadResult::Unchanged, ReloadResult::Refused, ReloadResult::Invalid,
                        ReloadResult::Failed}) {
        const ReloadRecord r{1234, result, "the new policy loosens dev-mem (deny -> allow): next boot"};
        EXPECT_EQ(parse_reload_record(format_reload_record(r)), r) << to_string(result);
    }
}

TEST(ReloadRecord, FormatIsThreeLines)
{
    EXPECT_EQ(format_reload_record({77, ReloadResult::Refused, "a\nb"}), "pid=77\nresult=refused\nmessage=a b\n");
    EXPECT_EQ(parse_reload_record("pid=1\nresult=unchanged\nmessage=\n").message, "");
}

TEST(ReloadRecord, BadInputIsRefused)
{
    for (const char* bad : {"",
                            "pid=12\n",
                            "pid=12\nresult=applied\n",
                            "pid=12\nresult=applied\nmessage=x",          // unterminated
                            "pid=12\nresult=applied\nmessage=x\nextra\n", // a fourth line
                            "pid=\nresult=applied\nmessage=x\n",
                            "pid=0\nresult=applied\nmessage=x\n",
                            "pid=-5\nresult=applied\nmessage=x\n",
                            "pid=12x\nresult=applied\nmessage=x\n",
                            "pid=99999999999999999999\nresult=applied\nmessage=x\n",
                            "pid=12\nresult=maybe\nmessage=x\n",
                            "pid=12\nresult=\nmessage=x\n",
                            "result=applied\npid=12\nmessage=x\n",
                            "pidx=12\nresult=applied\nmessage=x\n",
                            "pid=12\nresult=applied\nmsg=x\n",
                            "pid=12\r\nresult=applied\nmessage=x\n"}) {
        const Error e = catch_error([&] { parse_reload_record(bad); });
        EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument) << bad;
        EXPECT_THAT(e.what(), HasSubstr("reload record")) << bad;
    }
}

TEST(ReloadRecord, PathIsUnderTheRuntimeDirectory)
{
    EXPECT_EQ(reload_record_path("/run/lockdown-broker"), "/run/lockdown-broker/reload");
}
