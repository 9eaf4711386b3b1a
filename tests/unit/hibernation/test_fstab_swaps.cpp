// SPDX-License-Identifier: LGPL-2.1-or-later
// The swap lines of /etc/fstab (parse_fstab_swaps) and the /dev path a
// source spec names (fstab_spec_path), as the swap guard uses them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "hibernation/fstab_swaps.hpp"

using namespace ldb;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

namespace {

std::vector<FstabSwap> parse(std::string_view text, std::vector<std::string>& warnings)
{
    return parse_fstab_swaps(text, warnings);
}

} // namespace

// ---- parse_fstab_swaps ---------------------------------------------------------

TEST(ParseFstabSwaps, Typical)
{
    std::vector<std::string> warnings;
    const auto s = parse("# /etc/fstab: static file system information.\n"
                         "UUID=0a3407de-014b-458b-b5c1-848e92a327a3 /     ext4 errors=remount-ro 0 1\n"
                         "/dev/vda2 none swap sw 0 0\n"
                         "UUID=86f5ccb3-90cd-4d19-aeb1-4281012d3a72 none swap defaults,pri=10 0 0\n"
                         "tmpfs /tmp tmpfs defaults 0 0\n",
                         warnings);
    EXPECT_THAT(warnings, IsEmpty());
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].spec, "/dev/vda2");
    EXPECT_EQ(s[0].priority, std::nullopt);
    EXPECT_FALSE(s[0].noauto);
    EXPECT_EQ(s[0].line, 3u);
    EXPECT_EQ(s[1].spec, "UUID=86f5ccb3-90cd-4d19-aeb1-4281012d3a72");
    EXPECT_EQ(s[1].priority, 10);
    EXPECT_FALSE(s[1].noauto);
    EXPECT_EQ(s[1].line, 4u);
}

TEST(ParseFstabSwaps, CommentsBlankLinesAndOtherTypesAreSkipped)
{
    std::vector<std::string> warnings;
    const auto s = parse("\n"
                         "   \t \n"
                         "#/dev/vda2 none swap sw 0 0\n"
                         "   # /dev/vda3 none swap sw 0 0\n"
                         "/dev/vda4 /srv xfs defaults 0 2\n"
                         "/dev/vda5 none swapfs sw 0 0\n"
                         "/dev/vda6 none SWAP sw 0 0\n"
                         "/dev/vda7 swap ext4 defaults 0 0\n"
                         "/dev/vda8 none swap\n",
                         warnings);
    EXPECT_THAT(warnings, IsEmpty());
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].spec, "/dev/vda8");
    EXPECT_EQ(s[0].line, 9u);
    EXPECT_EQ(s[0].priority, std::nullopt) << "no options field at all";
    EXPECT_FALSE(s[0].noauto);
}

TEST(ParseFstabSwaps, TabsAndRunsOfBlanksSeparateFields)
{
    std::vector<std::string> warnings;
    const auto s = parse("\t/dev/vda2\t\tnone  \t swap\tpri=3,noauto\t0\t0   \n"
                         "LABEL=swap      none            swap    sw      0       0\n",
                         warnings);
    EXPECT_THAT(warnings, IsEmpty());
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].spec, "/dev/vda2");
    EXPECT_EQ(s[0].priority, 3);
    EXPECT_TRUE(s[0].noauto);
    EXPECT_EQ(s[1].spec, "LABEL=swap");
    EXPECT_EQ(s[1].line, 2u);
}

TEST(ParseFstabSwaps, PriorityAndNoauto)
{
    std::vector<std::string> warnings;
    const auto s = parse("/dev/a none swap pri=0 0 0\n"
                         "/dev/b none swap pri=-1 0 0\n"
                         "/dev/c none swap pri=32767 0 0\n"
                         "/dev/d none swap noauto 0 0\n"
                         "/dev/e none swap pri=1,pri=7 0 0\n"
                         "/dev/f none swap pri=007 0 0\n"
                         "/dev/g none swap prio=5,auto,nofail 0 0\n",
                         warnings);
    EXPECT_THAT(warnings, IsEmpty());
    ASSERT_EQ(s.size(), 7u);
    EXPECT_EQ(s[0].priority, 0);
    EXPECT_EQ(s[1].priority, -1);
    EXPECT_EQ(s[2].priority, 32767);
    EXPECT_EQ(s[3].priority, std::nullopt);
    EXPECT_TRUE(s[3].noauto);
    EXPECT_EQ(s[4].priority, 7) << "the last pri= counts";
    EXPECT_EQ(s[5].priority, 7);
    EXPECT_EQ(s[6].priority, std::nullopt) << "prio= is not pri=";
    EXPECT_FALSE(s[6].noauto) << "auto is not noauto";
    for (size_t i = 0; i < s.size(); i++)
        EXPECT_EQ(s[i].line, i + 1);
}

