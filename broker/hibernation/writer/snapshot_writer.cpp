// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hibernation/writer/snapshot_writer.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <iterator>
#include <thread>
#include <utility>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <linux/reboot.h>
#include <linux/suspend_ioctls.h>
#include <sys/ioctl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "hibernation/page_io.hpp"
#include "hibernation/swap_header.hpp"
#include "hibernation/writer/crash_guard.hpp"

namespace ldb {

namespace {

constexpr size_t kMapEntries = kPageSize / 8 - 1; // page offsets per map page, then next_swap
constexpr unsigned kRunPages = 256;

void pwrite_all(int fd, const uint8_t* p, size_t len, uint64_t off, const char* what)
{
    while (len) {
        const ssize_t n = ::pwrite(fd, p, len, static_cast<off_t>(off));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw errno_error(errno, what);
        }
        p += n;
        len -= static_cast<size_t>(n);
        off += static_cast<uint64_t>(n);
    }
}

void flush(int fd, const char* what)
{
    // On a block device this is blkdev_issue_flush(): REQ_PREFLUSH, which
    // dm-integrity answers by committing its journal.
    if (::fsync(fd) < 0)
        throw errno_error(errno, what);
}

// The frozen state of /dev/snapshot, undone in reverse on every way out:
// after a resume (FREE, UNFREEZE is exactly what is left to do) and after
// a failure.
class Snapshot {
public:
    Snapshot()
    {
        fd_ = UniqueFd(::open("/dev/snapshot", O_RDONLY | O_CLOEXEC));
        if (!fd_)
            throw errno_error(errno, "opening /dev/snapshot",
                              errno == EPERM ? "hibernation is locked down for this process: it needs the "
                                               "hibernation grant that lockdown-brokerd gives to the sleep unit"
                                             : "");
    }
    Snapshot(const Snapshot&) = delete;
    Snapshot& operator=(const Snapshot&) = delete;
    ~Snapshot()
    {
        if (swap_pages_)
            ::ioctl(fd_.get(), SNAPSHOT_FREE_SWAP_PAGES);
        if (image_)
            ::ioctl(fd_.get(), SNAPSHOT_FREE);
        if (frozen_)
            ::ioctl(fd_.get(), SNAPSHOT_UNFREEZE);
    }

    void set_swap_area(dev_t rdev)
    {
        resume_swap_area area{};
        area.offset = 0;
        // new_encode_dev(), which snapshot_set_swap_area() decodes.
        const unsigned maj = major(rdev), min = minor(rdev);
        area.dev = (min & 0xffu) | (maj << 8) | ((min & ~0xffu) << 12);
        if (::ioctl(fd_.get(), SNAPSHOT_SET_SWAP_AREA, &area) < 0)
            throw errno_error(errno, "SNAPSHOT_SET_SWAP_AREA", "the device must be an active swap");
    }
    // Before CREATE_IMAGE: hibernation_snapshot() then runs the platform's
    // hooks (ACPI _PTS for S4), as the kernel's writer does in platform mode.
    void platform_support()
    {
        if (::ioctl(fd_.get(), SNAPSHOT_PLATFORM_SUPPORT, 1) < 0)
            throw errno_error(errno, "SNAPSHOT_PLATFORM_SUPPORT");
    }
    // Enters ACPI S4 (hibernation_platform_enter()); returns only on failure,
    // with its errno (0 if the kernel returned without an error).
    int platform_power_off() noexcept
    {
        if (::ioctl(fd_.get(), SNAPSHOT_POWER_OFF) < 0)
            return errno;
        return 0;
    }
    void freeze()
    {
        if (::ioctl(fd_.get(), SNAPSHOT_FREEZE) < 0)
            throw errno_error(errno, "freezing tasks (SNAPSHOT_FREEZE)");
        frozen_ = true;
    }
    // True in the system that writes the image, false after the resume.
    bool create_image()
    {
        int in_suspend = 0;
        if (::ioctl(fd_.get(), SNAPSHOT_CREATE_IMAGE, &in_suspend) < 0)
            throw errno_error(errno, "creating the image (SNAPSHOT_CREATE_IMAGE)");
        image_ = true;
        return in_suspend != 0;
    }
    uint64_t image_bytes()
    {
        loff_t n = 0;
        if (::ioctl(fd_.get(), SNAPSHOT_GET_IMAGE_SIZE, &n) < 0)
            throw errno_error(errno, "SNAPSHOT_GET_IMAGE_SIZE");
        return static_cast<uint64_t>(n);
    }
    uint64_t alloc_swap_page()
    {
        loff_t off = 0;
        if (::ioctl(fd_.get(), SNAPSHOT_ALLOC_SWAP_PAGE, &off) < 0)
            throw errno_error(errno, "allocating swap for the image (SNAPSHOT_ALLOC_SWAP_PAGE)",
                              errno == ENOSPC ? "the swap is too small for this image" : "");
        swap_pages_ = true;
        return static_cast<uint64_t>(off) / kPageSize;
    }
    // One page of the image; false at its end.
    bool read_page(uint8_t* page)
    {
        const ssize_t n = ::read(fd_.get(), page, kPageSize);
        if (n == 0)
            return false;
        if (n < 0)
            throw errno_error(errno, "reading the image from /dev/snapshot");
        if (static_cast<size_t>(n) != kPageSize)
            throw Error(ErrorKind::Kernel, "short read of " + std::to_string(n) + " bytes from /dev/snapshot");
        return true;
    }
private:
    UniqueFd fd_;
    bool frozen_ = false;
    bool image_ = false;
    bool swap_pages_ = false;
};

// Gathers contiguous image pages into one write.
class RunWriter {
public:
    explicit RunWriter(int fd) : fd_(fd), buf_(kRunPages) {}
    void put(const uint8_t* page, uint64_t at)
    {
        if (len_ && (at != start_ + len_ || len_ == kRunPages))
            flush_run();
        if (!len_)
            start_ = at;
        std::memcpy(buf_.data() + static_cast<size_t>(len_) * kPageSize, page, kPageSize);
        ++len_;
    }
    void flush_run()
    {
        if (len_)
            pwrite_all(fd_, buf_.data(), static_cast<size_t>(len_) * kPageSize, start_ * kPageSize,
                       "writing image pages");
        len_ = 0;
    }

private:
    int fd_;
    PageBuffer buf_;
    uint64_t start_ = 0;
    unsigned len_ = 0;
};

} // namespace

