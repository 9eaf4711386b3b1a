// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Tells when files the daemon's status is read from change: the kernel's
// lockdown file (a write to /sys/kernel/security/lockdown goes through the
// VFS, which notifies inotify watchers with IN_MODIFY), the pins directory
// and the runtime directory with --enforce-only's record. So KernelLockdown,
// Enforcing and Notice follow within a second, not at the next lease tick.
//
// A notice can be missed (a queue overflow; a path that did not exist when
// the watch was set up), so the watched regular files are also read again
// at a slow interval and compared with what they held before (a path that
// is absent counts as a file that may appear).
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"

namespace ldb {

class EventLoop;

class FileWatch {
public:
    static constexpr std::chrono::milliseconds kDefaultRecheck{1000};
    // `changed` is called from the loop when any of `paths` (files or
    // directories; a directory reports entries created, removed, renamed or
    // written in it) may have changed. It may be called for no change.
    FileWatch(EventLoop& loop, std::vector<std::string> paths, std::function<void()> changed,
              std::chrono::milliseconds recheck = kDefaultRecheck);
    ~FileWatch();
    FileWatch(const FileWatch&) = delete;
    FileWatch& operator=(const FileWatch&) = delete;

    // The paths that have an inotify watch (the others are only re-read).
    size_t watched() const noexcept { return watched_; }

private:
    struct Path {
        std::string path;
        std::optional<std::string> last; // a file's text at the last look; nullopt: absent
        bool is_file = false;            // not a directory: compared by the re-read
    };
    void on_ready();
    void recheck();
    static std::optional<std::string> read_small(const std::string& path);

    EventLoop& loop_;
    std::vector<Path> paths_;
    std::function<void()> changed_;
    UniqueFd fd_;
    std::chrono::milliseconds recheck_;
    std::optional<uint64_t> timer_;
    size_t watched_ = 0;
};

} // namespace ldb
