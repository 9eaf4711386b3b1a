// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hibernation/writer/swap_renewal.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <unistd.h>

#include "hibernation/writer/dm_table.hpp"
#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "hibernation/page_io.hpp"
#include "hibernation/swap_header.hpp"

namespace ldb {

void reload_integrity_layers(const std::vector<IntegrityLayer>& layers)
{
    for (const auto& l : layers) {
        // Nothing may be in flight through the crypt layer while the
        // integrity target below it is replaced.
        std::optional<DmSuspension> above;
        if (!l.above.empty())
            above.emplace(l.above);
        DmSuspension integrity(l.integrity);
        dm_reload_same_table(l.integrity);
        integrity.resume();
        if (above)
            above->resume();
    }
}

void write_swap_header(const std::string& device, const uint8_t* page)
{
    const UniqueFd dev = open_page0(device, O_RDWR);
    if (!dev)
        throw errno_error(errno, "opening " + device + " to reset its header");
    PageBuffer buf(1);
    std::memcpy(buf.data(), page, kPageSize);
    if (const int err = write_page0(dev.get(), buf).error())
        throw errno_error(err, "writing the swap header of " + device + " back");
    if (::fsync(dev.get()) < 0)
        throw errno_error(errno, "flushing the swap header of " + device);
    // Read it back through the same (new) instance: what the next boot's
    // instance will replay from the disk.
    std::memset(buf.data(), 0, kPageSize);
    const PageIo r = read_page0(dev.get(), buf);
    if (!r.ok())
        throw errno_error(r.error(), "reading the swap header of " + device + " back",
                          r.err == EILSEQ ? "EILSEQ: the integrity layer still fails the header sector" : "");
    if (swap_signature(buf.data()) != SwapSignature::Swap)
        throw Error(ErrorKind::Kernel, "the swap header of " + device + " does not read SWAPSPACE2 after the reset");
}

void renew_swap_while_frozen(const SwapRenewal& plan, const PageBuffer& saved_header)
{
    reload_integrity_layers(plan.integrity);
    write_swap_header(plan.device, saved_header.data());
}

} // namespace ldb
