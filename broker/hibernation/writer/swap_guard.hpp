// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The swap guard (lockdown-hibernate --guard-swaps, lockdown-swap-guard.service):
// a hibernation image that this running system did not resume is stale,
// because the file systems have changed since it was written. Resuming it
// at a later boot would corrupt them. The guard finds such images and puts
// the swap signature back, as the kernel does when it takes an image:
// - an active swap whose header says S1SUSPEND, or whose header sector the
//   dm-integrity layer fails (a stale instance after a resume): swapoff,
//   reload the integrity layers, reset the header, swapon;
// - a swap of /etc/fstab that is not active and says S1SUSPEND (swapon
//   refuses such a header, so it is off): reset the header, swapon.
#include <string>

#include "hibernation/writer/swap_renewal.hpp"

namespace ldb {

struct GuardedSwap {
    SwapRenewal plan;          // the device, its priority, its dm-integrity layers
    bool active = false;       // in /proc/swaps now
    bool swapon_after = true;  // inactive ones: switch it on once repaired (not for noauto)
    std::string origin;        // "/proc/swaps", "/etc/fstab line 12"
};

enum class GuardOutcome {
    Clean,     // the header says SWAPSPACE2
    Repaired,  // there was a stale image; the header is clean now
    Failed,    // there is (or may be) a stale image, and it could not be repaired
    Skipped,   // not a swap header at all, or not a block device: not ours to touch
};
std::string to_string(GuardOutcome o);

struct GuardResult {
    GuardOutcome outcome = GuardOutcome::Clean;
    std::string detail;        // what was found and done, or why it failed
};

// Never throws for the device's own problems: they become Failed with the
// reason. Fatal signals that would interrupt a swapoff are blocked meanwhile.
GuardResult guard_swap(const GuardedSwap& swap);

} // namespace ldb
