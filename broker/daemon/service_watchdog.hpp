// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The service watchdog of lockdown-broker.service (WatchdogSec=): the pings,
// and a longer timeout while the system sleeps.
//
// A sleep freezes every task, systemd and this daemon included, and the
// kernel then makes room for the image (hibernation_snapshot() swaps memory
// out), which can take minutes. A hibernation that fails after that thaws
// the tasks; systemd's clock kept running, so it finds the last ping too old
// and kills the daemon in the middle of the hibernation it is granting.
// systemd's own daemons live with WatchdogSec=3min; this one keeps its short
// timeout for a hang while awake and asks for kSleepTimeout (WATCHDOG_USEC=)
// from the start of a sleep until it is over.

#include <chrono>
#include <functional>
#include <string>

namespace ldb {

class ServiceWatchdog {
public:
    using Notify = std::function<void(const std::string&)>; // sd_notify() text
    static constexpr std::chrono::minutes kSleepTimeout{30};

    // `timeout`: WatchdogSec= as sd_watchdog_enabled() reported it; zero
    // makes every call a no-op.
    ServiceWatchdog(std::chrono::microseconds timeout, Notify notify);

    bool enabled() const noexcept { return timeout_.count() > 0; }
    // How often to ping: half the configured timeout.
    std::chrono::milliseconds ping_interval() const;
    void ping() const;
    // A sleep begins (true) or is over (false). Idempotent: logind's
    // PrepareForSleep and the sleep unit both say so.
    void sleeping(bool on);
    bool stretched() const noexcept { return stretched_; }

private:
    std::chrono::microseconds timeout_;
    Notify notify_;
    bool stretched_ = false;
};

} // namespace ldb
