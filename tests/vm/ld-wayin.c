// SPDX-License-Identifier: GPL-2.0
/*
 * ld-wayin: the ways into a cgroup from outside it that python cannot make
 * (issue 12), one attempt per call, for e2e-fence.sh.
 *
 *   ld-wayin move PID CGDIR procs|threads   write PID into CGDIR/cgroup.<file>
 *   ld-wayin clone-into CGDIR exec CMD...   clone3(CLONE_INTO_CGROUP) a child
 *                                           that execs CMD; result= is the
 *                                           clone's, status= the child's exit
 *   ld-wayin clone-into CGDIR traceme       the child asks PTRACE_TRACEME of
 *                                           us (its parent, outside CGDIR)
 *   ld-wayin ptrace PID                     PTRACE_ATTACH (then detach)
 *   ld-wayin getfd PID FD                   pidfd_getfd(pidfd_open(PID), FD)
 *   ld-wayin vmwrite PID                    process_vm_writev of one byte to
 *                                           address 1: EFAULT means the access
 *                                           check let it through
 *   ld-wayin mem PID                        open /proc/PID/mem for writing
 *   ld-wayin traceme-after FILE             wait for FILE, then PTRACE_TRACEME
 *   ld-wayin bench N                        N one-byte writes to /dev/null and N
 *                                           reads of /dev/zero: ns per call
 *                                           (the cost of a file_permission hook)
 *
 * One line: result=ok|<ERRNO NAME> [detail]. Exit 0 if the attempt got
 * through, 1 if it was refused with EPERM, 2 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

static int report(int err, const char *detail)
{
    if (!err) {
        printf("result=ok %s\n", detail ? detail : "");
        return 0;
    }
    printf("result=%s %s\n", strerrorname_np(err) ? strerrorname_np(err) : "E?", detail ? detail : "");
    return err == EPERM ? 1 : 2;
}

static int do_move(const char *pid, const char *dir, const char *file)
{
    char path[4096];
    int fd, err = 0;

    snprintf(path, sizeof(path), "%s/cgroup.%s", dir, file);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return report(errno, "(open)");
    if (write(fd, pid, strlen(pid)) < 0)
        err = errno;
    close(fd);
    return report(err, path);
}

static void print_own_cgroup(void)
{
    char buf[512];
    int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

    if (n > 0) {
        buf[n] = 0;
        buf[strcspn(buf, "\n")] = 0;
        printf("child-cgroup=%s\n", buf);
        fflush(stdout);
    }
    if (fd >= 0)
        close(fd);
}

static int do_clone_into(const char *dir, int argc, char **argv)
{
    struct clone_args args;
    int cg, status;
    pid_t pid;

    cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cg < 0)
        return report(errno, "(open cgroup)");
    memset(&args, 0, sizeof(args));
    args.flags = CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = (uint64_t)cg;
    fflush(stdout);
    pid = syscall(SYS_clone3, &args, sizeof(args));
    if (pid < 0)
        return report(errno, "(clone3)");
    if (pid == 0) {
        print_own_cgroup();
        if (argc >= 1 && strcmp(argv[0], "traceme") == 0) {
            if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0)
                _exit(report(errno, "(PTRACE_TRACEME in the child)"));
            _exit(report(0, "(PTRACE_TRACEME in the child)"));
        }
        if (argc >= 2 && strcmp(argv[0], "exec") == 0) {
            execv(argv[1], argv + 1);
            perror("execv");
        }
        _exit(127);
    }
    if (waitpid(pid, &status, 0) < 0)
        return report(errno, "(waitpid)");
    printf("result=ok status=%d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return 0;
}

static int do_ptrace(pid_t pid)
{
    int status;

    if (ptrace(PTRACE_ATTACH, pid, 0, 0) < 0)
        return report(errno, "(PTRACE_ATTACH)");
    waitpid(pid, &status, 0);
    ptrace(PTRACE_DETACH, pid, 0, 0);
    return report(0, "(attached, detached)");
}

static int do_getfd(pid_t pid, int target_fd)
{
    int pidfd = syscall(SYS_pidfd_open, pid, 0), fd;

    if (pidfd < 0)
        return report(errno, "(pidfd_open)");
    fd = syscall(SYS_pidfd_getfd, pidfd, target_fd, 0);
    if (fd < 0)
        return report(errno, "(pidfd_getfd)");
    return report(0, "(pidfd_getfd)");
}

static int do_vmwrite(pid_t pid)
{
    char byte = 0;
    struct iovec local = {&byte, 1}, remote = {(void *)1, 1};

    if (process_vm_writev(pid, &local, 1, &remote, 1, 0) < 0)
        return errno == EFAULT ? report(0, "(EFAULT at address 1: the access check passed)")
                               : report(errno, "(process_vm_writev)");
    return report(0, "(written)");
}

static int do_mem(const char *pid)
{
    char path[64];
    int fd;

    snprintf(path, sizeof(path), "/proc/%s/mem", pid);
    fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return report(errno, path);
    close(fd);
    return report(0, path);
}

static int do_traceme_after(const char *file)
{
    while (access(file, F_OK) != 0)
        usleep(50000);
    if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0)
        return report(errno, "(PTRACE_TRACEME)");
    return report(0, "(PTRACE_TRACEME)");
}

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int do_bench(long n)
{
    int out = open("/dev/null", O_WRONLY | O_CLOEXEC), in = open("/dev/zero", O_RDONLY | O_CLOEXEC);
    char byte = 0;
    double t0, t1, t2;
    long i;

    if (out < 0 || in < 0 || n <= 0)
        return report(errno ? errno : EINVAL, "(bench)");
    t0 = now_ns();
    for (i = 0; i < n; i++)
        if (write(out, &byte, 1) != 1)
            return report(errno, "(write)");
    t1 = now_ns();
    for (i = 0; i < n; i++)
        if (read(in, &byte, 1) != 1)
            return report(errno, "(read)");
    t2 = now_ns();
    printf("bench write_ns=%.1f read_ns=%.1f n=%ld\n", (t1 - t0) / n, (t2 - t1) / n, n);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 5 && strcmp(argv[1], "move") == 0)
        return do_move(argv[2], argv[3], argv[4]);
    if (argc >= 4 && strcmp(argv[1], "clone-into") == 0)
        return do_clone_into(argv[2], argc - 3, argv + 3);
    if (argc == 3 && strcmp(argv[1], "ptrace") == 0)
        return do_ptrace(atoi(argv[2]));
    if (argc == 4 && strcmp(argv[1], "getfd") == 0)
        return do_getfd(atoi(argv[2]), atoi(argv[3]));
    if (argc == 3 && strcmp(argv[1], "vmwrite") == 0)
        return do_vmwrite(atoi(argv[2]));
    if (argc == 3 && strcmp(argv[1], "mem") == 0)
        return do_mem(argv[2]);
    if (argc == 3 && strcmp(argv[1], "traceme-after") == 0)
        return do_traceme_after(argv[2]);
    if (argc == 3 && strcmp(argv[1], "bench") == 0)
        return do_bench(atol(argv[2]));
    fprintf(stderr, "usage: see the comment at the top of ld-wayin.c\n");
    return 2;
}