TEST(ParseFstabSwaps, SeveralOptions)
{
    std::vector<std::string> warnings;
    const auto s = parse("/dev/vda2 none swap defaults,nofail,noauto,x-systemd.makefs,pri=42,discard=once 0 0\n"
                         "/dev/vda3 none swap ,,noauto,, 0 0\n",
                         warnings);
    EXPECT_THAT(warnings, IsEmpty());
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].priority, 42);
    EXPECT_TRUE(s[0].noauto);
    EXPECT_EQ(s[1].priority, std::nullopt);
    EXPECT_TRUE(s[1].noauto);
}

TEST(ParseFstabSwaps, BadPriorityIsNamedAndTheEntrySkipped)
{
    std::vector<std::string> warnings;
    const auto s = parse("/dev/a none swap pri= 0 0\n"                   // empty
                         "/dev/b none swap pri=high 0 0\n"               // not a number
                         "/dev/c none swap pri=32768 0 0\n"              // above the kernel's maximum
                         "/dev/d none swap pri=-2 0 0\n"                 // below -1
                         "/dev/e none swap pri=99999999999999999999 0 0\n" // overflows int
                         "/dev/f none swap pri=5x 0 0\n"                 // trailing junk
                         "/dev/g none swap pri=+5 0 0\n"                 // a sign is not swapon's
                         "/dev/h none swap pri=5\\040 0 0\n"             // escaped junk
                         "/dev/ok none swap noauto,pri=1 0 0\n",
                         warnings);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].spec, "/dev/ok");
    EXPECT_EQ(s[0].line, 9u);
    ASSERT_EQ(warnings.size(), 8u);
    const char* opts[] = {"'pri='", "'pri=high'", "'pri=32768'", "'pri=-2'", "'pri=99999999999999999999'",
                          "'pri=5x'", "'pri=+5'", "'pri=5\\040'"};
    for (size_t i = 0; i < warnings.size(); i++)
        EXPECT_THAT(warnings[i], AllOf(HasSubstr("/etc/fstab line " + std::to_string(i + 1) + ":"),
                                       HasSubstr(opts[i])));
}

TEST(ParseFstabSwaps, BadPriorityWithOtherOptionsStillSkips)
{
    std::vector<std::string> warnings;
    const auto s = parse("/dev/a none swap noauto,pri=x,nofail 0 0\n", warnings);
    EXPECT_THAT(s, IsEmpty());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_THAT(warnings[0], AllOf(HasSubstr("line 1"), HasSubstr("pri=x")));
}

TEST(ParseFstabSwaps, SwapLineWithTooFewFields)
{
    std::vector<std::string> warnings;
    const auto s = parse("/dev/vda2 swap\n"        // the mount point forgotten: no type field
                         "UUID=1234 swap\n"
                         "/dev/vda3\n"             // not recognisably swap: no warning
                         "/dev/vda4 none\n"
                         "/dev/vda5 none swap\n",
                         warnings);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].spec, "/dev/vda5");
    EXPECT_EQ(s[0].line, 5u);
    ASSERT_EQ(warnings.size(), 2u);
    EXPECT_THAT(warnings[0], AllOf(HasSubstr("/etc/fstab line 1:"), HasSubstr("no type field")));
    EXPECT_THAT(warnings[1], AllOf(HasSubstr("/etc/fstab line 2:"), HasSubstr("no type field")));
}

