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

TEST(Text, HexIdIsSixteenDigits)
{
    EXPECT_EQ(hex_id(0xabc), "0000000000000abc");
}
