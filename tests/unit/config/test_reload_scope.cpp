// SPDX-License-Identifier: LGPL-2.1-or-later
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "base/ini.hpp"
#include "config/config.hpp"
#include "config/reload_scope.hpp"

using ldb::Config;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

namespace {

Config config_of(const std::string& text, const std::string& file = "new.conf")
{
    Config cfg;
    ldb::apply_entries(cfg, ldb::parse_ini(text, file));
    cfg.files.push_back(file);
    return cfg;
}

const char* kRunning = "[Lockdown]\nMode=integrity\nAudit=kcore\n"
                       "[Exceptions]\nMaxSeconds=3600\nLeaseSeconds=30\n";

} // namespace

TEST(ReloadScope, PolicyOnlyChangesWaitForNothing)
{
    const Config running = config_of(kRunning, "old.conf");
    const Config next = config_of("[Lockdown]\nMode=confidentiality\nDeny=dev-mem\n"
                                  "[Exceptions]\nMaxSeconds=3600\nLeaseSeconds=30\n");
    EXPECT_THAT(ldb::settings_waiting(running, next), IsEmpty());
}

TEST(ReloadScope, EveryOtherSettingWaits)
{
    const Config running = config_of(kRunning, "old.conf");
    const Config next = config_of("[Lockdown]\nMode=integrity\nAudit=kcore\nProtectPins=no\n"
                                  "[Exceptions]\nMaxSeconds=7200\nLeaseSeconds=90\n"
                                  "[Hibernation]\nRequireAuthenticatedImage=no\n"
                                  "[DynamicDebug]\nMaxDuration=1h\nAllowGlobalQueries=yes\n");
    EXPECT_THAT(ldb::settings_waiting(running, next),
                ElementsAre("ProtectPins= (at the next boot)", "[Exceptions] MaxSeconds= (when lockdown-broker restarts)",
                            "[Exceptions] LeaseSeconds= (when lockdown-broker restarts)",
                            "[Hibernation] RequireAuthenticatedImage= (when lockdown-broker restarts)",
                            "[DynamicDebug] MaxDuration= (when lockdown-broker restarts)",
                            "[DynamicDebug] AllowGlobalQueries= (when lockdown-broker restarts)"));
}

// lockdown-hibernate reads HookTimeoutSec= at each hibernation: nothing waits.
TEST(ReloadScope, HookTimeoutWaitsForNothing)
{
    const Config running = config_of(kRunning, "old.conf");
    Config next = running;
    next.hibernation.hook_timeout_seconds = 5;
    EXPECT_THAT(ldb::settings_waiting(running, next), IsEmpty());
}

// A setting written out with the value it already has is no change.
TEST(ReloadScope, SameValueWrittenOutIsNoChange)
{
    const Config running = config_of("[Lockdown]\nMode=integrity\n");
    const Config next = config_of("[Lockdown]\nMode=integrity\nProtectPins=yes\n[Exceptions]\nLeaseSeconds=60\n");
    EXPECT_THAT(ldb::settings_waiting(running, next), IsEmpty());
}

TEST(ReloadScope, WithPolicyOfTakesThePolicyAndKeepsTheRest)
{
    const Config running = config_of(kRunning, "old.conf");
    const Config next = config_of("[Lockdown]\nMode=confidentiality\nDeny=dev-mem\nProtectPins=no\n"
                                  "[Exceptions]\nMaxSeconds=60\n[DynamicDebug]\nAllowGlobalQueries=yes\n");
    const Config out = ldb::with_policy_of(running, next);
    EXPECT_EQ(out.mode, ldb::Mode::Confidentiality);
    ASSERT_TRUE(out.mode_set_at);
    EXPECT_EQ(out.mode_set_at->file, "new.conf");
    ASSERT_EQ(out.assignments.size(), 1u);
    EXPECT_EQ(out.assignments[0].reason, "dev-mem");
    EXPECT_THAT(out.files, ElementsAre("new.conf"));
    EXPECT_TRUE(out.protect_pins);
    EXPECT_EQ(out.exceptions.max_seconds, 3600u);
    EXPECT_EQ(out.exceptions.lease_seconds, 30u);
    EXPECT_FALSE(out.dyndbg.allow_global_queries);
}
