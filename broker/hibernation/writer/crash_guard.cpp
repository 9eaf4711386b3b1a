// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hibernation/writer/crash_guard.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <iterator>
#include <linux/reboot.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "hibernation/page_io.hpp"

namespace ldb {

namespace {

// Read by the handler: only sig_atomic_t and what is set before the
// handler is installed.
volatile sig_atomic_t g_window = 0;
int g_log_fd = -1;
CrashGuard::PowerOff g_power_off = nullptr;
volatile sig_atomic_t g_discard_fd = -1;
const unsigned char* volatile g_discard_page = nullptr;
constexpr size_t kDiscardBytes = kPageSize;
// The mask before arm(), put back by disarm(); touched outside the handler.
sigset_t g_mask_before;
bool g_masked = false;

[[noreturn]] void reboot_power_off() noexcept
{
    // A refused power-off must not fall through to a thaw: halt, and keep
    // trying (sleep() is async-signal-safe; sync() is not, and the image
    // is already flushed).
    for (;;) {
        ::reboot(LINUX_REBOOT_CMD_POWER_OFF);
        ::reboot(LINUX_REBOOT_CMD_HALT);
        ::sleep(1);
    }
}

void write_all(int fd, const char* p, size_t n) noexcept
{
    while (fd >= 0 && n) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= static_cast<size_t>(w);
    }
}

// RenewalReloaded: the saved header back over the image, flushed (pwrite and
// fdatasync are async-signal-safe). True if both succeeded.
bool discard_image() noexcept
{
    const int fd = g_discard_fd;
    const unsigned char* page = g_discard_page;
    if (fd < 0 || !page)
        return false;
    ssize_t w;
    do
        w = ::pwrite(fd, page, kDiscardBytes, 0);
    while (w < 0 && errno == EINTR);
    return w == static_cast<ssize_t>(kDiscardBytes) && ::fdatasync(fd) == 0;
}

template <size_t N>
void say_line(const char (&text)[N]) noexcept
{
    write_all(g_log_fd, text, N - 1);
}

void say_window(sig_atomic_t window) noexcept
{
    switch (static_cast<CrashWindow>(static_cast<int>(window))) {
    case CrashWindow::Renewal:
        say_line("<2>lockdown-hibernate: crashed in the resumed system before the swap header was "
                                 "clean; powering off, the next boot resumes the same image again\n");
        return;
    case CrashWindow::RenewalReloaded:
        if (discard_image())
            say_line("<2>lockdown-hibernate: crashed in the resumed system after the dm-integrity "
                                     "reload, which can damage the image on disk: the image is discarded (swap "
                                     "header reset), powering off; the next boot starts afresh, this session is "
                                     "lost\n");
        else
            say_line("<2>lockdown-hibernate: crashed in the resumed system after the dm-integrity "
                                     "reload and could not discard the image, which may be damaged: powering off; "
                                     "a next boot that cannot read it starts afresh\n");
        return;
    default:
        say_line("<2>lockdown-hibernate: crashed after the image was complete; powering off, the "
                                 "next boot resumes it\n");
    }
}

void on_fatal_signal(int sig)
{
    const sig_atomic_t window = g_window;
    if (window != 0) {
        say_window(window);
        g_power_off();
        reboot_power_off(); // a test's power_off that returned
    }
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

} // namespace

CrashGuard::CrashGuard(int log_fd, PowerOff power_off)
{
    g_power_off = power_off ? power_off : reboot_power_off;
    if (log_fd >= 0) {
        g_log_fd = log_fd;
    } else {
        g_log_fd = ::open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
        opened_log_ = g_log_fd >= 0;
    }
    struct sigaction sa{};
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < std::size(kSignals); i++)
        ::sigaction(kSignals[i], &sa, &old_[i]);
}

CrashGuard::~CrashGuard()
{
    disarm();
    for (size_t i = 0; i < std::size(kSignals); i++)
        ::sigaction(kSignals[i], &old_[i], nullptr);
    if (opened_log_)
        ::close(g_log_fd);
    g_log_fd = -1;
    set_discard(-1, nullptr);
}

void CrashGuard::arm(CrashWindow window) noexcept
{
    if (window == CrashWindow::None) {
        g_window = 0;
        if (g_masked)
            ::sigprocmask(SIG_SETMASK, &g_mask_before, nullptr);
        g_masked = false;
        return;
    }
    g_window = static_cast<sig_atomic_t>(window);
    if (g_masked)
        return;
    // Everything but the fatal signals: a fatal signal that is blocked when
    // the kernel raises it for a fault kills the process at once.
    sigset_t block;
    sigfillset(&block);
    for (const int s : kSignals)
        sigdelset(&block, s);
    g_masked = ::sigprocmask(SIG_BLOCK, &block, &g_mask_before) == 0;
}

void CrashGuard::set_discard(int fd, const unsigned char* page) noexcept
{
    g_discard_page = page;
    g_discard_fd = fd;
}

CrashWindow CrashGuard::armed() noexcept
{
    return static_cast<CrashWindow>(static_cast<int>(g_window));
}

void CrashGuard::say_critical(const char* text) noexcept
{
    char line[256];
    const int n = std::snprintf(line, sizeof line, "<2>lockdown-hibernate: %s\n", text);
    if (n > 0)
        write_all(g_log_fd, line, std::min(static_cast<size_t>(n), sizeof line - 1));
}

} // namespace ldb
