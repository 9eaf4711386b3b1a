// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dyndbg/check_schedule.hpp"

#include <algorithm>

namespace ldb::dyndbg {

void CheckSchedule::loaded(Clock::time_point now)
{
    const auto cell = s_.merge.count() > 0 ? s_.merge : Clock::duration(1);
    for (const auto d : s_.after) {
        // Rounded up to a multiple of `merge`: the loads of a burst ask for
        // the same few times (never earlier than each asked), so the set
        // holds at most one time per `merge` of the longest delay.
        const auto since = (now + d).time_since_epoch();
        const auto rounded = (since + cell - Clock::duration(1)) / cell * cell;
        due_.insert(Clock::time_point(rounded));
    }
}

std::optional<CheckSchedule::Clock::time_point> CheckSchedule::next() const
{
    if (due_.empty())
        return std::nullopt;
    const auto first = *due_.begin();
    return last_ ? std::max(first, *last_ + s_.min_gap) : first;
}

bool CheckSchedule::take(Clock::time_point now)
{
    const auto when = next();
    if (!when || *when > now)
        return false;
    due_.erase(due_.begin(), due_.upper_bound(now));
    last_ = now;
    return true;
}

} // namespace ldb::dyndbg
