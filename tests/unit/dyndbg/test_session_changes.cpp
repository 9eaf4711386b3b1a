// SPDX-License-Identifier: LGPL-2.1-or-later
// Dynamic debug on behalf of sessions, against a fake control file and a
// real record store in a temporary directory: what is recorded, what is put
// back and when, and what is left alone because someone else changed it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dyndbg/session_changes.hpp"
#include "fakes/fake_dyndbg.hpp"
#include "base/message_ids.hpp"
#include "fakes/test_support.hpp"

using namespace ldb;
using namespace ldb::dyndbg;
using ldb_test::site;
using ::testing::HasSubstr;

namespace {

constexpr uint64_t kSec = 1000000000ull;

struct DebugFixture : ::testing::Test {
    ldb_test::TempDir tmp;
    ldb_test::FakeControl control;
    ChangeStore store{(tmp / "dynamic-debug").string()};
    uint64_t boot = 1000 * kSec;
    uint64_t real = 1'700'000'000'000'000ull;
    std::vector<JournalRecord> journal;
    int changed = 0;
    std::unique_ptr<SessionChanges> dd;
    DyndbgLimits limits;

    void SetUp() override
    {
        control.sites = {site("drivers/net/virtio_net.c", 10, "virtio_net", "probe"),
                         site("drivers/net/virtio_net.c", 20, "virtio_net", "remove"),
                         site("drivers/net/virtio_net.c", 30, "virtio_net", "xmit", "p"),
                         site("fs/ext4/super.c", 40, "ext4", "mount"),
                         site("drivers/gpu/drm/drm_atomic.c", 50, "drm", "check", "_", "atomic\\n", "DRM_UT_ATOMIC")};
        store.open();
        limits.max_duration_seconds = 3600;
        make();
    }
    void make()
    {
        dd = std::make_unique<SessionChanges>(
            control, store, Grammar{"pmflt_", false}, limits,
            Clocks{[this] { return boot; }, [this] { return real; }},
            SessionChanges::Hooks{[this](const JournalRecord& r) { journal.push_back(r); }, [this] { changed++; }});
    }
    std::vector<FlagChange> set(const std::string& q, const std::string& session = "2", uint32_t uid = 1000)
    {
        return dd->set(parse_query(q, dd->grammar()), Holder{uid, session, "session-" + session + ".scope"});
    }
    std::string field(const JournalRecord& r, const std::string& k)
    {
        for (const auto& [key, v] : r.fields)
            if (key == k)
                return v;
        return "(missing)";
    }
    size_t records_on_disk()
    {
        std::vector<std::string> bad;
        return store.load_all(bad).size();
    }
};

} // namespace

TEST_F(DebugFixture, SetRecordsExactlyWhatChanged)
{
    const auto changes = set("module virtio_net +p");
    ASSERT_EQ(changes.size(), 2u) << "xmit already printed: not a change";
    EXPECT_EQ(changes[0].site.function, "probe");
    EXPECT_EQ(changes[0].old_flags, "_");
    EXPECT_EQ(changes[0].site.flags, "p");
    EXPECT_EQ(control.written, std::vector<std::string>{"module virtio_net +p"});
    ASSERT_EQ(dd->records().size(), 1u);
    const auto& r = dd->records().begin()->second;
    EXPECT_EQ(r.query, "module virtio_net +p");
    EXPECT_EQ(r.holder, (Holder{1000, "2", "session-2.scope"}));
    EXPECT_EQ(r.expires_boot_ns, boot + 3600 * kSec);
    EXPECT_EQ(r.expires_realtime_usec, real + 3600 * 1000000ull);
    ASSERT_EQ(r.sites.size(), 2u);
    EXPECT_EQ(records_on_disk(), 1u);
    EXPECT_EQ(changed, 1);

    ASSERT_EQ(journal.size(), 1u);
    EXPECT_STREQ(journal[0].message_id, message_id::kDebugChanged);
    EXPECT_EQ(field(journal[0], "LOCKDOWN_DEBUG_QUERY"), "module virtio_net +p");
    EXPECT_EQ(field(journal[0], "LOCKDOWN_DEBUG_CALLSITES"), "2");
    EXPECT_EQ(field(journal[0], "LOCKDOWN_UID"), "1000");
    EXPECT_EQ(field(journal[0], "LOCKDOWN_SESSION"), "2");
    EXPECT_EQ(field(journal[0], "LOCKDOWN_UNIT"), "session-2.scope");
    EXPECT_THAT(journal[0].message, HasSubstr("2 callsite(s) changed"));
}

