// SPDX-License-Identifier: LGPL-2.1-or-later
// Argument checks of the D-Bus methods: each refusal names the bad value.
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "exceptions/checks.hpp"
#include "fakes/synthetic_btf.hpp"
#include "fakes/test_support.hpp"

using namespace ldb;

namespace {

const ReasonCatalog& cat()
{
    return ldb_test::catalog_6_1();
}

Policy policy_allowing_ioport()
{
    Config cfg;
    cfg.mode = Mode::Integrity;
    cfg.assignments.push_back({"ioport", Action::Allow, {"t.conf", 1}});
    return Policy::build(cat(), cfg);
}

std::string message(const std::function<void()>& f)
{
    return ldb_test::catch_error(f).what();
}

} // namespace

TEST(CheckReasons, AcceptsLockedKnownReasons)
{
    const auto p = policy_allowing_ioport();
    EXPECT_NO_THROW(check_reasons({"dev-mem", "msr", "kexec"}, cat(), p));
}

TEST(CheckReasons, RefusesNamingTheBadOne)
{
    const auto p = policy_allowing_ioport();
    EXPECT_NE(message([&] { check_reasons({}, cat(), p); }).find("no lockdown reason"), std::string::npos);
    EXPECT_NE(message([&] { check_reasons({"dev-mem", "warp"}, cat(), p); }).find("'warp'"), std::string::npos);
    EXPECT_NE(message([&] { check_reasons({"msr", "msr"}, cat(), p); }).find("listed twice"), std::string::npos);
    EXPECT_NE(message([&] { check_reasons({"ioport"}, cat(), p); }).find("already allows"), std::string::npos);
    EXPECT_NE(message([&] { check_reasons({"LOCKDOWN_DEV_MEM"}, cat(), p); }).find("unknown"), std::string::npos);
    const std::string huge(10000, 'x');
    const std::string m = message([&] { check_reasons({huge}, cat(), p); });
    EXPECT_LT(m.size(), 200u) << "an over-long value must not be echoed whole";
    EXPECT_NE(message([&] { check_reasons({"dev\nmem"}, cat(), p); }).find("dev?mem"), std::string::npos);
    std::vector<std::string> many(65, "dev-mem");
    EXPECT_NE(message([&] { check_reasons(many, cat(), p); }).find("too many"), std::string::npos);
}

TEST(CheckSeconds, Bounds)
{
    EXPECT_NO_THROW(check_seconds(1, 600));
    EXPECT_NO_THROW(check_seconds(600, 600));
    EXPECT_NE(message([] { check_seconds(0, 600); }).find("at least one second"), std::string::npos);
    EXPECT_NE(message([] { check_seconds(601, 600); }).find("at most 600"), std::string::npos);
    EXPECT_NE(message([] { check_seconds(UINT64_MAX, 600); }).find("at most"), std::string::npos);
}

TEST(CheckOptions, UnknownKeysAreRefused)
{
    EXPECT_NO_THROW(check_option_keys({}, {}));
    EXPECT_NE(message([] { check_option_keys({"interactive"}, {}); }).find("'interactive'"), std::string::npos);
    EXPECT_NO_THROW(check_option_keys({"a"}, {"a", "b"}));
}

TEST(CheckScope, KindsAndValues)
{
    EXPECT_NO_THROW(check_scope("unit", "undervolt.service"));
    EXPECT_NO_THROW(check_scope("unit", "user@1000.service"));
    EXPECT_NO_THROW(check_scope("cgroup", "/system.slice/foo.service"));
    EXPECT_NO_THROW(check_scope("session", "c2"));
    EXPECT_EQ(check_scope("unit", "a.service"), ScopeKind::Unit);
    EXPECT_EQ(check_scope("cgroup", "/a"), ScopeKind::Cgroup);
    EXPECT_EQ(check_scope("session", "2"), ScopeKind::Session);
    EXPECT_NE(message([] { check_scope("bogus", "x"); }).find("unknown scope kind 'bogus'"), std::string::npos);
    EXPECT_NE(message([] { check_scope("unit", "../x.service"); }).find("not a valid unit name"), std::string::npos);
    EXPECT_NE(message([] { check_scope("unit", "noextension"); }).find("not a valid unit name"), std::string::npos);
    EXPECT_NE(message([] { check_scope("cgroup", "/a/../b"); }).find("not a cgroup path"), std::string::npos);
    EXPECT_NE(message([] { check_scope("cgroup", "relative"); }).find("not a cgroup path"), std::string::npos);
    EXPECT_NE(message([] { check_scope("cgroup", "/a//b"); }).find("not a cgroup path"), std::string::npos);
    EXPECT_NE(message([] { check_scope("cgroup", "/"); }).find("root cgroup"), std::string::npos);
    EXPECT_NE(message([] { check_scope("session", "1;rm"); }).find("not a session id"), std::string::npos);
    EXPECT_NE(message([] { check_scope("session", std::string(100, 'a')); }).find("not a session id"),
              std::string::npos);
}

