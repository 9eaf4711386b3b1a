// SPDX-License-Identifier: LGPL-2.1-or-later
// Stage 1 of the hibernation check: the parsers of kernel text.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "fakes/fake_swap_tree.hpp"
#include "fakes/test_support.hpp"
#include "hibernation/kernel_text.hpp"

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
using ldb_test::hibernation::kLuks2Hex;

// ---- parsers ---------------------------------------------------------------------

TEST(ParseDevno, Valid)
{
    EXPECT_EQ(parse_devno("253:1\n"), (DevNo{253, 1}));
    EXPECT_EQ(parse_devno("0:0"), (DevNo{0, 0}));
    EXPECT_EQ(parse_devno("4095:1048575"), (DevNo{4095, 1048575}));
}

TEST(ParseDevno, Junk)
{
    for (const char* s : {"", "\n", ":", "253:", ":1", "253", "253:1:2", "-1:2", "+1:2", " 253:1", "253:1 ",
                          "253:1\n\n", "4096:0", "0:1048576", "99999999999999999999:1", "a:b", "253\n:1", "0x10:1",
                          "/dev/vda2"}) {
        SCOPED_TRACE(s);
        EXPECT_EQ(parse_devno(s), std::nullopt);
    }
    EXPECT_EQ(parse_devno(std::string_view("253:1\0", 6)), std::nullopt);
}

TEST(ParseU64, ValidAndJunk)
{
    EXPECT_EQ(parse_u64("0\n"), 0u);
    EXPECT_EQ(parse_u64("18446744073709551615"), UINT64_MAX);
    for (const char* s : {"", "18446744073709551616", "-1", "1.5", "12 ", " 12", "1e3", "0x10"}) {
        SCOPED_TRACE(s);
        EXPECT_EQ(parse_u64(s), std::nullopt);
    }
}

TEST(UnescapeOctal, KernelEscapes)
{
    EXPECT_EQ(unescape_octal("/swap\\040file"), "/swap file");
    EXPECT_EQ(unescape_octal("/a\\011b\\012c\\134d"), "/a\tb\nc\\d");
    EXPECT_EQ(unescape_octal("/x\\040(deleted)"), "/x (deleted)");
    // Not an escape: left alone.
    EXPECT_EQ(unescape_octal("\\"), "\\");
    EXPECT_EQ(unescape_octal("\\04"), "\\04");
    EXPECT_EQ(unescape_octal("\\400"), "\\400");
    EXPECT_EQ(unescape_octal("\\08x"), "\\08x");
    EXPECT_EQ(unescape_octal("end\\"), "end\\");
}

TEST(ParseProcSwaps, Typical)
{
    std::vector<std::string> warnings;
    const auto e = parse_proc_swaps("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
                                    "/dev/dm-1                               partition\t8388604\t\t1024\t\t-2\n"
                                    "/swap\\040file                          file\t\t1048572\t\t0\t\t10\n"
                                    "/old\\040(deleted)                      file\t\t1000\t\t0\t\t-3\n",
                                    warnings);
    EXPECT_THAT(warnings, IsEmpty());
    ASSERT_EQ(e.size(), 3u);
    EXPECT_EQ(e[0].path, "/dev/dm-1");
    EXPECT_EQ(e[0].type, SwapType::Partition);
    EXPECT_EQ(e[0].size_kib, 8388604u);
    EXPECT_EQ(e[0].used_kib, 1024u);
    EXPECT_EQ(e[0].priority, -2);
    EXPECT_EQ(e[0].line, 2u);
    EXPECT_EQ(e[1].path, "/swap file");
    EXPECT_EQ(e[1].type, SwapType::File);
    EXPECT_EQ(e[1].priority, 10);
    EXPECT_FALSE(e[1].deleted);
    EXPECT_EQ(e[2].path, "/old (deleted)");
    EXPECT_TRUE(e[2].deleted);
}

