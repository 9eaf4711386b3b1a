// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// What the resumed system must do before anything runs again: make the
// swap header clean, durably, so that no later boot resumes the image.
//
// The boot kernel resets the header to SWAPSPACE2 before it loads the
// image, but on a dm-integrity swap that write may sit uncommitted in the
// boot kernel's own instance, which is discarded when the image takes over.
// The resumed kernel's instance is the one from before the snapshot: its
// view of the disk is stale (it reads the header as an AEAD error), so the
// header cannot be written through it. Measured fix (tests/vm/hibernate/
// README.md): replace the integrity target instance by reloading its own
// table (the new instance replays the on-disk journal), then write the
// saved header through it with a flush.
//
// lockdown-hibernate does this while every other task is still frozen:
// until the thaw the file systems are exactly as the image expects, so a
// power loss before the reload only resumes the same image again. After the
// thaw there is no window in which a stale image could resume.
//
// The reload is not free for the image (issue 17): suspending the stale
// instance lets it write back what it held at the snapshot (journal
// entries, cached tag blocks) over the disk that the image was written to
// since. On 6.16, a power-off after the reload left image pages that fail to
// authenticate, and the next boot could not resume. So once the reload has
// started the image is not trusted: a crash then discards it
// (crash_guard.hpp: RenewalReloaded) and a renewal that cannot finish says
// the image may be damaged.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hibernation/page_io.hpp"

namespace ldb {

struct IntegrityLayer {
    std::string integrity;   // device-mapper name of the dm-integrity mapping
    std::string above;       // the dm-crypt mapping on top of it, or "" if none
};

struct SwapRenewal {
    std::string device;                // the swap as /proc/swaps names it
    int priority = -1;                 // from /proc/swaps; negative: let the kernel pick
    std::vector<IntegrityLayer> integrity;
};

// Replaces each dm-integrity instance by reloading its own table, with the
// crypt mapping above it suspended meanwhile. A suspended mapping is always
// resumed, also when a step fails. Throws ldb::Error.
void reload_integrity_layers(const std::vector<IntegrityLayer>& layers);

// Writes `page` as the first page of `device` (O_DIRECT), flushes it, reads
// it back and checks that it says SWAPSPACE2. Throws ldb::Error.
void write_swap_header(const std::string& device, const uint8_t* page);


// How the resumed system retries its renewal, tasks still frozen. The
// header must be clean before anything can change the file systems; if that
// cannot be done, powering off is safe (the next boot resumes the same,
// still valid image and tries again), thawing is not.
struct RenewalAttempts {
    int attempts = 3;
    std::function<void(int attempt)> renew;                      // throws if the header is not clean
    std::function<void(const std::string& text, int level)> report; // to /dev/kmsg
    std::function<void()> pause;                                 // between attempts
    std::function<void()> power_off;                             // must not return
    // False once an attempt has reloaded an integrity layer: the image on
    // disk may be damaged since. Unset: untouched.
    std::function<bool()> image_untouched;
};

// Calls `renew` up to `attempts` times; returns after the first success.
// After the last failure it reports (what the next boot will find, from
// `image_untouched`) and calls `power_off`.
void renew_or_power_off(const RenewalAttempts& r);

} // namespace ldb