TEST(CheckCallerScope, AScopeOfTheUsersOwnIsAccepted)
{
    EXPECT_NO_THROW(check_caller_scope(
        "/user.slice/user-1000.slice/user@1000.service/app.slice/lockdown-run-0a1b2c3d4e5f6a7b.scope", 1000));
    EXPECT_NO_THROW(check_caller_scope("/user.slice/user-1000.slice/user@1000.service/app.slice/app-x-1.scope", 1000));
    EXPECT_NO_THROW(check_caller_scope("/user.slice/user-1000.slice/run-u5.scope", 1000));
}

TEST(CheckCallerScope, BadPathsAreRefusedSayingWhy)
{
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"/user.slice/user-1000.slice/session-3.scope", "login session"},
        {"/user.slice/user-1000.slice/user@1000.service/init.scope", "service manager"},
        {"/user.slice/user-1000.slice/user@1000.service/app.slice/session-3.scope", "login session"},
        {"/user.slice/user-1000.slice/user@1000.service", "not a .scope"},
        {"/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service", "not a .scope"},
        {"/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope/sub", "not a .scope"},
        {"/user.slice/user-1000.slice/.scope", "not a .scope"},
        {"/user.slice/user-1001.slice/user@1001.service/app.slice/x.scope", "not below /user.slice/user-1000.slice/"},
        {"/user.slice/user-10000.slice/user@10000.service/app.slice/x.scope", "not below"},
        {"/system.slice/x.scope", "not below"},
        {"/system.slice/lockdown-broker.service", "not a .scope"},
        {"/user.slice/user-1000.slice/../../system.slice/x.scope", "not usable"},
        {"/user.slice/user-1000.slice/user@1000.service/./x.scope", "not usable"},
        {"user.slice/user-1000.slice/x.scope", "not usable"},
        {"/user.slice/user-1000.slice//x.scope", "not usable"},
        {"", "not usable"},
        {"/", "not usable"},
    };
    for (const auto& [path, why] : bad) {
        const Error e = ldb_test::catch_error([&] { check_caller_scope(path, 1000); });
        EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument) << path;
        EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << path << ": " << e.what();
    }
}

TEST(InUserManager, OnlyBelowTheCallersOwnManager)
{
    EXPECT_TRUE(in_user_manager("/user.slice/user-1000.slice/user@1000.service/app.slice/lockdown-agent.service", 1000));
    EXPECT_TRUE(in_user_manager("/user.slice/user-1000.slice/user@1000.service/session.slice/x.service", 1000));
    for (const std::string cg : {"/user.slice/user-1000.slice/user@1000.service", "/user.slice/user-1000.slice/user@1000.service/",
                                 "/user.slice/user-1000.slice/session-3.scope", "/system.slice/cron.service",
                                 "/user.slice/user-1001.slice/user@1001.service/app.slice/a.service",
                                 "/user.slice/user-10000.slice/user@10000.service/app.slice/a.service",
                                 "/user.slice/user-1000.slice/user@1000.service/../../../system.slice/x.service"})
        EXPECT_FALSE(in_user_manager(cg, 1000)) << cg;
}

TEST(RequestScopeOption, SessionOrCallerOnly)
{
    EXPECT_EQ(parse_request_scope("session"), RequestScope::Session);
    EXPECT_EQ(parse_request_scope("caller"), RequestScope::Caller);
    for (const char* bad : {"", "Caller", "cgroup", "user", "caller "}) {
        const Error e = ldb_test::catch_error([&] { parse_request_scope(bad); });
        EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument) << bad;
        EXPECT_NE(std::string(e.what()).find("\"scope\""), std::string::npos) << e.what();
    }
}
