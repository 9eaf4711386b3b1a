// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Page 0 of a swap device, read and written with O_DIRECT: through the page
// cache an old copy could hide what the dm-integrity layer says now, and a
// write could stay in the cache. The one page-0 reader and writer of the
// check, the image writer, the swap renewal and the swap guard.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/unique_fd.hpp"

namespace ldb {

// Only x86-64's 4 KiB pages are handled: the writer and the kernels the
// suites boot all use them.
inline constexpr size_t kPageSize = 4096;

// Page-aligned, zeroed memory for O_DIRECT I/O.
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

// Opens `path` for page-0 I/O: `access` (O_RDONLY or O_RDWR), O_CLOEXEC and
// O_DIRECT unless `direct` is false (a fixture's regular file). Check the
// result; errno says why it failed.
UniqueFd open_page0(const std::string& path, int access, bool direct = true);

// One page-0 transfer, EINTR retried.
struct PageIo {
    int err = 0;        // the errno of the failed call, 0 if none failed
    size_t bytes = 0;   // how much was transferred
    bool ok() const noexcept { return err == 0 && bytes == kPageSize; }
    // What to report: the errno, or EIO for a short transfer; 0 when ok().
    int error() const noexcept;
};
PageIo read_page0(int fd, PageBuffer& page) noexcept;
PageIo write_page0(int fd, const PageBuffer& page) noexcept;

// Opens `device` with O_DIRECT and reads its page 0: `err` is the errno of
// the open or the read (EIO for a short one), 0 when `page` holds it.
struct DevicePage0 {
    int err = 0;
    PageBuffer page{1};
};
DevicePage0 read_device_page0(const std::string& device);

} // namespace ldb
