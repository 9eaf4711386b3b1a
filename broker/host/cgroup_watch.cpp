// SPDX-License-Identifier: LGPL-2.1-or-later
#include "host/cgroup_watch.hpp"

#include <algorithm>
#include <cerrno>
#include <sys/inotify.h>
#include <unistd.h>
#include <vector>

#include "base/error.hpp"
#include "base/event_loop.hpp"
#include "base/files.hpp"
#include "base/log.hpp"
#include "base/text.hpp"

namespace ldb {

namespace {

// cgroup.events is two short lines ("populated 1\nfrozen 0\n").
constexpr ReadLimits kEventsLimits{.max_bytes = 4096, .too_big = ErrorKind::Kernel};

} // namespace

std::optional<bool> parse_populated(std::string_view text)
{
    for (const auto& line : lines_of(text)) {
        std::string_view l = line;
        if (!l.starts_with("populated "))
            continue;
        l.remove_prefix(10);
        if (l == "1")
            return true;
        if (l == "0")
            return false;
        return std::nullopt;
    }
    return std::nullopt;
}

CgroupWatch::CgroupWatch(EventLoop& loop, std::string root, std::function<void(const std::string&)> ended,
                         std::chrono::milliseconds recheck)
    : loop_(loop), root_(std::move(root)), ended_(std::move(ended)),
      fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)), recheck_(recheck)
{
    if (!fd_)
        throw errno_error(errno, "creating an inotify instance for cgroup.events");
    loop_.add_fd(fd_.get(), [this] { on_ready(); });
}

CgroupWatch::~CgroupWatch()
{
    if (recheck_timer_)
        loop_.cancel_timer(*recheck_timer_);
    loop_.remove_fd(fd_.get());
}

bool CgroupWatch::ended_now(const std::string& cgroup) const
{
    try {
        const auto text = read_file_if_exists(root_ + cgroup + "/cgroup.events", kEventsLimits);
        if (!text)
            return true;
        const auto populated = parse_populated(*text);
        if (!populated)
            log_warning("%s/cgroup.events has no 'populated' line; taking the cgroup as still in use", cgroup.c_str());
        return populated == false;
    } catch (const Error& e) {
        // A cgroup removed between open and read answers ENODEV.
        if (::access((root_ + cgroup).c_str(), F_OK) != 0 && errno == ENOENT)
            return true;
        log_warning("cannot read %s/cgroup.events: %s", cgroup.c_str(), e.what());
        return false;
    }
}

void CgroupWatch::report_later(const std::string& cgroup)
{
    loop_.add_timer(std::chrono::milliseconds(0), [this, cgroup] {
        if (watches_.contains(cgroup))
            ended_(cgroup);
    });
}

void CgroupWatch::watch(const std::string& cgroup)
{
    auto& w = watches_[cgroup];
    if (w.count++ > 0)
        return;
    const std::string file = root_ + cgroup + "/cgroup.events";
    w.wd = ::inotify_add_watch(fd_.get(), file.c_str(), IN_MODIFY);
    if (w.wd < 0 && errno != ENOENT) {
        const int err = errno;
        watches_.erase(cgroup);
        throw errno_error(err, "watching " + file);
    }
    // Checked after the watch is in place, so that no change falls between.
    if (w.wd < 0 || ended_now(cgroup))
        report_later(cgroup);
    arm_recheck();
}

void CgroupWatch::arm_recheck()
{
    if (recheck_timer_ || watches_.empty())
        return;
    recheck_timer_ = loop_.add_timer(recheck_, [this] {
        recheck_timer_.reset();
        std::vector<std::string> all;
        for (const auto& [cgroup, w] : watches_)
            all.push_back(cgroup);
        report_ended(all);
        arm_recheck();
    });
}

void CgroupWatch::report_ended(std::vector<std::string> candidates)
{
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    std::vector<std::string> ended;
    for (const auto& cgroup : candidates) {
        const auto it = watches_.find(cgroup);
        if (it != watches_.end() && (it->second.wd < 0 || ended_now(cgroup)))
            ended.push_back(cgroup);
    }
    // Reported after the scan: `ended_` may unwatch, which changes watches_.
    for (const auto& cgroup : ended)
        if (watches_.contains(cgroup))
            ended_(cgroup);
}

void CgroupWatch::unwatch(const std::string& cgroup)
{
    auto it = watches_.find(cgroup);
    if (it == watches_.end() || --it->second.count > 0)
        return;
    if (it->second.wd >= 0)
        ::inotify_rm_watch(fd_.get(), it->second.wd); // its IN_IGNORED then names no watch
    watches_.erase(it);
}

void CgroupWatch::on_ready()
{
    alignas(inotify_event) char buf[4096];
    std::vector<std::string> touched;
    bool overflow = false;
    for (;;) {
        const ssize_t n = ::read(fd_.get(), buf, sizeof buf);
        if (n <= 0)
            break;
        for (ssize_t off = 0; off < n;) {
            const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
            off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
            if (ev->mask & IN_Q_OVERFLOW)
                overflow = true;
            for (auto& [cgroup, w] : watches_) {
                if (w.wd != ev->wd)
                    continue;
                if (ev->mask & IN_IGNORED)
                    w.wd = -1; // the watched file is gone
                touched.push_back(cgroup);
            }
        }
    }
    if (overflow) // events were lost: read them all
        for (const auto& [cgroup, w] : watches_)
            touched.push_back(cgroup);
    report_ended(touched);
}

} // namespace ldb
