// SPDX-License-Identifier: LGPL-2.1-or-later
#include "daemon/service_watchdog.hpp"

#include <algorithm>

#include "base/log.hpp"

namespace ldb {

namespace {

std::string usec_text(std::chrono::microseconds t)
{
    return std::to_string(t.count());
}

} // namespace

ServiceWatchdog::ServiceWatchdog(std::chrono::microseconds timeout, Notify notify)
    : timeout_(timeout.count() > 0 ? timeout : std::chrono::microseconds{0}), notify_(std::move(notify))
{
}

std::chrono::milliseconds ServiceWatchdog::ping_interval() const
{
    return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(timeout_ / 2), std::chrono::milliseconds{1});
}

void ServiceWatchdog::ping() const
{
    if (enabled())
        notify_("WATCHDOG=1");
}

void ServiceWatchdog::logind_sleeping(bool on)
{
    logind_ = on;
    apply();
}

void ServiceWatchdog::sleep_unit_running(bool on)
{
    unit_ = on;
    apply();
}

void ServiceWatchdog::apply()
{
    const bool on = logind_ || unit_;
    if (!enabled() || on == stretched_)
        return;
    stretched_ = on;
    // One datagram: the new timeout and a ping that starts it.
    const auto t = on ? std::chrono::duration_cast<std::chrono::microseconds>(kSleepTimeout) : timeout_;
    notify_("WATCHDOG_USEC=" + usec_text(t) + "\nWATCHDOG=1");
    log_info("watchdog: %s, timeout %s s (WATCHDOG_USEC=)", on ? "a sleep is under way" : "the sleep is over",
             std::to_string(t.count() / 1000000).c_str());
}

} // namespace ldb
