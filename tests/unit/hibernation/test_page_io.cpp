// SPDX-License-Identifier: LGPL-2.1-or-later
// page_io: the one page-0 reader and writer. The unit tests have no block
// device; regular files (opened without O_DIRECT, as the check does for a
// fixture) stand in for it. O_DIRECT itself is exercised by the VM tests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>

#include "fakes/test_support.hpp"
#include "hibernation/page_io.hpp"

using namespace ldb;
using ldb_test::TempDir;
using ldb_test::write_file;

namespace {

std::string pattern_page()
{
    std::string page(kPageSize, '\0');
    for (size_t i = 0; i < kPageSize; i++)
        page[i] = static_cast<char>(i * 13 + 1);
    return page;
}

} // namespace

TEST(PageIo, ReadsTheWholeFirstPage)
{
    TempDir tmp;
    const std::string page = pattern_page();
    write_file(tmp / "swap", page + std::string(kPageSize, 'z'));
    const UniqueFd fd = open_page0((tmp / "swap").string(), O_RDONLY, false);
    ASSERT_TRUE(fd);
    PageBuffer buf(1);
    const PageIo r = read_page0(fd.get(), buf);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.err, 0);
    EXPECT_EQ(r.bytes, kPageSize);
    EXPECT_EQ(r.error(), 0);
    EXPECT_EQ(std::memcmp(buf.data(), page.data(), kPageSize), 0);
}

TEST(PageIo, ShortReadIsNotOkAndReportsEio)
{
    TempDir tmp;
    write_file(tmp / "short", "short");
    const UniqueFd fd = open_page0((tmp / "short").string(), O_RDONLY, false);
    ASSERT_TRUE(fd);
    PageBuffer buf(1);
    const PageIo r = read_page0(fd.get(), buf);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.err, 0) << "no call failed: the check tells a short fixture file from a failed read by this";
    EXPECT_EQ(r.bytes, 5u);
    EXPECT_EQ(r.error(), EIO);
}

TEST(PageIo, FailedCallReportsItsErrno)
{
    PageBuffer buf(1);
    const PageIo r = read_page0(-1, buf);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.err, EBADF);
    EXPECT_EQ(r.error(), EBADF);
    const PageIo w = write_page0(-1, buf);
    EXPECT_EQ(w.error(), EBADF);
}

TEST(PageIo, WritesPageZeroAndLeavesTheRest)
{
    TempDir tmp;
    const std::string path = (tmp / "swap").string();
    write_file(path, std::string(2 * kPageSize, 'a'));
    PageBuffer page(1);
    const std::string want = pattern_page();
    std::memcpy(page.data(), want.data(), kPageSize);
    {
        const UniqueFd fd = open_page0(path, O_RDWR, false);
        ASSERT_TRUE(fd);
        EXPECT_TRUE(write_page0(fd.get(), page).ok());
    }
    const UniqueFd fd = open_page0(path, O_RDONLY, false);
    ASSERT_TRUE(fd);
    PageBuffer back(2);
    ASSERT_EQ(::pread(fd.get(), back.data(), 2 * kPageSize, 0), static_cast<ssize_t>(2 * kPageSize));
    EXPECT_EQ(std::memcmp(back.data(), want.data(), kPageSize), 0);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(back.data()) + kPageSize, kPageSize),
              std::string(kPageSize, 'a'));
}

TEST(PageIo, OpenIsCloseOnExecAndDirectUnlessAsked)
{
    TempDir tmp;
    write_file(tmp / "f", "x");
    const UniqueFd plain = open_page0((tmp / "f").string(), O_RDONLY, false);
    ASSERT_TRUE(plain);
    EXPECT_EQ(::fcntl(plain.get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    EXPECT_EQ(::fcntl(plain.get(), F_GETFL) & O_DIRECT, 0);
    // tmpfs refuses O_DIRECT at open (EINVAL); other file systems take it.
    const UniqueFd direct = open_page0((tmp / "f").string(), O_RDONLY);
    if (direct)
        EXPECT_EQ(::fcntl(direct.get(), F_GETFL) & O_DIRECT, O_DIRECT);
    else
        EXPECT_EQ(errno, EINVAL);
}

TEST(PageIo, DevicePageOfAMissingDeviceIsItsOpenError)
{
    TempDir tmp;
    const DevicePage0 r = read_device_page0((tmp / "no-such-device").string());
    EXPECT_EQ(r.err, ENOENT);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(r.page.data()) % kPageSize, 0u);
}
