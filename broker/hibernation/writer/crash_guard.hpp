// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// What a crash of lockdown-hibernate does while every other task is frozen.
//
// When the process dies, the kernel closes /dev/snapshot, and its release
// frees the image and THAWS the tasks. Two windows must never end that way:
//  - ImageComplete: in the system that hibernates, from the signature write
//    on. A system that runs on makes the image on disk stale.
//  - Renewal: in the resumed system, until the swap header is clean again
//    (swap_renewal.hpp). The boot kernel's reset of the header can be lost
//    (it stays in the boot kernel's dm-integrity instance, which the image
//    replaces), so the disk may still say S1SUSPEND. Thawed, the system
//    changes its file systems, and the next boot resumes this old image over
//    them.
// In both windows powering off is safe: the image is complete and nothing
// has changed since it was taken, so the next boot resumes it (again).
//  - RenewalReloaded: the renewal's second half, from the moment the
//    integrity layer was reloaded until the header is clean. Suspending the
//    stale instance lets it write what it held at the snapshot (journal
//    entries, cached tag blocks) over the disk the image was written to: on
//    6.16 that left image pages that fail to authenticate (issue 17), and
//    nothing proves the image intact after it. So here a fatal signal first
//    discards the image: it writes the saved header (SWAPSPACE2) through the
//    new instance with the fd and page given to set_discard(), flushes, and
//    only then powers off. The next boot starts afresh; the session is lost,
//    but no boot tries an image that may be damaged.
//
// Armed, a fatal signal (kSignals) powers off, after a line at priority
// critical on the console. Every other catchable signal (SIGTERM, SIGINT,
// SIGHUP, SIGPIPE, ...) is blocked until disarm(): a pending one is handled
// after the window, when dying no longer thaws over a stale image.
//
// What it cannot cover, and why that is accepted:
//  - SIGKILL cannot be caught or blocked. But while tasks are frozen no user
//    process can send it (all are frozen, systemd included); the freezer
//    disables the OOM killer (freeze_processes() -> oom_killer_disable(),
//    state that the restored kernel keeps), and this process runs with
//    oom_score_adj -1000 anyway. What remains is SysRq-i (SIGKILL to every
//    task) from someone at the console, or a kernel bug.
//  - exit() or _exit() from a library: no signal at all. Nothing in the
//    windows calls them (libdevmapper's and libc's errors are returns).
// A power loss in either window is safe: the image stays and resumes.
#include <csignal>
#include <iterator>

namespace ldb {

enum class CrashWindow : int { None = 0, ImageComplete = 1, Renewal = 2, RenewalReloaded = 3 };

class CrashGuard {
public:
    // Powers off; must not return. The handler calls it only while armed.
    using PowerOff = void (*)() noexcept;

    // Installs the handler for kSignals (one guard at a time). Its line goes
    // to `log_fd`, or to /dev/kmsg (opened here) when `log_fd` is -1. The
    // unit tests pass a pipe and a `power_off` that exits; nullptr is the
    // real one: reboot(2) to power off, else halt, retried, never a thaw.
    explicit CrashGuard(int log_fd = -1, PowerOff power_off = nullptr);
    CrashGuard(const CrashGuard&) = delete;
    CrashGuard& operator=(const CrashGuard&) = delete;
    // Disarms, puts the old handlers back, closes what it opened.
    ~CrashGuard();

    // Enters a window (blocks the other signals) or, with None, leaves it
    // (puts the signal mask back). Async-signal-safe state only.
    static void arm(CrashWindow window) noexcept;
    static void disarm() noexcept { arm(CrashWindow::None); }
    static CrashWindow armed() noexcept;

    // What RenewalReloaded's handler writes at offset 0 of `fd` (opened
    // O_DIRECT, `page` one aligned kPageSize page that stays alive), then
    // flushes, before the power-off. fd -1: nothing to write.
    static void set_discard(int fd, const unsigned char* page) noexcept;

    // A line at priority critical to the guard's log ("<2>lockdown-hibernate:
    // TEXT"), for a power-off that is not the normal end. Never throws.
    static void say_critical(const char* text) noexcept;

    static constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS};

private:
    struct sigaction old_[std::size(kSignals)]{};
    bool opened_log_ = false;
};

} // namespace ldb
