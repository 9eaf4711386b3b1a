// SPDX-License-Identifier: LGPL-2.1-or-later
// ld-bench: the pieces of the hook benchmark that need more than a shell.
//
//   ld-bench attach OBJ PIN        load OBJ's LSM program, attach, pin link at PIN
//   ld-bench stats PIN             print run_cnt and run_time_ns of PIN's program
//   ld-bench reads FILE N [CHUNKS] read FILE N times in CHUNKS chunks; print the
//                                  fastest chunk's ns per read
//   ld-bench cost FILE N CHUNKS PIN...  read FILE N times in CHUNKS chunks and
//                                  take the BPF stats of each pinned link's
//                                  program around every chunk; print, per PIN
//                                  and on one line, the fastest chunk's ns per
//                                  run of that program (nan: it never ran)
//   ld-bench opens FILE N CHUNKS r|w  open FILE (read-only or write-only) and
//                                  close it, N times in CHUNKS chunks; print the
//                                  fastest chunk's ns per open

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

struct ObjDeleter {
    void operator()(bpf_object* o) const noexcept { bpf_object__close(o); }
};
struct LinkDeleter {
    void operator()(bpf_link* l) const noexcept { bpf_link__destroy(l); }
};

int die(const char* what)
{
    std::fprintf(stderr, "ld-bench: %s: %s\n", what, std::strerror(errno));
    return 1;
}

uint64_t now_ns()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

int attach(const char* obj_path, const char* pin)
{
    std::unique_ptr<bpf_object, ObjDeleter> obj(bpf_object__open_file(obj_path, nullptr));
    if (!obj)
        return die("open object");
    if (bpf_object__load(obj.get()) < 0)
        return die("load object");
    bpf_program* prog = bpf_object__next_program(obj.get(), nullptr);
    if (!prog)
        return die("no program");
    std::unique_ptr<bpf_link, LinkDeleter> link(bpf_program__attach_lsm(prog));
    if (!link)
        return die("attach");
    if (bpf_link__pin(link.get(), pin) < 0)
        return die("pin");
    return 0;
}

// The program behind a pinned link, or -1.
int prog_of_pin(const char* pin)
{
    const int lfd = bpf_obj_get(pin);
    if (lfd < 0)
        return -1;
    bpf_link_info li{};
    uint32_t len = sizeof(li);
    const int rc = bpf_obj_get_info_by_fd(lfd, &li, &len);
    close(lfd);
    return rc < 0 ? -1 : bpf_prog_get_fd_by_id(li.prog_id);
}

bool prog_stats(int pfd, uint64_t& cnt, uint64_t& ns)
{
    bpf_prog_info pi{};
    uint32_t len = sizeof(pi);
    if (bpf_obj_get_info_by_fd(pfd, &pi, &len) < 0)
        return false;
    cnt = pi.run_cnt;
    ns = pi.run_time_ns;
    return true;
}

int stats(const char* pin)
{
    const int pfd = prog_of_pin(pin);
    if (pfd < 0)
        return die("program of pin");
    uint64_t cnt = 0, ns = 0;
    if (!prog_stats(pfd, cnt, ns))
        return die("prog info");
    std::printf("%" PRIu64 " %" PRIu64 "\n", cnt, ns);
    close(pfd);
    return 0;
}

