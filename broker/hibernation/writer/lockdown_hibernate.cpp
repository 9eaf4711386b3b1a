// SPDX-License-Identifier: LGPL-2.1-or-later
// lockdown-hibernate: hibernates the machine for systemd-hibernate.service,
// in place of systemd-sleep, when lockdown-broker is installed.
//
//  1. Asks lockdown-brokerd (BeginHibernation) whether the image would be
//     protected, and for the hibernation grant of this unit; the broker
//     names the swap partition the image must go to.
//  2. Runs the system-sleep hooks (pre), writes the image through
//     /dev/snapshot with flushes (snapshot_writer), powers off.
//  3. In the resumed system, before the tasks are thawed: makes the swap
//     header clean through a fresh dm-integrity instance (swap_renewal);
//     then runs the hooks (post).
// A refusal, or a failure before the resume signature is written, leaves
// the machine running and the exit status 1, with the reason on stderr (the
// journal). After the signature nothing thaws with a stale image on disk:
// such failures power off instead (snapshot_writer.hpp).
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <getopt.h>
#include <string>
#include <string_view>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <tuple>
#include <unistd.h>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "base/bus_names.hpp"
#include "base/error.hpp"
#include "base/files.hpp"
#include "base/i18n.hpp"
#include "base/journal.hpp"
#include "base/message_ids.hpp"
#include "base/unique_fd.hpp"
#include "config/config.hpp"
#include "hibernation/check.hpp"
#include "hibernation/crypt_inspect.hpp"
#include "hibernation/fstab_swaps.hpp"
#include "hibernation/page_io.hpp"
#include "hibernation/writer/crash_guard.hpp"
#include "hibernation/writer/platform_mode.hpp"
#include "hibernation/writer/sleep_hooks.hpp"
#include "hibernation/writer/snapshot_writer.hpp"
#include "hibernation/writer/swap_guard.hpp"
#include "hibernation/writer/swap_renewal.hpp"
#include "lockdown-broker1-proxy.h"

#ifndef LDB_VERSION
#define LDB_VERSION "0"
#endif

