// SPDX-License-Identifier: LGPL-2.1-or-later
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lockdown-broker.h"
#include "base/ini.hpp"
#include "config/config.hpp"
#include "enforcement/policy.hpp"
#include "enforcement/policy_order.hpp"
#include "enforcement/reasons.hpp"
#include "fakes/synthetic_btf.hpp"

using ldb::ActionTable;
using ldb::compare_policies;
using ldb::Config;
using ldb::Policy;
using ldb::ReasonChange;
using ldb::strictness;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

namespace {

const ldb::ReasonCatalog& cat() { return ldb_test::catalog_6_1(); }

ActionTable table_of(const std::string& conf)
{
    Config cfg;
    ldb::apply_entries(cfg, ldb::parse_ini(conf, "t.conf"));
    return Policy::build(cat(), cfg).action_table();
}

ActionTable filled(unsigned char action)
{
    ActionTable t;
    t.fill(action);
    return t;
}

std::vector<uint32_t> values(const std::vector<ReasonChange>& v)
{
    std::vector<uint32_t> out;
    for (const auto& c : v)
        out.push_back(c.reason);
    return out;
}

uint32_t value_of(const char* name) { return cat().find(name)->value; }

} // namespace

TEST(PolicyOrder, AllowIsLooserThanAuditIsLooserThanDeny)
{
    EXPECT_LT(strictness(LD_ACTION_ALLOW), strictness(LD_ACTION_AUDIT));
    EXPECT_LT(strictness(LD_ACTION_AUDIT), strictness(LD_ACTION_DENY));
}

// The BPF program refuses anything that is neither allow nor audit.
TEST(PolicyOrder, AnyOtherByteIsDeny)
{
    for (unsigned v : {3u, 7u, 0x80u, 0xffu}) {
        EXPECT_EQ(strictness(static_cast<unsigned char>(v)), strictness(LD_ACTION_DENY)) << v;
        EXPECT_STREQ(ldb::action_word(static_cast<unsigned char>(v)), "deny") << v;
    }
}

TEST(PolicyOrder, SameTableChangesNothing)
{
    const auto t = table_of("[Lockdown]\nMode=integrity\nAudit=kcore\n");
    const auto c = compare_policies(t, t);
    EXPECT_FALSE(c.loosens());
    EXPECT_THAT(c.looser, IsEmpty());
    EXPECT_THAT(c.tighter, IsEmpty());
}

TEST(PolicyOrder, EveryStepUpIsTighter)
{
    ActionTable active = filled(LD_ACTION_ALLOW), proposed = active;
    active[2] = LD_ACTION_AUDIT;
    proposed[1] = LD_ACTION_AUDIT; // allow -> audit
    proposed[2] = LD_ACTION_DENY;  // audit -> deny
    proposed[3] = LD_ACTION_DENY;  // allow -> deny
    const auto c = compare_policies(active, proposed);
    EXPECT_FALSE(c.loosens());
    EXPECT_THAT(values(c.tighter), ElementsAre(1u, 2u, 3u));
}

TEST(PolicyOrder, EveryStepDownIsLooser)
{
    ActionTable active = filled(LD_ACTION_DENY), proposed = active;
    active[5] = LD_ACTION_AUDIT;
    proposed[4] = LD_ACTION_AUDIT; // deny -> audit: audit allows the call
    proposed[5] = LD_ACTION_ALLOW; // audit -> allow: no record any more
    proposed[6] = LD_ACTION_ALLOW; // deny -> allow
    const auto c = compare_policies(active, proposed);
    EXPECT_TRUE(c.loosens());
    EXPECT_THAT(values(c.looser), ElementsAre(4u, 5u, 6u));
    EXPECT_THAT(c.tighter, IsEmpty());
}

// One loosened reason among tightened ones still loosens: a reload is all
// or nothing.
TEST(PolicyOrder, PartlyLooserIsLooser)
{
    const auto active = table_of("[Lockdown]\nMode=integrity\n");
    const auto proposed = table_of("[Lockdown]\nMode=confidentiality\nAllow=dev-mem\n");
    const auto c = compare_policies(active, proposed);
    EXPECT_TRUE(c.loosens());
    EXPECT_THAT(values(c.looser), ElementsAre(value_of("dev-mem")));
    EXPECT_EQ(c.tighter.size(), 8u) << "the eight confidentiality reasons of 6.1";
    EXPECT_EQ(ldb::reason_names(c.looser, cat()), "dev-mem");
    EXPECT_EQ(ldb::describe(c.looser[0], cat()), "dev-mem (deny -> allow)");
}