TEST(ParseProcSwaps, HeaderOnlyAndEmpty)
{
    std::vector<std::string> warnings;
    EXPECT_THAT(parse_proc_swaps("Filename\tType\tSize\tUsed\tPriority\n", warnings), IsEmpty());
    EXPECT_THAT(parse_proc_swaps("", warnings), IsEmpty());
    EXPECT_THAT(warnings, IsEmpty());
}

TEST(ParseProcSwaps, BadLinesAreSkippedAndNamed)
{
    std::vector<std::string> warnings;
    const auto e = parse_proc_swaps("Filename\tType\tSize\tUsed\tPriority\n"
                                    "/dev/vda3 partition 1000\n"             // truncated
                                    "/dev/vda4 partition 1000 0 -2 extra\n"  // too long
                                    "/dev/vda5 partition 1k 0 -2\n"          // junk number
                                    "/dev/vda6 partition 1000 0 99999999999\n" // priority overflow
                                    "/dev/vda7 partition 1000 -1 -2\n"       // negative used
                                    "\n"
                                    "/dev/vda8 partition 2000 0 -3\n"
                                    "/dev/vda9 partit",                      // cut off at EOF
                                    warnings);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].path, "/dev/vda8");
    EXPECT_EQ(e[0].line, 8u);
    ASSERT_EQ(warnings.size(), 6u);
    EXPECT_THAT(warnings[0], AllOf(HasSubstr("line 2"), HasSubstr("too few fields")));
    EXPECT_THAT(warnings[1], AllOf(HasSubstr("line 3"), HasSubstr("too many fields")));
    EXPECT_THAT(warnings[2], HasSubstr("line 4"));
    EXPECT_THAT(warnings[5], HasSubstr("line 9"));
}

TEST(ParseProcSwaps, NoHeaderAndUnknownType)
{
    std::vector<std::string> warnings;
    const auto e = parse_proc_swaps("/dev/vda3 partition 1000 0 -2\n/dev/x weird 1 0 0\n", warnings);
    ASSERT_EQ(e.size(), 2u);
    EXPECT_EQ(e[0].path, "/dev/vda3");
    EXPECT_EQ(e[1].type, SwapType::Other);
    EXPECT_EQ(e[1].type_text, "weird");
}

TEST(ParseProcSwaps, FloodIsBounded)
{
    std::string text = "Filename\tType\tSize\tUsed\tPriority\n";
    for (int i = 0; i < 200; i++)
        text += "/dev/vd" + std::to_string(i) + " partition 1000 0 -2\n";
    for (int i = 0; i < 200; i++)
        text += "junk\n";
    std::vector<std::string> warnings;
    const auto e = parse_proc_swaps(text, warnings);
    EXPECT_EQ(e.size(), 64u);
    EXPECT_LE(warnings.size(), 9u);
    EXPECT_THAT(warnings.back(), HasSubstr("more malformed lines"));
}

TEST(ParseMeminfo, Fields)
{
    const std::string m = "MemTotal:       16318416 kB\nMemFree:  1 kB\nActive(anon):     123 kB\nHugePages_Total:  0\n";
    EXPECT_EQ(parse_meminfo_kib(m, "MemTotal"), 16318416u);
    EXPECT_EQ(parse_meminfo_kib(m, "Active(anon)"), 123u);
    EXPECT_EQ(parse_meminfo_kib(m, "HugePages_Total"), 0u);
    EXPECT_EQ(parse_meminfo_kib(m, "Active"), std::nullopt);
    EXPECT_EQ(parse_meminfo_kib(m, "Mem"), std::nullopt);
    EXPECT_EQ(parse_meminfo_kib("MemTotal: lots kB\n", "MemTotal"), std::nullopt);
    EXPECT_EQ(parse_meminfo_kib("MemTotal:", "MemTotal"), std::nullopt);
    EXPECT_EQ(parse_meminfo_kib("", "MemTotal"), std::nullopt);
}

