// SPDX-License-Identifier: LGPL-2.1-or-later
#include "base/event_loop.hpp"

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <poll.h>
#include <sdbus-c++/IConnection.h>

#include "base/error.hpp"

namespace ldb {

void EventLoop::add_fd(int fd, std::function<void()> on_ready, short events)
{
    watches_.push_back({fd, std::move(on_ready), events});
}

void EventLoop::remove_fd(int fd)
{
    std::erase_if(watches_, [fd](const Watch& w) { return w.fd == fd; });
}

EventLoop::TimerId EventLoop::add_timer(Clock::duration after, std::function<void()> cb)
{
    const TimerId id = next_timer_++;
    timers_.emplace(Clock::now() + after, std::make_pair(id, std::move(cb)));
    return id;
}

void EventLoop::cancel_timer(TimerId id)
{
    for (auto it = timers_.begin(); it != timers_.end(); ++it)
        if (it->second.first == id) {
            timers_.erase(it);
            return;
        }
}

void EventLoop::dispatch_bus()
{
    // Each call handles one message; drain what is queued.
    while (bus_->processPendingRequest()) {
    }
}

void EventLoop::run()
{
    quit_ = false;
    while (!quit_) {
        std::vector<pollfd> pfds;
        int timeout_ms = -1;
        if (bus_) {
            // Messages may already sit in sd-bus's queue (read while a
            // synchronous call waited): handle them before sleeping.
            dispatch_bus();
            const auto pd = bus_->getEventLoopPollData();
            pfds.push_back({pd.fd, pd.events, 0});
            if (pd.timeout_usec != UINT64_MAX) {
                timespec ts{};
                ::clock_gettime(CLOCK_MONOTONIC, &ts);
                const uint64_t now = static_cast<uint64_t>(ts.tv_sec) * 1000000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
                timeout_ms = pd.timeout_usec <= now ? 0 : static_cast<int>(std::min<uint64_t>((pd.timeout_usec - now + 999) / 1000, 60000));
            }
        }
        for (const auto& w : watches_)
            pfds.push_back({w.fd, w.events, 0});
        if (!timers_.empty()) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(timers_.begin()->first - Clock::now()).count();
            const int t = static_cast<int>(std::clamp<long long>(left, 0, 60000));
            timeout_ms = timeout_ms < 0 ? t : std::min(timeout_ms, t);
        }
        const int n = ::poll(pfds.data(), pfds.size(), timeout_ms);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw errno_error(errno, "waiting for events");
        }
        if (bus_)
            dispatch_bus();
        // Copy: a callback may add or remove watches.
        const size_t first = bus_ ? 1 : 0;
        std::vector<std::pair<int, short>> ready;
        for (size_t i = first; i < pfds.size(); i++)
            if (pfds[i].revents)
                ready.emplace_back(pfds[i].fd, pfds[i].revents);
        for (const auto& [fd, rev] : ready) {
            auto it = std::find_if(watches_.begin(), watches_.end(), [fd](const Watch& w) { return w.fd == fd; });
            if (it != watches_.end()) {
                auto cb = it->cb;
                cb();
            }
        }
        while (!timers_.empty() && timers_.begin()->first <= Clock::now()) {
            auto cb = std::move(timers_.begin()->second.second);
            timers_.erase(timers_.begin());
            cb();
        }
    }
}

} // namespace ldb
