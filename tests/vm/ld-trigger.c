// SPDX-License-Identifier: GPL-2.0
/*
 * ld-trigger: make the running kernel call security_locked_down(LOCKDOWN_<X>)
 * with the smallest side-effect-free operation, and report whether that
 * check was passed.  See ld-trigger.md next to this file for the kernel
 * code paths (checked against Debian 6.1.x and 6.12.x sources).
 *
 *   ld-trigger <reason> [args]   one line: reason=<r> result=<res> detail="..."
 *   ld-trigger list              supported reason names, one per line
 *   ld-trigger all               every reason that needs no argument
 *   ld-trigger module-load <signed.ko>       load + unload a signed module
 *   ld-trigger strip-sig <in.ko> <out.ko>    copy without appended signature
 *
 * Exit: 0 allowed, 1 denied, 2 untested (could not test; detail says why).
 * result= is "allowed", "denied" or "untested".
 *
 * Build: gcc -O2 -Wall -Wextra -Werror -o ld-trigger ld-trigger.c
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <elf.h>

#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/kexec.h>
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/pci.h>
#include <linux/perf_event.h>
#include <linux/serial.h>
#include <linux/xfrm.h>
#include <asm/bootparam.h>

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif
#ifndef DEBUGFS_MAGIC
#define DEBUGFS_MAGIC 0x64626720
#endif
#ifndef TRACEFS_MAGIC
#define TRACEFS_MAGIC 0x74726163
#endif
#define UPF_FIXED_PORT_BIT (1U << 29)	/* include/linux/serial_core.h */

enum { ALLOWED = 0, DENIED = 1, UNTESTED = 2 };

static char D[1024];	/* detail of the current test */

static int res(int rc, const char *fmt, va_list ap)
{
	vsnprintf(D, sizeof(D), fmt, ap);
	return rc;
}
static int allowed(const char *fmt, ...)
{
	va_list ap; int r;
	va_start(ap, fmt); r = res(ALLOWED, fmt, ap); va_end(ap);
	return r;
}
static int denied(const char *fmt, ...)
{
	va_list ap; int r;
	va_start(ap, fmt); r = res(DENIED, fmt, ap); va_end(ap);
	return r;
}
static int untested(const char *fmt, ...)
{
	va_list ap; int r;
	va_start(ap, fmt); r = res(UNTESTED, fmt, ap); va_end(ap);
	return r;
}

static void emit(const char *reason, int rc, const char *detail)
{
	const char *r = rc == ALLOWED ? "allowed" : rc == DENIED ? "denied" : "untested";
	const char *p;

	printf("reason=%s result=%s detail=\"", reason, r);
	for (p = detail; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			putchar('\'');
		else if (c == '\\')
			putchar('/');
		else if (c < 0x20 || c == 0x7f)
			putchar(' ');
		else
			putchar(c);
	}
	printf("\"\n");
	fflush(stdout);
}

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

static int has_cap(int cap)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned long long eff = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return (int)((eff >> cap) & 1);
}

/* read a small file into buf (NUL-terminated); returns length or -1 */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return n;
}

static int path_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

static int fs_is(const char *path, long magic)
{
	struct statfs s;
	return statfs(path, &s) == 0 && (long)s.f_type == magic;
}

/* does the kernel command line contain word w (exact token, or prefix if
 * w ends with '=' or prefix_ok) */
static int cmdline_has(const char *w, int prefix_ok)
{
	char buf[4096], *tok, *save = NULL;
	size_t wl = strlen(w);

	if (read_small("/proc/cmdline", buf, sizeof(buf)) < 0)
		return 0;
	for (tok = strtok_r(buf, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		if (prefix_ok ? strncmp(tok, w, wl) == 0 : strcmp(tok, w) == 0)
			return 1;
	}
	return 0;
}

/* value of the kernel command line option "key=" (first occurrence) */
static int cmdline_value(const char *key, char *out, size_t outlen)
{
	char buf[4096], *tok, *save = NULL;
	size_t kl = strlen(key);

	if (read_small("/proc/cmdline", buf, sizeof(buf)) < 0)
		return 0;
	for (tok = strtok_r(buf, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		if (strncmp(tok, key, kl) == 0 && tok[kl] == '=') {
			snprintf(out, outlen, "%s", tok + kl + 1);
			return 1;
		}
	}
	return 0;
}

static int ksym_exists(const char *name)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[512], sym[256];
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %*s %255s", sym) == 1 && strcmp(sym, name) == 0) {
			found = 1;
			break;
		}
	}
	fclose(f);
	return found;
}

/* ------------------------------------------------------------------ */
/* dev-mem: drivers/char/mem.c open_port()                              */

static int t_dev_mem(int argc, char **argv)
{
	const char *paths[] = { "/dev/mem", "/dev/port" };
	unsigned i;

	(void)argc; (void)argv;
	if (!has_cap(CAP_SYS_RAWIO))
		return untested("no CAP_SYS_RAWIO: open_port() fails with EPERM before the lockdown check");
	for (i = 0; i < 2; i++) {
		int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			return allowed("open(%s, O_RDONLY) succeeded", paths[i]);
		}
		if (errno == EPERM)
			return denied("open(%s, O_RDONLY): EPERM", paths[i]);
		if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
			continue;
		return untested("open(%s): %s", paths[i], strerror(errno));
	}
	return untested("neither /dev/mem nor /dev/port is available");
}

/* ------------------------------------------------------------------ */
/* ioport: arch/x86/kernel/ioport.c ksys_ioperm()                       */

static int t_ioport(int argc, char **argv)
{
	const unsigned long port = 0x80;	/* never accessed */
	long r;

	(void)argc; (void)argv;
	if (!has_cap(CAP_SYS_RAWIO))
		return untested("no CAP_SYS_RAWIO: ioperm() fails with EPERM before the lockdown check");
	r = syscall(SYS_ioperm, port, 1UL, 1);
	if (r == 0) {
		long off = syscall(SYS_ioperm, port, 1UL, 0);
		return allowed("ioperm(0x%lx,1,1) succeeded; turned off again (%s)", port,
			       off == 0 ? "ok" : strerror(errno));
	}
	if (errno == EPERM)
		return denied("ioperm(0x%lx,1,1): EPERM", port);
	if (errno == ENOSYS)
		return untested("ioperm: ENOSYS (CONFIG_X86_IOPL_IOPERM not set)");
	return untested("ioperm(0x%lx,1,1): %s", port, strerror(errno));
}

/* ------------------------------------------------------------------ */
/* msr: arch/x86/kernel/msr.c msr_write(): lockdown, filter_write, then */
/* "count % 8 -> EINVAL".  A 1-byte write never reaches wrmsr.          */

static int t_msr(int argc, char **argv)
{
	const char *dev = argc > 0 ? argv[0] : "/dev/cpu/0/msr";
	char aw[64];
	char b = 0;
	ssize_t n;
	int fd;

	if (!has_cap(CAP_SYS_RAWIO))
		return untested("no CAP_SYS_RAWIO: msr_open() fails with EPERM");
	if (read_small("/sys/module/msr/parameters/allow_writes", aw, sizeof(aw)) >= 0 &&
	    strcmp(aw, "off") == 0)
		return untested("msr.allow_writes=off: filter_write() returns EPERM after the lockdown check, ambiguous");
	fd = open(dev, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
			return untested("open(%s): %s (modprobe msr?)", dev, strerror(errno));
		return untested("open(%s, O_WRONLY): %s", dev, strerror(errno));
	}
	n = write(fd, &b, 1);
	if (n < 0 && errno == EINVAL) {
		close(fd);
		return allowed("1-byte write to %s: EINVAL (count %% 8 check, after the lockdown check); no MSR written", dev);
	}
	if (n < 0 && errno == EPERM) {
		close(fd);
		return denied("1-byte write to %s: EPERM", dev);
	}
	close(fd);
	if (n >= 0)
		return allowed("1-byte write to %s returned %zd (unexpected, but the check was passed)", dev, n);
	return untested("1-byte write to %s: %s", dev, strerror(errno));
}

