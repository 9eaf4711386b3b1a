// SPDX-License-Identifier: LGPL-2.1-or-later
// What each scope kind's exception covers, built from fake logind and
// systemd; and the per-user quota of requests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "exceptions/scopes.hpp"
#include "exceptions/table.hpp"
#include "fakes/fake_host.hpp"
#include "fakes/fake_kernel.hpp"
#include "fakes/synthetic_btf.hpp"
#include "fakes/test_support.hpp"

using namespace ldb;
using ::testing::HasSubstr;

namespace {

struct Scopes : ::testing::Test {
    ldb_test::FakeSessions sessions;
    ldb_test::FakeUnits units;
    Scopes()
    {
        SessionInfo s = ldb_test::seat_session();
        s.user_service = "user@1000.service";
        sessions.list = {s};
        units.units = {{"session-2.scope", {"/user.slice/session-2.scope", true}},
                       {"user@1000.service", {"/user.slice/user@1000.service", true}},
                       {"a.service", {"/system.slice/a.service", true}},
                       {"stopped.service", {"", false}}};
    }
    Error error_of(const std::function<void()>& f) { return ldb_test::catch_error(f); }
};

} // namespace

TEST_F(Scopes, ASessionCoversItsScopeAndTheUsersServiceManager)
{
    const SessionInfo s = sessions.list[0];
    const auto one = session_cgroups(s, sessions.list, units);
    EXPECT_EQ(one.cgroups,
              (std::vector<std::string>{"/user.slice/session-2.scope", "/user.slice/user@1000.service"}));
    EXPECT_EQ(one.narrowed, "");
    units.units.erase("user@1000.service");
    EXPECT_EQ(session_cgroups(s, sessions.list, units).cgroups, std::vector<std::string>{"/user.slice/session-2.scope"})
        << "a user manager that does not run is left out";
    units.units["session-2.scope"].control_group.clear();
    EXPECT_EQ(error_of([&] { session_cgroups(s, sessions.list, units); }).kind(), ErrorKind::Internal);
}

TEST_F(Scopes, WithASecondSessionOfTheUserOnlyTheScope)
{
    const SessionInfo s = sessions.list[0];
    SessionInfo ssh = s;
    ssh.id = "7";
    ssh.remote = true;
    ssh.active = false;
    ssh.seat.clear();
    ssh.scope_unit = "session-7.scope";
    const auto two = session_cgroups(s, {s, ssh}, units);
    EXPECT_EQ(two.cgroups, std::vector<std::string>{"/user.slice/session-2.scope"})
        << "any other session of the user reaches the manager too";
    EXPECT_EQ(two.narrowed, "other-session");

    SessionInfo other_user = ssh;
    other_user.uid = 1001;
    EXPECT_EQ(session_cgroups(s, {s, other_user}, units).cgroups.size(), 2u) << "another user's session does not count";
    SessionInfo manager = ssh;
    manager.session_class = "manager";
    EXPECT_EQ(session_cgroups(s, {s, manager}, units).cgroups.size(), 2u)
        << "the manager's own session (systemd 256) is not another login";
    SessionInfo closing = ssh;
    closing.session_class = "background";
    EXPECT_EQ(session_cgroups(s, {s, closing}, units).narrowed, "other-session") << "any class but the manager's";

    const Exception e = requested_exception({"msr"}, 1000, s, {s, ssh}, units);
    EXPECT_EQ(e.cgroups, std::vector<std::string>{"/user.slice/session-2.scope"});
    EXPECT_EQ(e.narrowed, "other-session");
}

TEST_F(Scopes, ARequestIsHeldByTheCallerForItsSession)
{
    const Exception e = requested_exception({"msr"}, 1000, sessions.list[0], sessions.list, units);
    EXPECT_EQ(e.scope_kind, ScopeKind::Session);
    EXPECT_EQ(e.scope, "2");
    EXPECT_EQ(e.holder_uid, 1000u);
    EXPECT_EQ(e.holder_session, "2");
    EXPECT_EQ(e.origin, Origin::Request);
    EXPECT_EQ(e.reasons, std::vector<std::string>{"msr"});
    EXPECT_EQ(e.cgroups.size(), 2u);
    EXPECT_TRUE(fence_strict(e));
}

TEST_F(Scopes, ACallerScopeCoversThatCgroupOnlyBoundToTheSession)
{
    const std::string cg = "/user.slice/user-1000.slice/user@1000.service/app.slice/lockdown-run-1.scope";
    const Exception e = caller_scope_exception({"dev-mem"}, 1000, cg, sessions.list[0]);
    EXPECT_EQ(e.scope_kind, ScopeKind::Cgroup);
    EXPECT_EQ(e.scope, cg);
    EXPECT_EQ(e.cgroups, std::vector<std::string>{cg});
    EXPECT_EQ(e.holder_session, "2") << "it ends with the session too";
    EXPECT_EQ(e.origin, Origin::Request);
    EXPECT_TRUE(fence_strict(e));
}

TEST_F(Scopes, UserManagerCgroupsAreThoseOfTheHoldersManagerOnly)
{
    Exception e;
    e.holder_uid = 1000;
    e.cgroups = {"/user.slice/user-1000.slice/session-2.scope", "/user.slice/user-1000.slice/user@1000.service",
                 "/user.slice/user-1001.slice/user@1001.service",
                 "/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope"};
    EXPECT_EQ(user_manager_cgroups(e), std::vector<std::string>{"/user.slice/user-1000.slice/user@1000.service"});
}

