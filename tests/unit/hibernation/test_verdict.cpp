// SPDX-License-Identifier: LGPL-2.1-or-later
// Stage 3, the verdict: the cases of issue 4, each a fixture tree whose
// facts are gathered and classified.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
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

// Every refusal carries a code (HibernateBlockerCode) that fits its block,
// and an allowed verdict none: the codes the XML lists, by block.
::testing::AssertionResult code_fits(const HibernationVerdict& v)
{
    static const std::map<HibernationBlock, std::set<std::string>> codes = {
        {HibernationBlock::None, {""}},
        {HibernationBlock::Unverifiable,
         {"no-kernel-support", "resume-unreadable", "swaps-unreadable", "swap-stack-unreadable",
          "protection-unverifiable", "layer-holders-unreadable"}},
        {HibernationBlock::NoSwap, {"no-swap", "no-usable-swap"}},
        {HibernationBlock::VolatileSwap, {"zram-only", "swap-in-ram", "resume-in-ram"}},
        {HibernationBlock::ResumeMismatch, {"resume-mismatch"}},
        {HibernationBlock::ResumeUnset, {"resume-unset"}},
        {HibernationBlock::Unencrypted, {"swap-not-encrypted"}},
        {HibernationBlock::NotAuthenticated, {"swap-not-authenticated"}},
        {HibernationBlock::SwapTooSmall, {"swap-too-small", "swap-below-active-memory"}},
        {HibernationBlock::Unsupported, {"swap-file", "unsupported-layer", "page-size-unsupported"}},
        {HibernationBlock::SharedLayer, {"shared-integrity-layer", "layer-between"}},
        {HibernationBlock::StaleImage, {"stale-image", "swap-header-unreadable"}},
    };
    const auto& allowed = codes.at(v.block);
    if (allowed.count(v.blocker_code))
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "code '" << v.blocker_code << "' does not fit block " << to_string(v.block);
}

// ---- the cases of issue 4, on fixture trees ----------------------------------------

TEST(HibernationCheck, PlainSwapPartition)
{
    Tree t;
    t.block({"vda3", {254, 3}, "", "", {}});
    t.swaps({"/dev/vda3 partition 8388604 0 -2"});
    const auto v = t.verdict();
    EXPECT_EQ(v.protection, ImageProtection::Unencrypted);
    EXPECT_EQ(v.block, HibernationBlock::Unencrypted);
    EXPECT_TRUE(code_fits(v));
    EXPECT_FALSE(v.allowed());
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("swap /dev/vda3"), HasSubstr("not encrypted")));
    EXPECT_EQ(v.blocker_code, "swap-not-encrypted");
    EXPECT_EQ(v.blocker_device, "/dev/vda3");
    EXPECT_EQ(v.swap, "/dev/vda3");
    EXPECT_EQ(v.target, (DevNo{254, 3}));
    EXPECT_THAT(t.inspector.asked, IsEmpty()) << "a plain disk is not asked about";
}

TEST(HibernationCheck, Luks2WithoutIntegrityIsEncryptedOnly)
{
    Tree t;
    t.crypt_stack(std::string("CRYPT-LUKS2-") + kLuks2Hex + "-cryptswap", crypt("LUKS2", "aes", "xts-plain64"));
    t.swaps({"/dev/dm-0 partition 8388604 0 -2"});
    const auto v = t.verdict();
    EXPECT_EQ(v.protection, ImageProtection::EncryptedOnly);
    EXPECT_EQ(v.block, HibernationBlock::NotAuthenticated);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("swap /dev/dm-0 is encrypted but not authenticated"),
                                 HasSubstr("LUKS2, aes-xts-plain64, no integrity"),
                                 HasSubstr("RequireAuthenticatedImage=no")));
    ASSERT_EQ(t.inspector.asked.size(), 1u);
    EXPECT_EQ(t.inspector.asked[0].dm_name, "cryptswap");
    EXPECT_EQ(t.inspector.asked[0].device, "/dev/dm-0");
    EXPECT_EQ(t.inspector.asked[0].header_device, "/dev/vda2");
}

TEST(HibernationCheck, EncryptedOnlyAcceptedAsWeakerTierWhenAllowed)
{
    Tree t;
    t.crypt_stack(std::string("CRYPT-LUKS2-") + kLuks2Hex + "-cryptswap", crypt("LUKS2", "aes", "xts-plain64"));
    t.swaps({"/dev/mapper/cryptswap partition 8388604 0 -2"});
    t.resume("253:0");
    const auto v = t.verdict(false);
    EXPECT_TRUE(v.allowed()) << v.blocker;
    EXPECT_EQ(v.protection, ImageProtection::EncryptedOnly);
    EXPECT_THAT(v.tier, AllOf(HasSubstr("weaker tier"), HasSubstr("RequireAuthenticatedImage=no")));
    EXPECT_THAT(v.summary, HasSubstr("swap /dev/mapper/cryptswap (/dev/dm-0)"));
    EXPECT_EQ(v.blocker, "");
}

