// SPDX-License-Identifier: LGPL-2.1-or-later
#include "daemon/service_watchdog.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace ldb;
using namespace std::chrono_literals;

namespace {

struct Notes {
    std::vector<std::string> sent;
    ServiceWatchdog::Notify fn()
    {
        return [this](const std::string& s) { sent.push_back(s); };
    }
};

} // namespace

TEST(ServiceWatchdog, WithoutWatchdogSecNothingIsSent)
{
    Notes n;
    ServiceWatchdog w(0us, n.fn());
    EXPECT_FALSE(w.enabled());
    w.ping();
    w.logind_sleeping(true);
    w.sleep_unit_running(true);
    w.logind_sleeping(false);
    w.sleep_unit_running(false);
    EXPECT_TRUE(n.sent.empty());
    EXPECT_FALSE(w.stretched());
    ServiceWatchdog negative(-5s, n.fn());
    EXPECT_FALSE(negative.enabled()) << "a negative timeout is no timeout";
}

TEST(ServiceWatchdog, PingsAtHalfTheTimeout)
{
    Notes n;
    ServiceWatchdog w(30s, n.fn());
    EXPECT_TRUE(w.enabled());
    EXPECT_EQ(w.ping_interval(), 15000ms);
    w.ping();
    EXPECT_EQ(n.sent, std::vector<std::string>{"WATCHDOG=1"});
    EXPECT_EQ(ServiceWatchdog(1us, n.fn()).ping_interval(), 1ms) << "never a zero interval";
}

TEST(ServiceWatchdog, ASleepStretchesTheTimeoutUntilItIsOver)
{
    Notes n;
    ServiceWatchdog w(30s, n.fn());
    w.logind_sleeping(true);
    ASSERT_EQ(n.sent.size(), 1u);
    EXPECT_EQ(n.sent[0], "WATCHDOG_USEC=1800000000\nWATCHDOG=1") << "30 min, and a ping that starts it";
    EXPECT_TRUE(w.stretched());
    w.logind_sleeping(true);
    w.sleep_unit_running(true); // BeginHibernation
    EXPECT_EQ(n.sent.size(), 1u);
    w.sleep_unit_running(false);
    EXPECT_EQ(n.sent.size(), 1u) << "logind has not said the sleep is over";
    w.logind_sleeping(false);
    ASSERT_EQ(n.sent.size(), 2u);
    EXPECT_EQ(n.sent[1], "WATCHDOG_USEC=30000000\nWATCHDOG=1") << "WatchdogSec= back";
    EXPECT_FALSE(w.stretched());
    w.logind_sleeping(false);
    w.sleep_unit_running(false);
    EXPECT_EQ(n.sent.size(), 2u);
}

// Seen in the guest: PrepareForSleep(true), then the unit's stale "failed"
// from the last run, then BeginHibernation. The timeout must stay long
// throughout, or a freeze longer than WatchdogSec= ends in a kill.
TEST(ServiceWatchdog, AStaleUnitEndDoesNotEndLogindsSleep)
{
    Notes n;
    ServiceWatchdog w(30s, n.fn());
    w.logind_sleeping(true);
    w.sleep_unit_running(false);
    EXPECT_TRUE(w.stretched());
    w.sleep_unit_running(true);
    EXPECT_TRUE(w.stretched());
    EXPECT_EQ(n.sent.size(), 1u) << "one stretch, no restore in between";
}

TEST(ServiceWatchdog, TheSleepUnitAloneStretchesWithoutLogind)
{
    Notes n;
    ServiceWatchdog w(30s, n.fn());
    w.sleep_unit_running(true);
    EXPECT_TRUE(w.stretched());
    w.sleep_unit_running(false);
    EXPECT_FALSE(w.stretched());
    ASSERT_EQ(n.sent.size(), 2u);
    EXPECT_EQ(n.sent[1], "WATCHDOG_USEC=30000000\nWATCHDOG=1");
}
