// SPDX-License-Identifier: LGPL-2.1-or-later
// Stage 2, the facts: what gather_hibernation_facts makes of bad or hostile
// sysfs and procfs contents, and of page 0 of the swap.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <string>
#include <vector>

#include "fakes/fake_swap_tree.hpp"
#include "fakes/test_support.hpp"
#include "hibernation/check.hpp"

using namespace ldb;
using ldb_test::catch_error;
using ldb_test::TempDir;
using ldb_test::write_file;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
namespace fs = std::filesystem;
using ldb_test::hibernation::Block;
using ldb_test::hibernation::crypt;
using ldb_test::hibernation::kLuks2Hex;
using ldb_test::hibernation::kSwapLine;
using ldb_test::hibernation::Tree;

// ---- bad input -----------------------------------------------------------------

TEST(HibernationCheckBadInput, ResumeJunk)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({kSwapLine});
    for (const char* junk : {"", "junk", "253", "-1:0", "253:1:1", "\x01\x02"}) {
        SCOPED_TRACE(junk);
        t.resume(junk);
        const auto v = t.verdict();
        EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
        EXPECT_THAT(v.blocker, HasSubstr("not a device number"));
    }
}

TEST(HibernationCheckBadInput, MissingKernelFiles)
{
    Tree t;
    fs::remove(t.tmp / "sys/power/resume");
    auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    EXPECT_THAT(v.blocker, HasSubstr("/sys/power/resume"));

    t.resume("0:0");
    fs::remove(t.tmp / "proc/swaps");
    v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    EXPECT_THAT(v.blocker, HasSubstr("/proc/swaps"));
}

TEST(HibernationCheckBadInput, TruncatedSwapsStillUsesTheGoodLine)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({"/dev/vda3 partition 83886", kSwapLine, "/dev/vda9 part"});
    t.resume("253:1");
    const auto f = t.facts();
    EXPECT_EQ(f.warnings.size(), 2u);
    EXPECT_TRUE(classify_hibernation(f, {}).allowed());
}

TEST(HibernationCheckBadInput, SwapDeviceUnknownToSysfs)
{
    Tree t;
    t.swaps({"/dev/nosuch partition 8388604 0 -2"});
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("cannot tell what stores swap /dev/nosuch"),
                                 HasSubstr("/sys/class/block/nosuch/dev")));
}

TEST(HibernationCheckBadInput, SymlinkLoopInSysDevBlock)
{
    Tree t;
    t.block({"vda3", {254, 3}, "", "", {}});
    t.link("sys/dev/block/254:3", "254:3");
    t.swaps({"/dev/vda3 partition 8388604 0 -2"});
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    EXPECT_THAT(v.blocker, HasSubstr("symbolic links"));
}

TEST(HibernationCheckBadInput, SlavesLoopEndsAndIsNotTrusted)
{
    Tree t;
    t.block({"dm-0", {253, 0}, "a", "", {"dm-1"}});
    t.block({"dm-1", {253, 1}, "b", "", {"dm-0"}});
    t.swaps({"/dev/dm-0 partition 8388604 0 -2"});
    const auto f = t.facts();
    ASSERT_EQ(f.swaps.size(), 1u);
    EXPECT_EQ(f.swaps[0].layers.size(), 2u);
    const auto v = classify_hibernation(f, {});
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    EXPECT_THAT(v.blocker, HasSubstr("loops back"));
}

TEST(HibernationCheckBadInput, DanglingSlaveAndLinkOutOfTree)
{
    Tree t;
    t.block({"dm-0", {253, 0}, "cryptswap", "CRYPT-PLAIN-cryptswap", {}});
    t.link("sys/devices/virtual/block/dm-0/slaves/gone", "../../gone");
    t.inspector.facts["cryptswap"] = crypt("PLAIN", "aes", "xts-plain64");
    t.swaps({"/dev/dm-0 partition 8388604 0 -2"});
    auto v = t.verdict(false);
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable) << "a weaker tier must not hide a missing layer";
    EXPECT_THAT(v.blocker, HasSubstr("slaves/gone"));

    t.link("sys/devices/virtual/block/dm-0/slaves/gone", "/");
    v = t.verdict(false);
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    EXPECT_THAT(v.blocker, HasSubstr("leads outside"));
}

TEST(HibernationCheckBadInput, RootGivenWithTrailingSlashOrThroughASymlink)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({kSwapLine});
    t.resume("253:1");
    EXPECT_TRUE(classify_hibernation(gather_hibernation_facts(t.inspector, t.tmp.str() + "/"), {}).allowed());
    TempDir other;
    fs::create_symlink(t.tmp.path(), other / "root");
    EXPECT_TRUE(classify_hibernation(gather_hibernation_facts(t.inspector, (other / "root").string()), {}).allowed());
}

TEST(HibernationCheckBadInput, HoldersUnreadableOnASuspendedLayer)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({kSwapLine});
    t.resume("253:1");
    // Missing on the disk below: not needed, so still accepted.
    fs::remove_all(t.tmp / "sys/devices/virtual/block/vda2/holders");
    auto v = t.verdict();
    EXPECT_TRUE(v.allowed()) << v.blocker;
    EXPECT_THAT(t.facts().swaps[0].layers[2].holders_error, HasSubstr("vda2/holders"));

    // Missing on the integrity layer: cannot be verified.
    fs::remove_all(t.tmp / "sys/devices/virtual/block/dm-0/holders");
    v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("cannot tell what else is stacked on /dev/dm-0 (cryptswap_dif)"),
                                 HasSubstr("suspend and reload after a resume"), HasSubstr("dm-0/holders")));
}

