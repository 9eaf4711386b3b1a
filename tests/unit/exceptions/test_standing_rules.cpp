// SPDX-License-Identifier: LGPL-2.1-or-later
// exceptions.d rules: a good file parses, a bad one is refused naming the
// file and line, and loading a directory skips bad files and duplicate
// units but keeps the rest.
#include <gtest/gtest.h>

#include "base/ini.hpp"
#include "exceptions/standing_rules.hpp"
#include "fakes/synthetic_btf.hpp"
#include "fakes/test_support.hpp"

using namespace ldb;

namespace {

const ReasonCatalog& cat()
{
    return ldb_test::catalog_6_1();
}

} // namespace

TEST(StandingRule, Parses)
{
    const auto r = parse_standing_rule("# undervolting\n[Exception]\nUnit=undervolt.service\nReasons=msr  dev-mem msr\n",
                                       "u.conf", cat());
    EXPECT_EQ(r.unit, "undervolt.service");
    EXPECT_EQ(r.reasons, (std::vector<std::string>{"msr", "dev-mem"}));
    EXPECT_EQ(r.file, "u.conf");
}

TEST(StandingRule, RefusesBadFilesNamingTheLine)
{
    struct Case {
        const char* text;
        const char* says;
    } cases[] = {
        {"[Exception]\nUnit=a.service\nReasons=warp-drive\n", "u.conf:3: unknown lockdown reason 'warp-drive'"},
        {"[Exception]\nUnit=../../etc\nReasons=msr\n", "u.conf:2: '../../etc' is not a unit name"},
        {"[Exception]\nUnit=a.service\nUnit=b.service\nReasons=msr\n", "u.conf:3: Unit= given twice"},
        {"[Exception]\nReasons=msr\n", "no Unit="},
        {"[Exception]\nUnit=a.service\n", "no Reasons="},
        {"[Exception]\nUnit=a.service\nReasons=\n", "u.conf:3: Reasons= is empty"},
        {"[Service]\nUnit=a.service\n", "u.conf:2: unknown section [Service]"},
        {"[Exception]\nUnit=a.service\nReasons=msr\nUser=root\n", "u.conf:4: unknown key 'User'"},
        {"Unit=a.service\n", "u.conf:1"},
    };
    for (const auto& c : cases) {
        const Error e = ldb_test::catch_error([&] { parse_standing_rule(c.text, "u.conf", cat()); });
        EXPECT_NE(std::string(e.what()).find(c.says), std::string::npos) << c.text << " -> " << e.what();
    }
}

TEST(StandingRule, LoadSkipsBadFilesAndDuplicateUnitsButKeepsTheRest)
{
    ldb_test::TempDir tmp;
    ldb_test::write_file(tmp / "10-a.conf", "[Exception]\nUnit=a.service\nReasons=msr\n");
    ldb_test::write_file(tmp / "20-bad.conf", "[Exception]\nUnit=b.service\nReasons=nope\n");
    ldb_test::write_file(tmp / "30-dup.conf", "[Exception]\nUnit=a.service\nReasons=dev-mem\n");
    ldb_test::write_file(tmp / "40-c.conf", "[Exception]\nUnit=c.service\nReasons=dev-mem\n");
    ldb_test::write_file(tmp / "50-c.conf.disabled", "[Exception]\nUnit=d.service\nReasons=dev-mem\n");
    std::vector<std::string> bad;
    const auto rules = load_standing_rules(tmp.str(), cat(), bad);
    ASSERT_EQ(rules.size(), 2u);
    EXPECT_EQ(rules[0].unit, "a.service");
    EXPECT_EQ(rules[1].unit, "c.service");
    ASSERT_EQ(bad.size(), 2u);
    EXPECT_NE(bad[0].find("20-bad.conf:3"), std::string::npos) << bad[0];
    EXPECT_NE(bad[1].find("already has Unit=a.service"), std::string::npos) << bad[1];
    bad.clear();
    EXPECT_TRUE(load_standing_rules(tmp.str() + "/missing", cat(), bad).empty());
    EXPECT_TRUE(bad.empty()) << "no directory means no standing exceptions, not an error";
}

TEST(StandingRule, LoadRefusesOverLongAndNonRegularFiles)
{
    ldb_test::TempDir tmp;
    ldb_test::write_file(tmp / "10-a.conf", "[Exception]\nUnit=a.service\nReasons=msr\n");
    ldb_test::write_file(tmp / "20-long.conf",
                         "[Exception]\nUnit=b.service\nReasons=msr\n" + std::string(kIniMaxBytes, '#') + "\n");
    ldb_test::fs::create_directories(tmp / "30-dir.conf");
    std::vector<std::string> bad;
    const auto rules = load_standing_rules(tmp.str(), cat(), bad);
    ASSERT_EQ(rules.size(), 1u);
    EXPECT_EQ(rules[0].unit, "a.service");
    ASSERT_EQ(bad.size(), 2u);
    EXPECT_NE(bad[0].find("20-long.conf"), std::string::npos) << bad[0];
    EXPECT_NE(bad[0].find("larger than"), std::string::npos) << bad[0];
    EXPECT_NE(bad[1].find("30-dir.conf: not a regular file"), std::string::npos) << bad[1];
}