/* ------------------------------------------------------------------ */
/* kexec: kernel/kexec.c kexec_load_check() / kernel/kexec_file.c       */

static int kexec_precheck(void)
{
	char v[64];

	if (!has_cap(CAP_SYS_BOOT))
		return untested("no CAP_SYS_BOOT: kexec fails with EPERM before the lockdown check");
	if (read_small("/proc/sys/kernel/kexec_load_disabled", v, sizeof(v)) >= 0 && atoi(v) != 0)
		return untested("kernel.kexec_load_disabled=%s: EPERM before the lockdown check", v);
	/* 6.12 (not 6.1): kexec_load_permitted() decrements a finite limit; don't consume it */
	if (read_small("/proc/sys/kernel/kexec_load_limit_reboot", v, sizeof(v)) >= 0 && atoi(v) != -1)
		return untested("kernel.kexec_load_limit_reboot=%s (not -1): refusing to consume/hit the load limit", v);
	return -1;
}

static int kexec_file_test(void)
{
	static unsigned char img[8192];
	struct boot_params *bp = (struct boot_params *)img;
	char procpath[64];
	int mfd, fd;
	long r;

	/* A minimal header that passes arch/x86/kernel/kexec-bzimage64.c
	 * bzImage64_probe() but carries no PE signature, so
	 * kimage_validate_signature() fails verification and (not enforced)
	 * calls security_locked_down(LOCKDOWN_KEXEC).  initrd_fd = -1 then
	 * makes the next step fail with EBADF: nothing is ever loaded. */
	memset(img, 0, sizeof(img));
	bp->hdr.boot_flag = 0xAA55;
	memcpy(&bp->hdr.header, "HdrS", 4);
	bp->hdr.version = 0x020F;
	bp->hdr.loadflags = LOADED_HIGH;
	bp->hdr.xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G | XLF_5LEVEL;

	mfd = memfd_create("ld-trigger-fake-bzimage", MFD_CLOEXEC);
	if (mfd < 0)
		return untested("memfd_create: %s", strerror(errno));
	if (write(mfd, img, sizeof(img)) != (ssize_t)sizeof(img)) {
		close(mfd);
		return untested("write memfd: %s", strerror(errno));
	}
	/* kernel_read_file() refuses files open for writing (ETXTBSY) */
	snprintf(procpath, sizeof(procpath), "/proc/self/fd/%d", mfd);
	fd = open(procpath, O_RDONLY | O_CLOEXEC);
	close(mfd);
	if (fd < 0)
		return untested("reopen memfd read-only: %s", strerror(errno));

	r = syscall(SYS_kexec_file_load, fd, -1, 0UL, NULL, 0UL);
	int e = errno;
	close(fd);
	if (r == 0) {
		syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL, (unsigned long)KEXEC_FILE_UNLOAD);
		return allowed("kexec_file_load unexpectedly succeeded; unloaded again");
	}
	if (e == EBADF)
		return allowed("kexec_file_load(fake bzImage, initrd_fd=-1): EBADF (initrd read, after the signature/lockdown check)");
	if (e == EPERM)
		return denied("kexec_file_load(fake bzImage): EPERM");
	if (e == ENOEXEC)
		return untested("kexec_file_load: ENOEXEC (bzImage64_probe rejected the fake header; see dmesg)");
	if (e == ENOSYS)
		return untested("kexec_file_load: ENOSYS (CONFIG_KEXEC_FILE not set)");
	return untested("kexec_file_load: %s (signature enforced, IMA, or other failure before the lockdown check)",
			strerror(e));
}

static int t_kexec(int argc, char **argv)
{
	const char *mode = argc > 0 ? argv[0] : "load";
	int pre = kexec_precheck();
	long r;

	if (pre >= 0)
		return pre;
	if (strcmp(mode, "file") == 0)
		return kexec_file_test();
	if (strcmp(mode, "load") != 0)
		return untested("unknown kexec mode '%s' (use load or file)", mode);

	/* nr_segments > KEXEC_SEGMENT_MAX: -EINVAL right after the lockdown check */
	r = syscall(SYS_kexec_load, 0UL, (unsigned long)(KEXEC_SEGMENT_MAX + 1), NULL,
		    (unsigned long)KEXEC_ARCH_DEFAULT);
	if (r == 0)
		return allowed("kexec_load unexpectedly succeeded");
	if (errno == EINVAL)
		return allowed("kexec_load(nr_segments=%d): EINVAL (segment cap, after the lockdown check)",
			       KEXEC_SEGMENT_MAX + 1);
	if (errno == EPERM)
		return denied("kexec_load(nr_segments=%d): EPERM", KEXEC_SEGMENT_MAX + 1);
	if (errno == ENOSYS)
		return untested("kexec_load: ENOSYS (CONFIG_KEXEC not set)");
	return untested("kexec_load: %s (IMA/LSM kernel_load_data hook?)", strerror(errno));
}

/* ------------------------------------------------------------------ */
/* hibernation: kernel/power/main.c state_show() -> hibernation_available() */

