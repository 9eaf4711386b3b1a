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
    // Two sources say a sleep is under way, and the timeout stays long
    // while either does: logind (PrepareForSleep true, then false once the
    // sleep unit's job is done) and the sleep unit itself (BeginHibernation,
    // then the unit's end; it may run without logind). One alone is not
    // enough: systemd re-sends a failed unit's "failed" state when a new
    // start job is queued, after logind's PrepareForSleep(true), and that
    // must not end the sleep. Both calls are idempotent.
    void logind_sleeping(bool on);
    void sleep_unit_running(bool on);
    bool stretched() const noexcept { return stretched_; }

private:
    void apply();

    std::chrono::microseconds timeout_;
    Notify notify_;
    bool logind_ = false;
    bool unit_ = false;
    bool stretched_ = false;
};

} // namespace ldb
