// SPDX-License-Identifier: LGPL-2.1-or-later
// The broker's check for dynamic debug changes made without it, against a
// fake control file: what it writes, what it leaves alone (sessions'
// changes), and the journal record per module, also when writing fails.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/message_ids.hpp"
#include "dyndbg/foreign_watch.hpp"
#include "fakes/fake_dyndbg.hpp"

using namespace ldb;
using namespace ldb::dyndbg;
using ldb_test::site;
using ::testing::HasSubstr;

namespace {

struct ForeignFixture : ::testing::Test {
    ldb_test::FakeControl control{"pmfslt_"};
    std::map<uint64_t, ChangeRecord> records;
    std::vector<JournalRecord> journal;
    ForeignWatch watch{control, Grammar{"pmfslt_", false},
                       {[this]() -> const std::map<uint64_t, ChangeRecord>& { return records; },
                        [this](const JournalRecord& r) { journal.push_back(r); }}};

    void SetUp() override
    {
        control.sites = {site("drivers/net/virtio_net.c", 10, "virtio_net", "probe"),
                         site("drivers/net/virtio_net.c", 20, "virtio_net", "remove"),
                         site("fs/binfmt_misc.c", 30, "binfmt_misc", "create_entry")};
        for (uint32_t i = 0; i < 6; i++)
            control.sites.push_back(site("drivers/block/nbd.c", 100 + i, "nbd", "nbd_f" + std::to_string(i), "p"));
    }
    static std::string field(const JournalRecord& r, const std::string& k)
    {
        for (const auto& [key, v] : r.fields)
            if (key == k)
                return v;
        return "(missing)";
    }
    bool all_off(const std::string& module) const
    {
        for (const auto& c : control.sites)
            if (c.module == module && c.flags != "_")
                return false;
        return true;
    }
};

} // namespace

TEST_F(ForeignFixture, AModuleParameterIsPutBackAndJournalled)
{
    EXPECT_EQ(watch.check("module-load"), 6u);
    EXPECT_TRUE(all_off("nbd"));
    EXPECT_EQ(control.written.size(), 6u);
    ASSERT_EQ(journal.size(), 1u);
    const auto& j = journal[0];
    EXPECT_STREQ(j.message_id, message_id::kDebugForeign);
    EXPECT_EQ(j.priority, 4);
    EXPECT_EQ(field(j, "LOCKDOWN_DEBUG_MODULE"), "nbd");
    EXPECT_EQ(field(j, "LOCKDOWN_DEBUG_CALLSITES"), "6");
    EXPECT_EQ(field(j, "LOCKDOWN_DEBUG_RESTORED"), "6");
    EXPECT_EQ(field(j, "LOCKDOWN_DEBUG_LEFT"), "0");
    EXPECT_EQ(field(j, "LOCKDOWN_WHY"), "module-load");
    EXPECT_EQ(field(j, "LOCKDOWN_REASON"), "dynamic-debug");
    EXPECT_THAT(j.message, HasSubstr("Dynamic debug of module nbd changed without the broker (module parameter or "
                                     "modprobe.d); reverted: 6 of 6 callsite(s) put back"));
    EXPECT_THAT(field(j, "LOCKDOWN_DEBUG_SITES"), HasSubstr("drivers/block/nbd.c:100 nbd_f0 =p"));
    EXPECT_THAT(field(j, "LOCKDOWN_DEBUG_SITES"), HasSubstr("and 1 more")) << "a few named, the count says all";
    // Nothing left: the next check writes and says nothing.
    control.written.clear();
    EXPECT_EQ(watch.check("module-load"), 0u);
    EXPECT_TRUE(control.written.empty());
    EXPECT_EQ(journal.size(), 1u);
}

TEST_F(ForeignFixture, NothingForeignWritesNothing)
{
    for (auto& c : control.sites)
        c.flags = "_";
    EXPECT_EQ(watch.check("start"), 0u);
    EXPECT_TRUE(control.written.empty());
    EXPECT_TRUE(journal.empty());
}

TEST_F(ForeignFixture, OneRecordPerModule)
{
    control.set_flags("create_entry", "pmf");
    EXPECT_EQ(watch.check("start"), 7u);
    ASSERT_EQ(journal.size(), 2u);
    EXPECT_EQ(field(journal[0], "LOCKDOWN_DEBUG_MODULE"), "binfmt_misc");
    EXPECT_EQ(field(journal[0], "LOCKDOWN_DEBUG_CALLSITES"), "1");
    EXPECT_EQ(field(journal[0], "LOCKDOWN_WHY"), "start");
    EXPECT_EQ(field(journal[1], "LOCKDOWN_DEBUG_MODULE"), "nbd");
}