static int t_hibernation(int argc, char **argv)
{
	char st[256], *tok, *save = NULL, copy[256];

	(void)argc; (void)argv;
	if (!path_exists("/sys/power/disk"))
		return untested("no /sys/power/disk (CONFIG_HIBERNATION not set)");
	if (cmdline_has("nohibernate", 0) ||
	    (cmdline_has("hibernate=no", 1) && !cmdline_has("hibernate=noresume", 1) &&
	     !cmdline_has("hibernate=nocompress", 1)))
		return untested("hibernation disabled on the command line: nohibernate is tested before the lockdown check");
	if (read_small("/sys/power/state", st, sizeof(st)) < 0)
		return untested("read /sys/power/state: %s", strerror(errno));
	snprintf(copy, sizeof(copy), "%s", st);
	for (tok = strtok_r(copy, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		if (strcmp(tok, "disk") == 0)
			return allowed("/sys/power/state = '%s' (contains disk)", st);
	return denied("/sys/power/state = '%s' (no disk)", st);
}

/* ------------------------------------------------------------------ */
/* debugfs: fs/debugfs/file.c debugfs_locked_down() in open_proxy_open()/ */
/* full_proxy_open(): files with any non-read mode bit are checked even   */
/* for an O_RDONLY open, so we open read-only and never read or write.    */

static int debugfs_candidate_ok(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0 && S_ISREG(st.st_mode) &&
	       (st.st_mode & 07777 & ~0444) && (st.st_mode & 0444);
}

static int debugfs_find(char *out, size_t outlen)
{
	/* Not dynamic_debug/control first: opening it for writing is also the
	 * dynamic-debug pseudo-reason, which would mix into a debugfs check. */
	const char *known[] = {
		"/sys/kernel/debug/sched/verbose",
		"/sys/kernel/debug/fault_around_bytes",
		"/sys/kernel/debug/sched/features",
		"/sys/kernel/debug/dynamic_debug/control",
		NULL
	};
	const char *top = "/sys/kernel/debug";
	unsigned i;
	DIR *d;
	struct dirent *de;

	for (i = 0; known[i]; i++)
		if (debugfs_candidate_ok(known[i])) {
			snprintf(out, outlen, "%s", known[i]);
			return 1;
		}
	/* fallback: first regular rw file at depth 1 or 2 (tracing/ excluded) */
	d = opendir(top);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char p[PATH_MAX];
		struct stat st;
		if (de->d_name[0] == '.' || strcmp(de->d_name, "tracing") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", top, de->d_name);
		if (debugfs_candidate_ok(p)) {
			snprintf(out, outlen, "%s", p);
			closedir(d);
			return 1;
		}
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			DIR *d2 = opendir(p);
			struct dirent *de2;
			if (!d2)
				continue;
			while ((de2 = readdir(d2))) {
				char p2[PATH_MAX + 256];
				if (de2->d_name[0] == '.')
					continue;
				snprintf(p2, sizeof(p2), "%s/%s", p, de2->d_name);
				if (strlen(p2) < outlen && debugfs_candidate_ok(p2)) {
					memcpy(out, p2, strlen(p2) + 1);
					closedir(d2);
					closedir(d);
					return 1;
				}
			}
			closedir(d2);
		}
	}
	closedir(d);
	return 0;
}

static int t_debugfs(int argc, char **argv)
{
	char path[PATH_MAX];
	int fd, flags = O_RDONLY;
	const char *how = "O_RDONLY";

	/* "debugfs write [path]": open for writing, the way a writer is refused;
	 * nothing is written. */
	if (argc > 0 && strcmp(argv[0], "write") == 0) {
		flags = O_WRONLY;
		how = "O_WRONLY";
		argc--;
		argv++;
	}
	if (argc > 0) {
		snprintf(path, sizeof(path), "%s", argv[0]);
	} else {
		if (!fs_is("/sys/kernel/debug", DEBUGFS_MAGIC))
			return untested("debugfs is not mounted at /sys/kernel/debug");
		if (!debugfs_find(path, sizeof(path)))
			return untested("no debugfs regular file with write mode bits found");
	}
	if (!debugfs_candidate_ok(path))
		return untested("%s: not a regular file with write mode bits (check would be skipped)", path);
	fd = open(path, flags | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return allowed("open(%s, %s) succeeded (mode has write bits, so the check ran)", path, how);
	}
	if (errno == EPERM)
		return denied("open(%s, %s): EPERM", path, how);
	return untested("open(%s): %s", path, strerror(errno));
}

/* ------------------------------------------------------------------ */
/* kcore: fs/proc/kcore.c open_kcore()                                  */

static int t_kcore(int argc, char **argv)
{
	int fd;

	(void)argc; (void)argv;
	if (!has_cap(CAP_SYS_RAWIO))
		return untested("no CAP_SYS_RAWIO: open_kcore() returns EPERM regardless");
	fd = open("/proc/kcore", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return allowed("open(/proc/kcore, O_RDONLY) succeeded");
	}
	if (errno == EPERM)
		return denied("open(/proc/kcore): EPERM");
	if (errno == ENOENT)
		return untested("no /proc/kcore (CONFIG_PROC_KCORE not set)");
	return untested("open(/proc/kcore): %s", strerror(errno));
}

/* ------------------------------------------------------------------ */
/* perf: kernel/events/core.c perf_event_open(): PERF_SAMPLE_REGS_INTR  */

static int t_perf(int argc, char **argv)
{
	struct perf_event_attr a;
	int fd;

	(void)argc; (void)argv;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_DUMMY;
	a.sample_type = PERF_SAMPLE_REGS_INTR;
	a.sample_regs_intr = 1ULL;	/* PERF_REG_X86_AX; 0 would be EINVAL before the check */
	a.disabled = 1;
	a.exclude_kernel = 1;		/* skip perf_allow_kernel() */
	a.exclude_hv = 1;

	fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return allowed("perf_event_open(sw dummy, PERF_SAMPLE_REGS_INTR) succeeded; closed");
	}
	if (errno == EPERM)
		return denied("perf_event_open(PERF_SAMPLE_REGS_INTR): EPERM");
	if (errno == EACCES || errno == ENOSYS || errno == EFAULT || errno == E2BIG)
		return untested("perf_event_open: %s (fails before the lockdown check)", strerror(errno));
	return allowed("perf_event_open: %s (not EPERM; error after the lockdown check)", strerror(errno));
}

/* ------------------------------------------------------------------ */
/* tracefs: kernel/trace/trace.c tracing_check_open_get_tr() via        */
/* tracing_open_generic() (README)                                      */

static int t_tracefs(int argc, char **argv)
{
	char path[PATH_MAX];
	int fd, dflt = 0;

	if (argc > 0) {
		snprintf(path, sizeof(path), "%s", argv[0]);
	} else if (fs_is("/sys/kernel/tracing", TRACEFS_MAGIC)) {
		snprintf(path, sizeof(path), "/sys/kernel/tracing/README");
		dflt = 1;
	} else if (path_exists("/sys/kernel/debug/tracing/README")) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/tracing/README");
	} else {
		return untested("tracefs is not mounted at /sys/kernel/tracing");
	}

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return allowed("open(%s, O_RDONLY) succeeded", path);
	}
	if (errno == EPERM)
		return denied("open(%s): EPERM", path);
	if (errno == ENODEV)
		return allowed("open(%s): ENODEV (tracing_disabled, after the lockdown check)", path);
	if (errno == ENOENT && dflt)
		/* tracefs_create_file() returns NULL when locked down: README is
		 * created at boot, so its absence on a mounted tracefs means the
		 * create-time LOCKDOWN_TRACEFS check refused (no check made now) */
		return denied("%s missing on mounted tracefs: create-time tracefs lockdown check refused at boot; no open-time check made", path);
	return untested("open(%s): %s", path, strerror(errno));
}

/* ------------------------------------------------------------------ */
/* bpf-read-kernel / bpf-write-user: kernel/trace/bpf_trace.c           */
/* bpf_tracing_func_proto() returns NULL when locked down, the verifier */
/* then rejects the helper call.  The program is never attached.         */

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

static char bpf_log[65536];

static const char *bpf_log_line(int helper)
{
	static char line[300];
	char tag[16], *p, *best = NULL;

	snprintf(tag, sizeof(tag), "#%d", helper);
	line[0] = 0;
	for (p = bpf_log; p && *p; ) {
		char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		if (l && memmem(p, l, tag, strlen(tag)) &&
		    (memmem(p, l, "func", 4) || memmem(p, l, "helper", 6))) {
			best = p;
			snprintf(line, sizeof(line), "%.*s", (int)(l < 290 ? l : 290), p);
			break;
		}
		p = nl ? nl + 1 : NULL;
	}
	if (!best) {	/* first non-empty line */
		for (p = bpf_log; *p == '\n'; p++)
			;
		size_t l = strcspn(p, "\n");
		snprintf(line, sizeof(line), "%.*s", (int)(l < 290 ? l : 290), p);
	}
	return line;
}