TEST_F(Scopes, ANewSessionWithdrawsTheManagerFromTheUsersSessionExceptionsOnly)
{
    ldb_test::TempDir tmp;
    ldb_test::FakeKernel kernel;
    ExceptionStore store(tmp.str() + "/store");
    store.open();
    std::map<std::string, uint64_t> ids{{"/user.slice/session-2.scope", 11},
                                        {"/user.slice/user@1000.service", 12},
                                        {"/user.slice/session-5.scope", 13},
                                        {"/user.slice/user@1001.service", 14}};
    int hooks = 0;
    ExceptionTable table(kernel, ldb_test::catalog_6_1(), store, {60, [&](const std::string& p) { return ids.at(p); }},
                         Clocks::system(), {{}, {}, [&](const Exception&) { hooks++; }});
    const auto mine = table.add(requested_exception({"msr"}, 1000, sessions.list[0], sessions.list, units), 60).id;
    Exception theirs;
    theirs.reasons = {"msr"};
    theirs.scope = "5";
    theirs.cgroups = {"/user.slice/session-5.scope", "/user.slice/user@1001.service"};
    theirs.holder_uid = 1001;
    theirs.holder_session = "5";
    const auto other = table.add(theirs, 60).id;

    SessionInfo appeared = sessions.list[0];
    appeared.id = "2";
    EXPECT_EQ(withdraw_user_manager(table, appeared), 0u) << "the holder's own session is no other session";
    appeared.id = "8";
    EXPECT_EQ(withdraw_user_manager(table, appeared), 1u);
    EXPECT_EQ(table.find(mine)->cgroups, std::vector<std::string>{"/user.slice/session-2.scope"});
    EXPECT_EQ(table.find(mine)->narrowed, "other-session");
    EXPECT_EQ(table.find(other)->cgroups.size(), 2u) << "uid 1001's exception is not touched";
    EXPECT_EQ(hooks, 1);
    EXPECT_EQ(withdraw_user_manager(table, appeared), 0u) << "nothing left to withdraw";
    EXPECT_EQ(hooks, 1);
}

TEST_F(Scopes, AnAdminGrantForEachScopeKind)
{
    Exception unit = granted_exception({"msr"}, ScopeKind::Unit, "a.service", 0, sessions, units);
    EXPECT_EQ(unit.cgroups, std::vector<std::string>{"/system.slice/a.service"});
    EXPECT_EQ(unit.origin, Origin::Admin);
    EXPECT_EQ(unit.holder_session, "");

    Exception cg = granted_exception({"msr"}, ScopeKind::Cgroup, "/system.slice/b.service", 0, sessions, units);
    EXPECT_EQ(cg.cgroups, std::vector<std::string>{"/system.slice/b.service"});
    EXPECT_EQ(cg.holder_uid, 0u);

    Exception session = granted_exception({"msr"}, ScopeKind::Session, "2", 0, sessions, units);
    EXPECT_EQ(session.holder_uid, 1000u) << "held by the session's user, not the admin";
    EXPECT_EQ(session.holder_session, "2");
    EXPECT_EQ(session.cgroups.size(), 2u);
}

TEST_F(Scopes, AnAdminGrantIsRefusedWhenItsScopeCannotHoldOne)
{
    Error e = error_of([&] { granted_exception({"msr"}, ScopeKind::Unit, "stopped.service", 0, sessions, units); });
    EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
    EXPECT_THAT(e.what(), HasSubstr("unit stopped.service is not running"));
    e = error_of([&] { granted_exception({"msr"}, ScopeKind::Session, "9", 0, sessions, units); });
    EXPECT_EQ(e.kind(), ErrorKind::NotFound);
    sessions.list[0].locked = true;
    e = error_of([&] { granted_exception({"msr"}, ScopeKind::Session, "2", 0, sessions, units); });
    EXPECT_EQ(e.kind(), ErrorKind::SessionNotEligible);
}

TEST(Quota, CountsOnlyTheUsersOwnRequests)
{
    ldb_test::TempDir tmp;
    ldb_test::FakeKernel kernel;
    ExceptionStore store(tmp.str() + "/store");
    store.open();
    ExceptionTable table(kernel, ldb_test::catalog_6_1(), store, {60, [](const std::string&) { return 11ull; }},
                         Clocks::system(), {});
    auto add = [&](uint32_t uid, Origin origin) {
        Exception e;
        e.reasons = {"msr"};
        e.scope = "2";
        e.cgroups = {"/user.slice/session-2.scope"};
        e.holder_uid = uid;
        e.origin = origin;
        table.add(std::move(e), 60);
    };
    for (size_t i = 0; i + 1 < kMaxExceptionsPerUser; i++)
        add(1000, Origin::Request);
    add(1000, Origin::Admin);   // granted by an admin: not the user's request
    add(1001, Origin::Request); // someone else's
    EXPECT_NO_THROW(check_quota(table, 1000));
    add(1000, Origin::Request);
    const Error e = ldb_test::catch_error([&] { check_quota(table, 1000); });
    EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
    EXPECT_THAT(e.what(), HasSubstr("uid 1000 already holds 16 exceptions"));
    EXPECT_NO_THROW(check_quota(table, 1001));
}

TEST_F(Scopes, ACallerOutsideSessionsIsAttributedOnlyWhileTheUserHasOneSession)
{
    const SessionInfo s = sessions.list[0];
    EXPECT_NO_THROW(check_sole_session(s, {s}));
    SessionInfo ssh = s;
    ssh.id = "7";
    ssh.remote = true;
    const Error e = ldb_test::catch_error([&] { check_sole_session(s, {s, ssh}); });
    EXPECT_EQ(e.kind(), ErrorKind::SessionNotEligible);
    EXPECT_THAT(e.what(), HasSubstr("has sessions 2 and 7"));
    SessionInfo theirs = ssh;
    theirs.uid = 1001;
    EXPECT_NO_THROW(check_sole_session(s, {s, theirs}));
}