TEST_F(ForeignFixture, ASessionsChangeIsNeverReverted)
{
    // The session enabled binfmt_misc and one nbd callsite through the broker.
    control.set_flags("create_entry", "p");
    ChangeRecord r;
    r.id = 42;
    r.seq = 1;
    r.holder = Holder{1000, "2", "session-2.scope"};
    r.query = "module binfmt_misc +p";
    r.sites = {SiteChange{key_of(control.sites[2]), "_", "p"}, SiteChange{key_of(control.sites[3]), "_", "p"}};
    records[42] = r;
    EXPECT_EQ(watch.check("module-load"), 5u);
    EXPECT_EQ(control.flags_of("create_entry"), "p");
    EXPECT_EQ(control.flags_of("nbd_f0"), "p");
    EXPECT_EQ(control.flags_of("nbd_f1"), "_");
    ASSERT_EQ(journal.size(), 1u);
    EXPECT_EQ(field(journal[0], "LOCKDOWN_DEBUG_MODULE"), "nbd");
    EXPECT_EQ(field(journal[0], "LOCKDOWN_DEBUG_CALLSITES"), "5");
    for (const auto& q : control.written)
        EXPECT_THAT(q, ::testing::Not(HasSubstr("nbd_f0")));
}

TEST_F(ForeignFixture, AFailedWriteIsReportedAndTriedAgainNextTime)
{
    control.fail_writes_with = EPERM;
    EXPECT_EQ(watch.check("module-load"), 0u);
    ASSERT_EQ(journal.size(), 1u);
    EXPECT_EQ(journal[0].priority, 3);
    EXPECT_EQ(field(journal[0], "LOCKDOWN_DEBUG_RESTORED"), "0");
    EXPECT_EQ(field(journal[0], "LOCKDOWN_DEBUG_LEFT"), "6");
    EXPECT_THAT(journal[0].message, HasSubstr("6 write-failed: Operation not permitted"));
    control.fail_writes_with = 0;
    control.fail_open = true;
    EXPECT_EQ(watch.check("module-load"), 0u);
    ASSERT_EQ(journal.size(), 2u);
    EXPECT_THAT(journal[1].message, HasSubstr("write-failed: fake: cannot open for writing"));
    control.fail_open = false;
    EXPECT_EQ(watch.check("module-load"), 6u);
    EXPECT_TRUE(all_off("nbd"));
}

TEST_F(ForeignFixture, AnUnnameableCallsiteIsReportedOnce)
{
    Callsite c = site("drivers/gpu/drm/x.c", 7, "drm", "f", "p");
    c.class_unknown = true;
    c.class_id = 3;
    control.sites = {c};
    EXPECT_EQ(watch.check("start"), 0u);
    ASSERT_EQ(journal.size(), 1u);
    EXPECT_THAT(journal[0].message, HasSubstr("1 unnameable"));
    EXPECT_TRUE(control.written.empty());
    EXPECT_EQ(watch.check("module-load"), 0u);
    EXPECT_EQ(journal.size(), 1u) << "said once";
    control.sites[0].flags = "pm"; // changed again: said again
    EXPECT_EQ(watch.check("module-load"), 0u);
    EXPECT_EQ(journal.size(), 2u);
}

TEST_F(ForeignFixture, AnUnreadableControlFileThrows)
{
    control.fail_read = true;
    EXPECT_THROW(watch.check("start"), Error);
    EXPECT_TRUE(control.written.empty());
    EXPECT_TRUE(journal.empty());
}

TEST_F(ForeignFixture, OnlyLoadedModulesAreChecked)
{
    control.sites.push_back(site("init/main.c", 1121, "main", "initcall_blacklist", "p"));
    ForeignWatch scoped{control, Grammar{"pmfslt_", false},
                        {[this]() -> const std::map<uint64_t, ChangeRecord>& { return records; },
                         [this](const JournalRecord& r) { journal.push_back(r); },
                         [] { return std::set<std::string>{"nbd", "binfmt_misc", "virtio_net"}; }}};
    EXPECT_EQ(scoped.check("start"), 6u);
    ASSERT_EQ(journal.size(), 1u) << "built-in init/main.c (=p by default with DEBUG) is not reported";
    EXPECT_EQ(control.flags_of("initcall_blacklist"), "p");
}
