// SPDX-License-Identifier: LGPL-2.1-or-later
// The ledger on its own, against a fake control file: which records it
// keeps, and how reverting one record decides, callsite by callsite, to
// write the old flags back, hand them to a later change, or leave the
// callsite alone (and says why).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dyndbg/ledger.hpp"
#include "fakes/fake_dyndbg.hpp"
#include "fakes/test_support.hpp"

using namespace ldb;
using namespace ldb::dyndbg;
using ldb_test::site;
using ::testing::HasSubstr;

namespace {

SiteChange change(const Callsite& c, std::string old_flags, std::string new_flags)
{
    return SiteChange{key_of(c), std::move(old_flags), std::move(new_flags)};
}

ChangeRecord record(uint64_t id, uint64_t seq, std::vector<SiteChange> sites)
{
    ChangeRecord r;
    r.id = id;
    r.seq = seq;
    r.holder = {1000, "2", "session-2.scope"};
    r.query = "module m +p";
    r.sites = std::move(sites);
    return r;
}

struct LedgerFixture : ::testing::Test {
    ldb_test::FakeControl control;
    Ledger ledger{Grammar{"pmflt_", false}};
    Callsite probe = site("drivers/net/virtio_net.c", 10, "virtio_net", "probe", "p");
    Callsite remove = site("drivers/net/virtio_net.c", 20, "virtio_net", "remove", "p");

    void SetUp() override { control.sites = {probe, remove}; }
};

} // namespace

TEST_F(LedgerFixture, KeepsRecordsByIdAndCountsOn)
{
    EXPECT_EQ(ledger.next_seq(), 1u);
    ledger.add(record(7, 3, {change(probe, "_", "p")}));
    ledger.add(record(9, 5, {change(remove, "_", "p")}));
    EXPECT_EQ(ledger.next_seq(), 6u) << "above every record's";
    ASSERT_NE(ledger.find(7), nullptr);
    EXPECT_EQ(ledger.find(7)->seq, 3u);
    EXPECT_EQ(ledger.find(8), nullptr);
    EXPECT_EQ(ledger.records().size(), 2u);

    EXPECT_EQ(ldb_test::catch_error([&] { ledger.add(record(7, 6, {})); }).kind(), ErrorKind::Internal);
    EXPECT_EQ(ldb_test::catch_error([&] { ledger.add(record(0, 6, {})); }).kind(), ErrorKind::Internal);
    EXPECT_EQ(ledger.records().size(), 2u);
}

TEST_F(LedgerFixture, RevertingAnUnknownRecordIsNotFound)
{
    const auto err = ldb_test::catch_error([&] { (void)ledger.revert(42, control); });
    EXPECT_EQ(err.kind(), ErrorKind::NotFound);
    EXPECT_TRUE(control.written.empty());
}

TEST_F(LedgerFixture, WritesBackOnlyWhatStillHasOurFlags)
{
    Callsite gone = site("fs/ext4/super.c", 40, "ext4", "mount", "p");
    ledger.add(record(1, 1, {change(probe, "_", "p"), change(remove, "_", "p"), change(gone, "_", "p")}));
    control.set_flags("remove", "pt"); // someone else, since

    const RevertOutcome out = ledger.revert(1, control);
    ASSERT_EQ(out.restored.size(), 1u);
    EXPECT_EQ(out.restored[0].key.function, "probe");
    ASSERT_EQ(out.left.size(), 2u);
    EXPECT_EQ(out.left[0].site.key.function, "remove");
    EXPECT_EQ(out.left[0].why, "changed-since");
    EXPECT_EQ(out.left[1].site.key.function, "mount");
    EXPECT_EQ(out.left[1].why, "gone");
    EXPECT_TRUE(out.passed_on.empty());
    EXPECT_TRUE(out.updated.empty());

    EXPECT_EQ(control.flags_of("probe"), "_");
    EXPECT_EQ(control.flags_of("remove"), "pt");
    ASSERT_EQ(control.written.size(), 1u) << "one query, for the one callsite put back";
    EXPECT_THAT(control.written[0], HasSubstr("func probe"));
    EXPECT_EQ(ledger.find(1), nullptr) << "forgotten once reverted";
}

TEST_F(LedgerFixture, HandsOurBeforeToALaterChangeOfTheSameCallsite)
{
    ledger.add(record(1, 1, {change(probe, "_", "p")}));
    ledger.add(record(2, 2, {change(probe, "p", "pf")}));
    control.set_flags("probe", "pf");

    const RevertOutcome out = ledger.revert(1, control);
    ASSERT_EQ(out.passed_on.size(), 1u);
    EXPECT_EQ(out.updated, std::vector<uint64_t>{2});
    EXPECT_TRUE(out.restored.empty());
    EXPECT_TRUE(out.left.empty());
    EXPECT_TRUE(control.written.empty());
    EXPECT_EQ(ledger.find(2)->sites.at(0).old_flags, "_") << "the later change now ends where ours began";

    // A later change that did not start from our flags takes nothing over.
    ledger.add(record(3, 3, {change(remove, "_", "p")}));
    ledger.add(record(4, 4, {change(remove, "pt", "p")}));
    const RevertOutcome other = ledger.revert(3, control);
    EXPECT_TRUE(other.passed_on.empty());
    EXPECT_EQ(other.restored.size(), 1u);
    EXPECT_EQ(ledger.find(4)->sites.at(0).old_flags, "pt");
}

TEST_F(LedgerFixture, SaysWhatItCouldNotWrite)
{
    Callsite odd = site("drivers/gpu/drm/drm_atomic.c", 50, "drm", "check", "p");
    odd.class_unknown = true; // "class unknown, _id:3": no name to query it by
    odd.class_id = 3;
    control.sites.push_back(odd);
    ledger.add(record(1, 1, {change(probe, "_", "p"), change(odd, "_", "p")}));
    control.fail_writes_with = EPERM;

    const RevertOutcome out = ledger.revert(1, control);
    EXPECT_TRUE(out.restored.empty());
    ASSERT_EQ(out.left.size(), 2u);
    EXPECT_EQ(out.left[0].why, "unnameable");
    EXPECT_THAT(out.left[1].why, HasSubstr("write-failed: "));
    EXPECT_EQ(control.flags_of("probe"), "p");
}

TEST_F(LedgerFixture, KeepsTheRecordWhenTheControlFileCannotBeRead)
{
    ledger.add(record(1, 1, {change(probe, "_", "p")}));
    control.fail_read = true;
    EXPECT_THROW((void)ledger.revert(1, control), Error);
    EXPECT_NE(ledger.find(1), nullptr);
    control.fail_read = false;
    control.fail_open = true;
    EXPECT_THROW((void)ledger.revert(1, control), Error);
    EXPECT_NE(ledger.find(1), nullptr);
}