namespace {

// systemd 252's SYSTEM_SLEEP_PATH, the only directory systemd-sleep reads
// (Debian 12 builds it as /lib/systemd/system-sleep, the same directory with
// the merged /usr; /etc/systemd/system-sleep is read from systemd 256 on).
constexpr const char* kSleepHookDir = "/usr/lib/systemd/system-sleep";
// Attempts at the resumed system's header renewal before it powers off
// instead of thawing.
constexpr int kRenewalAttempts = 3;

void say(const std::string& text)
{
    std::fprintf(stderr, "lockdown-hibernate: %s\n", text.c_str());
    std::fflush(stderr);
}

std::string with_hint(const ldb::Error& e)
{
    return std::string(e.what()) + (e.hint().empty() ? "" : " (" + e.hint() + ")");
}

// While tasks are frozen the journal is too; the kernel log is not.
class Kmsg {
public:
    Kmsg() : fd_(::open("/dev/kmsg", O_WRONLY | O_CLOEXEC)) {}
    void operator()(const std::string& text, int level = 5) const
    {
        if (!fd_)
            return;
        const std::string line = "<" + std::to_string(level) + ">lockdown-hibernate: " + text + "\n";
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

// lockdown-brokerd, through the proxy generated from its interface XML. Only
// its methods are called: without registerProxy() no signal is subscribed,
// so the handlers below never run.
class BrokerProxy final : public sdbus::ProxyInterfaces<org::freedesktop::LockdownBroker1_proxy> {
public:
    explicit BrokerProxy(sdbus::IConnection& bus)
        : ProxyInterfaces(bus, ldb::bus_names::kName, ldb::bus_names::kPath)
    {
    }
    ~BrokerProxy() { unregisterProxy(); }

private:
    void onExceptionGranted(const uint64_t&, const std::vector<std::string>&, const std::string&,
                            const std::string&) override
    {
    }
    void onExceptionRevoked(const uint64_t&, const std::string&) override {}
    void onExceptionNarrowed(const uint64_t&, const std::vector<std::string>&, const std::string&) override {}
    void onDenied(const std::string&, const uint32_t&, const std::string&, const std::string&, const uint64_t&,
                  const uint32_t&, const std::string&) override
    {
    }
};

Grant begin_with_broker()
{
    auto bus = sdbus::createSystemBusConnection();
    // The broker checks the swap again before it answers: more than sd-bus's
    // default 25 s may pass under load.
    bus->setMethodCallTimeout(std::chrono::seconds(60));
    BrokerProxy broker(*bus);
    Grant g;
    std::tie(g.id, g.device, g.devno) = broker.BeginHibernation({});
    return g;
}

// The swap as the renewal and the guard need it: its dm-integrity layers,
// each with the dm-crypt mapping right above it.
ldb::SwapRenewal plan_for(const ldb::SwapFacts& swap)
{
    ldb::SwapRenewal plan;
    plan.device = swap.entry.path;
    plan.priority = swap.entry.priority;
    for (size_t i = 0; i < swap.layers.size(); i++) {
        const auto& l = swap.layers[i];
        if (l.kind != ldb::LayerKind::DmIntegrity)
            continue;
        ldb::IntegrityLayer il;
        il.integrity = l.dm_name;
        for (const auto& up : swap.layers)
            for (size_t lo : up.lower)
                if (lo == i && up.kind == ldb::LayerKind::DmCrypt)
                    il.above = up.dm_name;
        if (il.integrity.empty())
            throw ldb::Error(ldb::ErrorKind::Kernel, "the dm-integrity layer " + l.name + " has no device-mapper name");
        plan.integrity.push_back(il);
    }
    return plan;
}

// What must hold for the writer, beyond the broker's check, and what the
// resumed system will need: the swap's dm-integrity layers.
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

    return plan_for(*swap);
}

// [Hibernation] HookTimeoutSec= of broker.conf, read once before the pre
// hooks. The broker refuses to start on a broken file, but one can break
// after it started: hibernation still goes on (a critical battery may be
// why), with systemd-sleep's 90 s, and the reason in the journal.
std::chrono::milliseconds hook_timeout()
{
    uint64_t seconds = ldb::HibernationSettings{}.hook_timeout_seconds;
    try {
        seconds = ldb::load_config().hibernation.hook_timeout_seconds;
    } catch (const ldb::Error& e) {
        say(ldb::fill(_("cannot read broker.conf, the system-sleep hooks get the default %1$s s: %2$s"),
                      {std::to_string(seconds), with_hint(e)}));
    }
    return std::chrono::seconds(seconds);
}

void run_hooks(const char* phase, std::chrono::milliseconds timeout)
{
    ldb::SleepHookOptions options{{kSleepHookDir}, phase, "hibernate", timeout};
    for (const auto& r : ldb::run_sleep_hooks(options))
        say(ldb::fill(r.ok ? _("system-sleep hook %s") : _("system-sleep hook failed: %s"), {r.line}));
}

// Test hook LOCKDOWN_HIBERNATE_TEST_RENEWAL_CRASH=DISK: in the resumed
// system, a SIGSEGV at the renewal's step `at` if DISK's fault switch says
// `at` in this boot (snapshot_writer.hpp: fault_switch_says); or, for
// renewal-fails, every attempt of this boot fails. The environment came
// back with the image, as in every resume; only the disk says which boot.
bool fault_switched(const std::string& disk, std::string_view at, const Kmsg& kmsg)
{
    const ldb::DevicePage0 p = ldb::read_device_page0(disk);
    if (p.err) {
        kmsg("LOCKDOWN_HIBERNATE_TEST_RENEWAL_CRASH: cannot read " + disk + ": " + std::strerror(p.err), 3);
        return false;
    }
    const std::string_view page(reinterpret_cast<const char*>(p.page.data()), ldb::kPageSize);
    if (!ldb::fault_switch_says(page, at))
        return false;
    kmsg(std::string(at) + " (injected by LOCKDOWN_HIBERNATE_TEST_RENEWAL_CRASH, switched on by " + disk + ")", 3);
    return true;
}

void crash_if_switched(const char* disk, std::string_view at, const Kmsg& kmsg)
{
    if (disk && *disk && fault_switched(disk, at, kmsg))
        ::raise(SIGSEGV);
}

// The crash guard's discard target (crash_guard.hpp: RenewalReloaded): an
// fd on the swap, opened before the first reload, and the saved header. The
// guard forgets it before the fd is closed.
class DiscardTarget {
public:
    DiscardTarget() = default;
    DiscardTarget(const DiscardTarget&) = delete;
    DiscardTarget& operator=(const DiscardTarget&) = delete;
    ~DiscardTarget() { ldb::CrashGuard::set_discard(-1, nullptr); }

