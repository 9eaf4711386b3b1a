// SPDX-License-Identifier: LGPL-2.1-or-later
// lockdown-hibernate: hibernates the machine for systemd-hibernate.service,
// in place of systemd-sleep, when lockdown-broker is installed.
//
//  1. Asks lockdown-brokerd (BeginHibernation) whether the image would be
//     protected, and for the hibernation grant of this unit; the broker
//     names the swap partition the image must go to.
//  2. Runs the system-sleep hooks (pre), writes the image through
//     /dev/snapshot with flushes (snapshot_writer), powers off.
//  3. In the resumed system: renews a dm-integrity swap (swap_renewal) and
//     runs the hooks (post).
// Any refusal or failure before the power-off leaves the machine running
// and the exit status 1, with the reason on stderr (the journal).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <getopt.h>
#include <string>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <sdbus-c++/sdbus-c++.h>

#include "crypt_inspect.hpp"
#include "error.hpp"
#include "hibernation_check.hpp"
#include "record_files.hpp"
#include "sleep_hooks.hpp"
#include "snapshot_writer.hpp"
#include "swap_renewal.hpp"
#include "unique_fd.hpp"

#ifndef LDB_VERSION
#define LDB_VERSION "0"
#endif

namespace {

constexpr const char* kSleepHookDir = "/usr/lib/systemd/system-sleep";
// Free memory the resumed system must keep after taking the swapped-out
// pages back with swapoff.
constexpr uint64_t kSwapoffReserveKib = 64 * 1024;

void say(const std::string& text)
{
    std::fprintf(stderr, "lockdown-hibernate: %s\n", text.c_str());
    std::fflush(stderr);
}

// While tasks are frozen the journal is too; the kernel log is not.
class Kmsg {
public:
    Kmsg() : fd_(::open("/dev/kmsg", O_WRONLY | O_CLOEXEC)) {}
    void operator()(const std::string& text) const
    {
        if (!fd_)
            return;
        const std::string line = "<5>lockdown-hibernate: " + text + "\n";
        (void)::write(fd_.get(), line.data(), line.size());
    }

private:
    ldb::UniqueFd fd_;
};

struct Grant {
    uint64_t id = 0;
    std::string device;
    std::string devno;
};

Grant begin_with_broker()
{
    auto bus = sdbus::createSystemBusConnection();
    auto proxy = sdbus::createProxy(*bus, "org.freedesktop.LockdownBroker1", "/org/freedesktop/LockdownBroker1");
    Grant g;
    std::map<std::string, sdbus::Variant> options;
    proxy->callMethod("BeginHibernation")
        .onInterface("org.freedesktop.LockdownBroker1")
        .withTimeout(std::chrono::seconds(60))
        .withArguments(options)
        .storeResultsTo(g.id, g.device, g.devno);
    return g;
}

// What must hold for the writer, beyond the broker's check, and what the
// resumed system will need: the swap's priority and its dm-integrity layers.
ldb::SwapRenewal prepare(const Grant& g)
{
    struct stat st{};
    if (::stat(g.device.c_str(), &st) < 0)
        throw ldb::errno_error(errno, "stat " + g.device);
    const auto want = ldb::parse_devno(g.devno);
    if (!S_ISBLK(st.st_mode) || !want || major(st.st_rdev) != want->major || minor(st.st_rdev) != want->minor)
        throw ldb::Error(ldb::ErrorKind::Kernel, g.device + " is no longer the block device " + g.devno +
                                                     " that lockdown-brokerd checked");

    auto inspector = ldb::make_libcryptsetup_inspector();
    const auto facts = ldb::gather_hibernation_facts(*inspector);
    const ldb::SwapFacts* swap = nullptr;
    for (const auto& s : facts.swaps)
        if (s.devno && *s.devno == *want && s.entry.type == ldb::SwapType::Partition)
            swap = &s;
    if (!swap)
        throw ldb::Error(ldb::ErrorKind::Kernel, g.device + " (" + g.devno + ") is not an active swap partition");

    // After the resume the swap is switched off and on again; its pages
    // must fit into RAM meanwhile.
    const auto meminfo = ldb::read_record("/proc/meminfo", 1 << 20, ldb::ErrorKind::Kernel);
    const auto available = ldb::parse_meminfo_kib(meminfo, "MemAvailable");
    if (!available)
        throw ldb::Error(ldb::ErrorKind::Kernel, "/proc/meminfo has no MemAvailable");
    if (swap->entry.used_kib + kSwapoffReserveKib > *available)
        throw ldb::Error(ldb::ErrorKind::Refused,
                         "hibernation is refused: " + std::to_string(swap->entry.used_kib / 1024) + " MiB of " +
                             g.device + " are in use and only " + std::to_string(*available / 1024) +
                             " MiB of memory are available, so the swap could not be renewed after the resume",
                         "close some applications and try again");

    ldb::SwapRenewal plan;
    plan.device = swap->entry.path;
    plan.priority = swap->entry.priority;
    for (size_t i = 0; i < swap->layers.size(); i++) {
        const auto& l = swap->layers[i];
        if (l.kind != ldb::LayerKind::DmIntegrity)
            continue;
        ldb::IntegrityLayer il;
        il.integrity = l.dm_name;
        for (const auto& up : swap->layers)
            for (size_t lo : up.lower)
                if (lo == i && up.kind == ldb::LayerKind::DmCrypt)
                    il.above = up.dm_name;
        if (il.integrity.empty())
            throw ldb::Error(ldb::ErrorKind::Kernel, "the dm-integrity layer " + l.name + " has no device-mapper name");
        plan.integrity.push_back(il);
    }
    return plan;
}

void run_hooks(const char* phase)
{
    for (const auto& f : ldb::run_sleep_hooks(kSleepHookDir, phase, "hibernate"))
        say("system-sleep hook failed: " + f);
}

int hibernate()
{
    Grant g;
    try {
        g = begin_with_broker();
    } catch (const sdbus::Error& e) {
        say(e.getMessage());
        return 1;
    }
    say("lockdown-brokerd granted exception " + std::to_string(g.id) + "; the image goes to " + g.device + " (" +
        g.devno + ")");
    const Kmsg kmsg;
    ldb::SwapRenewal plan;
    ldb::PageBuffer saved_header(1);
    try {
        plan = prepare(g);
    } catch (const ldb::Error& e) {
        say(std::string(e.what()) + (e.hint().empty() ? "" : " (" + e.hint() + ")"));
        return 1;
    }
    run_hooks("pre");
    try {
        ldb::hibernate_to_swap(plan.device, saved_header, [&kmsg](const std::string& t) { kmsg(t); });
    } catch (const ldb::Error& e) {
        say(std::string("hibernation failed, the system keeps running: ") + e.what() +
            (e.hint().empty() ? "" : " (" + e.hint() + ")"));
        run_hooks("post");
        return 1;
    }
    int rc = 0;
    try {
        ldb::renew_swap_after_resume(plan, saved_header);
        say("resumed; swap " + plan.device + " renewed" +
            (plan.integrity.empty() ? "" : " (dm-integrity " + plan.integrity.front().integrity + " reloaded)"));
    } catch (const ldb::Error& e) {
        say(std::string("resumed, but renewing the swap failed: ") + e.what() +
            (e.hint().empty() ? "" : " (" + e.hint() + ")"));
        rc = 1;
    }
    run_hooks("post");
    return rc;
}

void usage(FILE* out)
{
    std::fprintf(out,
                 "Usage: lockdown-hibernate [--refuse=hybrid-sleep|suspend-then-hibernate]\n"
                 "Hibernates for systemd-hibernate.service under lockdown-broker; see lockdown-hibernate(8).\n");
}

} // namespace

int main(int argc, char** argv)
{
    static const option opts[] = {{"help", no_argument, nullptr, 'h'},
                                  {"version", no_argument, nullptr, 'V'},
                                  {"refuse", required_argument, nullptr, 'r'},
                                  {nullptr, 0, nullptr, 0}};
    int c;
    std::string refuse;
    while ((c = getopt_long(argc, argv, "hV", opts, nullptr)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            std::printf("lockdown-hibernate %s\n", LDB_VERSION);
            return 0;
        case 'r':
            refuse = optarg;
            break;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (!refuse.empty()) {
        if (refuse != "hybrid-sleep" && refuse != "suspend-then-hibernate") {
            usage(stderr);
            return 2;
        }
        say(refuse + " is not available under lockdown-broker: it would hibernate with the kernel's own image "
                     "writer, which does not flush an authenticated (dm-integrity) swap before the power-off and "
                     "loses the image. Use Hibernate (systemctl hibernate, lockdownctl hibernate).");
        return 1;
    }
    try {
        return hibernate();
    } catch (const std::exception& e) {
        say(std::string("internal error: ") + e.what());
        return 1;
    }
}
