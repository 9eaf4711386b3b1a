// SPDX-License-Identifier: LGPL-2.1-or-later
#include "host/file_watch.hpp"

#include <cerrno>
#include <cstring>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.hpp"
#include "base/event_loop.hpp"
#include "base/files.hpp"
#include "base/log.hpp"

namespace ldb {

namespace {

// What a write, an atomic replace or a removal shows as, on a file or on
// the entries of a directory.
constexpr uint32_t kMask = IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_CREATE | IN_DELETE | IN_MOVED_FROM |
                           IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF;

// The status files are one line; a bigger one is not ours to compare.
constexpr ReadLimits kSmall{.max_bytes = 4096, .too_big = ErrorKind::Kernel};

} // namespace

std::optional<std::string> FileWatch::read_small(const std::string& path)
{
    try {
        return read_file_if_exists(path, kSmall);
    } catch (const Error& e) {
        log_debug("cannot re-read %s: %s", path.c_str(), e.what());
        return std::nullopt;
    }
}

FileWatch::FileWatch(EventLoop& loop, std::vector<std::string> paths, std::function<void()> changed,
                     std::chrono::milliseconds recheck)
    : loop_(loop), changed_(std::move(changed)), fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)), recheck_(recheck)
{
    if (!fd_)
        throw errno_error(errno, "creating an inotify instance for the status files");
    for (auto& p : paths) {
        struct stat st{};
        // Anything but a directory is compared, also a path that is absent now.
        const bool is_file = !(::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode));
        if (::inotify_add_watch(fd_.get(), p.c_str(), kMask) >= 0)
            watched_++;
        else
            log_debug("cannot watch %s (%s); it is re-read every %lld ms", p.c_str(), std::strerror(errno),
                      static_cast<long long>(recheck_.count()));
        Path entry{std::move(p), std::nullopt, is_file};
        if (entry.is_file)
            entry.last = read_small(entry.path);
        paths_.push_back(std::move(entry));
    }
    loop_.add_fd(fd_.get(), [this] { on_ready(); });
    timer_ = loop_.add_timer(recheck_, [this] { this->recheck(); });
}

FileWatch::~FileWatch()
{
    if (timer_)
        loop_.cancel_timer(*timer_);
    loop_.remove_fd(fd_.get());
}

void FileWatch::on_ready()
{
    alignas(inotify_event) char buf[4096];
    bool any = false;
    while (::read(fd_.get(), buf, sizeof buf) > 0)
        any = true;
    if (!any)
        return;
    for (auto& p : paths_)
        if (p.is_file)
            p.last = read_small(p.path);
    changed_();
}

// The backstop: a file whose text (or absence) differs from the last look.
void FileWatch::recheck()
{
    timer_.reset();
    bool differs = false;
    for (auto& p : paths_) {
        if (!p.is_file)
            continue;
        auto now = read_small(p.path);
        if (now != p.last) {
            differs = true;
            p.last = std::move(now);
        }
    }
    timer_ = loop_.add_timer(recheck_, [this] { this->recheck(); });
    if (differs)
        changed_();
}

} // namespace ldb
