// SPDX-License-Identifier: LGPL-2.1-or-later
// The one JSON writer of --json outputs: escaping and member order.
#include <gtest/gtest.h>

#include "base/json.hpp"

using ldb::json_str;
using ldb::JsonObject;

TEST(Json, StringsAreEscaped)
{
    EXPECT_EQ(json_str("a\"b\\c\nd\te"), "\"a\\\"b\\\\c\\nd\\te\"");
    EXPECT_EQ(json_str(std::string_view("\x01", 1)), "\"\\u0001\"");
    EXPECT_EQ(json_str(""), "\"\"");
}

TEST(Json, ObjectKeepsOrderAndTypes)
{
    const auto inner = JsonObject().num("deny", 3).num("allow", 0);
    const auto text = JsonObject()
                          .str("mode", "inte\"grity")
                          .boolean("enforcing", true)
                          .null("cause")
                          .object("reasons", inner)
                          .num("exceptions", 18446744073709551615ull)
                          .text();
    EXPECT_EQ(text, "{\"mode\":\"inte\\\"grity\",\"enforcing\":true,\"cause\":null,"
                    "\"reasons\":{\"deny\":3,\"allow\":0},\"exceptions\":18446744073709551615}");
    EXPECT_EQ(JsonObject().text(), "{}");
}
