// SPDX-License-Identifier: LGPL-2.1-or-later
#include "polkit_agent.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <string>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/i18n.hpp"

#ifndef LDCTL_PKTTYAGENT
#define LDCTL_PKTTYAGENT "/usr/bin/pkttyagent"
#endif

namespace ldctl {

namespace {

void warn_errno(const char* what)
{
    // TRANSLATORS: the first %s says what failed ("cannot start pkttyagent"), the second why.
    std::fprintf(stderr, "lockdownctl: %s\n",
                 ldb::fill(_("%s: %s; polkit cannot ask for a password on this terminal"), {what, std::strerror(errno)})
                     .c_str());
}

[[noreturn]] void exec_agent(int notify_fd, pid_t parent)
{
    // Die with lockdownctl, and if it is already gone, do not start at all.
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
        _exit(1);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    // Pass on nothing but stdio and the notify pipe. close_range needs
    // Linux 5.11; on older kernels our descriptors are O_CLOEXEC anyway.
    syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    int flags = fcntl(notify_fd, F_GETFD);
    if (flags < 0 || fcntl(notify_fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
        _exit(1);
    const std::string fd = std::to_string(notify_fd);
    execl(LDCTL_PKTTYAGENT, LDCTL_PKTTYAGENT, "--notify-fd", fd.c_str(), "--fallback", static_cast<char*>(nullptr));
    // Untranslated: this is the forked child, where gettext (locks, malloc) is not safe.
    std::fprintf(stderr, "lockdownctl: cannot run %s: %s; polkit cannot ask for a password on this terminal\n",
                 LDCTL_PKTTYAGENT, std::strerror(errno));
    _exit(127);
}

} // namespace

void PolkitAgent::start_if_tty()
{
    if (pid_ > 0 || !isatty(STDIN_FILENO))
        return;
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        warn_errno(_("cannot create a pipe for pkttyagent"));
        return;
    }
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) {
        warn_errno(_("cannot start pkttyagent"));
        close(p[0]);
        close(p[1]);
        return;
    }
    if (pid == 0) {
        close(p[0]);
        exec_agent(p[1], parent);
    }
    pid_ = pid;
    close(p[1]);
    // pkttyagent closes its end once it is registered; if it dies, the
    // kernel closes it for it.
    pollfd pfd{p[0], POLLIN, 0};
    while (poll(&pfd, 1, -1) < 0 && errno == EINTR) {
    }
    close(p[0]);
}

PolkitAgent::~PolkitAgent()
{
    if (pid_ <= 0)
        return;
    kill(pid_, SIGTERM);
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
}

} // namespace ldctl
