// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hibernation/writer/sleep_hooks.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <poll.h>
#include <set>
#include <spawn.h>
#include <string_view>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "base/unique_fd.hpp"

extern char** environ;

namespace ldb {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How long killed hooks may take to be reaped: one stuck in the kernel must
// not hold up the sleep.
constexpr milliseconds kKillGrace{5000};
// The wake-up interval while a hook has no pidfd to poll.
constexpr milliseconds kTick{10};

// systemd's hidden_or_backup_file() (252).
bool hidden_or_backup(const std::string& name)
{
    static constexpr std::array<std::string_view, 17> kSuffixes{
        "rpmnew",    "rpmsave",     "rpmorig",     "dpkg-old", "dpkg-new", "dpkg-tmp", "dpkg-dist",
        "dpkg-bak",  "dpkg-backup", "dpkg-remove", "ucf-new",  "ucf-old",  "ucf-dist", "swp",
        "bak",       "old",         "new"};
    if (name.empty() || name.front() == '.' || name.back() == '~' || name == "lost+found" ||
        name == "aquota.user" || name == "aquota.group")
        return true;
    const auto dot = name.rfind('.');
    return dot != std::string::npos &&
           std::find(kSuffixes.begin(), kSuffixes.end(), std::string_view(name).substr(dot + 1)) != kSuffixes.end();
}

struct Listing {
    std::vector<std::string> hooks; // paths, in file-name order
    std::vector<SleepHookResult> errors;
};

// conf_files_list_strv() with CONF_FILES_EXECUTABLE|CONF_FILES_REGULAR|
// CONF_FILES_FILTER_MASKED, as execute_directories() calls it.
Listing list_hooks(const std::vector<std::string>& dirs)
{
    Listing out;
    std::map<std::string, std::string> by_name;
    std::set<std::string> masked;
    for (const auto& dir : dirs) {
        std::error_code ec;
        for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
            const std::string name = it->path().filename().string();
            if (hidden_or_backup(name) || by_name.count(name) != 0 || masked.count(name) != 0)
                continue;
            struct stat st {};
            if (::stat(it->path().c_str(), &st) != 0)
                continue; // e.g. a dangling symlink, which systemd skips as well
            if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || (S_ISREG(st.st_mode) && st.st_size == 0))
                masked.insert(name);
            else if (S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0)
                by_name.emplace(name, it->path().string());
        }
        if (ec && ec != std::errc::no_such_file_or_directory)
            out.errors.push_back({dir, false, "cannot list " + dir + ": " + ec.message()});
    }
    for (auto& [name, path] : by_name)
        out.hooks.push_back(std::move(path));
    return out;
}

class SpawnAttr {
public:
    SpawnAttr() : err_(::posix_spawnattr_init(&attr_)) {}
    ~SpawnAttr()
    {
        if (err_ == 0)
            ::posix_spawnattr_destroy(&attr_);
    }
    SpawnAttr(const SpawnAttr&) = delete;
    SpawnAttr& operator=(const SpawnAttr&) = delete;

    // Own process group (so that the hook's children can be killed with
    // it), no blocked signals, default dispositions.
    int configure()
    {
        if (err_ != 0)
            return err_;
        sigset_t none;
        sigset_t all;
        ::sigemptyset(&none);
        ::sigfillset(&all);
        int err = ::posix_spawnattr_setflags(
            &attr_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        if (err == 0)
            err = ::posix_spawnattr_setpgroup(&attr_, 0);
        if (err == 0)
            err = ::posix_spawnattr_setsigmask(&attr_, &none);
        if (err == 0)
            err = ::posix_spawnattr_setsigdefault(&attr_, &all);
        return err;
    }
    const posix_spawnattr_t* get() const noexcept { return &attr_; }

private:
    posix_spawnattr_t attr_{};
    int err_;
};

struct Running {
    std::size_t slot; // index of its result
    pid_t pid;
    UniqueFd pidfd; // empty when pidfd_open failed: then we poll on a tick
};

std::string describe(int status)
{
    if (WIFEXITED(status))
        return "exit status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        const char* abbrev = ::sigabbrev_np(WTERMSIG(status));
        return "killed by signal " + (abbrev ? "SIG" + std::string(abbrev) : std::to_string(WTERMSIG(status))) +
               (WCOREDUMP(status) ? " (core dumped)" : "");
    }
    return "wait status " + std::to_string(status);
}

