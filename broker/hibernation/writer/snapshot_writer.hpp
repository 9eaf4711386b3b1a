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

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.hpp"
#include "hibernation/page_io.hpp"
#include "hibernation/swap_header.hpp"

namespace ldb {

// Test hooks (lockdown-hibernate reads LOCKDOWN_HIBERNATE_TEST_FAULT): one
// failure injected after FREEZE, to show that each ends in a safe state.
enum class WriterFault {
    None,
    ImageEio,               // writing an image page fails: thaw, header untouched
    NoSpace,                // SNAPSHOT_ALLOC_SWAP_PAGE says ENOSPC: the same
    SlowNoSpace,            // the tasks stay frozen for kSlowFaultStall first (a slow
                            // image write that then fails): the same
    SignatureEio,           // writing the signature fails, the header is put back: thaw
    SignatureAndRestoreEio, // the signature's flush fails (after the write and flush really
                            // happened) and putting the header back fails too: power off; the
                            // next boot resumes the image
    CrashAfterSignature,    // SIGSEGV once the signature is durable: power off
    PlatformPowerOffFails,  // in platform mode, SNAPSHOT_POWER_OFF is skipped and reported as
                            // failed (EIO): the writer still powers off (reboot(2))
};
// "image-eio", "no-space", "slow-no-space", "signature-eio",
// "signature-and-restore-eio", "crash-after-signature",
// "platform-power-off-fails"; nullopt for anything else.
std::optional<WriterFault> parse_writer_fault(std::string_view text);
// Longer than lockdown-broker.service's WatchdogSec=.
inline constexpr std::chrono::seconds kSlowFaultStall{40};

// The refusal for an active swap `device` whose header says S1SUSPEND: an
// image from before this boot, which must never be resumed; the hint says
// how to repair the swap.
Error stale_image_in_use(const std::string& device);

// Once the signature write has been attempted, the header is only known to
// be clean if putting it back succeeded. Otherwise the image is complete and
// flushed (the signature is attempted only after that), and resuming it is
// safe, while a thawed system would make it stale: power off.
enum class AfterFailure { Thaw, PowerOff };
AfterFailure after_failure(bool signature_attempted, bool header_restored) noexcept;

struct WriterCallbacks {
    // Progress and errors; while tasks are frozen it must not block on
    // anything but /dev/kmsg.
    std::function<void(const std::string&)> progress;
    // Runs in the resumed system before the tasks are thawed, while the file
    // systems are still exactly as the image expects: a power loss here only
    // resumes the same image again. It must make the header clean or never
    // return. A crash in it, or anything it throws, powers off (crash_guard.hpp:
    // the Renewal window), which the next boot resumes the same way.
    std::function<void()> resumed_frozen;
};

// Hibernates to the active swap partition `device` (a block device node)
// and returns in the resumed system, after `resumed_frozen` and the thaw.
// `header` says what the kernel's writer would add (platform_mode.hpp): with
// platform_mode the image is made with the platform's hooks
// (SNAPSHOT_PLATFORM_SUPPORT) and the power-off enters ACPI S4
// (SNAPSHOT_POWER_OFF); if that returns, it powers off with reboot(2) as in
// the other modes: the image is durable by then, so it never thaws for that.
// On a failure before the signature, or one after it whose header could be
// put back, everything is undone (swap pages freed, tasks thawed) and
// ldb::Error says what failed; the machine keeps running. Any other failure
// after the signature write powers off instead (after_failure), and so does
// a crash of this process from then on, and in the resumed system until
// `resumed_frozen` has returned. `saved_header` receives the swap
// header as it was before. The caller should hold its memory locked
// (mlockall): nothing can swap it back in while tasks are frozen.
void hibernate_to_swap(const std::string& device, PageBuffer& saved_header, const WriterCallbacks& callbacks,
                       const ResumeHeaderOptions& header = {}, WriterFault fault = WriterFault::None);

// Test hook: whether a fault switch asks for `fault`. `page` is the first
// page of a disk that the test harness rewrites at every boot (tests/vm/lib/
// init.sh, ldvm.fault=), read with O_DIRECT: a resumed process's memory,
// environment included, is that of the system that hibernated, so only a
// disk can tell it what THIS boot was asked to do. True only if the page's
// first line, up to a newline, is exactly `fault`.
bool fault_switch_says(std::string_view page, std::string_view fault);

// Powers off and never returns (retries; halts if power-off is refused).
[[noreturn]] void power_off_now() noexcept;

} // namespace ldb
