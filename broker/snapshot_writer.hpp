// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Hibernation through /dev/snapshot, with the image written from userspace
// in the kernel's own swap format, so that the standard resume path (the
// initramfs unlocks the swap, resume= reads it) loads it unchanged.
//
// Why not the kernel's writer: it never sends a cache flush before it
// powers off, and a dm-integrity device (LUKS2 --integrity) still holds the
// last writes in memory then; images were lost in 7 of 10 runs on each
// Debian kernel (tests/vm/hibernate/README.md). Here fsync() on the block
// device (REQ_PREFLUSH) makes them durable: once after the image, and once
// after the resume signature.
//
// The caller must be a single-threaded process of its own: between FREEZE
// and the power-off every other task is frozen, the journal included, so
// progress goes to /dev/kmsg.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace ldb {

// One page-aligned buffer for O_DIRECT I/O.
class PageBuffer {
public:
    explicit PageBuffer(size_t pages);
    uint8_t* data() const noexcept { return p_.get(); }
    size_t size() const noexcept { return size_; }

private:
    struct Free {
        void operator()(uint8_t* p) const noexcept;
    };
    std::unique_ptr<uint8_t, Free> p_;
    size_t size_;
};

inline constexpr size_t kPageSize = 4096;

// Whether page 0 of a swap device says SWAPSPACE2 (a usable swap) or
// S1SUSPEND (an image that was never resumed), or neither.
enum class SwapSignature { Swap, Image, Other };
SwapSignature swap_signature(const uint8_t* header_page);

// Fills `out` (one page) with the resume header the kernel's swsusp_check()
// accepts: `swap_header` with hw_sig 0, no CRC, `first_map_page`,
// SF_NOCOMPRESS_MODE, orig_sig SWAPSPACE2 and sig S1SUSPEND.
void make_resume_header(const uint8_t* swap_header, uint64_t first_map_page, uint8_t* out);

// Hibernates to the active swap partition `device` (a block device node)
// and returns in the resumed system. Progress and errors before the
// power-off go to `progress` (called while tasks are frozen: it must not
// block on anything but /dev/kmsg). On failure everything is undone (the
// header is put back, the swap pages freed, tasks thawed) and ldb::Error
// says what failed; the machine keeps running. `saved_header` receives the
// swap header as it was before, for the after-resume step.
void hibernate_to_swap(const std::string& device, PageBuffer& saved_header,
                       const std::function<void(const std::string&)>& progress);

} // namespace ldb
