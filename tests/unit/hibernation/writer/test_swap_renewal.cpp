// SPDX-License-Identifier: LGPL-2.1-or-later
// The resumed system's retry of its swap-header renewal, tasks still frozen:
// whatever the renewal throws, the outcome is a clean header or a power-off,
// never an exception that unwinds into /dev/snapshot's release, which thaws
// the tasks over a header that still says S1SUSPEND.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <new>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "base/error.hpp"
#include "hibernation/writer/swap_renewal.hpp"

using namespace ldb;
using ::testing::HasSubstr;

namespace {

struct PoweredOff {};

// A renewal that fails with `fail(attempt)` for the first `failures`
// attempts; records what was reported and whether it paused or powered off.
struct Recorder {
    int calls = 0;
    int pauses = 0;
    std::vector<std::pair<std::string, int>> reports;

    RenewalAttempts attempts(int failures, std::function<void(int)> fail)
    {
        RenewalAttempts r;
        r.attempts = 3;
        r.renew = [this, failures, fail = std::move(fail)](int attempt) {
            calls++;
            if (attempt <= failures)
                fail(attempt);
        };
        r.report = [this](const std::string& t, int level) { reports.emplace_back(t, level); };
        r.pause = [this] { pauses++; };
        r.power_off = [] { throw PoweredOff{}; };
        return r;
    }
};

void throw_ldb(int) { throw Error(ErrorKind::Kernel, "reloading dm-integrity", "EBUSY"); }
void throw_std(int) { throw std::runtime_error("std::function target threw"); }
void throw_bad_alloc(int) { throw std::bad_alloc(); }
void throw_int(int attempt) { throw attempt; }

} // namespace

TEST(RenewOrPowerOff, FirstSuccessReturnsAtOnce)
{
    Recorder rec;
    EXPECT_NO_THROW(renew_or_power_off(rec.attempts(0, throw_ldb)));
    EXPECT_EQ(rec.calls, 1);
    EXPECT_EQ(rec.pauses, 0);
    EXPECT_TRUE(rec.reports.empty());
}

TEST(RenewOrPowerOff, RetriesThenSucceedsWithoutPowerOff)
{
    Recorder rec;
    EXPECT_NO_THROW(renew_or_power_off(rec.attempts(2, throw_ldb)));
    EXPECT_EQ(rec.calls, 3);
    EXPECT_EQ(rec.pauses, 2);
    ASSERT_EQ(rec.reports.size(), 2u);
    EXPECT_THAT(rec.reports[0].first, HasSubstr("(attempt 1 of 3): reloading dm-integrity (EBUSY)"));
    EXPECT_EQ(rec.reports[0].second, 3);
}

TEST(RenewOrPowerOff, PowersOffAfterTheLastFailedAttempt)
{
    Recorder rec;
    EXPECT_THROW(renew_or_power_off(rec.attempts(3, throw_ldb)), PoweredOff);
    EXPECT_EQ(rec.calls, 3);
    ASSERT_EQ(rec.reports.size(), 4u);
    EXPECT_THAT(rec.reports.back().first, HasSubstr("must not run on: powering off"));
    EXPECT_THAT(rec.reports.back().first, HasSubstr("noresume"));
    EXPECT_EQ(rec.reports.back().second, 2);
}

// Not only ldb::Error: anything that escaped here would unwind through
// hibernate_to_swap and thaw with a stale header on disk.
TEST(RenewOrPowerOff, AnyExceptionIsRetriedNotPropagated)
{
    for (auto fail : {throw_std, throw_bad_alloc, throw_int}) {
        Recorder rec;
        EXPECT_NO_THROW(renew_or_power_off(rec.attempts(2, fail)));
        EXPECT_EQ(rec.calls, 3);
        EXPECT_EQ(rec.reports.size(), 2u);
    }
}

TEST(RenewOrPowerOff, AnyExceptionEndsInPowerOff)
{
    for (auto fail : {throw_std, throw_bad_alloc, throw_int}) {
        Recorder rec;
        EXPECT_THROW(renew_or_power_off(rec.attempts(3, fail)), PoweredOff);
        EXPECT_EQ(rec.calls, 3);
    }
    Recorder rec;
    EXPECT_THROW(renew_or_power_off(rec.attempts(3, throw_std)), PoweredOff);
    ASSERT_FALSE(rec.reports.empty());
    EXPECT_THAT(rec.reports[0].first, HasSubstr("std::function target threw"));
}

// A report that itself throws (no memory for the text, while frozen) must
// not stop the retries or the power-off either.
TEST(RenewOrPowerOff, ThrowingReportStillPowersOff)
{
    Recorder rec;
    auto r = rec.attempts(3, throw_ldb);
    r.report = [](const std::string&, int) { throw std::bad_alloc(); };
    EXPECT_THROW(renew_or_power_off(r), PoweredOff);
    EXPECT_EQ(rec.calls, 3);
}

// Issue 17: after an integrity reload the image on disk may be damaged
// (6.16: pages that fail to authenticate), so the last words must not
// promise that the next boot resumes it.
TEST(RenewOrPowerOff, AfterAReloadTheLastWordsDoNotPromiseTheImage)
{
    Recorder rec;
    auto r = rec.attempts(3, throw_ldb);
    r.image_untouched = [] { return false; };
    EXPECT_THROW(renew_or_power_off(r), PoweredOff);
    ASSERT_EQ(rec.reports.size(), 4u);
    EXPECT_THAT(rec.reports.back().first, HasSubstr("may have damaged the image"));
    EXPECT_THAT(rec.reports.back().first, ::testing::Not(HasSubstr("resumes the same image")));
    EXPECT_EQ(rec.reports.back().second, 2);
}

TEST(RenewOrPowerOff, UntouchedImageIsPromisedAgain)
{
    Recorder rec;
    auto r = rec.attempts(3, throw_ldb);
    r.image_untouched = [] { return true; };
    EXPECT_THROW(renew_or_power_off(r), PoweredOff);
    EXPECT_THAT(rec.reports.back().first, HasSubstr("resumes the same image"));
    // A check that throws counts as touched: never promise what is unknown.
    Recorder rec2;
    auto r2 = rec2.attempts(3, throw_ldb);
    r2.image_untouched = []() -> bool { throw std::runtime_error("no"); };
    EXPECT_THROW(renew_or_power_off(r2), PoweredOff);
    EXPECT_THAT(rec2.reports.back().first, HasSubstr("may have damaged the image"));
}