static int bpf_helper_test(int helper, const char *hname)
{
	struct bpf_insn prog[16];
	union bpf_attr attr;
	struct utsname u;
	unsigned a = 0, b = 0, c = 0;
	int n = 0, fd;

	if (!has_cap(CAP_SYS_ADMIN))
		return untested("no CAP_SYS_ADMIN: helper proto is NULL / load refused regardless of lockdown");

	if (helper == BPF_FUNC_probe_read_kernel) {
		/* r1 = fp-8 (uninit dst ok), r2 = 8, r3 = 0 (NULL src), call */
		prog[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 1, 10, 0, 0);
		prog[n++] = INSN(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, -8);
		prog[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 8);
		prog[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0);
	} else {
		/* *(u64 *)(fp-8) = 0; r1 = 0 (dst); r2 = fp-8 (src); r3 = 8 */
		prog[n++] = INSN(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 0);
		prog[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 0);
		prog[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
		prog[n++] = INSN(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -8);
		prog[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 8);
	}
	prog[n++] = INSN(BPF_JMP | BPF_CALL, 0, 0, 0, helper);
	prog[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	prog[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_KPROBE;
	attr.insn_cnt = (unsigned)n;
	attr.insns = (uint64_t)(uintptr_t)prog;
	attr.license = (uint64_t)(uintptr_t)"GPL";
	attr.log_buf = (uint64_t)(uintptr_t)bpf_log;
	attr.log_size = sizeof(bpf_log);
	attr.log_level = 1;
	/* kern_version is ignored for kprobe programs since 5.0; set it anyway */
	if (uname(&u) == 0 && sscanf(u.release, "%u.%u.%u", &a, &b, &c) >= 2)
		attr.kern_version = (a << 16) | (b << 8) | (c > 255 ? 255 : c);
	snprintf(attr.prog_name, sizeof(attr.prog_name), "ld_trigger");
	bpf_log[0] = 0;

	fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd >= 0) {
		close(fd);
		return allowed("BPF_PROG_LOAD(kprobe, %s#%d) succeeded; fd closed, never attached", hname, helper);
	}
	int e = errno;
	const char *line = bpf_log_line(helper);
	char tag[16];
	snprintf(tag, sizeof(tag), "#%d", helper);
	if (e == EINVAL && strstr(line, tag) &&
	    (strstr(line, "unknown func") || strstr(line, "cannot use helper")))
		return denied("verifier: %s", line);
	return untested("BPF_PROG_LOAD: %s; log: %s", strerror(e), line);
}

static int t_bpf_read_kernel(int argc, char **argv)
{
	(void)argc; (void)argv;
	return bpf_helper_test(BPF_FUNC_probe_read_kernel, "bpf_probe_read_kernel");
}

static int t_bpf_write_user(int argc, char **argv)
{
	(void)argc; (void)argv;
	return bpf_helper_test(BPF_FUNC_probe_write_user, "bpf_probe_write_user");
}

/* ------------------------------------------------------------------ */
/* kprobes: kernel/trace/trace_kprobe.c __register_trace_kprobe() via   */
/* the perf "kprobe" PMU (create_local_trace_kprobe)                    */

static int t_kprobes(int argc, char **argv)
{
	const char *cands[] = { "__x64_sys_vhangup", "vfs_fsync", "vfs_read", NULL };
	const char *sym = NULL;
	char tbuf[32];
	struct perf_event_attr a;
	int type, fd, i;

	if (!has_cap(CAP_SYS_ADMIN) && !has_cap(CAP_PERFMON))
		return untested("no CAP_PERFMON/CAP_SYS_ADMIN: perf_kprobe_event_init() returns EACCES");
	if (read_small("/sys/bus/event_source/devices/kprobe/type", tbuf, sizeof(tbuf)) < 0)
		return untested("no perf kprobe PMU (/sys/bus/event_source/devices/kprobe/type; CONFIG_KPROBE_EVENTS?)");
	type = atoi(tbuf);
	if (argc > 0) {
		sym = argv[0];
	} else {
		for (i = 0; cands[i]; i++)
			if (ksym_exists(cands[i])) {
				sym = cands[i];
				break;
			}
		if (!sym)
			return untested("none of the candidate symbols found in /proc/kallsyms");
	}

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = (uint32_t)type;
	a.config = 0;			/* not a kretprobe */
	a.kprobe_func = (uint64_t)(uintptr_t)sym;
	a.probe_offset = 0;
	a.disabled = 1;
	fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return allowed("perf kprobe PMU on %s registered; fd closed (kprobe removed)", sym);
	}
	if (errno == EPERM)
		return denied("perf_event_open(kprobe PMU, %s): EPERM", sym);
	return untested("perf_event_open(kprobe PMU, %s): %s", sym, strerror(errno));
}

/* ------------------------------------------------------------------ */
/* pci-access: drivers/pci/proc.c proc_bus_pci_ioctl() (default) or      */
/* drivers/pci/pci-sysfs.c pci_mmap_resource() ("sysfs")                 */

static int pci_proc(void)
{
	DIR *d = opendir("/proc/bus/pci");
	struct dirent *de;

	if (!d)
		return untested("no /proc/bus/pci");
	while ((de = readdir(d))) {
		char p[PATH_MAX];
		DIR *d2;
		struct dirent *de2;
		if (de->d_name[0] == '.' || strcmp(de->d_name, "devices") == 0)
			continue;
		snprintf(p, sizeof(p), "/proc/bus/pci/%s", de->d_name);
		d2 = opendir(p);
		if (!d2)
			continue;
		while ((de2 = readdir(d2))) {
			char f[PATH_MAX + 256];
			int fd, r;
			if (de2->d_name[0] == '.')
				continue;
			snprintf(f, sizeof(f), "%s/%s", p, de2->d_name);
			fd = open(f, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			r = ioctl(fd, PCIIOC_CONTROLLER, 0);
			int e = errno;
			close(fd);
			closedir(d2);
			closedir(d);
			if (r >= 0)
				return allowed("ioctl(%s, PCIIOC_CONTROLLER) = %d (domain)", f, r);
			if (e == EPERM)
				return denied("ioctl(%s, PCIIOC_CONTROLLER): EPERM", f);
			return untested("ioctl(%s, PCIIOC_CONTROLLER): %s", f, strerror(e));
		}
		closedir(d2);
	}
	closedir(d);
	return untested("no PCI device under /proc/bus/pci");
}

static int pci_sysfs(void)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *de;
	long pg = sysconf(_SC_PAGESIZE);

	if (!d)
		return untested("no /sys/bus/pci/devices");
	while ((de = readdir(d))) {
		char p[PATH_MAX], line[256];
		FILE *f;
		int bar = 0;
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/resource", de->d_name);
		f = fopen(p, "re");
		if (!f)
			continue;
		while (bar < 6 && fgets(line, sizeof(line), f)) {
			unsigned long long s, e, fl;
			char rp[PATH_MAX + 32];
			if (sscanf(line, "%llx %llx %llx", &s, &e, &fl) == 3 &&
			    (fl & 0x200) && e > s) {	/* IORESOURCE_MEM */
				unsigned long long len = e - s + 1;
				unsigned long long pages = (len + (unsigned long long)pg - 1) / (unsigned long long)pg;
				int fd;
				void *m;
				snprintf(rp, sizeof(rp), "/sys/bus/pci/devices/%s/resource%d", de->d_name, bar);
				fd = open(rp, O_RDONLY | O_CLOEXEC);
				if (fd >= 0) {
					/* offset one page past the BAR: pci_mmap_fits() fails
					 * (EINVAL) right after the lockdown check; no mapping
					 * is ever created */
					m = mmap(NULL, (size_t)pg, PROT_READ, MAP_SHARED, fd,
						 (off_t)(pages * (unsigned long long)pg));
					int err = errno;
					if (m != MAP_FAILED)
						munmap(m, (size_t)pg);
					close(fd);
					fclose(f);
					closedir(d);
					if (m != MAP_FAILED)
						return allowed("mmap(%s) past BAR end unexpectedly succeeded; unmapped untouched", rp);
					if (err == EINVAL)
						return allowed("mmap(%s, off=BAR size): EINVAL (pci_mmap_fits, after the lockdown check)", rp);
					if (err == EPERM)
						return denied("mmap(%s): EPERM", rp);
					return untested("mmap(%s): %s", rp, strerror(err));
				}
			}
			bar++;
		}
		fclose(f);
	}
	closedir(d);
	return untested("no PCI device with a memory BAR resource file");
}

static int t_pci_access(int argc, char **argv)
{
	const char *mode = argc > 0 ? argv[0] : "proc";

	if (strcmp(mode, "sysfs") == 0)
		return pci_sysfs();
	if (strcmp(mode, "proc") == 0) {
		if (!path_exists("/proc/bus/pci"))
			return pci_sysfs();
		return pci_proc();
	}
	return untested("unknown pci-access mode '%s' (use proc or sysfs)", mode);
}

/* ------------------------------------------------------------------ */
/* tiocsserial: drivers/tty/serial/serial_core.c uart_set_info()        */

static int serial_one(const char *dev, int *tried)
{
	struct serial_struct ss, ns;
	int fd, r;

	fd = open(dev, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	*tried = 1;
	if (ioctl(fd, TIOCGSERIAL, &ss) < 0) {
		int e = errno;
		close(fd);
		return untested("TIOCGSERIAL(%s): %s", dev, strerror(e));
	}
	if ((unsigned)ss.flags & UPF_FIXED_PORT_BIT) {
		close(fd);
		return untested("%s has UPF_FIXED_PORT: irq/port can never change, check unreachable", dev);
	}
	if (ss.baud_base == 0) {
		close(fd);
		return untested("%s reports baud_base 0: EINVAL before the lockdown check", dev);
	}
	/* Only change_irq/change_port reach the lockdown check.  Ask for an
	 * impossible IRQ: uart_set_info() runs the check, then verify_port /
	 * "irq >= nr_irqs" reject it with EINVAL before anything is applied. */
	ns = ss;
	ns.irq = INT_MAX;
	r = ioctl(fd, TIOCSSERIAL, &ns);
	int e = errno;
	close(fd);
	if (r == 0)
		return allowed("TIOCSSERIAL(%s, irq=INT_MAX) unexpectedly succeeded", dev);
	if (e == EINVAL)
		return allowed("TIOCSSERIAL(%s, irq=INT_MAX): EINVAL (verify_port, after the lockdown check); port unchanged", dev);
	if (e == EPERM)
		return denied("TIOCSSERIAL(%s, irq=INT_MAX): EPERM", dev);
	return untested("TIOCSSERIAL(%s): %s", dev, strerror(e));
}

static int t_tiocsserial(int argc, char **argv)
{
	const char *defs[] = { "/dev/ttyS1", "/dev/ttyS0", NULL };
	int tried = 0, i, r;

	if (!has_cap(CAP_SYS_ADMIN))
		return untested("no CAP_SYS_ADMIN: uart_set_info() takes the unprivileged path (no lockdown check)");
	if (argc > 0) {
		r = serial_one(argv[0], &tried);
		if (r < 0)
			return untested("open(%s): %s", argv[0], strerror(errno));
		return r;
	}
	for (i = 0; defs[i]; i++) {
		r = serial_one(defs[i], &tried);
		if (r >= 0)
			return r;
	}
	return untested("no usable /dev/ttyS1 or /dev/ttyS0");
}

/* ------------------------------------------------------------------ */
/* xfrm-secret: net/xfrm/xfrm_user.c xfrm_redact() while dumping an SA.  */
/* Done in a throw-away network namespace so no SA survives.            */

#define XKEY_BYTE 0x5a

static void nl_addattr(struct nlmsghdr *n, int type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));
	a->nla_type = (unsigned short)type;
	a->nla_len = (unsigned short)(NLA_HDRLEN + len);
	memcpy((char *)a + NLA_HDRLEN, data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static int nl_talk(int s, struct nlmsghdr *req, char *reply, size_t rlen)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	ssize_t n;

	if (sendto(s, req, req->nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	n = recv(s, reply, rlen, 0);
	if (n < 0)
		return -errno;
	if ((size_t)n < sizeof(struct nlmsghdr))
		return -EIO;
	return (int)n;
}

static int xfrm_add_sa(int s, int proto, uint32_t spi)
{
	struct {
		struct nlmsghdr n;
		char buf[2048];
	} req;
	char reply[4096];
	struct xfrm_usersa_info *sa;
	char algbuf[sizeof(struct xfrm_algo) + 64];
	struct xfrm_algo *alg = (struct xfrm_algo *)algbuf;
	int r;

	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = NLMSG_LENGTH(sizeof(*sa));
	req.n.nlmsg_type = XFRM_MSG_NEWSA;
	req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	req.n.nlmsg_seq = 1;
	sa = NLMSG_DATA(&req.n);
	sa->id.daddr.a4 = htonl(0x7f000001);
	sa->id.spi = htonl(spi);
	sa->id.proto = (uint8_t)proto;
	sa->saddr.a4 = htonl(0x7f000001);
	sa->family = AF_INET;
	sa->mode = XFRM_MODE_TRANSPORT;
	sa->lft.soft_byte_limit = XFRM_INF;
	sa->lft.hard_byte_limit = XFRM_INF;
	sa->lft.soft_packet_limit = XFRM_INF;
	sa->lft.hard_packet_limit = XFRM_INF;

	memset(algbuf, 0, sizeof(algbuf));
	snprintf(alg->alg_name, sizeof(alg->alg_name), "hmac(sha256)");
	alg->alg_key_len = 32 * 8;
	memset(alg->alg_key, XKEY_BYTE, 32);
	nl_addattr(&req.n, XFRMA_ALG_AUTH, alg, sizeof(*alg) + 32);
	if (proto == IPPROTO_ESP) {
		memset(algbuf, 0, sizeof(algbuf));
		snprintf(alg->alg_name, sizeof(alg->alg_name), "cbc(aes)");
		alg->alg_key_len = 16 * 8;
		memset(alg->alg_key, 0x5b, 16);
		nl_addattr(&req.n, XFRMA_ALG_CRYPT, alg, sizeof(*alg) + 16);
	}
	r = nl_talk(s, &req.n, reply, sizeof(reply));
	if (r < 0)
		return r;
	struct nlmsghdr *h = (struct nlmsghdr *)reply;
	if (h->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = NLMSG_DATA(h);
		return e->error;
	}
	return -EPROTO;
}

/* 1 = key intact, 0 = key redacted (all zero), <0 = -errno */
static int xfrm_get_sa_key(int s, int proto, uint32_t spi, char *why, size_t wl)
{
	struct {
		struct nlmsghdr n;
		char buf[512];
	} req;
	static char reply[16384];
	struct xfrm_usersa_id *id;
	xfrm_address_t src;
	int r;

	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = NLMSG_LENGTH(sizeof(*id));
	req.n.nlmsg_type = XFRM_MSG_GETSA;
	req.n.nlmsg_flags = NLM_F_REQUEST;
	req.n.nlmsg_seq = 2;
	id = NLMSG_DATA(&req.n);
	id->daddr.a4 = htonl(0x7f000001);
	id->spi = htonl(spi);
	id->family = AF_INET;
	id->proto = (uint8_t)proto;
	memset(&src, 0, sizeof(src));
	src.a4 = htonl(0x7f000001);
	nl_addattr(&req.n, XFRMA_SRCADDR, &src, sizeof(src));

	r = nl_talk(s, &req.n, reply, sizeof(reply));
	if (r < 0)
		return r;
	struct nlmsghdr *h = (struct nlmsghdr *)reply;
	if (h->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = NLMSG_DATA(h);
		return e->error ? e->error : -EPROTO;
	}
	if (h->nlmsg_type != XFRM_MSG_NEWSA)
		return -EPROTO;
	char *p = (char *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(struct xfrm_usersa_info));
	char *end = (char *)h + (h->nlmsg_len < (unsigned)r ? h->nlmsg_len : (unsigned)r);
	while (p + NLA_HDRLEN <= end) {
		struct nlattr *a = (struct nlattr *)p;
		if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == XFRMA_ALG_AUTH &&
		    a->nla_len >= NLA_HDRLEN + sizeof(struct xfrm_algo) + 32) {
			struct xfrm_algo *alg = (struct xfrm_algo *)(p + NLA_HDRLEN);
			int intact = 1, zero = 1, i;
			for (i = 0; i < 32; i++) {
				if ((unsigned char)alg->alg_key[i] != XKEY_BYTE)
					intact = 0;
				if (alg->alg_key[i] != 0)
					zero = 0;
			}
			snprintf(why, wl, "auth key in XFRM_MSG_GETSA reply is %s",
				 intact ? "intact" : zero ? "zeroed (redacted)" : "garbled");
			if (intact)
				return 1;
			if (zero)
				return 0;
			return -EBADMSG;
		}
		p += NLA_ALIGN(a->nla_len);
	}
	snprintf(why, wl, "no XFRMA_ALG_AUTH in reply");
	return -ENOMSG;
}

static int xfrm_child(char *out, size_t ol)
{
	struct sockaddr_nl me = { .nl_family = AF_NETLINK };
	const int protos[] = { IPPROTO_AH, IPPROTO_ESP };
	const uint32_t spi = 0x4c440001;
	char why[200] = "";
	int s, i, r = -EPROTONOSUPPORT, proto = 0;

	if (unshare(CLONE_NEWNET) < 0) {
		snprintf(out, ol, "unshare(CLONE_NEWNET): %s", strerror(errno));
		return UNTESTED;
	}
	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM);
	if (s < 0) {
		snprintf(out, ol, "socket(NETLINK_XFRM): %s (CONFIG_XFRM_USER?)", strerror(errno));
		return UNTESTED;
	}
	if (bind(s, (struct sockaddr *)&me, sizeof(me)) < 0) {
		snprintf(out, ol, "bind netlink: %s", strerror(errno));
		return UNTESTED;
	}
	for (i = 0; i < 2; i++) {
		proto = protos[i];
		r = xfrm_add_sa(s, proto, spi);
		if (r == 0)
			break;
	}
	if (r != 0) {
		snprintf(out, ol, "XFRM_MSG_NEWSA (AH and ESP) in a private netns: %s", strerror(-r));
		return UNTESTED;
	}
	r = xfrm_get_sa_key(s, proto, spi, why, sizeof(why));
	if (r == 1) {
		snprintf(out, ol, "%s SA in private netns: %s", proto == IPPROTO_AH ? "AH" : "ESP", why);
		return ALLOWED;
	}
	if (r == 0) {
		snprintf(out, ol, "%s SA in private netns: %s", proto == IPPROTO_AH ? "AH" : "ESP", why);
		return DENIED;
	}
	snprintf(out, ol, "XFRM_MSG_GETSA: %s %s", strerror(-r), why);
	return UNTESTED;
}

static int t_xfrm_secret(int argc, char **argv)
{
	int pfd[2], st;
	pid_t pid;
	char buf[600];
	ssize_t n;

	(void)argc; (void)argv;
	if (!has_cap(CAP_SYS_ADMIN) || !has_cap(CAP_NET_ADMIN))
		return untested("need CAP_SYS_ADMIN (unshare) and CAP_NET_ADMIN (xfrm netlink)");
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return untested("pipe: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return untested("fork: %s", strerror(errno));
	if (pid == 0) {
		char out[512];
		int rc = xfrm_child(out, sizeof(out));
		close(pfd[0]);
		dprintf(pfd[1], "%d %s", rc, out);
		_exit(0);
	}
	close(pfd[1]);
	n = read(pfd[0], buf, sizeof(buf) - 1);
	close(pfd[0]);
	waitpid(pid, &st, 0);
	if (n <= 2)
		return untested("xfrm child produced no result");
	buf[n] = 0;
	int rc = buf[0] - '0';
	const char *msg = buf + 2;
	if (rc == ALLOWED)
		return allowed("%s", msg);
	if (rc == DENIED)
		return denied("%s", msg);
	return untested("%s", msg);
}

/* ------------------------------------------------------------------ */
/* modules                                                              */

static const char MODSIG_MAGIC[] = "~Module signature appended~\n";	/* 28 bytes */
#define MODSIG_MAGIC_LEN (sizeof(MODSIG_MAGIC) - 1)

static unsigned char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	unsigned char *b;
	size_t off = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || st.st_size <= 0) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	b = malloc((size_t)st.st_size);
	if (!b) {
		close(fd);
		return NULL;
	}
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, b + off, (size_t)st.st_size - off);
		if (n <= 0) {
			free(b);
			close(fd);
			errno = n < 0 ? errno : EIO;
			return NULL;
		}
		off += (size_t)n;
	}
	close(fd);
	*len = off;
	return b;
}

