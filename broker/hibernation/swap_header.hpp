// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Page 0 of a swap partition: the mkswap header, and struct swsusp_header
// (kernel/power/swap.c) at its end while a hibernation image is there.
// The format only; page_io.hpp reads and writes the page.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "hibernation/page_io.hpp"

namespace ldb {

// Whether page 0 of a swap device says SWAPSPACE2 (a usable swap) or
// S1SUSPEND (an image that was never resumed), or neither.
enum class SwapSignature { Swap, Image, Other };
SwapSignature swap_signature(const uint8_t* header_page);

// What the kernel's own writer puts into the header besides the image
// (kernel/power/swap.c mark_swapfiles, hibernate.c hibernate()): the
// platform mode flag, and the firmware's hardware signature.
struct ResumeHeaderOptions {
    // SF_PLATFORM_MODE: the image was made with ACPI's platform hooks (S4),
    // and the boot kernel restores it with them.
    bool platform_mode = false;
    // hw_sig with SF_HW_SIG when set: the boot kernel refuses the image if
    // the firmware's signature changed (swsusp_check). Nonzero only, as the
    // kernel sets it.
    std::optional<uint32_t> hw_sig;
};

// Fills `out` (one page) with the resume header the kernel's swsusp_check()
// accepts: `swap_header` with no CRC, `first_map_page`, SF_NOCOMPRESS_MODE
// (plus SF_PLATFORM_MODE and SF_HW_SIG with hw_sig as `options` say; hw_sig
// 0 otherwise), orig_sig SWAPSPACE2 and sig S1SUSPEND.
void make_resume_header(const uint8_t* swap_header, uint64_t first_map_page, uint8_t* out,
                        const ResumeHeaderOptions& options = {});

// The header the kernel's swsusp_check() leaves when it takes an image:
// `page` with its signature put back from orig_sig. nullopt unless `page`
// says S1SUSPEND and orig_sig is SWAPSPACE2.
std::optional<std::string> stale_image_reset(const uint8_t* page);

} // namespace ldb