// "90 s", "0.3 s".
std::string seconds_text(milliseconds t)
{
    std::string s = std::to_string(t.count() / 1000);
    if (const auto frac = t.count() % 1000; frac != 0) {
        std::string f = std::to_string(1000 + frac).substr(1);
        while (f.back() == '0')
            f.pop_back();
        s += "." + f;
    }
    return s + " s";
}

// Reaps the hooks that exit before `deadline`, calling done(hook, outcome, ok)
// for each; the others stay in `running`.
template <class Done>
void reap_until(std::vector<Running>& running, Clock::time_point deadline, Done&& done)
{
    for (;;) {
        std::erase_if(running, [&](const Running& r) {
            int status = 0;
            pid_t got;
            do
                got = ::waitpid(r.pid, &status, WNOHANG);
            while (got < 0 && errno == EINTR);
            if (got == 0)
                return false;
            if (got < 0)
                done(r, std::string("cannot wait for it: ") + std::strerror(errno), false);
            else
                done(r, describe(status), WIFEXITED(status) && WEXITSTATUS(status) == 0);
            return true;
        });
        const auto now = Clock::now();
        if (running.empty() || now >= deadline)
            return;
        auto wait = std::min(std::chrono::ceil<milliseconds>(deadline - now),
                             milliseconds(std::numeric_limits<int>::max()));
        std::vector<pollfd> fds;
        for (const auto& r : running) {
            if (r.pidfd)
                fds.push_back({r.pidfd.get(), POLLIN, 0});
            else
                wait = std::min(wait, kTick);
        }
        if (::poll(fds.data(), fds.size(), static_cast<int>(wait.count())) < 0 && errno != EINTR)
            std::this_thread::sleep_for(kTick);
    }
}

} // namespace

std::vector<SleepHookResult> run_sleep_hooks(const SleepHookOptions& o)
{
    Listing listing = list_hooks(o.dirs);
    std::vector<SleepHookResult> results = std::move(listing.errors);
    if (listing.hooks.empty())
        return results;

    const milliseconds timeout = std::max(o.timeout, milliseconds{0});
    const auto deadline = Clock::now() + timeout;

    // The inherited environment, with SYSTEMD_SLEEP_ACTION set; not through
    // setenv(), which is not thread-safe.
    static constexpr std::string_view kActionVar = "SYSTEMD_SLEEP_ACTION=";
    std::string action_entry = std::string(kActionVar) + o.action;
    std::vector<char*> envp;
    for (char** e = environ; e && *e; ++e)
        if (std::string_view(*e).substr(0, kActionVar.size()) != kActionVar)
            envp.push_back(*e);
    envp.push_back(action_entry.data());
    envp.push_back(nullptr);

    SpawnAttr attr;
    const int attr_err = attr.configure();
    std::string phase = o.phase;
    std::string action = o.action;
    std::vector<Running> running;
    for (auto& path : listing.hooks) {
        const std::size_t slot = results.size();
        results.push_back({path, false, path + " " + phase + " " + action + ": "});
        std::array<char*, 4> argv{path.data(), phase.data(), action.data(), nullptr};
        pid_t pid = 0;
        const int err =
            attr_err != 0 ? attr_err : ::posix_spawn(&pid, path.c_str(), nullptr, attr.get(), argv.data(), envp.data());
        if (err != 0) {
            results[slot].line += std::string("cannot start: ") + std::strerror(err);
            continue;
        }
        // An unreaped child's pid cannot be reused, so this pidfd is its own.
        running.push_back({slot, pid, UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)))});
    }

    reap_until(running, deadline, [&](const Running& r, const std::string& outcome, bool ok) {
        results[r.slot].ok = ok;
        results[r.slot].line += outcome;
    });
    if (running.empty())
        return results;

    // Still unreaped, so neither the pid nor the group id can have been reused.
    for (const auto& r : running) {
        ::kill(-r.pid, SIGKILL);
        ::kill(r.pid, SIGKILL); // in case it left its process group
        results[r.slot].line += "timed out after " + seconds_text(timeout) + ", killed";
    }
    reap_until(running, Clock::now() + kKillGrace, [](const Running&, const std::string&, bool) {});
    for (const auto& r : running)
        results[r.slot].line += ", but it has not exited after " + seconds_text(kKillGrace);
    return results;
}

} // namespace ldb