static int is_compressed(const char *p)
{
	size_t l = strlen(p);
	return (l > 3 && strcmp(p + l - 3, ".xz") == 0) ||
	       (l > 4 && strcmp(p + l - 4, ".zst") == 0) ||
	       (l > 3 && strcmp(p + l - 3, ".gz") == 0);
}

static int has_sig(const unsigned char *b, size_t n)
{
	return n >= MODSIG_MAGIC_LEN && memcmp(b + n - MODSIG_MAGIC_LEN, MODSIG_MAGIC, MODSIG_MAGIC_LEN) == 0;
}

/* module name from .modinfo "name=", else from the file name */
static void mod_name(const char *path, const unsigned char *b, size_t n, char *out, size_t ol)
{
	const char *base;
	size_t i;

	if (b && n > sizeof(Elf64_Ehdr) && memcmp(b, ELFMAG, SELFMAG) == 0 && b[EI_CLASS] == ELFCLASS64) {
		const Elf64_Ehdr *eh = (const Elf64_Ehdr *)b;
		if (eh->e_shoff && eh->e_shentsize == sizeof(Elf64_Shdr) &&
		    eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) <= n &&
		    eh->e_shstrndx < eh->e_shnum) {
			const Elf64_Shdr *sh = (const Elf64_Shdr *)(b + eh->e_shoff);
			const Elf64_Shdr *ss = &sh[eh->e_shstrndx];
			for (i = 0; i < eh->e_shnum; i++) {
				if (ss->sh_offset + sh[i].sh_name >= n)
					continue;
				const char *nm = (const char *)b + ss->sh_offset + sh[i].sh_name;
				if (strcmp(nm, ".modinfo") != 0)
					continue;
				if (sh[i].sh_offset + sh[i].sh_size > n)
					break;
				const char *p = (const char *)b + sh[i].sh_offset;
				const char *e = p + sh[i].sh_size;
				while (p < e) {
					size_t l = strnlen(p, (size_t)(e - p));
					if (l > 5 && strncmp(p, "name=", 5) == 0) {
						snprintf(out, ol, "%.*s", (int)(l - 5), p + 5);
						return;
					}
					p += l + 1;
				}
			}
		}
	}
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	snprintf(out, ol, "%s", base);
	for (i = 0; out[i]; i++) {
		if (out[i] == '.') {
			out[i] = 0;
			break;
		}
		if (out[i] == '-')
			out[i] = '_';
	}
}