std::optional<WriterFault> parse_writer_fault(std::string_view text)
{
    if (text == "image-eio")
        return WriterFault::ImageEio;
    if (text == "no-space")
        return WriterFault::NoSpace;
    if (text == "slow-no-space")
        return WriterFault::SlowNoSpace;
    if (text == "signature-eio")
        return WriterFault::SignatureEio;
    if (text == "signature-and-restore-eio")
        return WriterFault::SignatureAndRestoreEio;
    if (text == "crash-after-signature")
        return WriterFault::CrashAfterSignature;
    if (text == "platform-power-off-fails")
        return WriterFault::PlatformPowerOffFails;
    return std::nullopt;
}

bool fault_switch_says(std::string_view page, std::string_view fault)
{
    const size_t nl = page.find('\n');
    if (fault.empty() || nl == std::string_view::npos)
        return false;
    return page.substr(0, nl) == fault;
}

Error stale_image_in_use(const std::string& device)
{
    // The swap is in use by this running system, so the image is older
    // than what the file systems hold now: resuming it would corrupt them.
    // The repair keeps the UUID and label, which fstab and resume= name.
    const std::string& d = device;
    return Error(ErrorKind::Kernel,
                 d + " is in use as swap, but its header still says S1SUSPEND: a stale hibernation image from "
                     "before this boot. Never resume it: the file systems have changed since it was written, and "
                     "resuming it would corrupt them",
                 "repair the swap, keeping its UUID and label: systemctl restart lockdown-swap-guard.service; or "
                 "by hand: swapoff " + d + " && swapon " + d + " (util-linux swapon rewrites the S1SUSPEND "
                 "signature), or swapoff " + d + " && mkswap -U \"$(blkid -s UUID -o value " + d + ")\" -L "
                 "\"$(blkid -s LABEL -o value " + d + ")\" " + d + " && swapon " + d);
}

AfterFailure after_failure(bool signature_attempted, bool header_restored) noexcept
{
    return !signature_attempted || header_restored ? AfterFailure::Thaw : AfterFailure::PowerOff;
}

void power_off_now() noexcept
{
    for (;;) {
        ::sync();
        ::reboot(LINUX_REBOOT_CMD_POWER_OFF);
        ::reboot(LINUX_REBOOT_CMD_HALT);
        ::sleep(1);
    }
}