TEST(HibernationCheck, Luks1AndPlainWithoutIntegrity)
{
    for (const auto& [uuid, f] :
         {std::pair{std::string("CRYPT-LUKS1-") + kLuks2Hex + "-cryptswap", crypt("LUKS1", "aes", "xts-plain64")},
          std::pair{std::string("CRYPT-PLAIN-cryptswap"), crypt("PLAIN", "aes", "cbc-essiv:sha256")}}) {
        SCOPED_TRACE(uuid);
        Tree t;
        t.crypt_stack(uuid, f);
        t.swaps({"/dev/dm-0 partition 8388604 0 -2"});
        t.resume("253:0");
        auto v = t.verdict();
        EXPECT_EQ(v.protection, ImageProtection::EncryptedOnly);
        EXPECT_EQ(v.block, HibernationBlock::NotAuthenticated);
        EXPECT_TRUE(code_fits(v));
        EXPECT_THAT(v.blocker, HasSubstr(f.type));
        v = t.verdict(false);
        EXPECT_TRUE(v.allowed());
    }
}

TEST(HibernationCheck, Luks2IntegrityIsAuthenticated)
{
    for (const auto& f : {crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32),
                          crypt("LUKS2", "aes", "xts-random", "hmac(sha512)", 64),
                          crypt("LUKS2", "aes", "gcm-random", "aead"),
                          crypt("LUKS2", "chacha20", "random", "poly1305")}) {
        SCOPED_TRACE(f.integrity);
        Tree t;
        t.luks2_integrity_stack("cryptswap", f);
        t.swaps({kSwapLine});
        t.resume("253:1");
        const auto v = t.verdict();
        EXPECT_TRUE(v.allowed()) << v.blocker;
        EXPECT_EQ(v.protection, ImageProtection::Authenticated);
        EXPECT_EQ(v.block, HibernationBlock::None);
        EXPECT_TRUE(code_fits(v));
        EXPECT_THAT(v.tier, HasSubstr("authenticated"));
        EXPECT_THAT(v.summary, HasSubstr("/dev/dm-1"));
        EXPECT_EQ(v.target, (DevNo{253, 1}));
        // The sub-device is not asked about; the header is looked for below it.
        ASSERT_EQ(t.inspector.asked.size(), 1u);
        EXPECT_EQ(t.inspector.asked[0].dm_name, "cryptswap");
        EXPECT_EQ(t.inspector.asked[0].header_device, "/dev/vda2");
    }
}

TEST(HibernationCheck, DmCryptWithAeadCipherMadeByDmsetup)
{
    for (const auto& f : {crypt("", "capi:authenc(hmac(sha256),xts(aes))", "random"),
                          crypt("", "aes", "gcm-random")}) {
        SCOPED_TRACE(f.cipher);
        Tree t;
        t.block({"vda2", {254, 2}, "", "", {}});
        t.block({"dm-0", {253, 0}, "aeadint", "", {"vda2"}});
        t.block({"dm-1", {253, 1}, "aeadswap", "", {"dm-0"}});
        t.inspector.facts["aeadswap"] = f;
        t.swaps({kSwapLine});
        t.resume("253:1");
        const auto v = t.verdict();
        EXPECT_TRUE(v.allowed()) << v.blocker;
        EXPECT_EQ(v.protection, ImageProtection::Authenticated);
        const auto facts = t.facts();
        EXPECT_EQ(facts.swaps[0].layers[0].kind, LayerKind::DmCrypt);
        EXPECT_EQ(facts.swaps[0].layers[1].kind, LayerKind::DmOther) << "the integrity table is no crypt target";
    }
}

TEST(HibernationCheck, SwapFileOnEncryptedFilesystem)
{
    Tree t;
    write_file(t.tmp / "swapfile", "not really swap");
    struct stat st{};
    ASSERT_EQ(::stat((t.tmp / "swapfile").c_str(), &st), 0);
    const DevNo fsdev{::major(st.st_dev), ::minor(st.st_dev)};
    t.block({"vda2", {254, 2}, "", "", {}});
    Block fs{"dm-7", fsdev, "cryptroot", std::string("CRYPT-LUKS2-") + kLuks2Hex + "-cryptroot", {"vda2"}};
    t.block(fs);
    t.inspector.facts["cryptroot"] = crypt("LUKS2", "aes", "xts-plain64");
    t.swaps({"/swapfile file 8388604 0 -2"});

    auto v = t.verdict();
    EXPECT_EQ(v.protection, ImageProtection::EncryptedOnly);
    EXPECT_EQ(v.block, HibernationBlock::NotAuthenticated);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("swap file /swapfile"),
                                 HasSubstr("its file system is on /dev/dm-7 (cryptroot)"),
                                 HasSubstr("encrypted but not authenticated"),
                                 HasSubstr("nothing authenticates them")));
    EXPECT_EQ(v.target, fsdev);

    // The same file system on LUKS2 --integrity: the file's blocks are
    // authenticated, but the image writer (which must flush dm-integrity)
    // writes to swap partitions only, so this is refused as unsupported.
    t.inspector.facts["cryptroot"] = crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32);
    v = t.verdict();
    EXPECT_EQ(v.protection, ImageProtection::Authenticated);
    EXPECT_EQ(v.block, HibernationBlock::Unsupported);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("swap file /swapfile (its file system is on /dev/dm-7"),
                                 HasSubstr("swap partitions only")));
}