TEST(ParseDmUuid, CryptsetupForms)
{
    auto u = parse_dm_uuid(std::string("CRYPT-LUKS2-") + kLuks2Hex + "-cryptswap");
    EXPECT_TRUE(u.cryptsetup);
    EXPECT_EQ(u.type, "LUKS2");
    EXPECT_EQ(u.header_uuid, kLuks2Hex);
    EXPECT_EQ(u.name, "cryptswap");

    u = parse_dm_uuid(std::string("CRYPT-SUBDEV-") + kLuks2Hex + "-swap-with-dash_dif");
    EXPECT_EQ(u.type, "SUBDEV");
    EXPECT_EQ(u.name, "swap-with-dash_dif");

    u = parse_dm_uuid("CRYPT-PLAIN-swap");
    EXPECT_EQ(u.type, "PLAIN");
    EXPECT_EQ(u.header_uuid, "");
    EXPECT_EQ(u.name, "swap");

    u = parse_dm_uuid("CRYPT-INTEGRITY-int0");
    EXPECT_EQ(u.type, "INTEGRITY");

    u = parse_dm_uuid(std::string("CRYPT-LUKS1-") + "86F5CCB390CD4D19AEB14281012D3A72" + "-x");
    EXPECT_EQ(u.header_uuid, kLuks2Hex) << "hex is compared in lower case";
}

TEST(ParseDmUuid, NotCryptsetupOrBroken)
{
    for (const char* s : {"", "LVM-abcdef", "crypt-LUKS2-x", "CRYPT-", "CRYPT--name", "CRYPT-luks2-x", "CRYPT-LU KS-x"}) {
        SCOPED_TRACE(s);
        EXPECT_FALSE(parse_dm_uuid(s).cryptsetup);
    }
    // Too short to hold a header uuid: all of it is the name.
    const auto u = parse_dm_uuid("CRYPT-LUKS2-abc-name");
    EXPECT_TRUE(u.cryptsetup);
    EXPECT_EQ(u.header_uuid, "");
    EXPECT_EQ(u.name, "abc-name");
}

TEST(ParseHolders, SortedAndUnique)
{
    std::string err;
    EXPECT_EQ(parse_holders({}, err), std::vector<std::string>{});
    EXPECT_EQ(parse_holders({"dm-3", "dm-10", "dm-3", "nvme0n1p2", "cciss!c0d0"}, err),
              (std::vector<std::string>{"cciss!c0d0", "dm-10", "dm-3", "nvme0n1p2"}));
    EXPECT_EQ(err, "");
    EXPECT_EQ(parse_holders({std::string(64, 'x')}, err), std::vector<std::string>{std::string(64, 'x')});
}

TEST(ParseHolders, Junk)
{
    for (const std::string& bad : {std::string(""), std::string("."), std::string(".."), std::string("a/b"),
                                  std::string("dm 3"), std::string("dm-3\n"), std::string("dm-3\t"),
                                  std::string("dm\x01"), std::string("dm\x7f"), std::string("d\xc3\xa9"),
                                  std::string("dm-3\0x", 6), std::string(65, 'x')}) {
        SCOPED_TRACE(bad);
        std::string err;
        EXPECT_EQ(parse_holders({"dm-1", bad}, err), std::nullopt);
        EXPECT_THAT(err, HasSubstr("is not a block device name"));
        for (char c : err)
            EXPECT_TRUE(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) << "the message is printable";
    }
    std::vector<std::string> many;
    for (size_t i = 0; i <= kMaxHolders; i++)
        many.push_back("dm-" + std::to_string(i));
    std::string err;
    EXPECT_EQ(parse_holders(many, err), std::nullopt);
    EXPECT_THAT(err, HasSubstr("more than 256"));
    many.pop_back();
    EXPECT_EQ(parse_holders(many, err)->size(), kMaxHolders);
}