namespace {

// Puts the saved header back and flushes it; false if either failed.
bool restore_header(int fd, const PageBuffer& saved_header, WriterFault fault) noexcept
{
    if (fault == WriterFault::SignatureAndRestoreEio)
        return false;
    return write_page0(fd, saved_header).ok() && ::fsync(fd) == 0;
}

void inject(WriterFault fault, WriterFault at, int err, const char* what)
{
    if (fault == at)
        throw errno_error(err, std::string(what) + " (injected by LOCKDOWN_HIBERNATE_TEST_FAULT)");
}

// Opens the swap `device` for the image and reads its header into
// `saved_header`, which must say SWAPSPACE2.
UniqueFd open_swap_with_clean_header(const std::string& device, struct stat& st, PageBuffer& saved_header)
{
    UniqueFd dev = open_page0(device, O_RDWR);
    if (!dev)
        throw errno_error(errno, "opening swap device " + device);
    if (::fstat(dev.get(), &st) < 0)
        throw errno_error(errno, "fstat " + device);
    if (!S_ISBLK(st.st_mode))
        throw Error(ErrorKind::InvalidArgument, device + " is not a block device");
    if (const int err = read_page0(dev.get(), saved_header).error())
        throw errno_error(err, "reading the swap header of " + device,
                          err == EILSEQ ? "EILSEQ is an integrity (AEAD) failure of the header sector" : "");
    switch (swap_signature(saved_header.data())) {
    case SwapSignature::Swap:
        return dev;
    case SwapSignature::Image:
        throw stale_image_in_use(device);
    case SwapSignature::Other:
        break;
    }
    throw Error(ErrorKind::Kernel, device + " has no swap signature (SWAPSPACE2) in its header");
}

struct WrittenImage {
    uint64_t first_map = 0; // the swap page of the first map page
    uint64_t pages = 0;
};

// Writes the image pages and the swap map chain that points at them, and
// flushes them: flush 1, every image and map page is durable before the
// signature that points at them can be.
WrittenImage write_image(Snapshot& snap, int dev, const std::string& device, const WriterCallbacks& cb,
                         WriterFault fault)
{
    const uint64_t image_bytes = snap.image_bytes();
    cb.progress("writing " + std::to_string(image_bytes / kPageSize) + " pages to " + device);
    PageBuffer map(1), page(1);
    auto* entries = reinterpret_cast<uint64_t*>(map.data());
    RunWriter writer(dev);
    if (fault == WriterFault::SlowNoSpace) {
        cb.progress("test fault: the tasks stay frozen for " + std::to_string(kSlowFaultStall.count()) + " s");
        std::this_thread::sleep_for(kSlowFaultStall);
        fault = WriterFault::NoSpace;
    }
    const uint64_t first_map = snap.alloc_swap_page();
    uint64_t cur_map = first_map;
    uint64_t pages = 0;
    size_t k = 0;
    while (snap.read_page(page.data())) {
        inject(fault, WriterFault::NoSpace, ENOSPC, "allocating swap for the image");
        const uint64_t at = snap.alloc_swap_page();
        inject(fault, WriterFault::ImageEio, EIO, "writing image pages");
        writer.put(page.data(), at);
        entries[k++] = at;
        ++pages;
        if (k == kMapEntries) {
            const uint64_t next = snap.alloc_swap_page();
            entries[kMapEntries] = next;
            pwrite_all(dev, map.data(), kPageSize, cur_map * kPageSize, "writing a swap map page");
            std::memset(map.data(), 0, kPageSize);
            cur_map = next;
            k = 0;
        }
    }
    if (pages * kPageSize != image_bytes)
        throw Error(ErrorKind::Kernel, "the image has " + std::to_string(pages) +
                                           " pages, but SNAPSHOT_GET_IMAGE_SIZE said " +
                                           std::to_string(image_bytes / kPageSize));
    entries[kMapEntries] = 0; // the end of the map chain
    writer.flush_run();
    pwrite_all(dev, map.data(), kPageSize, cur_map * kPageSize, "writing the last swap map page");
    flush(dev, "flushing the image");
    return {first_map, pages};
}

// Writes the resume signature over the header and flushes it (flush 2: the
// signature itself is durable before the power goes). From the attempt on
// (`signature_attempted`), a crash powers off.
void write_signature(int dev, const PageBuffer& saved_header, PageBuffer& header, uint64_t first_map,
                     const ResumeHeaderOptions& options, WriterFault fault, bool& signature_attempted)
{
    make_resume_header(saved_header.data(), first_map, header.data(), options);
    signature_attempted = true;
    CrashGuard::arm(CrashWindow::ImageComplete);
    inject(fault, WriterFault::SignatureEio, EIO, "writing the resume signature");
    pwrite_all(dev, header.data(), kPageSize, 0, "writing the resume signature");
    flush(dev, "flushing the resume signature");
    // After the real write and flush, as an fsync that fails once the write
    // reached the disk: then the image resumes, which a test can see.
    inject(fault, WriterFault::SignatureAndRestoreEio, EIO, "flushing the resume signature");
}

// A write failed. Before the signature was attempted, or when the header
// could be put back, the caller rethrows and Snapshot's destructor thaws;
// otherwise the image is complete and the signature may stay: power off.
void on_write_failure(const std::exception& e, int dev, const PageBuffer& saved_header, bool signature_attempted,
                      const WriterCallbacks& cb, WriterFault fault)
{
    if (after_failure(signature_attempted, signature_attempted && restore_header(dev, saved_header, fault)) ==
        AfterFailure::PowerOff) {
        CrashGuard::say_critical("a write failed after the image was complete and the header could not be put "
                                 "back: powering off, the next boot resumes the image");
        try { // nothing may stand between this and the power-off
            cb.progress(std::string("failed after the image was complete: ") + e.what() +
                        "; the header could not be put back, so the image stays: powering off, the next boot "
                        "resumes it");
        } catch (...) {
        }
        power_off_now();
    }
    CrashGuard::disarm();
    cb.progress(std::string("failed: ") + e.what() + "; the swap header is as it was; thawing");
}

// The image and its signature are durable: power off, in platform mode
// through ACPI S4 as the kernel's writer does (power_down(): a failed
// hibernation_platform_enter() falls back to a plain power-off there too).
// Only if the power-off itself is refused does this go on: it must not leave
// a signature that points at an image this still-running system would make
// stale.
[[noreturn]] void power_off_with_image(Snapshot& snap, bool platform_mode, int dev, const PageBuffer& saved_header,
                                       const WriterCallbacks& cb, WriterFault fault)
{
    if (platform_mode) {
        const int err = fault == WriterFault::PlatformPowerOffFails ? EIO : snap.platform_power_off();
        try { // nothing may stand between this and the power-off
            cb.progress(std::string("entering ACPI S4 (SNAPSHOT_POWER_OFF) failed: ") +
                        (err ? std::strerror(err) : "it returned") +
                        (fault == WriterFault::PlatformPowerOffFails ? " (injected by LOCKDOWN_HIBERNATE_TEST_FAULT)"
                                                                     : "") +
                        "; powering off instead, the image stays");
        } catch (...) {
        }
    }
    ::reboot(LINUX_REBOOT_CMD_POWER_OFF);
    const int err = errno;
    if (!restore_header(dev, saved_header, fault)) {
        CrashGuard::say_critical("the power-off was refused and the header could not be put back: halting");
        cb.progress("the power-off was refused and the header could not be put back; halting");
        power_off_now();
    }
    CrashGuard::disarm();
    throw errno_error(err, "powering off after writing the image");
}

// The resumed system, tasks still frozen. Until resumed_frozen() returns
// the header may still say S1SUSPEND (the boot kernel's reset can be lost):
// a crash, or anything it throws, powers off instead of unwinding into
// Snapshot's destructor, which would thaw. The guard was armed in the other
// window at most, and only after the snapshot: this process comes back from
// the image disarmed and must arm it here itself.
void resumed_frozen(const WriterCallbacks& cb) noexcept
{
    CrashGuard::arm(CrashWindow::Renewal);
    try {
        cb.progress("resumed");
        cb.resumed_frozen();
    } catch (...) {
        CrashGuard::say_critical("the resumed system's swap renewal failed unexpectedly: powering off, the next boot "
                                 "resumes the same image again");
        power_off_now();
    }
    CrashGuard::disarm();
}

} // namespace