TEST(HibernationCheck, SwapOnMdIsUnsupported)
{
    Tree t;
    t.block({"vda1", {254, 1}, "", "", {}});
    t.block({"vdb1", {254, 17}, "", "", {}});
    t.block({"md0", {9, 0}, "", "", {"vda1", "vdb1"}});
    t.block({"dm-1", {253, 1}, "cryptswap", std::string("CRYPT-LUKS2-") + kLuks2Hex + "-cryptswap", {"md0"}});
    t.inspector.facts["cryptswap"] = crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32);
    t.swaps({"/dev/dm-1 partition 8388604 0 -2"});
    const auto v = t.verdict();
    EXPECT_EQ(v.protection, ImageProtection::Authenticated);
    EXPECT_EQ(v.block, HibernationBlock::Unsupported);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("md0"), HasSubstr("not tested")));
}

TEST(HibernationCheck, SwapFileOnUnencryptedAndOnUnknownFilesystem)
{
    Tree t;
    write_file(t.tmp / "swapfile", "x");
    struct stat st{};
    ASSERT_EQ(::stat((t.tmp / "swapfile").c_str(), &st), 0);
    t.swaps({"/swapfile file 1048572 0 -2"});
    // No /sys/dev/block entry for the file system (btrfs, tmpfs, NFS).
    auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("swap file /swapfile"), HasSubstr("not a block device")));

    t.block({"vda1", {::major(st.st_dev), ::minor(st.st_dev)}, "", "", {}});
    v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unencrypted);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.blocker, HasSubstr("swap file /swapfile (its file system is on /dev/vda1) is not encrypted"));
}

TEST(HibernationCheck, ZramOnlyIsRefused)
{
    Tree t;
    t.block({"zram0", {252, 0}, "", "", {}});
    t.swaps({"/dev/zram0 partition 4194300 0 100"});
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::VolatileSwap);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("/dev/zram0"), HasSubstr("lost at power-off")));
}

TEST(HibernationCheck, ZramIsSkippedForTheDiskSwap)
{
    Tree t;
    t.block({"zram0", {252, 0}, "", "", {}});
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({"/dev/zram0 partition 4194300 0 100", kSwapLine});
    auto v = t.verdict();
    EXPECT_EQ(v.swap, "/dev/dm-1") << "zram is skipped although its priority is higher";
    EXPECT_EQ(v.block, HibernationBlock::ResumeUnset);
    EXPECT_TRUE(code_fits(v));
    t.resume("253:1");
    v = t.verdict();
    EXPECT_TRUE(v.allowed()) << v.blocker;
    EXPECT_EQ(v.swap, "/dev/dm-1");
}

TEST(HibernationCheck, CryptOverZramIsStillVolatile)
{
    Tree t;
    t.block({"zram0", {252, 0}, "", "", {}});
    t.block({"dm-0", {253, 0}, "zswap", std::string("CRYPT-LUKS2-") + kLuks2Hex + "-zswap", {"zram0"}});
    t.inspector.facts["zswap"] = crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32);
    t.swaps({"/dev/mapper/zswap partition 4194300 0 100"});
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::VolatileSwap);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("swap /dev/mapper/zswap"), HasSubstr("zram0")));
    EXPECT_EQ(v.blocker_code, "swap-in-ram");
    EXPECT_EQ(v.blocker_device, "/dev/mapper/zswap");
}

TEST(HibernationCheck, NoSwap)
{
    Tree t;
    auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::NoSwap);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.blocker, HasSubstr("no swap is active"));
    EXPECT_EQ(v.blocker_code, "no-swap");
    EXPECT_EQ(v.blocker_device, "");
    EXPECT_EQ(v.swap_index, std::nullopt);

    write_file(t.tmp / "old", "");
    t.swaps({"/old\\040(deleted) file 1000 0 -2"});
    v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::NoSwap);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.blocker, HasSubstr("/old (deleted)"));
    EXPECT_EQ(v.blocker_code, "no-usable-swap");
}

TEST(HibernationCheck, ResumePointsElsewhere)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.block({"vda3", {254, 3}, "", "", {}});
    t.swaps({kSwapLine});
    t.resume("254:3");
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::ResumeMismatch);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("/sys/power/resume points at 254:3 (/dev/vda3)"),
                                 HasSubstr("not an active swap"), HasSubstr("/dev/dm-1 (253:1)")));
    EXPECT_EQ(v.blocker_code, "resume-mismatch");
    EXPECT_EQ(v.blocker_device, "/dev/vda3") << "the device /sys/power/resume names";
}