TEST(ParseFstabSwaps, CrlfLineEnds)
{
    std::vector<std::string> warnings;
    const auto s = parse("# written on another system\r\n"
                         "/dev/vda2 none swap\r\n"
                         "/dev/vda3 none swap pri=4\r\n"
                         "/dev/vda4 none swap sw 0 0\r\n"
                         "\r\n"
                         "/dev/vda5 swap\r\n",
                         warnings);
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s[0].spec, "/dev/vda2");
    EXPECT_EQ(s[1].spec, "/dev/vda3");
    EXPECT_EQ(s[1].priority, 4);
    EXPECT_EQ(s[1].line, 3u);
    EXPECT_EQ(s[2].spec, "/dev/vda4");
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_THAT(warnings[0], AllOf(HasSubstr("line 6"), HasSubstr("no type field")));
}

TEST(ParseFstabSwaps, NoTrailingNewline)
{
    std::vector<std::string> warnings;
    const auto s = parse("/dev/vda1 / ext4 defaults 0 1\n/dev/vda2 none swap pri=2", warnings);
    EXPECT_THAT(warnings, IsEmpty());
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].spec, "/dev/vda2");
    EXPECT_EQ(s[0].priority, 2);
    EXPECT_EQ(s[0].line, 2u);
}

TEST(ParseFstabSwaps, EmptyFile)
{
    std::vector<std::string> warnings;
    EXPECT_THAT(parse("", warnings), IsEmpty());
    EXPECT_THAT(parse("\n\n\n", warnings), IsEmpty());
    EXPECT_THAT(parse("# nothing here\n", warnings), IsEmpty());
    EXPECT_THAT(warnings, IsEmpty());
}

TEST(ParseFstabSwaps, SpecKeepsItsEscapes)
{
    std::vector<std::string> warnings;
    const auto s = parse("/swap\\040file none swap sw 0 0\nLABEL=my\\040swap none swap sw 0 0\n", warnings);
    EXPECT_THAT(warnings, IsEmpty());
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].spec, "/swap\\040file") << "as written; fstab_spec_path decodes";
    EXPECT_EQ(s[1].spec, "LABEL=my\\040swap");
}

TEST(ParseFstabSwaps, WarningsAreAppended)
{
    std::vector<std::string> warnings{"earlier"};
    (void)parse("/dev/a none swap pri=x\n", warnings);
    ASSERT_EQ(warnings.size(), 2u);
    EXPECT_EQ(warnings[0], "earlier");
}

// ---- fstab_spec_path -----------------------------------------------------------

TEST(FstabSpecPath, Tags)
{
    EXPECT_EQ(fstab_spec_path("UUID=86f5ccb3-90cd-4d19-aeb1-4281012d3a72"),
              "/dev/disk/by-uuid/86f5ccb3-90cd-4d19-aeb1-4281012d3a72");
    EXPECT_EQ(fstab_spec_path("LABEL=swap"), "/dev/disk/by-label/swap");
    EXPECT_EQ(fstab_spec_path("PARTUUID=0f1e2d3c-01"), "/dev/disk/by-partuuid/0f1e2d3c-01");
    EXPECT_EQ(fstab_spec_path("PARTLABEL=linux-swap"), "/dev/disk/by-partlabel/linux-swap");
    // \055 is '-', which udev keeps as it is in by-label names.
    EXPECT_EQ(fstab_spec_path("LABEL=swap\\055a"), "/dev/disk/by-label/swap-a");
    // As udev names the links: a space becomes \x20; quotes as libmount takes them.
    EXPECT_EQ(fstab_spec_path("LABEL=my\\040swap"), "/dev/disk/by-label/my\\x20swap");
    EXPECT_EQ(fstab_spec_path("LABEL=\"swap\""), "/dev/disk/by-label/swap");
    EXPECT_EQ(fstab_spec_path("PARTLABEL=Linux\\040swap"), "/dev/disk/by-partlabel/Linux\\x20swap");
}

TEST(FstabSpecPath, AbsolutePaths)
{
    EXPECT_EQ(fstab_spec_path("/dev/vda2"), "/dev/vda2");
    EXPECT_EQ(fstab_spec_path("/dev/mapper/vg-swap"), "/dev/mapper/vg-swap");
    EXPECT_EQ(fstab_spec_path("/swapfile"), "/swapfile");
    EXPECT_EQ(fstab_spec_path("/swap\\040file"), "/swap file");
    EXPECT_EQ(fstab_spec_path("/swap\\011file"), "/swap\tfile");
    EXPECT_EQ(fstab_spec_path("/a\\134b"), "/a\\b");
    EXPECT_EQ(fstab_spec_path("/\\040\\040"), "/  ");
    EXPECT_EQ(fstab_spec_path("/x\\377"), std::string("/x\xff"));
}