static int name_blacklisted(const char *name)
{
	char v[1024], *tok, *save = NULL;

	if (!cmdline_value("module_blacklist", v, sizeof(v)))
		return 0;
	for (tok = strtok_r(v, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (strcmp(tok, name) == 0)
			return 1;
	return 0;
}

/* returns 0 or -errno */
static int do_load(const char *path, const char *params)
{
	int flags = is_compressed(path) ? MODULE_INIT_COMPRESSED_FILE : 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	long r;

	if (fd < 0)
		return -errno;
	r = syscall(SYS_finit_module, fd, params, flags);
	int e = errno;
	close(fd);
	if (r == 0)
		return 0;
	if (e == ENOSYS && !flags) {
		size_t n;
		unsigned char *b = slurp(path, &n);
		if (!b)
			return -errno;
		r = syscall(SYS_init_module, b, (unsigned long)n, params);
		e = errno;
		free(b);
		return r == 0 ? 0 : -e;
	}
	return -e;
}

static const char *do_unload(const char *name)
{
	static char msg[128];
	int i;

	for (i = 0; i < 50; i++) {
		if (syscall(SYS_delete_module, name, O_NONBLOCK) == 0) {
			snprintf(msg, sizeof(msg), "removed %s", name);
			return msg;
		}
		if (errno != EAGAIN && errno != EBUSY)
			break;
		usleep(100000);
	}
	snprintf(msg, sizeof(msg), "delete_module(%s) failed: %s", name, strerror(errno));
	return msg;
}

static int module_prechecks(void)
{
	char v[32];

	if (!has_cap(CAP_SYS_MODULE))
		return untested("no CAP_SYS_MODULE: EPERM before the signature check");
	if (read_small("/proc/sys/kernel/modules_disabled", v, sizeof(v)) >= 0 && atoi(v) != 0)
		return untested("kernel.modules_disabled=1: EPERM before the signature check");
	if (!path_exists("/proc/modules"))
		return untested("kernel without module support");
	return -1;
}

static int t_module_signature(int argc, char **argv)
{
	unsigned char *b;
	size_t n;
	char name[128], sysm[256];
	int pre, r;

	if (argc < 1)
		return untested("usage: module-signature <unsigned.ko>");
	pre = module_prechecks();
	if (pre >= 0)
		return pre;
	if (is_compressed(argv[0]))
		return untested("%s is compressed; decompress it first", argv[0]);
	b = slurp(argv[0], &n);
	if (!b)
		return untested("read %s: %s", argv[0], strerror(errno));
	if (has_sig(b, n)) {
		free(b);
		return untested("%s has an appended signature; use strip-sig first", argv[0]);
	}
	mod_name(argv[0], b, n, name, sizeof(name));
	free(b);
	if (name_blacklisted(name))
		return untested("%s is in module_blacklist=: EPERM after the check, ambiguous", name);
	snprintf(sysm, sizeof(sysm), "/sys/module/%s", name);
	int was_loaded = path_exists(sysm);

	r = do_load(argv[0], "");
	if (r == 0)
		return allowed("unsigned module %s loaded; %s", name, do_unload(name));
	if (r == -EPERM)
		return denied("finit_module(unsigned %s): EPERM", name);
	if (r == -EKEYREJECTED)
		return untested("EKEYREJECTED: signature enforcement (module.sig_enforce) rejects before the lockdown check");
	if (r == -EACCES || r == -EBADF || r == -EFBIG || r == -ETXTBSY)
		return untested("finit_module(%s): %s (before the signature check)", name, strerror(-r));
	if (r == -EEXIST)
		return allowed("finit_module(%s): EEXIST (%s; duplicate check runs after the signature check)",
			       name, was_loaded ? "already loaded" : "being loaded");
	return allowed("finit_module(%s): %s (load failed after the signature/lockdown check)", name, strerror(-r));
}

static int t_module_load(int argc, char **argv)
{
	unsigned char *b = NULL;
	size_t n = 0;
	char name[128];
	int pre, r, signed_ = -1;

	if (argc < 1)
		return untested("usage: module-load <signed.ko[.xz]>");
	pre = module_prechecks();
	if (pre >= 0)
		return pre;
	if (!is_compressed(argv[0])) {
		b = slurp(argv[0], &n);
		if (!b)
			return untested("read %s: %s", argv[0], strerror(errno));
		signed_ = has_sig(b, n);
	}
	mod_name(argv[0], b, n, name, sizeof(name));
	free(b);
	r = do_load(argv[0], "");
	const char *sg = signed_ == 1 ? "signed" : signed_ == 0 ? "UNSIGNED" : "compressed, signature not inspected";
	if (r == 0)
		return allowed("module %s (%s) loaded; %s", name, sg, do_unload(name));
	if (r == -EEXIST)
		return allowed("module %s (%s): EEXIST (already loaded)", name, sg);
	if (r == -EPERM || r == -EKEYREJECTED)
		return denied("finit_module(%s, %s): %s", name, sg, strerror(-r));
	return untested("finit_module(%s, %s): %s", name, sg, strerror(-r));
}

/* module-parameters: kernel/params.c param_check_unsafe() on a        */
/* module_param_hw parameter.  Default: slram (map= is                  */
/* module_param_hw_array(iomem)); with the check passed, init_slram()    */
/* rejects a 1-element map with EINVAL, so the module never stays.       */
static int t_module_parameters(int argc, char **argv)
{
	char path[PATH_MAX], name[128], sysm[256];
	const char *params = argc > 1 ? argv[1] : "map=ldtrigger";
	struct utsname u;
	unsigned char *b = NULL;
	size_t n = 0;
	int pre, r;

	pre = module_prechecks();
	if (pre >= 0)
		return pre;
	if (argc > 0) {
		snprintf(path, sizeof(path), "%s", argv[0]);
	} else {
		const char *ext[] = { "", ".xz", ".zst", ".gz", NULL };
		int i, found = 0;
		if (uname(&u) < 0)
			return untested("uname: %s", strerror(errno));
		for (i = 0; ext[i] && !found; i++) {
			snprintf(path, sizeof(path), "/lib/modules/%s/kernel/drivers/mtd/devices/slram.ko%s",
				 u.release, ext[i]);
			found = path_exists(path);
		}
		if (!found)
			return untested("slram.ko not found under /lib/modules/%s (CONFIG_MTD_SLRAM=m?)", u.release);
		if (!path_exists("/sys/module/mtd"))
			return untested("mtd is not loaded (modprobe mtd first; slram needs its symbols before params are parsed)");
	}
	if (!is_compressed(path)) {
		b = slurp(path, &n);
		if (!b)
			return untested("read %s: %s", path, strerror(errno));
		if (!has_sig(b, n)) {
			free(b);
			return untested("%s is unsigned: the module-signature lockdown check would run first", path);
		}
	}
	mod_name(path, b, n, name, sizeof(name));
	free(b);
	if (name_blacklisted(name))
		return untested("%s is in module_blacklist=", name);
	snprintf(sysm, sizeof(sysm), "/sys/module/%s", name);
	if (path_exists(sysm))
		return untested("%s is already loaded: EEXIST before parameters are parsed", name);

	r = do_load(path, params);
	if (r == 0)
		return allowed("%s loaded with '%s'; %s", name, params, do_unload(name));
	if (r == -EPERM)
		return denied("finit_module(%s, '%s'): EPERM (hw parameter refused)", name, params);
	if (r == -EINVAL)
		return allowed("finit_module(%s, '%s'): EINVAL (parameter accepted, module init rejected it)", name, params);
	if (r == -ENOENT)
		return untested("finit_module(%s): ENOENT (unknown symbol? load dependencies first)", name);
	return untested("finit_module(%s, '%s'): %s", name, params, strerror(-r));
}

/* strip-sig <in> <out>: drop "<sig><struct module_signature><magic>" */
static int cmd_strip_sig(int argc, char **argv)
{
	unsigned char *b;
	size_t n, keep;
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: ld-trigger strip-sig <in.ko> <out.ko>\n");
		return 2;
	}
	b = slurp(argv[0], &n);
	if (!b) {
		fprintf(stderr, "strip-sig: read %s: %s\n", argv[0], strerror(errno));
		return 2;
	}
	if (n > 4 && b[0] != 0x7f) {
		fprintf(stderr, "strip-sig: %s is not an ELF file (compressed? decompress first)\n", argv[0]);
		free(b);
		return 2;
	}
	keep = n;
	if (has_sig(b, n)) {
		const size_t mslen = 12;	/* struct module_signature */
		const unsigned char *ms;
		uint32_t siglen;
		if (n < MODSIG_MAGIC_LEN + mslen) {
			fprintf(stderr, "strip-sig: truncated signature\n");
			free(b);
			return 2;
		}
		ms = b + n - MODSIG_MAGIC_LEN - mslen;
		siglen = ((uint32_t)ms[8] << 24) | ((uint32_t)ms[9] << 16) | ((uint32_t)ms[10] << 8) | ms[11];
		if ((size_t)siglen > n - MODSIG_MAGIC_LEN - mslen) {
			fprintf(stderr, "strip-sig: bad sig_len %u\n", siglen);
			free(b);
			return 2;
		}
		keep = n - MODSIG_MAGIC_LEN - mslen - siglen;
	}
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "strip-sig: open %s: %s\n", argv[1], strerror(errno));
		free(b);
		return 2;
	}
	size_t off = 0;
	while (off < keep) {
		ssize_t w = write(fd, b + off, keep - off);
		if (w <= 0) {
			fprintf(stderr, "strip-sig: write %s: %s\n", argv[1], strerror(errno));
			close(fd);
			free(b);
			return 2;
		}
		off += (size_t)w;
	}
	close(fd);
	free(b);
	printf("strip-sig: %s -> %s (%zu of %zu bytes kept%s)\n", argv[0], argv[1], keep, n,
	       keep == n ? "; no signature was present" : "");
	return 0;
}

