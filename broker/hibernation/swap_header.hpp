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

// Fills `out` (one page) with the resume header the kernel's swsusp_check()
// accepts: `swap_header` with hw_sig 0, no CRC, `first_map_page`,
// SF_NOCOMPRESS_MODE, orig_sig SWAPSPACE2 and sig S1SUSPEND.
void make_resume_header(const uint8_t* swap_header, uint64_t first_map_page, uint8_t* out);

// The header the kernel's swsusp_check() leaves when it takes an image:
// `page` with its signature put back from orig_sig. nullopt unless `page`
// says S1SUSPEND and orig_sig is SWAPSPACE2.
std::optional<std::string> stale_image_reset(const uint8_t* page);

} // namespace ldb
