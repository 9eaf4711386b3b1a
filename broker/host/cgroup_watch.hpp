// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Tells when a cgroup has no process left: the kernel rewrites
// cgroup.events ("populated 0") and notifies inotify watchers of it. Used
// for the exceptions of RequestException scope=caller, which end when the
// caller's scope empties.
//
// The notice can be lost: the kernel defers it when the file changed less
// than 20 ms before, and drops the deferred one when the cgroup is removed
// meanwhile; a removed cgroup's file gets no IN_IGNORED while the watch
// holds its inode; a full inotify queue overflows. So every watched cgroup
// is also read again at a slow interval.
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/unique_fd.hpp"

namespace ldb {

class EventLoop;

// The "populated" value of a cgroup.events text: true for "populated 1",
// false for "populated 0"; nullopt when there is no such line or its value
// is neither.
std::optional<bool> parse_populated(std::string_view cgroup_events);

class CgroupWatch {
public:
    // `ended` gets the cgroup path (as given to watch()) once it is empty or
    // gone; always from the loop, never from inside watch().
    static constexpr std::chrono::milliseconds kDefaultRecheck{2000};
    CgroupWatch(EventLoop& loop, std::string root, std::function<void(const std::string& cgroup)> ended,
                std::chrono::milliseconds recheck = kDefaultRecheck);
    ~CgroupWatch();
    CgroupWatch(const CgroupWatch&) = delete;
    CgroupWatch& operator=(const CgroupWatch&) = delete;

    // Starts watching `cgroup` (relative to the root), counted: each watch()
    // needs one unwatch(). A cgroup that is already empty or gone is
    // reported at once (on the loop's next turn).
    void watch(const std::string& cgroup);
    void unwatch(const std::string& cgroup);
    size_t size() const noexcept { return watches_.size(); }

private:
    struct Watched {
        int wd = -1;
        size_t count = 0;
    };
    void on_ready();
    // Empty or gone, as cgroup.events says now.
    bool ended_now(const std::string& cgroup) const;
    void report_later(const std::string& cgroup);
    // Reports every watched cgroup that is empty or gone now.
    void report_ended(std::vector<std::string> candidates);
    void arm_recheck();

    EventLoop& loop_;
    std::string root_;
    std::function<void(const std::string&)> ended_;
    UniqueFd fd_;
    std::map<std::string, Watched> watches_;
    std::chrono::milliseconds recheck_;
    std::optional<uint64_t> recheck_timer_;
};

} // namespace ldb
