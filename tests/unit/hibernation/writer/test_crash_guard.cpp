// SPDX-License-Identifier: LGPL-2.1-or-later
// lockdown-hibernate's crash guard, in forked children: armed, a fatal
// signal powers off (here: a stand-in that exits 42, never reboot(2)) with
// the window's line, and every other signal waits until it is disarmed;
// disarmed, a crash is an ordinary crash (which, with /dev/snapshot open,
// thaws the tasks).
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hibernation/page_io.hpp"
#include "hibernation/writer/crash_guard.hpp"

using namespace ldb;

namespace {

constexpr int kPoweredOff = 42;

struct Child {
    int status = 0;
    std::string log; // what the guard wrote, then what the child said
};

// Runs `body` in a child with a guard logging to a pipe; the child's own
// notes go to the same pipe (fd passed to body).
template <typename F>
Child run_child(F body)
{
    int p[2];
    if (::pipe(p) != 0)
        std::abort();
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(p[0]);
        const rlimit no_core{0, 0};
        ::setrlimit(RLIMIT_CORE, &no_core);
        CrashGuard guard(p[1], []() noexcept { ::_exit(kPoweredOff); });
        body(p[1]);
        ::_exit(0);
    }
    ::close(p[1]);
    Child c;
    char buf[512];
    ssize_t n;
    while ((n = ::read(p[0], buf, sizeof buf)) > 0)
        c.log.append(buf, static_cast<size_t>(n));
    ::close(p[0]);
    ::waitpid(pid, &c.status, 0);
    return c;
}

void note(int fd, const char* text)
{
    (void)!::write(fd, text, std::char_traits<char>::length(text));
}

} // namespace

TEST(CrashGuard, CrashInTheRenewalWindowPowersOffWithItsLine)
{
    const Child c = run_child([](int) {
        CrashGuard::arm(CrashWindow::Renewal);
        ::raise(SIGSEGV);
    });
    ASSERT_TRUE(WIFEXITED(c.status)) << "status " << c.status;
    EXPECT_EQ(WEXITSTATUS(c.status), kPoweredOff);
    EXPECT_EQ(c.log, "<2>lockdown-hibernate: crashed in the resumed system before the swap header was clean; "
                     "powering off, the next boot resumes the same image again\n");
}

TEST(CrashGuard, CrashAfterTheSignaturePowersOffWithItsLine)
{
    const Child c = run_child([](int) {
        CrashGuard::arm(CrashWindow::ImageComplete);
        ::raise(SIGBUS);
    });
    ASSERT_TRUE(WIFEXITED(c.status)) << "status " << c.status;
    EXPECT_EQ(WEXITSTATUS(c.status), kPoweredOff);
    EXPECT_EQ(c.log, "<2>lockdown-hibernate: crashed after the image was complete; powering off, the next boot "
                     "resumes it\n");
}

TEST(CrashGuard, AbortPowersOffToo)
{
    // std::terminate (an exception from a noexcept function) ends in abort().
    const Child c = run_child([](int) {
        CrashGuard::arm(CrashWindow::Renewal);
        std::abort();
    });
    ASSERT_TRUE(WIFEXITED(c.status)) << "status " << c.status;
    EXPECT_EQ(WEXITSTATUS(c.status), kPoweredOff);
}

TEST(CrashGuard, DisarmedCrashIsAnOrdinaryCrash)
{
    const Child c = run_child([](int) {
        CrashGuard::arm(CrashWindow::Renewal);
        CrashGuard::disarm();
        ::raise(SIGSEGV);
    });
    ASSERT_TRUE(WIFSIGNALED(c.status)) << "status " << c.status;
    EXPECT_EQ(WTERMSIG(c.status), SIGSEGV);
    EXPECT_EQ(c.log, "");
}

TEST(CrashGuard, NeverArmedIsAnOrdinaryCrash)
{
    // What the resumed process was before the fix: it comes back from the
    // image with the guard installed but not armed.
    const Child c = run_child([](int) { ::raise(SIGSEGV); });
    ASSERT_TRUE(WIFSIGNALED(c.status)) << "status " << c.status;
    EXPECT_EQ(WTERMSIG(c.status), SIGSEGV);
}

