// SPDX-License-Identifier: LGPL-2.1-or-later
#include "base/clock.hpp"

#include <ctime>

namespace ldb {

namespace {
uint64_t read_ns(clockid_t id)
{
    timespec ts{};
    ::clock_gettime(id, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}
} // namespace

uint64_t boot_time_ns() { return read_ns(CLOCK_BOOTTIME); }
uint64_t realtime_usec() { return read_ns(CLOCK_REALTIME) / 1000; }

Clocks Clocks::system() { return Clocks{&ldb::boot_time_ns, &ldb::realtime_usec}; }

} // namespace ldb
