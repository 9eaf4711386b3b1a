// SPDX-License-Identifier: LGPL-2.1-or-later
// Exception records under the runtime directory: good records round-trip,
// bad ones are refused naming the file, and the store drops what it cannot
// read.
#include <gtest/gtest.h>

#include "exceptions/store.hpp"
#include "fakes/test_support.hpp"

using namespace ldb;

namespace {

Exception sample()
{
    Exception e;
    e.id = 0x8000000000000001ull;
    e.reasons = {"dev-mem", "msr"};
    e.scope_kind = ScopeKind::Session;
    e.scope = "c2";
    e.cgroups = {"/user.slice/user-1000.slice/session-c2.scope", "/user.slice/user-1000.slice/user@1000.service"};
    e.holder_uid = 1000;
    e.holder_session = "c2";
    e.expires_realtime_usec = 1700000000000000ull;
    e.expires_boot_ns = 123456789;
    e.origin = Origin::Request;
    return e;
}

} // namespace

TEST(ExceptionRecord, RoundTrips)
{
    const Exception e = sample();
    const Exception back = parse_exception(serialize(e), "x.exception");
    EXPECT_EQ(back.id, e.id);
    EXPECT_EQ(back.reasons, e.reasons);
    EXPECT_EQ(back.scope_kind, e.scope_kind);
    EXPECT_EQ(back.scope, e.scope);
    EXPECT_EQ(back.cgroups, e.cgroups);
    EXPECT_EQ(back.holder_uid, e.holder_uid);
    EXPECT_EQ(back.holder_session, e.holder_session);
    EXPECT_EQ(back.expires_realtime_usec, e.expires_realtime_usec);
    EXPECT_EQ(back.expires_boot_ns, e.expires_boot_ns);
    EXPECT_EQ(back.origin, e.origin);
    EXPECT_EQ(back.narrowed, "");
    EXPECT_EQ(serialize(e).find("Narrowed="), std::string::npos) << "records without narrowing read as before";
}

TEST(ExceptionRecord, NarrowingRoundTrips)
{
    Exception e = sample();
    e.narrowed = "other-session";
    EXPECT_EQ(parse_exception(serialize(e), "x.exception").narrowed, "other-session");
    e.narrowed = "other\nOrigin=admin";
    EXPECT_THROW(serialize(e), Error);
}

TEST(ExceptionRecord, RefusesBadInput)
{
    const std::string good = serialize(sample());
    struct Case {
        std::string from, to, says;
    } cases[] = {
        {"Id=9223372036854775809", "Id=0", "no Id="},
        {"Id=9223372036854775809", "Id=12x", "invalid number"},
        {"Id=9223372036854775809", "Id=99999999999999999999999", "invalid number"},
        {"HolderUid=1000", "HolderUid=-1", "invalid number"},
        {"ScopeKind=session", "ScopeKind=everything", "invalid ScopeKind"},
        {"Origin=request", "Origin=magic", "invalid Origin"},
        {"Reasons=dev-mem msr", "Reasons=", "needs Reasons="},
        {"[Exception]", "[Grant]", "unknown section"},
        {"Origin=request", "Origin=request\nColour=blue", "unknown key"},
    };
    for (const auto& c : cases) {
        std::string text = good;
        const size_t at = text.find(c.from);
        ASSERT_NE(at, std::string::npos) << c.from;
        text.replace(at, c.from.size(), c.to);
        const Error e = ldb_test::catch_error([&] { parse_exception(text, "r.exception"); });
        EXPECT_NE(std::string(e.what()).find(c.says), std::string::npos) << c.to << " -> " << e.what();
    }
    // Only Cgroup= lines removed.
    std::string text;
    for (size_t i = 0, j; i < good.size(); i = j + 1) {
        j = good.find('\n', i);
        const std::string line = good.substr(i, j - i);
        if (!line.starts_with("Cgroup="))
            text += line + "\n";
    }
    EXPECT_EQ(ldb_test::catch_error([&] { parse_exception(text, "r"); }).kind(), ErrorKind::Config);
}

TEST(ExceptionRecord, SerializeRefusesControlCharacters)
{
    Exception e = sample();
    e.scope = "c2\nOrigin=admin";
    EXPECT_THROW(serialize(e), Error);
}

TEST(ExceptionStore, SaveLoadEraseAndBadFilesAreDropped)
{
    ldb_test::TempDir tmp;
    ExceptionStore store(tmp.str() + "/s");
    store.open();
    store.save(sample());
    ldb_test::write_file(tmp / "s/42.exception", "[Exception]\nId=43\n");       // id mismatch / incomplete
    ldb_test::write_file(tmp / "s/7.exception.tmp", "half written");           // crash leftover
    ldb_test::write_file(tmp / "s/README", "not a record");
    std::vector<std::string> bad;
    const auto all = store.load_all(bad);
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].id, sample().id);
    EXPECT_EQ(bad.size(), 1u);
    EXPECT_FALSE(ldb_test::fs::exists(tmp / "s/42.exception"));
    EXPECT_FALSE(ldb_test::fs::exists(tmp / "s/7.exception.tmp"));
    EXPECT_TRUE(ldb_test::fs::exists(tmp / "s/README"));
    store.erase(sample().id);
    bad.clear();
    EXPECT_TRUE(store.load_all(bad).empty());
    EXPECT_NO_THROW(store.erase(sample().id)) << "erasing twice is fine";
}