TEST_F(DebugFixture, NothingChangedLeavesNoRecordButIsLogged)
{
    EXPECT_TRUE(set("module nosuch +p").empty());
    EXPECT_TRUE(dd->records().empty());
    EXPECT_EQ(records_on_disk(), 0u);
    ASSERT_EQ(journal.size(), 1u);
    EXPECT_EQ(field(journal[0], "LOCKDOWN_DEBUG_CALLSITES"), "0");
}

TEST_F(DebugFixture, SessionEndRestoresExactly)
{
    set("module virtio_net =pmf");
    EXPECT_EQ(control.flags_of("xmit"), "pmf");
    control.written.clear();
    EXPECT_EQ(dd->end_session("2", "session-removed"), 1u);
    EXPECT_EQ(control.flags_of("probe"), "_");
    EXPECT_EQ(control.flags_of("remove"), "_");
    EXPECT_EQ(control.flags_of("xmit"), "p");
    EXPECT_EQ(control.written.size(), 3u) << "one query per callsite";
    for (const auto& q : control.written)
        EXPECT_THAT(q, HasSubstr("module virtio_net file drivers/net/virtio_net.c func "));
    EXPECT_TRUE(dd->records().empty());
    EXPECT_EQ(records_on_disk(), 0u);
    ASSERT_EQ(journal.size(), 2u);
    EXPECT_STREQ(journal[1].message_id, message_id::kDebugRestored);
    EXPECT_EQ(field(journal[1], "LOCKDOWN_WHY"), "session-removed");
    EXPECT_EQ(field(journal[1], "LOCKDOWN_DEBUG_RESTORED"), "3");
    EXPECT_EQ(field(journal[1], "LOCKDOWN_DEBUG_LEFT"), "0");
}

TEST_F(DebugFixture, OthersChangesSinceAreLeftAlone)
{
    set("module virtio_net +p");
    control.set_flags("probe", "pt"); // root, by hand, afterwards
    const auto out = dd->reset("2", "reset");
    ASSERT_EQ(out.left.size(), 1u);
    EXPECT_EQ(out.left[0].site.key.function, "probe");
    EXPECT_EQ(out.left[0].why, "changed-since");
    ASSERT_EQ(out.restored.size(), 1u);
    EXPECT_EQ(out.restored[0].key.function, "remove");
    EXPECT_EQ(control.flags_of("probe"), "pt") << "someone else's change stays";
    EXPECT_EQ(control.flags_of("remove"), "_");
    EXPECT_THAT(journal.back().message, HasSubstr("left alone: 1 changed-since"));
    EXPECT_EQ(journal.back().priority, 4);
}

TEST_F(DebugFixture, GoneCallsitesAreReported)
{
    set("module ext4 +p");
    std::erase_if(control.sites, [](const Callsite& c) { return c.module == "ext4"; }); // rmmod
    const auto out = dd->reset("2", "reset");
    ASSERT_EQ(out.left.size(), 1u);
    EXPECT_EQ(out.left[0].why, "gone");
}

TEST_F(DebugFixture, StackedChangesOfOneSessionUnwind)
{
    set("module virtio_net func probe +p");
    set("module virtio_net func probe +mf");
    set("module virtio_net func probe -p");
    EXPECT_EQ(control.flags_of("probe"), "mf");
    const auto out = dd->reset("2", "reset");
    EXPECT_TRUE(out.left.empty());
    EXPECT_EQ(control.flags_of("probe"), "_");
    EXPECT_TRUE(dd->records().empty());
}

// Session A turns a callsite on, session B then adds to it. A ends first:
// B's change now stands on what A found, and when B ends the callsite is
// back where it was before either.
TEST_F(DebugFixture, ChangesOfTwoSessionsHandOver)
{
    set("module virtio_net func probe +p", "2");
    set("module virtio_net func probe +f", "3");
    EXPECT_EQ(control.flags_of("probe"), "pf");
    control.written.clear();
    EXPECT_EQ(dd->end_session("2", "session-locked"), 1u);
    EXPECT_TRUE(control.written.empty()) << "nothing to write: B's change takes over A's 'before'";
    EXPECT_EQ(control.flags_of("probe"), "pf");
    EXPECT_EQ(field(journal.back(), "LOCKDOWN_DEBUG_PASSED_ON"), "1");
    // The hand-over survives a restart: B's record on disk was rewritten.
    make();
    dd->restore([](const ChangeRecord&) { return std::string(); });
    ASSERT_EQ(dd->records().size(), 1u);
    EXPECT_EQ(dd->records().begin()->second.sites.at(0).old_flags, "_");
    dd->end_session("3", "session-removed");
    EXPECT_EQ(control.flags_of("probe"), "_");
}

