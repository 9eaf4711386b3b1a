// SPDX-License-Identifier: LGPL-2.1-or-later
// What each scope kind's exception covers, built from fake logind and
// systemd; and the per-user quota of requests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
    EXPECT_EQ(session_cgroups(s, units),
              (std::vector<std::string>{"/user.slice/session-2.scope", "/user.slice/user@1000.service"}));
    units.units.erase("user@1000.service");
    EXPECT_EQ(session_cgroups(s, units), std::vector<std::string>{"/user.slice/session-2.scope"})
        << "a user manager that does not run is left out";
    units.units["session-2.scope"].control_group.clear();
    EXPECT_EQ(error_of([&] { session_cgroups(s, units); }).kind(), ErrorKind::Internal);
}

TEST_F(Scopes, ARequestIsHeldByTheCallerForItsSession)
{
    const Exception e = requested_exception({"msr"}, 1000, sessions.list[0], units);
    EXPECT_EQ(e.scope_kind, ScopeKind::Session);
    EXPECT_EQ(e.scope, "2");
    EXPECT_EQ(e.holder_uid, 1000u);
    EXPECT_EQ(e.holder_session, "2");
    EXPECT_EQ(e.origin, Origin::Request);
    EXPECT_EQ(e.reasons, std::vector<std::string>{"msr"});
    EXPECT_EQ(e.cgroups.size(), 2u);
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