// Per-run cost of several programs on the hook FILE's reads call. As with
// reads(), host preemption under emulation only ever adds time (here to
// whichever program it interrupts), so each program's figure is its fastest
// chunk. The stats are read between chunks, outside the timed calls.
int cost(const char* file, long n, long chunks, char** pins, int npins)
{
    std::vector<int> pfd;
    for (int i = 0; i < npins; i++) {
        pfd.push_back(prog_of_pin(pins[i]));
        if (pfd.back() < 0)
            return die(pins[i]);
    }
    const int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return die("open");
    char buf[256];
    const long per_chunk = n / chunks;
    std::vector<double> best(pfd.size(), -1);
    std::vector<uint64_t> c0(pfd.size()), t0(pfd.size());
    for (long c = 0; c < chunks; c++) {
        for (size_t i = 0; i < pfd.size(); i++)
            if (!prog_stats(pfd[i], c0[i], t0[i]))
                return die("prog info");
        for (long k = 0; k < per_chunk; k++)
            if (pread(fd, buf, sizeof(buf), 0) < 0)
                return die("pread");
        for (size_t i = 0; i < pfd.size(); i++) {
            uint64_t c1 = 0, t1 = 0;
            if (!prog_stats(pfd[i], c1, t1))
                return die("prog info");
            if (c1 == c0[i])
                continue;
            const double ns = double(t1 - t0[i]) / double(c1 - c0[i]);
            if (best[i] < 0 || ns < best[i])
                best[i] = ns;
        }
    }
    close(fd);
    for (size_t i = 0; i < pfd.size(); i++) {
        if (best[i] < 0)
            std::printf("%snan", i ? " " : "");
        else
            std::printf("%s%.2f", i ? " " : "", best[i]);
        close(pfd[i]);
    }
    std::printf("\n");
    return 0;
}

// Host preemption under emulation only ever adds time, so the fastest of
// many short chunks is the robust per-read figure.
int reads(const char* file, long n, long chunks)
{
    const int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return die("open");
    char buf[256];
    const long per_chunk = n / chunks;
    double best = 1e300;
    for (long c = 0; c < chunks; c++) {
        const uint64_t t0 = now_ns();
        for (long i = 0; i < per_chunk; i++)
            if (pread(fd, buf, sizeof(buf), 0) < 0)
                return die("pread");
        const double ns = double(now_ns() - t0) / double(per_chunk);
        if (ns < best)
            best = ns;
    }
    close(fd);
    std::printf("%.1f\n", best);
    return 0;
}

// The same for open()+close(): every open() runs the file_open LSM hook.
int opens(const char* file, long n, long chunks, bool write)
{
    const int flags = (write ? O_WRONLY : O_RDONLY) | O_CLOEXEC;
    const long per_chunk = n / chunks;
    double best = 1e300;
    for (long c = 0; c < chunks; c++) {
        const uint64_t t0 = now_ns();
        for (long i = 0; i < per_chunk; i++) {
            const int fd = open(file, flags);
            if (fd < 0)
                return die("open");
            close(fd);
        }
        const double ns = double(now_ns() - t0) / double(per_chunk);
        if (ns < best)
            best = ns;
    }
    std::printf("%.1f\n", best);
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    const std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "attach" && argc == 4)
        return attach(argv[2], argv[3]);
    if (cmd == "stats" && argc == 3)
        return stats(argv[2]);
    if (cmd == "reads" && (argc == 4 || argc == 5)) {
        const long n = std::atol(argv[3]), chunks = argc == 5 ? std::atol(argv[4]) : 1;
        if (n <= 0 || chunks <= 0 || chunks > n)
            return std::fprintf(stderr, "ld-bench: bad N or CHUNKS\n"), 2;
        return reads(argv[2], n, chunks);
    }
    if (cmd == "cost" && argc >= 6) {
        const long n = std::atol(argv[3]), chunks = std::atol(argv[4]);
        if (n <= 0 || chunks <= 0 || chunks > n)
            return std::fprintf(stderr, "ld-bench: bad N or CHUNKS\n"), 2;
        return cost(argv[2], n, chunks, argv + 5, argc - 5);
    }
    if (cmd == "opens" && argc == 6) {
        const long n = std::atol(argv[3]), chunks = std::atol(argv[4]);
        const std::string mode = argv[5];
        if (n <= 0 || chunks <= 0 || chunks > n || (mode != "r" && mode != "w"))
            return std::fprintf(stderr, "ld-bench: bad N, CHUNKS or mode (r or w)\n"), 2;
        return opens(argv[2], n, chunks, mode == "w");
    }
    std::fprintf(stderr, "usage: ld-bench attach OBJ PIN | stats PIN | reads FILE N [CHUNKS] | cost FILE N CHUNKS PIN... | opens FILE N CHUNKS r|w\n");
    return 2;
}
