// SPDX-License-Identifier: LGPL-2.1-or-later
// When the broker looks for foreign dynamic debug changes after module
// loads: at +0.3 s, +1.5 s and +5 s after one load; never earlier than a
// load asked, at most one check a second, and a burst of loads shares its
// checks.
#include <gtest/gtest.h>

#include "dyndbg/check_schedule.hpp"

using namespace ldb::dyndbg;
using namespace std::chrono_literals;
using Clock = CheckSchedule::Clock;

namespace {

// Runs the schedule like the event loop does, in 10 ms steps from `t0` for
// `span`, and returns the times of the checks.
std::vector<Clock::time_point> run(CheckSchedule& s, Clock::time_point t0, Clock::duration span,
                                   const std::vector<Clock::time_point>& loads = {})
{
    std::vector<Clock::time_point> checks;
    size_t next_load = 0;
    for (auto t = t0; t <= t0 + span; t += 10ms) {
        while (next_load < loads.size() && loads[next_load] <= t)
            s.loaded(loads[next_load++]);
        if (s.take(t))
            checks.push_back(t);
    }
    return checks;
}

} // namespace

TEST(DyndbgCheckSchedule, OneLoadChecksThreeTimes)
{
    CheckSchedule s;
    const auto t0 = Clock::time_point{} + 1000s;
    EXPECT_FALSE(s.next());
    EXPECT_FALSE(s.take(t0));
    s.loaded(t0);
    ASSERT_TRUE(s.next());
    EXPECT_EQ(*s.next(), t0 + 300ms);
    EXPECT_FALSE(s.take(t0 + 299ms)) << "never earlier than asked";
    const auto checks = run(s, t0, 10s);
    EXPECT_EQ(checks, (std::vector<Clock::time_point>{t0 + 300ms, t0 + 1500ms, t0 + 5s}));
    EXPECT_FALSE(s.next());
    EXPECT_EQ(s.pending(), 0u);
}

TEST(DyndbgCheckSchedule, ABurstSharesItsChecksAndEachLoadIsCovered)
{
    CheckSchedule s;
    const auto t0 = Clock::time_point{} + 50s;
    std::vector<Clock::time_point> loads;
    for (int i = 0; i < 200; i++) // udev at boot: a load every 20 ms for 4 s
        loads.push_back(t0 + i * 20ms);
    size_t most_pending = 0;
    std::vector<Clock::time_point> checks;
    size_t next_load = 0;
    for (auto t = t0; t <= t0 + 15s; t += 10ms) {
        while (next_load < loads.size() && loads[next_load] <= t)
            s.loaded(loads[next_load++]);
        most_pending = std::max(most_pending, s.pending());
        if (s.take(t))
            checks.push_back(t);
    }
    EXPECT_FALSE(s.next()) << "everything taken in the end";
    EXPECT_LE(most_pending, 60u) << "wanted times are merged, not queued per load";
    EXPECT_LE(checks.size(), 12u);
    for (size_t i = 1; i < checks.size(); i++)
        EXPECT_GE(checks[i] - checks[i - 1], 1s) << "checks at least a second apart";
    // Every load sees a check at or after each of its delays.
    for (const auto l : loads)
        for (const auto d : {300ms, 1500ms, 5000ms}) {
            bool covered = false;
            for (const auto c : checks)
                covered = covered || c >= l + d;
            EXPECT_TRUE(covered);
        }
    // And the last load's +5 s is checked no later than a second after it.
    EXPECT_LE(checks.back(), loads.back() + 5s + 1s);
}

TEST(DyndbgCheckSchedule, ACheckThatRunsLateTakesEverythingDueByThen)
{
    CheckSchedule s;
    const auto t0 = Clock::time_point{} + 10s;
    s.loaded(t0);
    EXPECT_TRUE(s.take(t0 + 2s)) << "a busy loop comes back late";
    EXPECT_EQ(s.pending(), 1u) << "+0.3 and +1.5 both served by that one check";
    EXPECT_EQ(*s.next(), t0 + 5s);
    // A load right after a check waits for the minimum gap.
    s.loaded(t0 + 2s);
    EXPECT_EQ(*s.next(), t0 + 3s);
    const auto checks = run(s, t0 + 2s, 10s);
    EXPECT_EQ(checks, (std::vector<Clock::time_point>{t0 + 3s, t0 + 4s, t0 + 5s, t0 + 7s}));
}