TEST(HibernationCheckBadInput, JunkInHolders)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({kSwapLine});
    t.resume("253:1");
    const auto holders = t.tmp / "sys/devices/virtual/block/dm-1/holders";
    // A name no block device has: not trusted.
    write_file(holders / "bad\x01name", "");
    auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("/dev/dm-1 (cryptswap)"), HasSubstr("bad?name"),
                                 HasSubstr("not a block device name")));
    fs::remove(holders / "bad\x01name");

    // A flood of entries.
    for (size_t i = 0; i <= kMaxHolders; i++)
        write_file(holders / ("dm-" + std::to_string(100 + i)), "");
    v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    EXPECT_THAT(v.blocker, HasSubstr("more than 256"));
    fs::remove_all(holders);
    fs::create_directories(holders);

    // A dangling holder link still names another user.
    fs::create_symlink("../../gone", holders / "dm-8");
    v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::SharedLayer);
    EXPECT_THAT(v.blocker, HasSubstr("also used by /dev/dm-8,"));

    // holders/ is a file, not a directory.
    fs::remove_all(holders);
    write_file(holders, "dm-8\n");
    v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    EXPECT_THAT(v.blocker, HasSubstr("cannot list"));
}

TEST(HibernationCheckBadInput, JunkInSysfsFiles)
{
    Tree t;
    t.block({"vda3", {254, 3}, "", "", {}});
    write_file(t.tmp / "sys/devices/virtual/block/vda3/dev", "garbage\n");
    write_file(t.tmp / "sys/devices/virtual/block/vda3/size", "huge\n");
    t.swaps({"/dev/vda3 partition 8388604 0 -2"});
    // /sys/class/block/vda3/dev is the same file: the device number is unknown.
    auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    write_file(t.tmp / "sys/power/image_size", "lots\n");
    write_file(t.tmp / "proc/meminfo", "\x01\x02\n");
    const auto f = t.facts();
    EXPECT_EQ(f.image_size, std::nullopt);
    EXPECT_EQ(f.mem_total_kib, std::nullopt);
}

// ---- the swap header: a stale image keeps CanHibernate at na ----------------------

namespace {

// A stand-in for the device node /dev/dm-1 in the fixture tree.
std::string header_page(const char* sig, const char* orig = "SWAPSPACE2")
{
    std::string page(kPageSize, '\0');
    std::memcpy(page.data() + 4076, orig, 10);
    std::memcpy(page.data() + 4086, sig, 10);
    return page;
}

} // namespace

TEST(HibernationCheck, StaleImageOnTheSwapIsRefusedUntilRepaired)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({kSwapLine});
    t.resume("253:1");
    std::filesystem::create_directories(t.tmp / "dev");
    write_file(t.tmp / "dev/dm-1", header_page("S1SUSPEND\0"));
    auto f = t.facts();
    ASSERT_EQ(f.swaps.size(), 1u);
    EXPECT_EQ(f.swaps[0].header, SwapSignature::Image);
    auto v = classify_hibernation(f, {});
    EXPECT_EQ(v.block, HibernationBlock::StaleImage);
    EXPECT_EQ(to_string(v.block), "stale-image");
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("swap /dev/dm-1"), HasSubstr("S1SUSPEND"), HasSubstr("never be resumed"),
                                 HasSubstr("systemctl restart lockdown-swap-guard.service")));
    // ... or by hand, keeping the swap's UUID and label (util-linux swapon
    // rewrites the signature of a swap that says S1SUSPEND).
    EXPECT_THAT(v.blocker, HasSubstr("swapoff /dev/dm-1 && swapon /dev/dm-1"));

    // Repaired: SWAPSPACE2 again, and hibernation is possible.
    write_file(t.tmp / "dev/dm-1", header_page("SWAPSPACE2"));
    f = t.facts();
    EXPECT_EQ(f.swaps[0].header, SwapSignature::Swap);
    v = classify_hibernation(f, {});
    EXPECT_TRUE(v.allowed()) << v.blocker;
}

TEST(HibernationCheck, UnreadableSwapHeaderIsRefused)
{
    HibernationFacts f;
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({kSwapLine});
    t.resume("253:1");
    f = t.facts();
    ASSERT_EQ(f.swaps.size(), 1u);
    EXPECT_FALSE(f.swaps[0].header) << "no stand-in file: nothing to read, no refusal";
    EXPECT_TRUE(classify_hibernation(f, {}).allowed());
    f.swaps[0].header_errno = EILSEQ;
    const auto v = classify_hibernation(f, {});
    EXPECT_EQ(v.block, HibernationBlock::StaleImage);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("cannot read the swap header of swap /dev/dm-1"),
                                 HasSubstr("dm-integrity layer fails the header sector")));
}

TEST(HibernationCheck, ShortOrJunkHeaderIsNotAnImage)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({kSwapLine});
    t.resume("253:1");
    std::filesystem::create_directories(t.tmp / "dev");
    write_file(t.tmp / "dev/dm-1", "short");
    auto f = t.facts();
    EXPECT_FALSE(f.swaps[0].header) << "a short stand-in file is not a header";
    EXPECT_EQ(f.swaps[0].header_errno, 0);
    write_file(t.tmp / "dev/dm-1", std::string(kPageSize, 'x'));
    f = t.facts();
    EXPECT_EQ(f.swaps[0].header, SwapSignature::Other);
    EXPECT_TRUE(classify_hibernation(f, {}).allowed()) << "the signature check is the writer's: no stale image here";
}