TEST(HibernationCheck, ResumeAtAnotherDeviceSaysHowToPointIt)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.uuid("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "dm-1");
    t.block({"vdb1", {254, 17}, "", "", {}});
    t.swaps({kSwapLine});
    t.resume("254:17");
    auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::ResumeMismatch);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("/sys/power/resume points at 254:17 (/dev/vdb1)"),
                                 HasSubstr("To point it at swap /dev/dm-1, add "
                                           "resume=UUID=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 to the kernel command line"),
                                 HasSubstr("RESUME=UUID=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 into "
                                           "/etc/initramfs-tools/conf.d/resume"),
                                 HasSubstr("update-initramfs -u"), Not(HasSubstr("clear it"))));
    EXPECT_EQ(to_string(v.block), "resume-mismatch");

    // Pointed at the swap: accepted.
    t.resume("253:1");
    EXPECT_TRUE(t.verdict().allowed());
}

TEST(HibernationCheck, ResumeUnsetIsRefused)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({kSwapLine});
    t.resume("0:0");
    auto v = t.verdict();
    EXPECT_FALSE(v.allowed());
    EXPECT_EQ(v.block, HibernationBlock::ResumeUnset);
    EXPECT_TRUE(code_fits(v));
    EXPECT_EQ(to_string(v.block), "resume-unset");
    EXPECT_EQ(v.protection, ImageProtection::Authenticated) << "the protection is still reported";
    EXPECT_EQ(v.swap, "/dev/dm-1");
    EXPECT_EQ(v.target, (DevNo{253, 1}));
    // Without a /dev/disk/by-uuid link the hint says where to get the UUID.
    EXPECT_THAT(v.blocker,
                AllOf(HasSubstr("/sys/power/resume is unset (0:0)"),
                      HasSubstr("the next boot would not look for the hibernation image on swap /dev/dm-1"),
                      HasSubstr("add resume=UUID=<UUID> to the kernel command line"),
                      HasSubstr("RESUME=UUID=<UUID> into /etc/initramfs-tools/conf.d/resume and run update-initramfs -u"),
                      HasSubstr("'blkid -s UUID -o value /dev/dm-1'")));
    EXPECT_EQ(v.summary, v.blocker);

    t.uuid("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "dm-1");
    v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::ResumeUnset);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("resume=UUID=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 "),
                                 HasSubstr("RESUME=UUID=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 "), Not(HasSubstr("blkid"))));

    // Junk names in by-uuid are not offered as a UUID.
    Tree u;
    u.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    u.swaps({kSwapLine});
    u.uuid("not a uuid; rm -rf", "dm-1");
    EXPECT_THAT(u.verdict().blocker, HasSubstr("resume=UUID=<UUID>"));
}

TEST(HibernationCheck, ResumeUnsetDoesNotHideAnUnprotectedSwap)
{
    Tree t;
    t.block({"vda3", {254, 3}, "", "", {}});
    t.swaps({"/dev/vda3 partition 8388604 0 -2"});
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unencrypted);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.summary, HasSubstr("also, /sys/power/resume is unset (0:0)"));
    EXPECT_THAT(v.blocker, Not(HasSubstr("resume")));
}

TEST(HibernationCheck, SwapFileResumeOffsetMustMatch)
{
    // Swap files are refused as unsupported by the writer anyway; the offset
    // still decides whether resume= names the file, and a mismatch is said.
    Tree t;
    write_file(t.tmp / "swapfile", "x");
    struct stat st{};
    ASSERT_EQ(::stat((t.tmp / "swapfile").c_str(), &st), 0);
    const DevNo fsdev{::major(st.st_dev), ::minor(st.st_dev)};
    t.block({"vda2", {254, 2}, "", "", {}});
    t.block({"dm-7", fsdev, "cryptroot", std::string("CRYPT-LUKS2-") + kLuks2Hex + "-cryptroot", {"vda2"}});
    t.inspector.facts["cryptroot"] = crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32);
    t.swaps({"/swapfile file 8388604 0 -2"});
    t.resume(to_string(fsdev));
    HibernationFacts f = t.facts();
    ASSERT_EQ(f.swaps.size(), 1u);
    f.swaps[0].file_offset_pages = 34816;

    f.resume_offset = 34816;
    auto v = classify_hibernation(f, {});
    EXPECT_EQ(v.choice, "/sys/power/resume points at it");
    EXPECT_EQ(v.target_offset, 34816u);
    EXPECT_EQ(v.block, HibernationBlock::Unsupported);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.summary, Not(HasSubstr("also")));

    f.resume_offset = 4096;
    v = classify_hibernation(f, {});
    EXPECT_EQ(v.block, HibernationBlock::Unsupported) << "the more basic problem is named first";
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.summary, AllOf(HasSubstr("also, /sys/power/resume points at " + to_string(fsdev)),
                                 HasSubstr("at offset 4096"), HasSubstr("not an active swap")));

    // An offset that FIEMAP could not tell is no match either.
    f.resume_offset = 34816;
    f.swaps[0].file_offset_pages = std::nullopt;
    v = classify_hibernation(f, {});
    EXPECT_NE(v.choice, "/sys/power/resume points at it");
    EXPECT_THAT(v.summary, HasSubstr("at offset 34816, which is not an active swap"));
}