TEST_F(DebugFixture, LeaseEnd)
{
    set("module virtio_net func probe +p");
    EXPECT_EQ(dd->next_expiry(), boot + 3600 * kSec);
    boot += 3599 * kSec;
    EXPECT_EQ(dd->expire(), 0u);
    boot += kSec;
    EXPECT_EQ(dd->expire(), 1u);
    EXPECT_EQ(control.flags_of("probe"), "_");
    EXPECT_EQ(field(journal.back(), "LOCKDOWN_WHY"), "expired");
    EXPECT_FALSE(dd->next_expiry());
}

TEST_F(DebugFixture, RestartKeepsRecordsAndSweepsWhatNoLongerHolds)
{
    set("module virtio_net func probe +p", "2");
    set("module ext4 +p", "3");
    make(); // a new daemon
    EXPECT_TRUE(dd->records().empty());
    dd->restore([](const ChangeRecord& r) { return r.holder.session == "3" ? "session-removed" : ""; });
    ASSERT_EQ(dd->records().size(), 1u);
    EXPECT_EQ(dd->records().begin()->second.holder.session, "2");
    EXPECT_EQ(control.flags_of("mount"), "_") << "session 3 ended while the daemon was down";
    EXPECT_EQ(control.flags_of("probe"), "p");
    EXPECT_EQ(field(journal.back(), "LOCKDOWN_WHY"), "session-removed");
}

TEST_F(DebugFixture, ResumeEndsEverySessionsChanges)
{
    set("module virtio_net func probe +p", "2");
    set("module ext4 +p", "3");
    EXPECT_EQ(dd->end_all_sessions("resumed"), 2u);
    EXPECT_EQ(control.flags_of("probe"), "_");
    EXPECT_EQ(control.flags_of("mount"), "_");
}

TEST_F(DebugFixture, FailingControlKeepsTheRecordForLater)
{
    set("module virtio_net func probe +p");
    control.fail_open = true;
    EXPECT_EQ(dd->end_session("2", "session-removed"), 0u);
    EXPECT_EQ(dd->records().size(), 1u) << "kept, to try again";
    EXPECT_EQ(records_on_disk(), 1u);
    EXPECT_THROW(dd->reset("2", "reset"), Error);
    control.fail_open = false;
    EXPECT_EQ(dd->sweep([](const ChangeRecord&) { return std::string("session-removed"); }), 1u);
    EXPECT_EQ(control.flags_of("probe"), "_");
}

TEST_F(DebugFixture, KernelRefusalIsAnError)
{
    control.fail_writes_with = EINVAL;
    try {
        set("module virtio_net +p");
        ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
        EXPECT_THAT(e.what(), HasSubstr("the kernel refused"));
    }
    control.fail_writes_with = EPERM;
    try {
        set("module virtio_net +p");
        ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Permission);
    }
    EXPECT_TRUE(dd->records().empty());
}

TEST_F(DebugFixture, PerSessionLimit)
{
    limits.max_changes_per_session = 2;
    make();
    set("module virtio_net func probe +p");
    set("module virtio_net func remove +p");
    EXPECT_THROW(set("module ext4 +p"), Error);
    EXPECT_NO_THROW(set("module ext4 +p", "3")) << "another session has its own";
}

TEST_F(DebugFixture, ListFiltersAndShowsClasses)
{
    EXPECT_EQ(dd->list(parse_filter("")).size(), 5u);
    EXPECT_EQ(dd->list(parse_filter("module virtio_net")).size(), 3u);
    const auto drm = dd->list(parse_filter("module drm"));
    ASSERT_EQ(drm.size(), 1u);
    EXPECT_EQ(drm[0].cls, "DRM_UT_ATOMIC");
}

TEST_F(DebugFixture, ClassedCallsitesAreRestoredByClass)
{
    set("module drm class DRM_UT_ATOMIC +p");
    EXPECT_EQ(control.flags_of("check"), "p");
    control.written.clear();
    dd->reset("2", "reset");
    EXPECT_EQ(control.flags_of("check"), "_");
    ASSERT_EQ(control.written.size(), 1u);
    EXPECT_THAT(control.written[0], HasSubstr("class DRM_UT_ATOMIC =_"));
}
