// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// What the resumed system must do at once with a swap on dm-integrity.
//
// The resumed kernel's dm-integrity instance is the one from before the
// snapshot: its in-memory journal state no longer matches the disk, which
// the image writer and the boot kernel have both changed since. And the
// boot kernel's reset of the header to SWAPSPACE2 may sit uncommitted in
// the boot kernel's own (discarded) instance, so the next boot would resume
// the same, stale image again. Measured fix (tests/vm/hibernate/README.md):
// swapoff, replace the integrity target instance by reloading its own
// table (the new instance replays the on-disk journal), write the saved
// header through it with a flush, swapon.

#include <string>
#include <vector>

#include "snapshot_writer.hpp"

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

// Throws ldb::Error. When swapoff fails (not enough memory to take the
// swapped-out pages back), the swap stays on and nothing else is done, and
// the error says so: the header then still needs the reset.
void renew_swap_after_resume(const SwapRenewal& plan, const PageBuffer& saved_header);

} // namespace ldb
