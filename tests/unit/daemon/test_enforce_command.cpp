// SPDX-License-Identifier: LGPL-2.1-or-later
// What `lockdown-brokerd --enforce-only` prints: the line for people and
// the JSON object, with strings escaped.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/ini.hpp"
#include "daemon/enforce_command.hpp"
#include "fakes/synthetic_btf.hpp"

using namespace ldb;
using ::testing::HasSubstr;

namespace {

EnforceReport report()
{
    EnforceReport r;
    r.generation = 3;
    r.reused_maps = true;
    r.pins_protected = true;
    r.parts = {{"locked-down", true, ""}, {"bpf-protect", false, "no \"bpf\" LSM hook"}};
    return r;
}

EnforceSummary summary()
{
    EnforceSummary s;
    s.mode = Mode::Integrity;
    s.reasons = 30;
    s.deny = 20;
    s.audit = 2;
    return s;
}

} // namespace

TEST(EnforceResult, JsonIsOneObjectWithEscapedStrings)
{
    EXPECT_EQ(render_enforce_result(report(), summary(), true),
              "{\"enforcing\":true,\"mode\":\"integrity\",\"generation\":3,\"program\":\"attached new program\","
              "\"reused_maps\":true,\"deny\":20,\"audit\":2,\"reasons\":30,\"pins_protected\":true,\"parts\":["
              "{\"name\":\"locked-down\",\"loaded\":true,\"cause\":\"\"},"
              "{\"name\":\"bpf-protect\",\"loaded\":false,\"cause\":\"no \\\"bpf\\\" LSM hook\"}]}\n");
}

TEST(EnforceResult, TheLineSaysWhatWasDone)
{
    EnforceReport r = report();
    r.reused_link = true;
    EnforceSummary s = summary();
    s.some_missing = true;
    EXPECT_EQ(render_enforce_result(r, s, false),
              "lockdown-brokerd: enforcing Mode=integrity (30 reasons: 20 denied, 2 audited), policy generation 3, "
              "reused pinned program, pinned maps reused, pins protected, some protections missing (see the "
              "warnings)\n");
    r = EnforceReport{};
    r.replaced_link = true;
    EXPECT_EQ(render_enforce_result(r, summary(), false),
              "lockdown-brokerd: enforcing Mode=integrity (30 reasons: 20 denied, 2 audited), policy generation 0, "
              "replaced pinned program\n");
}

// --tighten-only (lockdown-enforce.service after the initramfs enforced):
// no reason loosens against the pinned table; --initramfs opens hibernation.
namespace {

const ReasonCatalog& cat() { return ldb_test::catalog_6_1(); }

ActionTable table_of(const std::string& text)
{
    Config cfg;
    apply_entries(cfg, parse_ini(text, "broker.conf"));
    cfg.files.push_back("broker.conf");
    return Policy::build(cat(), cfg).action_table();
}

unsigned char action(const ActionTable& t, const char* reason) { return t[cat().find(reason)->value]; }

} // namespace

TEST(TightenOnly, LooserReasonsKeepThePinnedActionTheRestIsConfigured)
{
    const auto pinned = table_of("[Lockdown]\nMode=integrity\nDeny=kcore\n");
    const auto configured = table_of("[Lockdown]\nMode=integrity\nAllow=dev-mem\nDeny=perf\n");
    const auto a = table_to_apply(configured, &pinned, false, cat());
    EXPECT_EQ(action(a.table, "dev-mem"), LD_ACTION_DENY); // kept
    EXPECT_EQ(action(a.table, "kcore"), LD_ACTION_DENY);   // kept
    EXPECT_EQ(action(a.table, "perf"), LD_ACTION_DENY);    // tightened as configured
    ASSERT_EQ(a.kept.size(), 2u);
    const auto msg = kept_message(a.kept, cat());
    EXPECT_THAT(msg, HasSubstr("dev-mem (deny -> allow)"));
    EXPECT_THAT(msg, HasSubstr("kcore (deny -> allow)"));
    EXPECT_THAT(msg, HasSubstr("update-initramfs -u"));
    EXPECT_FALSE(a.hibernation_opened);
}

TEST(TightenOnly, EqualOrTighterIsAppliedAsConfigured)
{
    const auto pinned = table_of("[Lockdown]\nMode=integrity\n");
    const auto same = table_to_apply(pinned, &pinned, false, cat());
    EXPECT_EQ(same.table, pinned);
    EXPECT_TRUE(same.kept.empty());
    const auto conf = table_of("[Lockdown]\nMode=confidentiality\n");
    const auto tighter = table_to_apply(conf, &pinned, false, cat());
    EXPECT_EQ(tighter.table, conf);
    EXPECT_TRUE(tighter.kept.empty());
}

TEST(TightenOnly, AuditIsLooserThanDeny)
{
    const auto pinned = table_of("[Lockdown]\nMode=integrity\n");
    const auto a = table_to_apply(table_of("[Lockdown]\nMode=integrity\nAudit=dev-mem\n"), &pinned, false, cat());
    EXPECT_EQ(action(a.table, "dev-mem"), LD_ACTION_DENY);
    ASSERT_EQ(a.kept.size(), 1u);
    EXPECT_THAT(kept_message(a.kept, cat()), HasSubstr("dev-mem (deny -> audit)"));
}

TEST(TightenOnly, NothingPinnedAppliesTheConfiguration)
{
    const auto conf = table_of("[Lockdown]\nMode=none\n");
    const auto a = table_to_apply(conf, nullptr, false, cat());
    EXPECT_EQ(a.table, conf);
    EXPECT_TRUE(a.kept.empty());
}

// The initramfs allows hibernation (else the kernel skips the resume), and
// the real root's --tighten-only run takes it back to the configured deny.
TEST(Initramfs, HibernationAllowedThereAndTightenedBackInTheRoot)
{
    const auto conf = table_of("[Lockdown]\nMode=integrity\n");
    ASSERT_EQ(action(conf, "hibernation"), LD_ACTION_DENY);
    const auto initrd = table_to_apply(conf, nullptr, true, cat());
    EXPECT_TRUE(initrd.hibernation_opened);
    EXPECT_EQ(action(initrd.table, "hibernation"), LD_ACTION_ALLOW);
    EXPECT_EQ(action(initrd.table, "dev-mem"), LD_ACTION_DENY);
    const auto root = table_to_apply(conf, &initrd.table, false, cat());
    EXPECT_EQ(root.table, conf);
    EXPECT_TRUE(root.kept.empty());
}

TEST(Initramfs, HibernationAlreadyAllowedIsNotReported)
{
    const auto a = table_to_apply(table_of("[Lockdown]\nMode=integrity\nAllow=hibernation\n"), nullptr, true, cat());
    EXPECT_FALSE(a.hibernation_opened);
}