    void open(const std::string& device, const ldb::PageBuffer& page)
    {
        if (fd_)
            return;
        fd_ = ldb::open_page0(device, O_RDWR);
        if (!fd_)
            throw ldb::errno_error(errno, "opening " + device + " to reset its header");
        ldb::CrashGuard::set_discard(fd_.get(), page.data());
    }

private:
    ldb::UniqueFd fd_;
};

// One attempt of the renewal (swap_renewal.hpp).
void renew_once(const ldb::SwapRenewal& plan, const ldb::PageBuffer& saved_header, const Kmsg& kmsg,
                DiscardTarget& discard, bool& reloaded)
{
    const char* crash_switch = std::getenv("LOCKDOWN_HIBERNATE_TEST_RENEWAL_CRASH");
    discard.open(plan.device, saved_header);
    crash_if_switched(crash_switch, "crash-before-reload", kmsg);
    // From the reload's first suspend on, the image on disk may be damaged.
    reloaded = true;
    ldb::reload_integrity_layers(plan.integrity);
    ldb::CrashGuard::arm(ldb::CrashWindow::RenewalReloaded);
    crash_if_switched(crash_switch, "crash-after-reload", kmsg);
    ldb::write_swap_header(plan.device, saved_header.data());
}

// In the resumed system, tasks still frozen (swap_renewal.hpp).
void renew_or_power_off(const ldb::SwapRenewal& plan, const ldb::PageBuffer& saved_header, const Kmsg& kmsg)
{
    const char* crash_switch = std::getenv("LOCKDOWN_HIBERNATE_TEST_RENEWAL_CRASH");
    const bool fail_all = crash_switch && *crash_switch && fault_switched(crash_switch, "renewal-fails", kmsg);
    DiscardTarget discard;
    bool reloaded = false;
    ldb::RenewalAttempts r;
    r.attempts = kRenewalAttempts;
    r.renew = [&](int attempt) {
        // Test hooks: the first N attempts fail, or all of them in this boot.
        const char* n = std::getenv("LOCKDOWN_HIBERNATE_TEST_RENEWAL_FAILS");
        if (fail_all || (n && attempt <= std::atoi(n)))
            throw ldb::Error(ldb::ErrorKind::Kernel, "injected by LOCKDOWN_HIBERNATE_TEST_RENEWAL_FAILS");
        renew_once(plan, saved_header, kmsg, discard, reloaded);
    };
    r.report = [&](const std::string& text, int level) { kmsg(text, level); };
    r.pause = [] { ::usleep(200 * 1000); };
    r.power_off = [] { ldb::power_off_now(); };
    r.image_untouched = [&] { return !reloaded; };
    ldb::renew_or_power_off(r);
}

// Nothing may fault in a page from swap while tasks are frozen and the
// swap's device-mapper layers are suspended; and the OOM killer must not
// pick the only task that can finish or undo the hibernation.
void pin_this_process()
{
    if (::mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
        throw ldb::errno_error(errno, "mlockall");
    ldb::UniqueFd adj(::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC));
    if (!adj || ::write(adj.get(), "-1000", 5) != 5)
        throw ldb::errno_error(errno, "setting /proc/self/oom_score_adj to -1000");
}

int hibernate()
{
    ldb::WriterFault fault = ldb::WriterFault::None;
    if (const char* f = std::getenv("LOCKDOWN_HIBERNATE_TEST_FAULT"); f && *f) {
        const auto parsed = ldb::parse_writer_fault(f);
        if (!parsed) {
            say(std::string("LOCKDOWN_HIBERNATE_TEST_FAULT=") + f + " is not a known fault");
            return 2;
        }
        fault = *parsed;
        say(std::string("test fault injected after the freeze: ") + f);
    }
    if (const char* d = std::getenv("LOCKDOWN_HIBERNATE_TEST_RENEWAL_CRASH"); d && *d) {
        if (*d != '/') {
            say(std::string("LOCKDOWN_HIBERNATE_TEST_RENEWAL_CRASH=") + d + " is not an absolute path to a disk");
            return 2;
        }
        say(std::string("test fault: a resume whose fault switch on ") + d +
            " says crash-before-reload, crash-after-reload or renewal-fails does that in its renewal");
    }
    Grant g;
    try {
        g = begin_with_broker();
    } catch (const sdbus::Error& e) {
        say(e.getMessage());
        return 1;
    }
    say(ldb::fill(_("lockdown-brokerd granted exception %1$s; the image goes to %2$s (%3$s)"),
                  {std::to_string(g.id), g.device, g.devno}));
    const Kmsg kmsg;
    ldb::SwapRenewal plan;
    ldb::PageBuffer saved_header(1);
    try {
        plan = prepare(g);
        pin_this_process();
    } catch (const ldb::Error& e) {
        say(with_hint(e));
        return 1;
    }
    const auto timeout = hook_timeout();
    run_hooks("pre", timeout);
    // After the hooks, as systemd-sleep writes HibernateMode= before it
    // hibernates: a hook may select the mode. Under the grant, or the
    // kernel says [disabled].
    ldb::PlatformPlan platform;
    try {
        platform = ldb::read_platform_plan();
    } catch (const ldb::Error& e) {
        ::munlockall();
        say(ldb::fill(_("hibernation failed, the system keeps running: %s"), {with_hint(e)}));
        run_hooks("post", timeout);
        return 1;
    }
    say(platform.summary);
    ldb::WriterCallbacks cb;
    cb.progress = [&kmsg](const std::string& t) { kmsg(t); };
    cb.resumed_frozen = [&] { renew_or_power_off(plan, saved_header, kmsg); };
    try {
        ldb::hibernate_to_swap(plan.device, saved_header, cb, platform.header, fault);
    } catch (const ldb::Error& e) {
        ::munlockall();
        say(ldb::fill(_("hibernation failed, the system keeps running: %s"), {with_hint(e)}));
        run_hooks("post", timeout);
        return 1;
    }
    ::munlockall();
    say(plan.integrity.empty()
            ? ldb::fill(_("resumed; swap %s renewed before the thaw"), {plan.device})
            : ldb::fill(_("resumed; swap %1$s renewed before the thaw (dm-integrity %2$s reloaded)"),
                        {plan.device, plan.integrity.front().integrity}));
    run_hooks("post", timeout);
    return 0;
}

// --guard-swaps: every active swap partition and every swap of /etc/fstab.
std::vector<ldb::GuardedSwap> swaps_to_guard()
{
    std::vector<ldb::GuardedSwap> out;
    auto inspector = ldb::make_libcryptsetup_inspector();
    const auto facts = ldb::gather_hibernation_facts(*inspector);
    std::vector<dev_t> active;
    for (const auto& s : facts.swaps) {
        if (s.entry.type != ldb::SwapType::Partition)
            continue;
        ldb::GuardedSwap g;
        try {
            g.plan = plan_for(s);
        } catch (const ldb::Error& e) {
            say(ldb::fill(_("cannot guard %1$s: %2$s"), {s.entry.path, e.what()}));
            continue;
        }
        g.active = true;
        g.origin = "/proc/swaps";
        out.push_back(std::move(g));
        struct stat st{};
        if (::stat(s.entry.path.c_str(), &st) == 0)
            active.push_back(st.st_rdev);
    }
    std::string fstab;
    try {
        fstab = ldb::read_file("/etc/fstab", {.max_bytes = 1 << 20, .too_big = ldb::ErrorKind::NotFound});
    } catch (const ldb::Error& e) {
        if (::access("/etc/fstab", F_OK) == 0)
            say(ldb::fill(_("cannot read /etc/fstab: %s"), {e.what()}));
        return out;
    }
    std::vector<std::string> warnings;
    for (const auto& f : ldb::parse_fstab_swaps(fstab, warnings)) {
        const auto path = ldb::fstab_spec_path(f.spec);
        if (!path) {
            say(ldb::fill(_("/etc/fstab line %1$s: cannot resolve '%2$s'"), {std::to_string(f.line), f.spec}));
            continue;
        }
        struct stat st{};
        if (::stat(path->c_str(), &st) == 0 && S_ISBLK(st.st_mode) &&
            std::find(active.begin(), active.end(), st.st_rdev) != active.end())
            continue; // active: guarded above
        ldb::GuardedSwap g;
        g.plan.device = *path;
        g.plan.priority = f.priority.value_or(-1);
        g.swapon_after = !f.noauto;
        g.origin = "/etc/fstab line " + std::to_string(f.line);
        out.push_back(std::move(g));
    }
    for (const auto& w : warnings)
        say(w);
    return out;
}

int guard_swaps()
{
    bool failed = false;
    for (const auto& g : swaps_to_guard()) {
        const auto r = ldb::guard_swap(g);
        const std::string line = g.plan.device + " (" + g.origin + "): " + ldb::to_string(r.outcome) + ": " + r.detail;
        std::printf("%s\n", line.c_str());
        std::fflush(stdout);
        if (r.outcome == ldb::GuardOutcome::Repaired || r.outcome == ldb::GuardOutcome::Failed) {
            ldb::JournalRecord rec;
            rec.identifier = "lockdown-hibernate";
            rec.message_id = r.outcome == ldb::GuardOutcome::Repaired ? ldb::message_id::kStaleImageRepaired
                                                                      : ldb::message_id::kStaleImageUnrepaired;
            rec.priority = r.outcome == ldb::GuardOutcome::Repaired ? 4 : 2;
            rec.message = r.outcome == ldb::GuardOutcome::Repaired
                              ? "Stale hibernation image on " + g.plan.device + " discarded: " + r.detail
                              : "A stale hibernation image may remain on " + g.plan.device +
                                    ", and the next boot could resume it: " + r.detail;
            rec.fields = {{"LOCKDOWN_SWAP", g.plan.device}, {"LOCKDOWN_SWAP_ORIGIN", g.origin},
                          {"LOCKDOWN_OUTCOME", ldb::to_string(r.outcome)}};
            if (const int rc = ldb::journal_send(rec); rc < 0)
                say(ldb::fill(_("journald did not take the record: %s"), {std::strerror(-rc)}));
        }
        failed = failed || r.outcome == ldb::GuardOutcome::Failed;
    }
    return failed ? 1 : 0;
}

void usage(FILE* out)
{
    std::fputs(_("Usage: lockdown-hibernate [--refuse=hybrid-sleep|suspend-then-hibernate]\n"
                 "       lockdown-hibernate --guard-swaps\n"
                 "Hibernates for systemd-hibernate.service under lockdown-broker; see lockdown-hibernate(8).\n"),
               out);
}

} // namespace

int main(int argc, char** argv)
{
    ldb::init_i18n();
    static const option opts[] = {{"help", no_argument, nullptr, 'h'},
                                  {"version", no_argument, nullptr, 'V'},
                                  {"refuse", required_argument, nullptr, 'r'},
                                  {"guard-swaps", no_argument, nullptr, 'g'},
                                  {nullptr, 0, nullptr, 0}};
    int c;
    std::string refuse;
    bool guard = false;
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
        case 'g':
            guard = true;
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
    if (guard) {
        if (!refuse.empty()) {
            usage(stderr);
            return 2;
        }
        try {
            return guard_swaps();
        } catch (const std::exception& e) {
            say(ldb::fill(_("internal error: %s"), {e.what()}));
            return 1;
        }
    }
    if (!refuse.empty()) {
        if (refuse != "hybrid-sleep" && refuse != "suspend-then-hibernate") {
            usage(stderr);
            return 2;
        }
        say(ldb::fill(_("%s is not available under lockdown-broker: it would hibernate with the kernel's own "
                        "image writer, which does not flush an authenticated (dm-integrity) swap before the "
                        "power-off and loses the image. Use Hibernate (systemctl hibernate, lockdownctl hibernate)."),
                      {refuse}));
        return 1;
    }
    try {
        return hibernate();
    } catch (const std::exception& e) {
        say(ldb::fill(_("internal error: %s"), {e.what()}));
        return 1;
    }
}
