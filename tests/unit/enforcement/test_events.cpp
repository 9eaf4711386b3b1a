// SPDX-License-Identifier: LGPL-2.1-or-later
// EventSink: kernel records become journal records and Denied signals,
// coalesced and bounded under a flood, with drops always said.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "enforcement/events.hpp"
#include "base/message_ids.hpp"
#include "fakes/synthetic_btf.hpp"

using namespace ldb;

namespace {

const ReasonCatalog& cat()
{
    return ldb_test::catalog_6_1();
}

ld_event ev(uint32_t decision, const char* reason, uint32_t pid, const char* comm = "cat")
{
    ld_event e{};
    e.decision = decision;
    e.reason = cat().find(reason)->value;
    e.pid = pid;
    e.tid = pid;
    e.uid = 1000;
    e.cgroup_id = 77;
    std::memcpy(e.comm, comm, std::min(std::strlen(comm), sizeof(e.comm)));
    return e;
}

struct Recorder {
    std::vector<JournalRecord> journal;
    std::vector<DeniedNotice> denied;
    EventSink sink(EventSink::Settings s = {})
    {
        return EventSink(cat(),
                         {[this](const JournalRecord& r) { journal.push_back(r); },
                          [this](const DeniedNotice& n) { denied.push_back(n); }, [] { return uint64_t{0}; },
                          [](uint64_t cgroup_id, uint32_t) {
                              // Named by the record's cgroup, not by a pid that may be gone.
                              return cgroup_id == 4242 ? std::string("/user.slice/user-1000.slice/session-7.scope")
                                                       : std::string();
                          }},
                         s);
    }
};

std::string field(const JournalRecord& r, const std::string& k)
{
    for (const auto& [key, v] : r.fields)
        if (key == k)
            return v;
    return "<absent>";
}

} // namespace

TEST(EventSink, FirstDenialIsLoggedAtOnceWithStructuredFields)
{
    Recorder rec;
    auto sink = rec.sink();
    auto e = ev(LD_DECISION_DENY, "dev-mem", 42, "hexdump");
    e.cgroup_id = 4242;
    sink.handle(e);
    ASSERT_EQ(rec.journal.size(), 1u);
    const auto& r = rec.journal[0];
    EXPECT_STREQ(r.message_id, message_id::kDenied);
    EXPECT_EQ(field(r, "LOCKDOWN_REASON"), "dev-mem");
    EXPECT_EQ(field(r, "LOCKDOWN_DECISION"), "deny");
    EXPECT_EQ(field(r, "LOCKDOWN_PID"), "42");
    EXPECT_EQ(field(r, "LOCKDOWN_COMM"), "hexdump");
    EXPECT_EQ(field(r, "LOCKDOWN_UID"), "1000");
    EXPECT_EQ(field(r, "LOCKDOWN_UNIT"), "session-7.scope");
    EXPECT_EQ(field(r, "LOCKDOWN_SESSION"), "7");
    EXPECT_NE(r.message.find("refused dev-mem to hexdump[42]"), std::string::npos) << r.message;
    EXPECT_TRUE(rec.denied.empty()) << "signals leave at the end of the window";
    sink.flush();
    ASSERT_EQ(rec.denied.size(), 1u);
    EXPECT_EQ(rec.denied[0].reason, "dev-mem");
    EXPECT_EQ(rec.denied[0].pid, 42u);
    EXPECT_EQ(rec.denied[0].comm, "hexdump");
    EXPECT_EQ(rec.denied[0].unit, "session-7.scope");
    EXPECT_EQ(rec.denied[0].count, 1u);
    EXPECT_EQ(rec.denied[0].uid, 1000u) << "Denied names whose process it was";
    EXPECT_EQ(rec.denied[0].session, "7");
}

TEST(EventSink, RepeatsCoalesceIntoOneSignalWithACount)
{
    Recorder rec;
    auto sink = rec.sink();
    for (int i = 0; i < 5000; i++)
        sink.handle(ev(LD_DECISION_DENY, "msr", 9));
    EXPECT_EQ(rec.journal.size(), 1u);
    sink.flush();
    ASSERT_EQ(rec.denied.size(), 1u);
    EXPECT_EQ(rec.denied[0].count, 5000u);
    ASSERT_EQ(rec.journal.size(), 2u);
    EXPECT_EQ(field(rec.journal[1], "LOCKDOWN_COUNT"), "4999");
    EXPECT_NE(rec.journal[1].message.find("(4999 times)"), std::string::npos);
}

TEST(EventSink, AFloodFromManyProcessesStaysBoundedAndSaysSo)
{
    Recorder rec;
    auto sink = rec.sink({1000, 8, 3});
    for (uint32_t pid = 1; pid <= 100; pid++)
        sink.handle(ev(LD_DECISION_DENY, "kexec", pid));
    EXPECT_EQ(rec.journal.size(), 8u) << "one record per tracked key";
    sink.flush();
    EXPECT_EQ(rec.denied.size(), 3u) << "signals per window are capped";
    const auto& last = rec.journal.back();
    EXPECT_STREQ(last.message_id, message_id::kEventsDropped);
    EXPECT_EQ(field(last, "LOCKDOWN_SUPPRESSED_RECORDS"), "92");
    EXPECT_EQ(field(last, "LOCKDOWN_SUPPRESSED_SIGNALS"), "5");
    // The next window starts clean.
    rec.journal.clear();
    sink.handle(ev(LD_DECISION_DENY, "kexec", 1));
    EXPECT_EQ(rec.journal.size(), 1u);
}

TEST(EventSink, AuditAndGrantUseAreJournalledButNotDenied)
{
    Recorder rec;
    auto sink = rec.sink();
    sink.handle(ev(LD_DECISION_AUDIT, "debugfs", 5));
    auto g = ev(LD_DECISION_GRANTED, "dev-mem", 6);
    g.grant_id = 0xabc;
    sink.handle(g);
    sink.handle(ev(LD_DECISION_EXPIRED, "dev-mem", 7));
    sink.flush();
    ASSERT_EQ(rec.journal.size(), 3u);
    EXPECT_STREQ(rec.journal[0].message_id, message_id::kAudit);
    EXPECT_STREQ(rec.journal[1].message_id, message_id::kGrantUsed);
    EXPECT_EQ(field(rec.journal[1], "LOCKDOWN_EXCEPTION_ID"), "0000000000000abc");
    EXPECT_STREQ(rec.journal[2].message_id, message_id::kLeaseExpired);
    ASSERT_EQ(rec.denied.size(), 1u) << "an expired lease is a denial too";
    EXPECT_EQ(rec.denied[0].pid, 7u);
}

TEST(EventSink, KernelDropsAreReportedOnceEach)
{
    Recorder rec;
    auto sink = rec.sink();
    sink.note_kernel_drops(0);
    EXPECT_TRUE(rec.journal.empty());
    sink.note_kernel_drops(2360);
    ASSERT_EQ(rec.journal.size(), 1u);
    EXPECT_EQ(field(rec.journal[0], "LOCKDOWN_KERNEL_DROPPED"), "2360");
    sink.note_kernel_drops(2360);
    EXPECT_EQ(rec.journal.size(), 1u);
    sink.note_kernel_drops(2400);
    EXPECT_EQ(field(rec.journal.back(), "LOCKDOWN_KERNEL_DROPPED"), "40");
}