TEST(CrashGuard, SigtermWaitsUntilTheWindowEnds)
{
    const Child c = run_child([](int fd) {
        CrashGuard::arm(CrashWindow::Renewal);
        ::raise(SIGTERM);
        ::raise(SIGHUP);
        note(fd, "alive after SIGTERM and SIGHUP;");
        CrashGuard::disarm();
        note(fd, "alive after disarm;");
    });
    ASSERT_TRUE(WIFSIGNALED(c.status)) << "status " << c.status << ", log " << c.log;
    EXPECT_TRUE(WTERMSIG(c.status) == SIGTERM || WTERMSIG(c.status) == SIGHUP) << WTERMSIG(c.status);
    EXPECT_EQ(c.log, "alive after SIGTERM and SIGHUP;");
}

TEST(CrashGuard, DisarmPutsTheMaskBackAsItWas)
{
    const Child c = run_child([](int fd) {
        sigset_t usr1, now;
        sigemptyset(&usr1);
        sigaddset(&usr1, SIGUSR1);
        ::sigprocmask(SIG_BLOCK, &usr1, nullptr);
        CrashGuard::arm(CrashWindow::ImageComplete);
        CrashGuard::arm(CrashWindow::ImageComplete); // twice: still one saved mask
        CrashGuard::disarm();
        ::sigprocmask(SIG_BLOCK, nullptr, &now);
        note(fd, sigismember(&now, SIGUSR1) == 1 ? "usr1 blocked;" : "usr1 unblocked;");
        note(fd, sigismember(&now, SIGTERM) == 0 ? "term unblocked;" : "term blocked;");
        note(fd, CrashGuard::armed() == CrashWindow::None ? "disarmed;" : "armed;");
    });
    ASSERT_TRUE(WIFEXITED(c.status)) << "status " << c.status;
    EXPECT_EQ(WEXITSTATUS(c.status), 0);
    EXPECT_EQ(c.log, "usr1 blocked;term unblocked;disarmed;");
}

// Issue 17: after the integrity reload the image on disk may be damaged, so
// a crash discards it (the saved header back at offset 0, flushed) before
// the power-off. Here the "swap" is a temporary file.
TEST(CrashGuard, CrashAfterTheReloadDiscardsTheImageThenPowersOff)
{
    char path[] = "/tmp/ldb-crash-guard-XXXXXX";
    const int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ::unlink(path);
    const std::string image(2 * kPageSize, 'I');
    ASSERT_EQ(::pwrite(fd, image.data(), image.size(), 0), static_cast<ssize_t>(image.size()));
    PageBuffer header(1);
    std::memset(header.data(), 'H', kPageSize);
    const Child c = run_child([&](int) {
        CrashGuard::set_discard(fd, header.data());
        CrashGuard::arm(CrashWindow::RenewalReloaded);
        ::raise(SIGSEGV);
    });
    ASSERT_TRUE(WIFEXITED(c.status)) << "status " << c.status;
    EXPECT_EQ(WEXITSTATUS(c.status), kPoweredOff);
    EXPECT_EQ(c.log, "<2>lockdown-hibernate: crashed in the resumed system after the dm-integrity reload, which can "
                     "damage the image on disk: the image is discarded (swap header reset), powering off; the next "
                     "boot starts afresh, this session is lost\n");
    std::string now(2 * kPageSize, '\0');
    ASSERT_EQ(::pread(fd, now.data(), now.size(), 0), static_cast<ssize_t>(now.size()));
    EXPECT_EQ(now.substr(0, kPageSize), std::string(kPageSize, 'H'));
    EXPECT_EQ(now.substr(kPageSize), std::string(kPageSize, 'I')) << "only the header page is written";
    ::close(fd);
}

TEST(CrashGuard, CrashAfterTheReloadWithoutADiscardTargetSaysSo)
{
    const Child c = run_child([](int) {
        CrashGuard::arm(CrashWindow::RenewalReloaded);
        ::raise(SIGSEGV);
    });
    ASSERT_TRUE(WIFEXITED(c.status)) << "status " << c.status;
    EXPECT_EQ(WEXITSTATUS(c.status), kPoweredOff);
    EXPECT_NE(c.log.find("could not discard the image, which may be damaged: powering off"), std::string::npos)
        << c.log;
}

TEST(CrashGuard, ADiscardThatFailsIsReportedNotClaimed)
{
    PageBuffer header(1);
    const Child c = run_child([&](int) {
        CrashGuard::set_discard(::open("/dev/null", O_RDONLY), header.data()); // pwrite: EBADF
        CrashGuard::arm(CrashWindow::RenewalReloaded);
        ::raise(SIGBUS);
    });
    ASSERT_TRUE(WIFEXITED(c.status)) << "status " << c.status;
    EXPECT_EQ(WEXITSTATUS(c.status), kPoweredOff);
    EXPECT_NE(c.log.find("could not discard"), std::string::npos) << c.log;
}
