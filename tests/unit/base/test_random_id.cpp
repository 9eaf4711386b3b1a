// SPDX-License-Identifier: LGPL-2.1-or-later
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "base/random_id.hpp"

using namespace ldb;

// Every id a JavaScript client can hold exactly: 1 <= id < 2^53. Many
// draws, so that ids of 64 random bits (the old rule) fail at once: each
// is above 2^53 with probability 1 - 2^-11.
TEST(RandomId, ManyDrawsStayInOneTo2Pow53)
{
    std::set<uint64_t> seen;
    uint64_t highest = 0;
    for (int i = 0; i < 20000; i++) {
        const uint64_t id = random_id();
        ASSERT_GE(id, 1u);
        ASSERT_LT(id, kRandomIdLimit) << "draw " << i;
        EXPECT_EQ(uint64_t(double(id)), id) << "not exact in a double";
        highest = std::max(highest, id);
        seen.insert(id);
    }
    // Unpredictable: no repeats, and the top of the range is used (a draw
    // below 2^52 has probability 1/2, all 20000 of them 2^-20000).
    EXPECT_EQ(seen.size(), 20000u);
    EXPECT_GE(highest, kRandomIdLimit / 2);
}

TEST(RandomId, KeepsTheLow53BitsOfTheSource)
{
    EXPECT_EQ(random_id_from([] { return ~uint64_t{0}; }), kRandomIdLimit - 1);
    EXPECT_EQ(random_id_from([] { return uint64_t{42} | (uint64_t{0x7ff} << 53); }), 42u);
}

TEST(RandomId, DrawsAgainOnZero)
{
    // 0 and 2^53 both mask to 0: neither may come out.
    std::vector<uint64_t> words{0, kRandomIdLimit, uint64_t{7} << 53, 5};
    size_t next = 0;
    EXPECT_EQ(random_id_from([&] { return words.at(next++); }), 5u);
    EXPECT_EQ(next, words.size());
}
