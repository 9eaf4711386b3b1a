// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hibernation/swap_header.hpp"

#include <cstring>

namespace ldb {

namespace {

// struct swsusp_header's fields, from the end of the page; the offsets are
// the same on every kernel the suites boot (6.1 to 7.3).
constexpr size_t kHwSigAt = 4056, kCrcAt = 4060, kImageAt = 4064, kFlagsAt = 4072, kOrigSigAt = 4076,
                 kSigAt = 4086, kSigLen = 10;
// The flags of kernel/power/power.h.
constexpr uint32_t kPlatformMode = 1;   // SF_PLATFORM_MODE
constexpr uint32_t kNoCompressMode = 2; // SF_NOCOMPRESS_MODE
constexpr uint32_t kHwSig = 8;          // SF_HW_SIG
constexpr char kSwapSig[] = "SWAPSPACE2";
constexpr char kImageSig[] = "S1SUSPEND"; // with its NUL: 10 bytes

} // namespace

SwapSignature swap_signature(const uint8_t* page)
{
    if (std::memcmp(page + kSigAt, kSwapSig, kSigLen) == 0)
        return SwapSignature::Swap;
    if (std::memcmp(page + kSigAt, kImageSig, kSigLen) == 0)
        return SwapSignature::Image;
    return SwapSignature::Other;
}

void make_resume_header(const uint8_t* swap_header, uint64_t first_map_page, uint8_t* out,
                        const ResumeHeaderOptions& options)
{
    std::memcpy(out, swap_header, kPageSize);
    const uint32_t zero = 0;
    uint32_t flags = kNoCompressMode;
    if (options.platform_mode)
        flags |= kPlatformMode;
    // mark_swapfiles() sets SF_HW_SIG only for a nonzero signature.
    const uint32_t hw_sig = options.hw_sig.value_or(0);
    if (hw_sig)
        flags |= kHwSig;
    std::memcpy(out + kHwSigAt, &hw_sig, 4);
    std::memcpy(out + kCrcAt, &zero, 4);
    std::memcpy(out + kImageAt, &first_map_page, 8);
    std::memcpy(out + kFlagsAt, &flags, 4);
    std::memcpy(out + kOrigSigAt, swap_header + kSigAt, kSigLen);
    std::memcpy(out + kSigAt, kImageSig, kSigLen);
}

std::optional<std::string> stale_image_reset(const uint8_t* page)
{
    if (swap_signature(page) != SwapSignature::Image || std::memcmp(page + kOrigSigAt, kSwapSig, kSigLen) != 0)
        return std::nullopt;
    std::string out(reinterpret_cast<const char*>(page), kPageSize);
    std::memcpy(out.data() + kSigAt, kSwapSig, kSigLen);
    return out;
}

} // namespace ldb
