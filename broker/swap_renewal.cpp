// SPDX-License-Identifier: LGPL-2.1-or-later
#include "swap_renewal.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/swap.h>
#include <unistd.h>

#include "dm_table.hpp"
#include "error.hpp"
#include "unique_fd.hpp"

namespace ldb {

void renew_swap_after_resume(const SwapRenewal& plan, const PageBuffer& saved_header)
{
    if (::swapoff(plan.device.c_str()) < 0)
        throw errno_error(errno, "swapoff " + plan.device + " after the resume",
                          "its header still says S1SUSPEND through a stale dm-integrity instance; run swapoff, "
                          "reopen the device and mkswap it before the next boot");
    for (const auto& l : plan.integrity) {
        // Nothing may be in flight through the crypt layer while the
        // integrity target below it is replaced.
        if (!l.above.empty())
            dm_suspend(l.above);
        dm_suspend(l.integrity);
        dm_reload_same_table(l.integrity);
        dm_resume(l.integrity);
        if (!l.above.empty())
            dm_resume(l.above);
    }
    {
        UniqueFd dev(::open(plan.device.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC));
        if (!dev)
            throw errno_error(errno, "opening " + plan.device + " to reset its header");
        if (::pwrite(dev.get(), saved_header.data(), kPageSize, 0) != static_cast<ssize_t>(kPageSize))
            throw errno_error(errno ? errno : EIO, "writing the swap header of " + plan.device + " back");
        if (::fsync(dev.get()) < 0)
            throw errno_error(errno, "flushing the swap header of " + plan.device);
    }
    const int flags = plan.priority >= 0
                          ? SWAP_FLAG_PREFER | ((plan.priority << SWAP_FLAG_PRIO_SHIFT) & SWAP_FLAG_PRIO_MASK)
                          : 0;
    if (::swapon(plan.device.c_str(), flags) < 0)
        throw errno_error(errno, "swapon " + plan.device + " after the resume");
}

} // namespace ldb