// The writer's format is the kernel's for 4096-byte pages: any other page
// size (arm64 and ppc64 kernels with 16 or 64 KiB pages) is refused before
// anything else is judged, and so is one that could not be read.
TEST(HibernationCheck, PageSizeOtherThan4096IsRefused)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({kSwapLine});
    t.resume("253:1");
    HibernationFacts f = t.facts();
    EXPECT_EQ(f.page_size, 4096u) << "gathered from sysconf(_SC_PAGESIZE) on this host";
    EXPECT_TRUE(classify_hibernation(f, {}).allowed());
    for (const uint64_t page : {16384u, 65536u}) {
        f.page_size = page;
        const auto v = classify_hibernation(f, {});
        EXPECT_EQ(v.block, HibernationBlock::Unsupported);
        EXPECT_EQ(v.blocker_code, "page-size-unsupported");
        EXPECT_TRUE(code_fits(v));
        EXPECT_THAT(v.blocker, AllOf(HasSubstr(std::to_string(page) + "-byte pages"),
                                     HasSubstr("4096-byte pages only"), HasSubstr("would not resume")));
    }
    f.page_size = 0;
    const auto v = classify_hibernation(f, {});
    EXPECT_EQ(v.blocker_code, "page-size-unsupported");
    EXPECT_THAT(v.blocker, HasSubstr("cannot tell the page size"));
}

TEST(HibernationCheck, AnUnprotectedSwapIsNamedBeforeAResumeMismatch)
{
    // resume= names the authenticated swap from boot, but only a plain
    // swap is active: its lack of encryption is the problem to state.
    Tree t;
    t.block({"vdc", {254, 32}, "", "", {}});
    t.block({"dm-1", {253, 1}, "cryptswap", std::string("CRYPT-LUKS2-") + kLuks2Hex + "-cryptswap", {}});
    t.swaps({"/dev/vdc partition 8388604 0 -2"});
    t.resume("253:1");
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unencrypted);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.blocker, HasSubstr("swap /dev/vdc is not encrypted"));
    EXPECT_THAT(v.summary, HasSubstr("also, /sys/power/resume points at 253:1"));
}

TEST(HibernationCheck, ResumeAtZram)
{
    Tree t;
    t.block({"zram0", {252, 0}, "", "", {}});
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({"/dev/zram0 partition 4194300 0 100", kSwapLine});
    t.resume("252:0");
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::VolatileSwap);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("252:0 (/dev/zram0)"), HasSubstr("in RAM")));
}

TEST(HibernationCheck, ResumeSelectsALowerPrioritySwap)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.block({"vda3", {254, 3}, "", "", {}});
    t.swaps({"/dev/vda3 partition 8388604 0 10", kSwapLine});
    t.resume("253:1");
    auto v = t.verdict();
    EXPECT_TRUE(v.allowed()) << v.blocker;
    EXPECT_EQ(v.swap, "/dev/dm-1");
    EXPECT_EQ(v.choice, "/sys/power/resume points at it");

    // Without resume=, systemd takes the higher priority: the plain one.
    t.resume("0:0");
    v = t.verdict();
    EXPECT_EQ(v.swap, "/dev/vda3");
    EXPECT_EQ(v.block, HibernationBlock::Unencrypted);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.choice, HasSubstr("highest priority (10)"));
}

TEST(HibernationCheck, ResumeOffsetMustMatchForAPartition)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({kSwapLine});
    t.resume("253:1");
    t.resume_offset(34816);
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::ResumeMismatch);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.blocker, HasSubstr("at offset 34816"));
}

TEST(HibernationCheck, SeveralSwapsPickedAsSystemdDoes)
{
    Tree t;
    for (int i = 0; i < 3; i++) {
        const std::string n = "vd" + std::string(1, static_cast<char>('a' + i));
        t.block({n, {254, static_cast<uint32_t>(16 * i)}, "", "", {}});
    }
    // Same priority: the most free space wins; a tie goes to the later one.
    t.swaps({"/dev/vda partition 8388604 4000000 5", "/dev/vdb partition 8388604 0 5", "/dev/vdc partition 8388604 0 5"});
    auto v = t.verdict();
    EXPECT_EQ(v.swap, "/dev/vdc");
    t.swaps({"/dev/vda partition 8388604 0 5", "/dev/vdb partition 8388604 0 7", "/dev/vdc partition 8388604 100 5"});
    v = t.verdict();
    EXPECT_EQ(v.swap, "/dev/vdb");
    EXPECT_THAT(v.choice, HasSubstr("highest priority (7)"));
}