/* ------------------------------------------------------------------ */

struct test {
	const char *name;
	int (*fn)(int argc, char **argv);
	int needs_arg;	/* excluded from "all" */
	int is_reason;	/* listed by "list" */
};

static const struct test tests[] = {
	{ "module-signature",  t_module_signature,  1, 1 },
	{ "dev-mem",           t_dev_mem,           0, 1 },
	{ "kexec",             t_kexec,             0, 1 },
	{ "hibernation",       t_hibernation,       0, 1 },
	{ "pci-access",        t_pci_access,        0, 1 },
	{ "ioport",            t_ioport,            0, 1 },
	{ "msr",               t_msr,               0, 1 },
	{ "tiocsserial",       t_tiocsserial,       0, 1 },
	{ "module-parameters", t_module_parameters, 0, 1 },
	{ "debugfs",           t_debugfs,           0, 1 },
	{ "bpf-write-user",    t_bpf_write_user,    0, 1 },
	{ "kcore",             t_kcore,             0, 1 },
	{ "kprobes",           t_kprobes,           0, 1 },
	{ "bpf-read-kernel",   t_bpf_read_kernel,   0, 1 },
	{ "perf",              t_perf,              0, 1 },
	{ "tracefs",           t_tracefs,           0, 1 },
	{ "xfrm-secret",       t_xfrm_secret,       0, 1 },
	{ "module-load",       t_module_load,       1, 0 },
	{ NULL, NULL, 0, 0 }
};

