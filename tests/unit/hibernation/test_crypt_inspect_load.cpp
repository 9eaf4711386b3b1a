// SPDX-License-Identifier: LGPL-2.1-or-later
// The libcryptsetup inspector when libcryptsetup cannot be loaded (it is
// dlopen()ed at the first dm-crypt layer): a clear
// error, and a hibernation check that blocks on it. (Its reading of real
// LUKS headers is tested in test_crypt_inspect.cpp.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "base/error.hpp"
#include "fakes/test_support.hpp"
#include "hibernation/check.hpp"
#include "hibernation/crypt_inspect.hpp"

using namespace ldb;
using ldb_test::catch_error;
using ldb_test::TempDir;
using ldb_test::write_file;
using ::testing::AllOf;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

namespace {

const CryptTarget kTarget{"cryptswap", "CRYPT-LUKS2-86f5ccb390cd4d19aeb14281012d3a72-cryptswap", "/dev/dm-0",
                          "/dev/vda2"};

void link(const fs::path& at, const std::string& target)
{
    fs::create_directories(at.parent_path());
    fs::create_symlink(target, at);
}

// A root whose only swap, and resume device, is dm-0: a LUKS2 mapping over vda2.
void crypt_swap_tree(const fs::path& root)
{
    write_file(root / "sys/power/resume", "253:0\n");
    write_file(root / "sys/power/image_size", "1717986918\n");
    write_file(root / "proc/meminfo", "MemTotal:       4194304 kB\nActive(anon):   1048576 kB\n");
    write_file(root / "proc/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
                                    "/dev/dm-0                               partition\t8388604\t\t0\t\t-2\n");
    const fs::path vb = root / "sys/devices/virtual/block";
    for (const auto& [name, devno] : {std::pair{"vda2", "254:2"}, std::pair{"dm-0", "253:0"}}) {
        write_file(vb / name / "dev", std::string(devno) + "\n");
        write_file(vb / name / "size", "16777216\n");
        fs::create_directories(vb / name / "slaves");
        fs::create_directories(vb / name / "holders");
        link(root / "sys/dev/block" / devno, std::string("../../devices/virtual/block/") + name);
        link(root / "sys/class/block" / name, std::string("../../devices/virtual/block/") + name);
        write_file(root / "dev" / name, "");
    }
    write_file(vb / "dm-0/dm/name", kTarget.dm_name + "\n");
    write_file(vb / "dm-0/dm/uuid", kTarget.dm_uuid + "\n");
    link(vb / "dm-0/slaves/vda2", "../../vda2");
    link(vb / "vda2/holders/dm-0", "../../dm-0");
    link(root / "dev/mapper/cryptswap", "../dm-0");
}

} // namespace

TEST(LibcryptsetupInspector, AMissingLibcryptsetupIsAClearError)
{
    auto insp = make_libcryptsetup_inspector("libldb-no-such-cryptsetup.so.12");
    const Error e = catch_error([&] { insp->inspect(kTarget); });
    EXPECT_EQ(e.kind(), ErrorKind::NotFound);
    EXPECT_THAT(e.what(), AllOf(HasSubstr("cannot inspect the dm-crypt mapping cryptswap (/dev/dm-0)"),
                                HasSubstr("cannot load libldb-no-such-cryptsetup.so.12")));
    EXPECT_THAT(e.hint(), HasSubstr("libcryptsetup"));
    // Not remembered as a failure: asked again, it tries to load again.
    const Error again = catch_error([&] { insp->inspect(kTarget); });
    EXPECT_THAT(again.what(), HasSubstr("cannot load libldb-no-such-cryptsetup.so.12"));
}

TEST(LibcryptsetupInspector, ALibraryWithoutTheFunctionsIsAClearError)
{
    auto insp = make_libcryptsetup_inspector("libc.so.6");
    const Error e = catch_error([&] { insp->inspect(kTarget); });
    EXPECT_EQ(e.kind(), ErrorKind::NotFound);
    EXPECT_THAT(e.what(), AllOf(HasSubstr("cannot inspect the dm-crypt mapping cryptswap"),
                                HasSubstr("symbol crypt_init is missing from libc.so.6")));
}

TEST(LibcryptsetupInspector, TheDefaultLibraryLoads)
{
    EXPECT_STREQ(kLibcryptsetupSoname, "libcryptsetup.so.12");
    // No such mapping and no header: an error from libcryptsetup, not from loading it.
    auto insp = make_libcryptsetup_inspector();
    const Error e = catch_error(
        [&] { insp->inspect({"ldb-unit-no-such-mapping", "CRYPT-PLAIN-x", "/dev/dm-99", "/dev/null"}); });
    EXPECT_THAT(e.what(), HasSubstr("cannot read the dm-crypt mapping ldb-unit-no-such-mapping (/dev/dm-99)"));
    EXPECT_THAT(e.what(), ::testing::Not(HasSubstr("cannot load")));
}

TEST(LibcryptsetupInspector, WithoutLibcryptsetupHibernationIsBlockedNamingWhy)
{
    TempDir tmp;
    crypt_swap_tree(tmp.path());
    auto insp = make_libcryptsetup_inspector("libldb-no-such-cryptsetup.so.12");
    const HibernationFacts facts = gather_hibernation_facts(*insp, tmp.str());
    const HibernationVerdict v = classify_hibernation(facts, HibernationPolicy{true});
    EXPECT_FALSE(v.allowed()) << "never a silent yes";
    EXPECT_THAT(v.blocker, HasSubstr("cannot load libldb-no-such-cryptsetup.so.12")) << v.blocker;
    const HibernationVerdict lax = classify_hibernation(facts, HibernationPolicy{false});
    EXPECT_FALSE(lax.allowed()) << "not even when authentication is not required";
}