TEST(HibernationCheck, SwapTooSmallForImageSize)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    // 1 GiB free, image_size 1638 MiB (2/5 of 4 GiB).
    t.swaps({"/dev/dm-1 partition 1048576 0 -2"});
    t.resume("253:1");
    auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::SwapTooSmall);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("swap /dev/dm-1 has 1024 MiB free"), HasSubstr("1642 MiB"),
                                 HasSubstr("image_size 1638 MiB")));
    EXPECT_EQ(v.protection, ImageProtection::Authenticated) << "the protection is still reported";

    // A smaller image_size makes it fit; exactly image + 4 MiB is not enough (the kernel wants more).
    t.image_size(512ULL << 20);
    t.meminfo(4ULL << 20, 100);
    EXPECT_TRUE(t.verdict().allowed());
    t.swaps({"/dev/dm-1 partition " + std::to_string(512 * 1024 + 4096) + " 0 -2"});
    EXPECT_EQ(t.verdict().block, HibernationBlock::SwapTooSmall);
    t.swaps({"/dev/dm-1 partition " + std::to_string(512 * 1024 + 4097) + " 0 -2"});
    EXPECT_TRUE(t.verdict().allowed());
}

TEST(HibernationCheck, SwapTooSmallByDefaultRuleAndByUsedSpace)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    fs::remove(t.tmp / "sys/power/image_size");
    t.meminfo(8ULL << 20, 100); // 8 GiB RAM: the image may need 2/5 = 3277 MiB
    t.resume("253:1");
    t.swaps({"/dev/dm-1 partition 4194304 1048576 -2"}); // 4 GiB, 1 GiB used
    auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::SwapTooSmall);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("3072 MiB free"), HasSubstr("2/5 of 8192 MiB RAM")));
    t.swaps({"/dev/dm-1 partition 4194304 0 -2"});
    EXPECT_TRUE(t.verdict().allowed());
}

TEST(HibernationCheck, SwapTooSmallForSystemdActiveAnonRule)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.image_size(0);
    t.meminfo(16ULL << 20, 8ULL << 20); // 8 GiB of active anonymous memory
    t.swaps({"/dev/dm-1 partition 8388604 0 -2"});
    t.resume("253:1");
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::SwapTooSmall);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.blocker, HasSubstr("active anonymous memory"));
}

TEST(HibernationCheck, LvmOverAuthenticatedLuksIsRefused)
{
    // The image would be protected, but after the resume lockdown-hibernate
    // suspends the PV's crypt and integrity layers under the volume group,
    // which may hold other volumes: refused, even with no other LV yet.
    Tree t;
    t.luks2_integrity_stack("cryptpv", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.block({"dm-2", {253, 2}, "vg-swap", "LVM-abcdefABCDEF", {"dm-1"}});
    t.swaps({"/dev/mapper/vg-swap partition 8388604 0 -2"});
    t.resume("253:2");
    auto v = t.verdict();
    EXPECT_FALSE(v.allowed());
    EXPECT_EQ(v.block, HibernationBlock::SharedLayer);
    EXPECT_TRUE(code_fits(v));
    EXPECT_EQ(v.protection, ImageProtection::Authenticated) << "the protection is still reported";
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("swap /dev/mapper/vg-swap (/dev/dm-2)"),
                                 HasSubstr("dm-integrity layer /dev/dm-0 (cryptpv_dif)"),
                                 HasSubstr("through /dev/dm-2 (vg-swap)"), HasSubstr("LVM"),
                                 HasSubstr("must suspend and reload the dm-integrity layer after a resume"),
                                 HasSubstr("stall"), HasSubstr("stale")));
    ASSERT_EQ(t.inspector.asked.size(), 1u) << "LVM's own devices are not asked about";

    // A second LV in the volume group (the root file system) is named as
    // another user of the crypt layer.
    t.block({"dm-3", {253, 3}, "vg-root", "LVM-abcdefABCDEG", {"dm-1"}});
    v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::SharedLayer);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("/dev/dm-1 (cryptpv), the dm-crypt layer above the dm-integrity layer "
                                           "/dev/dm-0 (cryptpv_dif)"),
                                 HasSubstr("also used by /dev/dm-3 (vg-root)"), Not(HasSubstr("dm-2 (vg-swap),"))));
}

TEST(HibernationCheck, LvmBelowTheIntegrityLayerIsFine)
{
    // LUKS2 --integrity on a logical volume: nothing the writer suspends
    // is shared, whatever else the volume group holds.
    Tree t;
    t.block({"vda2", {254, 2}, "", "", {}});
    t.block({"dm-5", {253, 5}, "vg-cryptswap", "LVM-abcdefABCDEF", {"vda2"}});
    t.block({"dm-6", {253, 6}, "vg-root", "LVM-abcdefABCDEG", {"vda2"}});
    t.block({"dm-0", {253, 0}, "cryptswap_dif", std::string("CRYPT-SUBDEV-") + kLuks2Hex + "-cryptswap_dif", {"dm-5"}});
    t.block({"dm-1", {253, 1}, "cryptswap", std::string("CRYPT-LUKS2-") + kLuks2Hex + "-cryptswap", {"dm-0"}});
    t.inspector.facts["cryptswap"] = crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32);
    t.swaps({kSwapLine});
    t.resume("253:1");
    const auto v = t.verdict();
    EXPECT_TRUE(v.allowed()) << v.blocker;
}

