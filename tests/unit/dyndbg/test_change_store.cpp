// SPDX-License-Identifier: LGPL-2.1-or-later
// The records of dynamic debug changes under the runtime directory: their
// text, strictly read back, and a store that drops what it cannot read.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "dyndbg/change_store.hpp"
#include "fakes/test_support.hpp"

using namespace ldb;
using namespace ldb::dyndbg;
using ::testing::HasSubstr;

TEST(DyndbgRecord, RoundTripAndStrictness)
{
    ChangeRecord r;
    r.id = 0xabcdef0123456789ull;
    r.seq = 7;
    r.holder = {1000, "2", "session-2.scope"};
    r.query = "module m format \"say 'hi' %s\" +p";
    r.created_realtime_usec = 1;
    r.expires_boot_ns = 2;
    r.expires_realtime_usec = 3;
    r.sites = {{{"a/b.c", 5, "m", "f", ""}, "_", "p"}, {{"a/b.c", 6, "m", "g", "CLS"}, "pmf", "_"}};
    const std::string text = serialize(r);
    EXPECT_EQ(parse_change_record(text, "f"), r);
    for (const auto& [broken, what] : std::vector<std::pair<std::string, std::string>>{
             {text.substr(0, text.size() - 1), "cut short"},
             {"x" + text, "not a dynamic debug change record"},
             {text + "bogus 1\n", "unknown key"},
             {text + "seq 8\n", "given twice"},
             {text + "site _ p 1 m f\n", "6 or 7 fields"},
             {text + "site _ p! 1 m f a.c\n", "invalid site"},
             {text + "site _ p 01x m f a.c\n", "invalid site line"},
         }) {
        SCOPED_TRACE(what);
        const auto err = ldb_test::catch_error([&] { (void)parse_change_record(broken, "f.change"); });
        EXPECT_EQ(err.kind(), ErrorKind::Config);
        EXPECT_THAT(err.what(), HasSubstr("f.change"));
        EXPECT_THAT(err.what(), HasSubstr(what));
    }
    r.holder.session = "a b";
    EXPECT_THROW((void)serialize(r), Error);
}

TEST(DyndbgRecord, StoreDropsDamagedRecords)
{
    ldb_test::TempDir tmp;
    ChangeStore store((tmp / "d").string());
    store.open();
    ChangeRecord r;
    r.id = 5;
    r.query = "module m +p";
    store.save(r);
    ldb_test::write_file(tmp / "d" / "0000000000000009.change", "garbage");
    ldb_test::write_file(tmp / "d" / "0000000000000006.change", serialize(r)); // id does not match the name
    std::vector<std::string> bad;
    const auto all = store.load_all(bad);
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].id, 5u);
    EXPECT_EQ(bad.size(), 2u);
    EXPECT_FALSE(std::filesystem::exists(tmp / "d" / "0000000000000009.change"));
}