static void usage(void)
{
	fprintf(stderr,
		"usage: ld-trigger <reason> [args] | list | all\n"
		"       ld-trigger module-signature <unsigned.ko>\n"
		"       ld-trigger module-load <signed.ko[.xz]>\n"
		"       ld-trigger module-parameters [<module.ko[.xz]> [params]]  (default: slram map=ldtrigger)\n"
		"       ld-trigger kexec [load|file]\n"
		"       ld-trigger pci-access [proc|sysfs]\n"
		"       ld-trigger debugfs|tracefs [path]\n"
		"       ld-trigger msr [/dev/cpu/N/msr]\n"
		"       ld-trigger kprobes [symbol]\n"
		"       ld-trigger tiocsserial [/dev/ttySN]\n"
		"       ld-trigger strip-sig <in.ko> <out.ko>\n"
		"exit: 0 allowed, 1 denied, 2 untested\n");
}

static int run_one(const struct test *t, int argc, char **argv)
{
	int rc;

	D[0] = 0;
	rc = t->fn(argc, argv);
	emit(t->name, rc, D);
	return rc;
}

int main(int argc, char **argv)
{
	const struct test *t;

	if (argc < 2) {
		usage();
		return 2;
	}
	if (strcmp(argv[1], "list") == 0) {
		for (t = tests; t->name; t++)
			if (t->is_reason)
				printf("%s\n", t->name);
		return 0;
	}
	if (strcmp(argv[1], "all") == 0) {
		for (t = tests; t->name; t++) {
			pid_t pid;
			int st;
			if (t->needs_arg)
				continue;
			fflush(stdout);
			pid = fork();
			if (pid < 0) {
				snprintf(D, sizeof(D), "fork: %s", strerror(errno));
				emit(t->name, UNTESTED, D);
				continue;
			}
			if (pid == 0)
				_exit(run_one(t, 0, NULL));
			if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st)) {
				snprintf(D, sizeof(D), "test process died (%s)",
					 WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "?");
				emit(t->name, UNTESTED, D);
			}
		}
		return 0;
	}
	if (strcmp(argv[1], "strip-sig") == 0)
		return cmd_strip_sig(argc - 2, argv + 2);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage();
		return 0;
	}
	for (t = tests; t->name; t++)
		if (strcmp(argv[1], t->name) == 0)
			return run_one(t, argc - 2, argv + 2);
	fprintf(stderr, "ld-trigger: unknown reason '%s' (try: ld-trigger list)\n", argv[1]);
	return 2;
}