TEST(HibernationCheck, HappyPathReadsHoldersAndUuid)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.uuid("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "dm-1");
    t.uuid("11111111-2222-3333-4444-555555555555", "vda2"); // another device's link
    t.swaps({kSwapLine});
    t.resume("253:1");
    const auto f = t.facts();
    ASSERT_EQ(f.swaps.size(), 1u);
    const auto& layers = f.swaps[0].layers;
    ASSERT_EQ(layers.size(), 3u);
    EXPECT_EQ(f.swaps[0].uuid, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
    EXPECT_THAT(layers[0].holders, IsEmpty());
    EXPECT_THAT(layers[1].holders, ElementsAre(BlockHolder{"dm-1", "cryptswap"}));
    EXPECT_THAT(layers[2].holders, ElementsAre(BlockHolder{"dm-0", "cryptswap_dif"}));
    for (const auto& l : layers)
        EXPECT_EQ(l.holders_error, "") << l.name;
    const auto v = classify_hibernation(f, {});
    EXPECT_TRUE(v.allowed()) << v.blocker;
    EXPECT_EQ(v.choice, "/sys/power/resume points at it");
    EXPECT_EQ(v.summary.find("also"), std::string::npos) << v.summary;
}

TEST(HibernationCheck, OtherHolderOnTheIntegrityLayer)
{
    // A second mapping made on the same dm-integrity device: it would stall
    // while the writer has the integrity layer suspended.
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.block({"dm-4", {253, 4}, "scratch", "", {"dm-0"}});
    t.swaps({kSwapLine});
    t.resume("253:1");
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::SharedLayer);
    EXPECT_TRUE(code_fits(v));
    EXPECT_EQ(v.protection, ImageProtection::Authenticated);
    EXPECT_THAT(v.blocker,
                AllOf(HasSubstr("/dev/dm-0 (cryptswap_dif), the dm-integrity layer of swap /dev/dm-1, is also used "
                                "by /dev/dm-4 (scratch)"),
                      HasSubstr("lockdown-hibernate must suspend and reload that layer after a resume"),
                      HasSubstr("would stall while it is suspended or see a stale dm-integrity instance"),
                      Not(HasSubstr("/dev/dm-1 (cryptswap),"))));
    EXPECT_EQ(to_string(v.block), "shared-layer");
}

TEST(HibernationCheck, OtherHolderOnTheCryptLayer)
{
    // Something stacked on the dm-crypt layer that the writer suspends while
    // it reloads the integrity table below.
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.block({"dm-4", {253, 4}, "", "", {"dm-1"}});
    t.swaps({kSwapLine});
    t.resume("253:1");
    auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::SharedLayer);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("/dev/dm-1 (cryptswap), the dm-crypt layer above the dm-integrity layer "
                                           "/dev/dm-0 (cryptswap_dif) of swap /dev/dm-1, is also used by /dev/dm-4,"),
                                 HasSubstr("must suspend that layer after a resume while it reloads the one below"),
                                 HasSubstr("would stall while it is suspended or see a stale dm-integrity instance")));

    // Two others are all named.
    t.block({"dm-5", {253, 5}, "other", "", {"dm-1"}});
    v = t.verdict();
    EXPECT_THAT(v.blocker, HasSubstr("also used by /dev/dm-4, /dev/dm-5 (other), stacked on it"));
}

TEST(HibernationCheck, OtherHolderBelowTheIntegrityLayerIsFine)
{
    // The disk below is not suspended: other partitions' users do not matter,
    // nor does a second holder of the partition itself.
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.block({"dm-9", {253, 9}, "ro-view", "", {"vda2"}});
    t.swaps({kSwapLine});
    t.resume("253:1");
    const auto v = t.verdict();
    EXPECT_TRUE(v.allowed()) << v.blocker;
}

TEST(HibernationCheck, IntegrityWithoutCryptAboveIsStillChecked)
{
    // A standalone dm-integrity device (integritysetup) under a dm-crypt
    // mapping that cryptsetup made: the same layers are suspended.
    Tree t;
    t.block({"vda2", {254, 2}, "", "", {}});
    t.block({"dm-0", {253, 0}, "int0", "CRYPT-INTEGRITY-int0", {"vda2"}});
    t.block({"dm-1", {253, 1}, "cryptswap", "CRYPT-PLAIN-cryptswap", {"dm-0"}});
    t.block({"dm-2", {253, 2}, "other", "CRYPT-PLAIN-other", {"dm-0"}});
    t.inspector.facts["int0"] = crypt("INTEGRITY", "", "", "hmac(sha256)", 32);
    t.inspector.facts["cryptswap"] = crypt("PLAIN", "aes", "xts-plain64");
    t.swaps({kSwapLine});
    t.resume("253:1");
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::SharedLayer);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("/dev/dm-0 (int0)"), HasSubstr("/dev/dm-2 (other)")));
}