TEST(FstabSpecPath, BadEscapes)
{
    EXPECT_EQ(fstab_spec_path("/swap\\09"), std::nullopt) << "9 is not an octal digit";
    EXPECT_EQ(fstab_spec_path("/swap\\089x"), std::nullopt);
    EXPECT_EQ(fstab_spec_path("/swap\\04"), std::nullopt) << "truncated";
    EXPECT_EQ(fstab_spec_path("/swap\\0"), std::nullopt);
    EXPECT_EQ(fstab_spec_path("/swap\\"), std::nullopt);
    EXPECT_EQ(fstab_spec_path("/swap\\000x"), std::nullopt) << "NUL";
    EXPECT_EQ(fstab_spec_path("/swap\\x20"), std::nullopt);
    EXPECT_EQ(fstab_spec_path("LABEL=a\\04"), std::nullopt);
    EXPECT_EQ(fstab_spec_path("UUID=a\\000"), std::nullopt);
}

TEST(FstabSpecPath, RawNulIsRefused)
{
    // A NUL would make the path name another file once used as a C string.
    EXPECT_EQ(fstab_spec_path(std::string("/dev/vda\0" "2", 10)), std::nullopt);
    EXPECT_EQ(fstab_spec_path(std::string("LABEL=a\0b", 9)), std::nullopt);
}

TEST(FstabSpecPath, EmptyTagsAndRelativePaths)
{
    EXPECT_EQ(fstab_spec_path(""), std::nullopt);
    EXPECT_EQ(fstab_spec_path("UUID="), std::nullopt);
    EXPECT_EQ(fstab_spec_path("LABEL="), std::nullopt);
    EXPECT_EQ(fstab_spec_path("PARTUUID="), std::nullopt);
    EXPECT_EQ(fstab_spec_path("PARTLABEL="), std::nullopt);
    EXPECT_EQ(fstab_spec_path("vda2"), std::nullopt);
    EXPECT_EQ(fstab_spec_path("dev/vda2"), std::nullopt);
    EXPECT_EQ(fstab_spec_path("./swapfile"), std::nullopt);
    EXPECT_EQ(fstab_spec_path("\\057dev\\057vda2"), std::nullopt) << "an escaped slash is not absolute";
    EXPECT_EQ(fstab_spec_path("uuid=1234"), std::nullopt) << "tags are upper case";
    EXPECT_EQ(fstab_spec_path("ID=1234"), std::nullopt);
    EXPECT_EQ(fstab_spec_path(" /dev/vda2"), std::nullopt);
}

TEST(FstabSpecPath, TagValuesCannotLeaveTheirDirectory)
{
    // udev encodes '/' in link names, so it stays inside the directory.
    EXPECT_EQ(fstab_spec_path("LABEL=a/b"), "/dev/disk/by-label/a\\x2fb");
    EXPECT_EQ(fstab_spec_path("LABEL=../../vda2"), "/dev/disk/by-label/..\\x2f..\\x2fvda2");
    EXPECT_EQ(fstab_spec_path("UUID=.."), std::nullopt);
    EXPECT_EQ(fstab_spec_path("UUID=."), std::nullopt);
    EXPECT_EQ(fstab_spec_path("PARTLABEL=\\056\\056"), std::nullopt) << "escaped ..";
    EXPECT_EQ(fstab_spec_path("PARTUUID=x\\057y"), "/dev/disk/by-partuuid/x\\x2fy") << "escaped /";
    EXPECT_EQ(fstab_spec_path("LABEL=\\057"), "/dev/disk/by-label/\\x2f");
    // Dots inside a name are fine.
    EXPECT_EQ(fstab_spec_path("LABEL=...") , "/dev/disk/by-label/...");
    EXPECT_EQ(fstab_spec_path("LABEL=a..b"), "/dev/disk/by-label/a..b");
}
