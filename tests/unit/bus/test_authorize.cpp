// SPDX-License-Identifier: LGPL-2.1-or-later
// The Authorizer without a bus: the method -> polkit action table, the
// precondition before polkit is asked and again when it answers, and a
// caller that leaves while polkit decides.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <sdbus-c++/Error.h>

#include "base/bus_names.hpp"
#include "bus/authorize.hpp"
#include "fakes/fake_host.hpp"
#include "fakes/test_support.hpp"

using namespace ldb;
using ::testing::HasSubstr;

namespace {

class FakeAuthority : public Authority {
public:
    struct Check {
        std::string bus_name, action_id;
        std::map<std::string, std::string> details;
        bool interactive;
        Callback done;
    };
    Handle check(const std::string& bus_name, const std::string& action_id,
                 const std::map<std::string, std::string>& details, bool interactive, Callback done) override
    {
        checks[next] = Check{bus_name, action_id, details, interactive, std::move(done)};
        return next++;
    }
    void cancel(Handle h) override
    {
        cancelled.push_back(h);
        checks.erase(h);
    }
    // polkit answers the only pending check.
    void answer(AuthResult r, const std::string& detail = "")
    {
        ASSERT_EQ(checks.size(), 1u);
        auto done = std::move(checks.begin()->second.done);
        checks.clear();
        done(r, detail);
    }
    std::map<Handle, Check> checks;
    std::vector<Handle> cancelled;
    Handle next = 1;
};

// What sdbus::Result offers the Authorizer; the answer goes to `*answer`,
// since the Authorizer moves the result into its callback.
struct Recorder {
    std::string* answer;
    void returnResults(int) { *answer = "ran"; }
    void returnError(const sdbus::Error& e) { *answer = e.getName() + ": " + e.getMessage(); }
};

struct Authorize : ::testing::Test {
    FakeAuthority authority;
    ldb_test::FakeSessions sessions;
    Authorizer authorizer{authority, sessions};
    Caller caller{":1.42", 1000, 4242, true};
    std::string answer;
    std::vector<Stage> extra_stages;
    std::optional<GuardedCall> seen;

    Authorize()
    {
        sessions.list = {ldb_test::seat_session()};
        sessions.pids = {{4242, "2"}};
    }

    void run(Guarded m)
    {
        authorizer.run<Recorder>(
            Recorder{&answer}, GuardedCall{m, caller, {}},
            [] { return PolkitDetails{{"k", "v"}}; },
            [this](Stage s, const GuardedCall&) { extra_stages.push_back(s); },
            [this](Recorder& r, const GuardedCall& call) {
                seen = call;
                r.returnResults(7);
            });
    }
};

} // namespace

TEST(GuardTable, EachMethodAsksItsPolkitAction)
{
    namespace action = bus_names::action;
    EXPECT_STREQ(guard_of(Guarded::RequestException).action_id, action::kRequestException);
    EXPECT_STREQ(guard_of(Guarded::GrantException).action_id, action::kManage);
    EXPECT_STREQ(guard_of(Guarded::RevokeException).action_id, action::kManage);
    EXPECT_STREQ(guard_of(Guarded::Hibernate).action_id, action::kHibernate);
    EXPECT_STREQ(guard_of(Guarded::SetDebug).action_id, action::kDynamicDebug);
    std::set<std::string_view> methods;
    for (int i = 0; i <= static_cast<int>(Guarded::SetDebug); i++)
        EXPECT_TRUE(methods.insert(guard_of(static_cast<Guarded>(i)).method).second);
    // A user acts for their own session; an administrator for any scope.
    EXPECT_TRUE(guard_of(Guarded::RequestException).session_bound);
    EXPECT_TRUE(guard_of(Guarded::Hibernate).session_bound);
    EXPECT_TRUE(guard_of(Guarded::SetDebug).session_bound);
    EXPECT_FALSE(guard_of(Guarded::GrantException).session_bound);
    EXPECT_FALSE(guard_of(Guarded::RevokeException).session_bound);
}

