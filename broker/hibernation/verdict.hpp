// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Stage 3 of the hibernation check: classify_hibernation(), facts in,
// verdict out, no I/O. Its steps: the kernel files, which swap
// (swap_choice.hpp) and what /sys/power/resume says, how the stack protects
// the image (stack_protection.hpp), whether lockdown-hibernate can write it
// there (writer_layers.hpp), the swap header, the size, and resume=.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "hibernation/kernel_facts.hpp"
#include "hibernation/stack_protection.hpp"

namespace ldb {

// Why hibernation is refused, for callers that act on it (the panel shows
// HibernationVerdict::blocker as it is).
enum class HibernationBlock {
    None,
    Unverifiable,     // a fact could not be read: names which
    NoSwap,           // no swap the kernel could write the image to
    VolatileSwap,     // zram or a RAM disk
    ResumeMismatch,   // /sys/power/resume points elsewhere than the swap in use
    ResumeUnset,      // /sys/power/resume is 0:0: the next boot would not look for the image
    Unencrypted,
    NotAuthenticated, // encrypted, but an attacker could modify the image
    SwapTooSmall,
    Unsupported,      // protected, but the image writer cannot make it durable there (swap file, md)
    SharedLayer,      // a layer lockdown-hibernate suspends and reloads after a resume has other users
    StaleImage,       // the swap still holds an image this system did not resume, or its header is unreadable
};
std::string to_string(HibernationBlock b);

struct HibernationPolicy {
    // RequireAuthenticatedImage=; false accepts encrypted-only swap as a
    // weaker tier, and the verdict says so.
    bool require_authenticated = true;
};

struct HibernationVerdict {
    ImageProtection protection = ImageProtection::Unknown;
    HibernationBlock block = HibernationBlock::Unverifiable;
    bool allowed() const { return block == HibernationBlock::None; }
    std::string tier;      // "authenticated", "encrypted only (weaker tier)", ...
    std::string blocker;   // empty when allowed: one sentence, names the device
    std::string blocker_code;   // empty when allowed: a stable word per sentence (HibernateBlockerCode)
    std::string blocker_device; // the device the sentence names, or ""
    std::string summary;   // what was checked and found, also when allowed
    std::optional<size_t> swap_index;  // into HibernationFacts::swaps
    std::string swap;                  // "/dev/dm-1", "/swapfile"
    std::optional<DevNo> target;       // what /sys/power/resume must hold at hibernation time
    std::optional<uint64_t> target_offset;  // and resume_offset, for a swap file
    std::string choice;    // why this swap: "/sys/power/resume points at it", "highest priority"
    uint64_t needed_kib = 0;  // free swap the image needs, by the rule in the .cpp
};

HibernationVerdict classify_hibernation(const HibernationFacts& facts, const HibernationPolicy& policy);

// The kernel's page-size-independent reserve for the image writer
// (PAGES_FOR_IO in kernel/power/power.h: 4 MiB).
inline constexpr uint64_t kHibernationIoReserveKib = 4096;

} // namespace ldb
