// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// A small poll(2) loop: file descriptors with callbacks, one-shot timers on
// CLOCK_MONOTONIC, and the sdbus-c++ connection, whose poll data is asked for
// on every turn. Single-threaded: every callback runs on the loop's thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <poll.h>
#include <vector>

namespace sdbus {
class IConnection;
}

namespace ldb {

class EventLoop {
public:
    using Clock = std::chrono::steady_clock;
    using TimerId = uint64_t;

    // `events` as for poll(2): POLLIN by default; POLLPRI for files such
    // as /proc/swaps that signal a change that way.
    void add_fd(int fd, std::function<void()> on_ready, short events = POLLIN);
    void remove_fd(int fd);
    TimerId add_timer(Clock::duration after, std::function<void()> cb);
    void cancel_timer(TimerId id);
    void attach_bus(sdbus::IConnection& bus) { bus_ = &bus; }

    // Runs until quit(); exceptions from callbacks propagate to the caller.
    void run();
    void quit() { quit_ = true; }

private:
    void dispatch_bus();
    struct Watch {
        int fd;
        std::function<void()> cb;
        short events;
    };
    std::vector<Watch> watches_;
    std::multimap<Clock::time_point, std::pair<TimerId, std::function<void()>>> timers_;
    TimerId next_timer_ = 1;
    sdbus::IConnection* bus_ = nullptr;
    bool quit_ = false;
};

} // namespace ldb
