// SPDX-License-Identifier: LGPL-2.1-or-later
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "base/dlopen.hpp"
#include "fakes/test_support.hpp"

using namespace ldb;
using ldb_test::catch_error;
using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(SharedLibrary, BindsAFunctionThatWorks)
{
    auto lib = SharedLibrary::open("libc.so.6");
    EXPECT_EQ(lib.name(), "libc.so.6");
    decltype(&std::strlen) fn = nullptr;
    lib.bind("strlen", fn);
    ASSERT_NE(fn, nullptr);
    EXPECT_EQ(fn("lockdown"), 8u);
}

TEST(SharedLibrary, AMissingLibraryIsANotFoundErrorNamingItAndWhy)
{
    const Error e = catch_error([] { SharedLibrary::open("libldb-no-such-library.so.7", "what needs it"); });
    EXPECT_EQ(e.kind(), ErrorKind::NotFound);
    // dlerror()'s reason comes after the name.
    EXPECT_THAT(e.what(), AllOf(HasSubstr("cannot load libldb-no-such-library.so.7: "),
                                HasSubstr("No such file or directory")));
    EXPECT_EQ(e.hint(), "what needs it");
}

TEST(SharedLibrary, AMissingSymbolIsANotFoundErrorNamingItAndTheLibrary)
{
    auto lib = SharedLibrary::open("libc.so.6");
    void (*fn)() = nullptr;
    const Error e = catch_error([&] { lib.bind("ldb_no_such_symbol", fn); });
    EXPECT_EQ(e.kind(), ErrorKind::NotFound);
    EXPECT_THAT(e.what(), AllOf(HasSubstr("symbol ldb_no_such_symbol is missing from libc.so.6: "),
                                HasSubstr("undefined symbol")));
    EXPECT_THAT(e.hint(), HasSubstr("not the version this program was built for"));
    EXPECT_EQ(fn, nullptr) << "left unset on failure";
}

TEST(SharedLibrary, MovesOwnership)
{
    auto a = SharedLibrary::open("libc.so.6");
    SharedLibrary b = std::move(a);
    EXPECT_EQ(b.name(), "libc.so.6");
    decltype(&std::strlen) fn = nullptr;
    b.bind("strlen", fn);
    EXPECT_EQ(fn("ab"), 2u);
    a = std::move(b); // back: the handle is closed once, by a
    a.bind("strlen", fn);
    EXPECT_EQ(fn("abc"), 3u);
}

TEST(SharedLibrary, AMovedFromLibraryRefusesLookups)
{
    auto a = SharedLibrary::open("libc.so.6");
    SharedLibrary b = std::move(a);
    decltype(&std::strlen) fn = nullptr;
    const Error e = catch_error([&] { a.bind("strlen", fn); }); // NOLINT(bugprone-use-after-move): the point
    EXPECT_EQ(e.kind(), ErrorKind::Internal);
    EXPECT_THAT(e.what(), HasSubstr("moved from"));
}
