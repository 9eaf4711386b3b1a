// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hibernation/page_io.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "base/error.hpp"

namespace ldb {

void PageBuffer::Free::operator()(uint8_t* p) const noexcept
{
    std::free(p);
}

PageBuffer::PageBuffer(size_t pages) : size_(pages * kPageSize)
{
    void* p = nullptr;
    if (posix_memalign(&p, kPageSize, size_) != 0)
        throw Error(ErrorKind::Internal, "out of memory for " + std::to_string(pages) + " I/O pages");
    std::memset(p, 0, size_);
    p_.reset(static_cast<uint8_t*>(p));
}

UniqueFd open_page0(const std::string& path, int access, bool direct)
{
    return UniqueFd(::open(path.c_str(), access | O_CLOEXEC | (direct ? O_DIRECT : 0)));
}

int PageIo::error() const noexcept
{
    return err ? err : ok() ? 0 : EIO;
}

namespace {

PageIo result(ssize_t n) noexcept
{
    PageIo r;
    if (n < 0)
        r.err = errno;
    else
        r.bytes = static_cast<size_t>(n);
    return r;
}

} // namespace

PageIo read_page0(int fd, PageBuffer& page) noexcept
{
    ssize_t n;
    do
        n = ::pread(fd, page.data(), kPageSize, 0);
    while (n < 0 && errno == EINTR);
    return result(n);
}

PageIo write_page0(int fd, const PageBuffer& page) noexcept
{
    ssize_t n;
    do
        n = ::pwrite(fd, page.data(), kPageSize, 0);
    while (n < 0 && errno == EINTR);
    return result(n);
}

DevicePage0 read_device_page0(const std::string& device)
{
    DevicePage0 r;
    const UniqueFd fd = open_page0(device, O_RDONLY);
    if (!fd) {
        r.err = errno;
        return r;
    }
    r.err = read_page0(fd.get(), r.page).error();
    return r;
}

} // namespace ldb
