// SPDX-License-Identifier: LGPL-2.1-or-later
// The string tables of what an exception is: every value has a word, the
// word parses back to it, no two share one, unknown words are refused; the
// words are those on the bus and in the records. And why a session's
// exceptions end for each change logind reports.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "exceptions/exception.hpp"

using namespace ldb;

namespace {

// Every value of E, from the first to `last` (the last enumerator).
template <typename E>
std::vector<E> every(E last)
{
    std::vector<E> out;
    for (int i = 0; i <= static_cast<int>(last); i++)
        out.push_back(static_cast<E>(i));
    return out;
}

template <typename E, typename Parse>
void round_trips(E last, Parse parse, const std::vector<std::string>& words)
{
    std::set<std::string> seen;
    for (E v : every(last)) {
        const std::string word(to_string(v));
        EXPECT_NE(word, "?") << static_cast<int>(v) << " has no word";
        EXPECT_TRUE(seen.insert(word).second) << word << " is used twice";
        EXPECT_EQ(parse(word), v) << word;
    }
    EXPECT_EQ(seen, std::set<std::string>(words.begin(), words.end()));
    for (const char* bad : {"", "Session", "unit ", "x", "session-ended", "na"})
        EXPECT_FALSE(parse(bad).has_value()) << bad;
}

} // namespace

TEST(ExceptionWords, ScopeKindRoundTrips)
{
    round_trips(ScopeKind::Cgroup, parse_scope_kind, {"session", "unit", "cgroup"});
    EXPECT_EQ(to_string(ScopeKind::Unit), "unit");
}

TEST(ExceptionWords, OriginRoundTrips)
{
    round_trips(Origin::Hibernation, parse_origin, {"request", "admin", "standing", "hibernation"});
    EXPECT_EQ(to_string(Origin::Standing), "standing");
}

TEST(ExceptionWords, RevokeWhyRoundTripsWithTheWordsOfTheInterface)
{
    // dbus/org.freedesktop.LockdownBroker1.xml and the journal catalogue
    // list these; clients match on them.
    round_trips(RevokeWhy::ScopeEmpty, parse_revoke_why,
                {"session-locked", "session-inactive", "session-removed", "expired", "released", "revoked",
                 "resumed", "unit-stopped", "invalid", "hibernation-blocked", "scope-empty"});
    EXPECT_EQ(to_string(RevokeWhy::UnitStopped), "unit-stopped");
}

TEST(SessionEnding, EachChangeHasItsWhy)
{
    EXPECT_EQ(revoke_why(SessionChange::Locked), RevokeWhy::SessionLocked);
    EXPECT_EQ(revoke_why(SessionChange::Inactive), RevokeWhy::SessionInactive);
    EXPECT_EQ(revoke_why(SessionChange::Removed), RevokeWhy::SessionRemoved);
}

TEST(FenceAdmitsPid1, OnlyTheUserManagerOfASessionExceptionAndLooseFences)
{
    Exception e;
    e.scope_kind = ScopeKind::Session;
    e.scope = "3";
    EXPECT_TRUE(fence_admits_pid1(e, "/user.slice/user-1000.slice/user@1000.service"))
        << "from a session scope, systemd asks PID 1 to move a process into user@";
    EXPECT_FALSE(fence_admits_pid1(e, "/user.slice/user-1000.slice/session-3.scope"));
    e.scope_kind = ScopeKind::Cgroup;
    e.scope = "/user.slice/user-1000.slice/user@1000.service/app.slice/lockdown-run-1a2b.scope";
    EXPECT_FALSE(fence_admits_pid1(e, e.scope));
    EXPECT_FALSE(fence_admits_pid1(e, "/user.slice/user-1000.slice/user@1000.service"))
        << "only a session exception's user@ part";
    e.scope_kind = ScopeKind::Unit;
    e.scope = "undervolt.service";
    EXPECT_TRUE(fence_admits_pid1(e, "/system.slice/undervolt.service"));
}

TEST(FenceStrict, SessionsAndScopesButNotServices)
{
    Exception e;
    e.scope_kind = ScopeKind::Session;
    e.scope = "3";
    EXPECT_TRUE(fence_strict(e));
    e.scope_kind = ScopeKind::Unit;
    e.scope = "session-3.scope";
    EXPECT_TRUE(fence_strict(e));
    e.scope = "undervolt.service";
    EXPECT_FALSE(fence_strict(e)) << "PID 1 starts a service's processes in its cgroup";
    e.scope = "systemd-hibernate.service";
    EXPECT_FALSE(fence_strict(e));
    e.scope_kind = ScopeKind::Cgroup;
    e.scope = "/user.slice/user-1000.slice/user@1000.service/app.slice/lockdown-run-1a2b.scope";
    EXPECT_TRUE(fence_strict(e));
    e.scope = "/system.slice/a.service";
    EXPECT_FALSE(fence_strict(e));
    e.scope = "/system.slice/a.scope/sub";
    EXPECT_FALSE(fence_strict(e)) << "only the last component counts";
    e.scope = "/system.slice/.scope";
    EXPECT_FALSE(fence_strict(e));
}
