// SPDX-License-Identifier: LGPL-2.1-or-later
#include <gtest/gtest.h>

#include "base/text.hpp"

using namespace ldb;

TEST(Text, LinesOfSplitsOnNewlines)
{
    const auto l = lines_of("a\nbb\n\nc");
    ASSERT_EQ(l.size(), 4u);
    EXPECT_EQ(l[0], "a");
    EXPECT_EQ(l[1], "bb");
    EXPECT_EQ(l[2], "");
    EXPECT_EQ(l[3], "c");
}

TEST(Text, LinesOfHasNoEmptyLastLine)
{
    EXPECT_EQ(lines_of("a\n").size(), 1u);
    EXPECT_TRUE(lines_of("").empty());
    EXPECT_EQ(lines_of("\n").size(), 1u);
}

TEST(Text, WordsOfSplitsAtBlanksAndDropsEmptyOnes)
{
    const auto w = words_of("  shutdown\t[platform]\nreboot  ");
    ASSERT_EQ(w.size(), 3u);
    EXPECT_EQ(w[0], "shutdown");
    EXPECT_EQ(w[1], "[platform]");
    EXPECT_EQ(w[2], "reboot");
    EXPECT_TRUE(words_of("").empty());
    EXPECT_TRUE(words_of(" \t\n").empty());
}

TEST(Text, HexIdIsSixteenDigits)
{
    EXPECT_EQ(hex_id(0xabc), "0000000000000abc");
}

TEST(Text, PadRightCountsCharactersNotBytes)
{
    EXPECT_EQ(pad_right("LEVEL", 8), "LEVEL   ");
    EXPECT_EQ(pad_right("GR\u00dcNDE", 8), "GR\u00dcNDE  "); // Ü is two bytes, one character
    EXPECT_EQ(pad_right("", 3), "   ");
}

TEST(Text, PadRightLeavesWideTextAlone)
{
    EXPECT_EQ(pad_right("KERNEL NAME", 4), "KERNEL NAME");
    EXPECT_EQ(pad_right("\u00e4\u00f6\u00fc", 3), "\u00e4\u00f6\u00fc");
}