void hibernate_to_swap(const std::string& device, PageBuffer& saved_header, const WriterCallbacks& cb,
                       const ResumeHeaderOptions& options, WriterFault fault)
{
    // The format is the kernel's for kPageSize pages; the check refuses any
    // other page size (page-size-unsupported), and so does the writer.
    if (const long page = ::sysconf(_SC_PAGESIZE); page != static_cast<long>(kPageSize))
        throw Error(ErrorKind::Kernel, "this kernel's page size is " + std::to_string(page) +
                                           " bytes; the image format is written for " +
                                           std::to_string(kPageSize) + "-byte pages only");
    struct stat st{};
    const UniqueFd dev = open_swap_with_clean_header(device, st, saved_header);
    const CrashGuard crash_guard;
    Snapshot snap;
    snap.set_swap_area(st.st_rdev);
    if (options.platform_mode)
        snap.platform_support();
    snap.freeze();
    if (!snap.create_image()) {
        resumed_frozen(cb);
        return; // Snapshot's destructor frees the image and thaws
    }

    // From here on until the power-off tasks are frozen: progress goes to
    // kmsg only. A failure before the signature write leaves the header as
    // it was; Snapshot's destructor then frees the swap pages and the image
    // and thaws the tasks.
    bool signature_attempted = false;
    try {
        PageBuffer header(1);
        const WrittenImage image = write_image(snap, dev.get(), device, cb, fault);
        write_signature(dev.get(), saved_header, header, image.first_map, options, fault, signature_attempted);
        cb.progress(std::to_string(image.pages) + " pages written and flushed; powering off");
        if (fault == WriterFault::CrashAfterSignature)
            ::raise(SIGSEGV);
    } catch (const std::exception& e) {
        on_write_failure(e, dev.get(), saved_header, signature_attempted, cb, fault);
        throw;
    }
    power_off_with_image(snap, options.platform_mode, dev.get(), saved_header, cb, fault);
}

} // namespace ldb
