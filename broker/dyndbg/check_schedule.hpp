// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// When to look for foreign dynamic debug changes after a module load. The
// notice comes as the load starts; the module's callsites (and what its
// dyndbg= parameter did to them) show in the control file only once
// load_module has registered them, so each load asks for a check at several
// delays. A burst of loads (udev at boot) shares its checks: wanted times
// are rounded up to a multiple of `merge`, and checks run at least `min_gap`
// apart. A check may run later than asked, never
// earlier. Pure: the caller owns the clock and the timer.
#include <chrono>
#include <optional>
#include <set>
#include <vector>

namespace ldb::dyndbg {

class CheckSchedule {
public:
    using Clock = std::chrono::steady_clock;
    struct Settings {
        std::vector<Clock::duration> after{std::chrono::milliseconds(300), std::chrono::milliseconds(1500),
                                           std::chrono::seconds(5)};
        Clock::duration merge = std::chrono::milliseconds(100);
        Clock::duration min_gap = std::chrono::seconds(1);
    };

    CheckSchedule() = default;
    explicit CheckSchedule(Settings s) : s_(std::move(s)) {}

    // A module is being loaded.
    void loaded(Clock::time_point now);
    // When the next check is due, if any is pending.
    std::optional<Clock::time_point> next() const;
    // True when a check is due at `now`: everything due by then is taken,
    // and the caller runs one check.
    bool take(Clock::time_point now);
    size_t pending() const noexcept { return due_.size(); }

private:
    Settings s_;
    std::set<Clock::time_point> due_;
    std::optional<Clock::time_point> last_;
};

} // namespace ldb::dyndbg
