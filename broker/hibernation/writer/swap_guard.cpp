// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hibernation/writer/swap_guard.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <unistd.h>

#include "base/error.hpp"
#include "hibernation/page_io.hpp"
#include "hibernation/swap_header.hpp"

namespace ldb {

std::string to_string(GuardOutcome o)
{
    switch (o) {
    case GuardOutcome::Clean:
        return "clean";
    case GuardOutcome::Repaired:
        return "repaired";
    case GuardOutcome::Failed:
        return "failed";
    case GuardOutcome::Skipped:
        return "skipped";
    }
    return "unknown";
}

namespace {

// SIGTERM (systemd at shutdown) makes swapoff return EINTR half done; the
// guard finishes instead. Restored on every way out.
class BlockedSignals {
public:
    BlockedSignals()
    {
        sigset_t s;
        sigemptyset(&s);
        for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT})
            sigaddset(&s, sig);
        ::sigprocmask(SIG_BLOCK, &s, &old_);
    }
    BlockedSignals(const BlockedSignals&) = delete;
    BlockedSignals& operator=(const BlockedSignals&) = delete;
    ~BlockedSignals() { ::sigprocmask(SIG_SETMASK, &old_, nullptr); }

private:
    sigset_t old_{};
};

int swap_flags(int priority)
{
    return priority >= 0 ? SWAP_FLAG_PREFER | ((priority << SWAP_FLAG_PRIO_SHIFT) & SWAP_FLAG_PRIO_MASK) : 0;
}

// The header is clean afterwards, or this throws.
void reset_header(const std::string& device, const DevicePage0& h)
{
    const auto reset = stale_image_reset(h.page.data());
    if (!reset)
        throw Error(ErrorKind::Kernel, "the header of " + device +
                                           " says S1SUSPEND but keeps no SWAPSPACE2 original signature");
    write_swap_header(device, reinterpret_cast<const uint8_t*>(reset->data()));
}

GuardResult repair_active(const GuardedSwap& s, const std::string& found)
{
    const auto& dev = s.plan.device;
    if (::swapoff(dev.c_str()) < 0) {
        const int err = errno;
        return {GuardOutcome::Failed,
                found + "; swapoff " + dev + " failed: " + std::strerror(err) +
                    (err == ENOMEM ? " (the swapped-out pages do not fit into memory; close applications and "
                                     "run systemctl restart lockdown-swap-guard.service)"
                                   : "")};
    }
    std::string done = found + "; switched off";
    try {
        reload_integrity_layers(s.plan.integrity);
        if (!s.plan.integrity.empty())
            done += ", dm-integrity " + s.plan.integrity.front().integrity + " reloaded";
        const auto h = read_device_page0(dev);
        if (h.err)
            throw errno_error(h.err, "reading the header of " + dev + " through the new instance");
        switch (swap_signature(h.page.data())) {
        case SwapSignature::Swap:
            done += ", header reads SWAPSPACE2 through the new instance";
            break;
        case SwapSignature::Image:
            reset_header(dev, h);
            done += ", header reset to SWAPSPACE2";
            break;
        case SwapSignature::Other:
            throw Error(ErrorKind::Kernel, "the header of " + dev + " has no swap signature");
        }
    } catch (const Error& e) {
        // Best effort to give the system its swap back; the failure counts.
        const bool on = ::swapon(dev.c_str(), swap_flags(s.plan.priority)) == 0;
        return {GuardOutcome::Failed, done + "; " + e.what() + (on ? "; swap on again" : "; the swap stays off")};
    }
    if (::swapon(dev.c_str(), swap_flags(s.plan.priority)) < 0)
        return {GuardOutcome::Failed, done + "; but swapon failed: " + std::strerror(errno)};
    return {GuardOutcome::Repaired, done + ", swap on again"};
}

} // namespace

GuardResult guard_swap(const GuardedSwap& s)
{
    const BlockedSignals blocked;
    const auto& dev = s.plan.device;
    struct stat st{};
    if (::stat(dev.c_str(), &st) < 0)
        return {GuardOutcome::Skipped, std::string("no such device: ") + std::strerror(errno)};
    if (!S_ISBLK(st.st_mode))
        return {GuardOutcome::Skipped, "not a block device (swap files are not checked)"};
    const auto h = read_device_page0(dev);
    if (h.err) {
        // Through the stale dm-integrity instance of a resumed system the
        // header sector fails its tag check: the reload is the repair.
        if (s.active && h.err == EILSEQ && !s.plan.integrity.empty())
            return repair_active(s, "the header sector fails its integrity check (a stale dm-integrity instance)");
        return {GuardOutcome::Failed, std::string("cannot read the header: ") + std::strerror(h.err)};
    }
    switch (swap_signature(h.page.data())) {
    case SwapSignature::Swap:
        return {GuardOutcome::Clean, "SWAPSPACE2"};
    case SwapSignature::Other:
        return {GuardOutcome::Skipped, "no swap signature"};
    case SwapSignature::Image:
        break;
    }
    const std::string found = "a stale hibernation image (header S1SUSPEND)";
    if (s.active)
        return repair_active(s, found);
    try {
        reset_header(dev, h);
    } catch (const Error& e) {
        return {GuardOutcome::Failed, found + "; " + e.what()};
    }
    if (!s.swapon_after)
        return {GuardOutcome::Repaired, found + "; header reset to SWAPSPACE2 (noauto: left off)"};
    if (::swapon(dev.c_str(), swap_flags(s.plan.priority)) < 0)
        return {GuardOutcome::Repaired,
                found + "; header reset to SWAPSPACE2; swapon failed: " + std::strerror(errno)};
    return {GuardOutcome::Repaired, found + "; header reset to SWAPSPACE2, swap on"};
}

} // namespace ldb