TEST(HibernationCheck, CryptOverCryptOverIntegrityIsRefused)
{
    // Only the dm-crypt layer directly above is suspended with the integrity
    // layer: another layer between it and the swap is not the tested stack.
    Tree t;
    t.luks2_integrity_stack("inner", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.block({"dm-2", {253, 2}, "outer", "CRYPT-PLAIN-outer", {"dm-1"}});
    t.inspector.facts["outer"] = crypt("PLAIN", "aes", "xts-plain64");
    t.swaps({"/dev/dm-2 partition 8388604 0 -2"});
    t.resume("253:2");
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::SharedLayer);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("through /dev/dm-2 (outer), a dm-crypt layer"),
                                 HasSubstr("would not suspend with it")));
}

TEST(HibernationCheck, LvmSpanningAnUnencryptedDisk)
{
    Tree t;
    t.luks2_integrity_stack("cryptpv", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.block({"vdb", {254, 16}, "", "", {}});
    t.block({"dm-2", {253, 2}, "vg-swap", "LVM-abcdefABCDEF", {"dm-1", "vdb"}});
    t.swaps({"/dev/mapper/vg-swap partition 8388604 0 -2"});
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unencrypted);
    EXPECT_TRUE(code_fits(v));
}

TEST(HibernationCheck, SharedLowerDeviceIsJudgedOnEveryPath)
{
    Tree t;
    t.block({"vda2", {254, 2}, "", "", {}});
    t.block({"dm-0", {253, 0}, "a", std::string("CRYPT-LUKS2-") + kLuks2Hex + "-a", {"vda2"}});
    t.block({"dm-1", {253, 1}, "b", "CRYPT-PLAIN-b", {"vda2"}});
    t.block({"dm-2", {253, 2}, "vg-swap", "LVM-x", {"dm-0", "dm-1"}});
    t.inspector.facts["a"] = crypt("LUKS2", "aes", "gcm-random", "aead");
    t.inspector.facts["b"] = crypt("PLAIN", "aes", "xts-plain64");
    t.swaps({"/dev/dm-2 partition 8388604 0 -2"});
    t.resume("253:2");
    auto f = t.facts();
    EXPECT_EQ(f.swaps[0].layers.size(), 4u) << "vda2 is read once";
    auto v = classify_hibernation(f, {});
    EXPECT_EQ(v.block, HibernationBlock::NotAuthenticated);
    EXPECT_TRUE(code_fits(v));
    EXPECT_THAT(v.blocker, HasSubstr("on /dev/dm-1 (b)"));
    t.inspector.facts["b"] = crypt("LUKS2", "aes", "xts-random", "hmac(sha512)", 64);
    EXPECT_TRUE(t.verdict().allowed());
}

TEST(HibernationCheck, CryptFactsUnreadableIsUnverifiableEvenForTheWeakerTier)
{
    Tree t;
    t.crypt_stack(std::string("CRYPT-LUKS2-") + kLuks2Hex + "-cryptswap", {});
    t.inspector.errors["cryptswap"] = "cannot read the dm-crypt mapping cryptswap";
    t.swaps({"/dev/dm-0 partition 8388604 0 -2"});
    for (bool require : {true, false}) {
        const auto v = t.verdict(require);
        EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
        EXPECT_TRUE(code_fits(v));
        EXPECT_EQ(v.protection, ImageProtection::Unknown);
        EXPECT_THAT(v.blocker, AllOf(HasSubstr("cannot verify how swap /dev/dm-0 is protected"),
                                     HasSubstr("cannot read the dm-crypt mapping cryptswap"),
                                     HasSubstr("CAP_SYS_ADMIN")));
    }
}

TEST(HibernationCheck, HeaderOnlyFactsAreNotTrusted)
{
    Tree t;
    CryptFacts f = crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32);
    f.live = false;
    f.source = "the LUKS2 header on /dev/vda2 (the live table was not readable: ...)";
    t.luks2_integrity_stack("cryptswap", f);
    t.swaps({kSwapLine});
    const auto v = t.verdict(false);
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    EXPECT_TRUE(code_fits(v));
    EXPECT_EQ(v.protection, ImageProtection::Unknown);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("LUKS2 header on /dev/vda2"), HasSubstr("integrity hmac(sha256)"),
                                 HasSubstr("CAP_SYS_ADMIN")));
}

TEST(HibernationCheck, AuthenticatedAboveAnUnreadableLayerStillPasses)
{
    Tree t;
    t.block({"vda2", {254, 2}, "", "", {}});
    t.block({"dm-0", {253, 0}, "mystery", "", {"vda2"}});
    t.block({"dm-1", {253, 1}, "cryptswap", std::string("CRYPT-LUKS2-") + kLuks2Hex + "-cryptswap", {"dm-0"}});
    t.inspector.errors["mystery"] = "no access";
    t.inspector.facts["cryptswap"] = crypt("LUKS2", "aes", "gcm-random", "aead");
    t.swaps({kSwapLine});
    t.resume("253:1");
    EXPECT_TRUE(t.verdict().allowed());
}
