// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hibernation/writer/swap_renewal.hpp"

#include <cerrno>
#include <cstring>
#include <exception>
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

namespace {

// What a failed attempt threw, reported; never throws itself (no memory for
// the text while frozen must not stop the retries or the power-off).
void report_failure(const RenewalAttempts& r, int attempt, const std::exception_ptr& thrown) noexcept
{
    try {
        std::string why;
        try {
            std::rethrow_exception(thrown);
        } catch (const Error& e) {
            why = std::string(e.what()) + (e.hint().empty() ? "" : " (" + e.hint() + ")");
        } catch (const std::exception& e) {
            why = e.what();
        } catch (...) {
            why = "an exception that is not a std::exception";
        }
        r.report("renewing the swap header failed (attempt " + std::to_string(attempt) + " of " +
                     std::to_string(r.attempts) + "): " + why,
                 3);
    } catch (...) {
    }
}

} // namespace

void renew_or_power_off(const RenewalAttempts& r)
{
    // Whatever renew() throws is caught here: unwinding further would
    // release /dev/snapshot, which thaws the tasks over a header that may
    // still say S1SUSPEND.
    for (int attempt = 1; attempt <= r.attempts; attempt++) {
        try {
            r.renew(attempt);
            return;
        } catch (...) {
            report_failure(r, attempt, std::current_exception());
        }
        if (attempt < r.attempts) {
            try {
                r.pause();
            } catch (...) {
            }
        }
    }
    try {
        bool untouched = true;
        try {
            untouched = !r.image_untouched || r.image_untouched();
        } catch (...) {
            untouched = false;
        }
        if (untouched)
            r.report("the swap header is not clean, so this system must not run on: powering off; the next boot "
                     "resumes the same image (nothing has changed since it was taken). To discard it instead, boot "
                     "once with noresume.",
                     2);
        else
            r.report("the swap header is not clean, so this system must not run on: powering off. The dm-integrity "
                     "reload may have damaged the image on disk: a next boot that cannot read it starts afresh "
                     "(this session is lost). To discard it, boot once with noresume.",
                     2);
    } catch (...) {
    }
    r.power_off();
}

} // namespace ldb
