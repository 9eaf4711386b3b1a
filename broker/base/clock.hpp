// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The clocks: CLOCK_BOOTTIME is what the kernel compares leases with, the
// real-time clock is for people. Clocks lets tests drive both.
#include <cstdint>
#include <functional>

namespace ldb {

uint64_t boot_time_ns();
uint64_t realtime_usec();

struct Clocks {
    std::function<uint64_t()> boot_ns;
    std::function<uint64_t()> realtime_usec;
    static Clocks system();
};

} // namespace ldb