TEST_F(Authorize, AsksPolkitAsTheCallerWithTheDetailsThenRuns)
{
    run(Guarded::RequestException);
    ASSERT_EQ(authority.checks.size(), 1u);
    const auto& c = authority.checks.begin()->second;
    EXPECT_EQ(c.bus_name, ":1.42");
    EXPECT_EQ(c.action_id, bus_names::action::kRequestException);
    EXPECT_EQ(c.details, (PolkitDetails{{"k", "v"}}));
    EXPECT_TRUE(c.interactive);
    EXPECT_FALSE(seen) << "nothing runs before polkit answers";
    authority.answer(AuthResult::Authorized);
    EXPECT_EQ(answer, "ran");
    ASSERT_TRUE(seen);
    ASSERT_TRUE(seen->session);
    EXPECT_EQ(seen->session->id, "2");
    EXPECT_EQ(extra_stages, (std::vector<Stage>{Stage::BeforePolkit, Stage::AfterPolkit}));
}

TEST_F(Authorize, NoPromptForACallerOutsideAnEligibleSession)
{
    sessions.pids.clear();
    EXPECT_EQ(ldb_test::catch_error([&] { run(Guarded::SetDebug); }).kind(), ErrorKind::NoSession);
    sessions.pids = {{4242, "2"}};
    sessions.list[0].uid = 1001;
    EXPECT_EQ(ldb_test::catch_error([&] { run(Guarded::SetDebug); }).kind(), ErrorKind::NoSession);
    sessions.list[0].uid = 1000;
    sessions.list[0].locked = true;
    EXPECT_EQ(ldb_test::catch_error([&] { run(Guarded::Hibernate); }).kind(), ErrorKind::SessionNotEligible);
    EXPECT_TRUE(authority.checks.empty());
    EXPECT_TRUE(extra_stages.empty()) << "the session is checked first";
}

TEST_F(Authorize, ChangesWhilePolkitAsksAreRefusedThroughTheResult)
{
    std::string& error = answer;
    auto ask = [&](Guarded m) {
        authorizer.run<Recorder>(Recorder{&error}, GuardedCall{m, caller, {}}, {}, {},
                                 [](Recorder& r, const GuardedCall&) { r.returnResults(1); });
    };
    ask(Guarded::RequestException);
    sessions.list[0].locked = true;
    authority.answer(AuthResult::Authorized);
    EXPECT_THAT(error, HasSubstr("Error.SessionNotEligible"));
    EXPECT_THAT(error, HasSubstr("(it changed while authorizing)"));

    sessions.list[0].locked = false;
    ask(Guarded::SetDebug);
    sessions.list.clear();
    authority.answer(AuthResult::Authorized);
    EXPECT_THAT(error, HasSubstr("Error.NoSession"));
    EXPECT_THAT(error, HasSubstr("session 2 ended while authorizing"));

    ask(Guarded::GrantException); // not session-bound: no session needed
    authority.answer(AuthResult::NotAuthorized, "not allowed");
    EXPECT_THAT(error, HasSubstr("Error.NotAuthorized"));
    EXPECT_THAT(error, HasSubstr("not allowed (org.freedesktop.LockdownBroker1.manage)"));

    ask(Guarded::RevokeException);
    authority.answer(AuthResult::Failed, "polkit is not running");
    EXPECT_THAT(error, HasSubstr("Error.Failed"));

    ask(Guarded::GrantException);
    authority.answer(AuthResult::Authorized);
    EXPECT_EQ(error, "ran");
}

TEST_F(Authorize, ACallerThatLeavesIsForgotten)
{
    run(Guarded::RequestException);
    caller.sender = ":1.43";
    run(Guarded::GrantException);
    ASSERT_EQ(authority.checks.size(), 2u);
    authorizer.cancel_of(":1.42");
    EXPECT_EQ(authority.cancelled, std::vector<Authority::Handle>{1});
    authorizer.cancel_of(":1.42");
    EXPECT_EQ(authority.cancelled.size(), 1u) << "cancelled once";
    authorizer.cancel_of(":1.43");
    EXPECT_EQ(authority.cancelled, (std::vector<Authority::Handle>{1, 2}));
    EXPECT_FALSE(seen);
}