TEST(PolicyOrder, TwoSpellingsOfDenyAreNoChange)
{
    ActionTable active = filled(LD_ACTION_DENY), proposed = active;
    active[7] = 0x7f;
    const auto c = compare_policies(active, proposed);
    EXPECT_THAT(c.looser, IsEmpty());
    EXPECT_THAT(c.tighter, IsEmpty());
}

TEST(PolicyOrder, ModesInOrder)
{
    const auto none = table_of("[Lockdown]\nMode=none\n");
    const auto integrity = table_of("[Lockdown]\nMode=integrity\n");
    const auto conf = table_of("[Lockdown]\nMode=confidentiality\n");
    EXPECT_FALSE(compare_policies(none, integrity).loosens());
    EXPECT_FALSE(compare_policies(integrity, conf).loosens());
    EXPECT_TRUE(compare_policies(conf, integrity).loosens());
    EXPECT_TRUE(compare_policies(integrity, none).loosens());
    EXPECT_EQ(ldb::reason_names(compare_policies(conf, integrity).looser, cat()),
              "kcore,kprobes,bpf-read-kernel,dbg-read-kernel,perf,tracefs,xmon-rw,xfrm-secret");
}

// What counts is the table, not the words: Mode=none that denies every
// integrity reason is exactly Mode=integrity.
TEST(PolicyOrder, SameEffectDifferentWordsIsEqual)
{
    std::string deny_all = "[Lockdown]\nMode=none\nDeny=";
    for (const auto& r : cat().all())
        if (r.level == ldb::Level::Integrity)
            deny_all += r.name + " ";
    const auto c = compare_policies(table_of("[Lockdown]\nMode=integrity\n"), table_of(deny_all + "\n"));
    EXPECT_THAT(c.looser, IsEmpty());
    EXPECT_THAT(c.tighter, IsEmpty());
}

TEST(PolicyOrder, PseudoReasonCounts)
{
    const auto integrity = table_of("[Lockdown]\nMode=integrity\n");
    const auto c = compare_policies(integrity, table_of("[Lockdown]\nMode=integrity\nAllow=dynamic-debug\n"));
    EXPECT_THAT(values(c.looser), ElementsAre(uint32_t{LD_REASON_DYNAMIC_DEBUG}));
    EXPECT_EQ(ldb::describe(c.looser[0], cat()), "dynamic-debug (deny -> allow)");
    const auto back = compare_policies(table_of("[Lockdown]\nMode=none\n"), integrity);
    EXPECT_FALSE(back.loosens());
    EXPECT_EQ(back.tighter.back().reason, uint32_t{LD_REASON_DYNAMIC_DEBUG});
}

// reason_count is the kernel's CONFIDENTIALITY_MAX when the slot was written;
// the program never reads it, so every slot is compared. A table written for
// a kernel that knew fewer reasons has deny in the slots it did not know, and
// allowing one of them loosens. A slot no reason of this catalogue names is
// compared too, and named by its number.
TEST(PolicyOrder, ReasonCountTakesNoPart)
{
    ActionTable older = filled(LD_ACTION_DENY); // written with reason_count 20: slots 20.. are deny
    for (uint32_t v = 1; v < 20; v++)
        older[v] = LD_ACTION_ALLOW;
    older[40] = LD_ACTION_ALLOW; // a slot nobody names any more
    ActionTable proposed = table_of("[Lockdown]\nMode=none\nDeny=dynamic-debug\n"); // reason_count 29
    const auto c = compare_policies(older, proposed);
    // 20 is INTEGRITY_MAX, no reason: deny in both.
    EXPECT_THAT(values(c.looser), ElementsAre(21u, 22u, 23u, 24u, 25u, 26u, 27u, 28u));
    EXPECT_EQ(ldb::describe(c.looser.front(), cat()), "kcore (deny -> allow)");
    EXPECT_THAT(values(c.tighter), ElementsAre(40u));
    EXPECT_EQ(ldb::describe(c.tighter[0], cat()), "reason-40 (allow -> deny)");
}
