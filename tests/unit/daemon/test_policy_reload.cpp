// SPDX-License-Identifier: LGPL-2.1-or-later
// What a reload of broker.conf does (plan_reload), decided against the
// kernel's active table, and the journal record it leaves.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "base/error.hpp"
#include "base/ini.hpp"
#include "base/message_ids.hpp"
#include "config/config.hpp"
#include "daemon/policy_reload.hpp"
#include "enforcement/policy.hpp"
#include "fakes/synthetic_btf.hpp"

using namespace ldb;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;
using ::testing::Contains;

namespace {

const ReasonCatalog& cat() { return ldb_test::catalog_6_1(); }

Config config_of(const std::string& text, const std::string& file = "broker.conf")
{
    Config cfg;
    apply_entries(cfg, parse_ini(text, file));
    cfg.files.push_back(file);
    return cfg;
}

const Config& running()
{
    static const Config c = config_of("[Lockdown]\nMode=integrity\n[Exceptions]\nMaxSeconds=3600\n");
    return c;
}

ActionTable integrity_table() { return Policy::build(cat(), running()).action_table(); }

ReloadPlan reload_to(const std::string& text)
{
    return plan_reload(cat(), running(), integrity_table(), [&] { return config_of(text, "new.conf"); });
}

std::string field(const JournalRecord& r, const std::string& key)
{
    for (const auto& [k, v] : r.fields)
        if (k == key)
            return v;
    return "<absent>";
}

} // namespace

TEST(PolicyReload, TighterApplies)
{
    const auto plan = reload_to("[Lockdown]\nMode=integrity\nDeny=kcore\nAudit=perf\n[Exceptions]\nMaxSeconds=3600\n");
    EXPECT_EQ(plan.result, ReloadResult::Applied);
    ASSERT_TRUE(plan.policy && plan.config);
    EXPECT_EQ(plan.policy->action_for("kcore"), Action::Deny);
    EXPECT_EQ(plan.policy->action_for("perf"), Action::Audit);
    EXPECT_EQ(plan.config->files.front(), "new.conf");
    EXPECT_THAT(plan.waiting, IsEmpty());
    EXPECT_EQ(plan.message, "the policy is tighter now: kcore (allow -> deny), perf (allow -> audit)");
}

TEST(PolicyReload, SameTableIsUnchangedButTakesTheNewWords)
{
    std::string deny_all = "[Lockdown]\nMode=none\nDeny=";
    for (const auto& r : cat().all())
        if (r.level == Level::Integrity)
            deny_all += r.name + " ";
    const auto plan = reload_to(deny_all + "\n[Exceptions]\nMaxSeconds=3600\n");
    EXPECT_EQ(plan.result, ReloadResult::Unchanged);
    ASSERT_TRUE(plan.config);
    EXPECT_EQ(plan.config->mode, Mode::None) << "Mode follows the files, the kernel's table stays";
    EXPECT_EQ(plan.message, "the policy is unchanged");
}

TEST(PolicyReload, LooserIsRefusedUntilTheNextBoot)
{
    const auto plan = reload_to("[Lockdown]\nMode=none\n");
    EXPECT_EQ(plan.result, ReloadResult::Refused);
    EXPECT_FALSE(plan.policy);
    EXPECT_FALSE(plan.config);
    EXPECT_THAT(plan.message, HasSubstr("dev-mem (deny -> allow)"));
    EXPECT_THAT(plan.message, HasSubstr("dynamic-debug (deny -> allow)"));
    EXPECT_THAT(plan.message, HasSubstr("takes effect at the next boot"));
}

// Nothing is half-applied: the tightened kcore does not apply either.
TEST(PolicyReload, PartlyLooserIsRefusedWhole)
{
    const auto plan = reload_to("[Lockdown]\nMode=integrity\nDeny=kcore\nAudit=dev-mem\n");
    EXPECT_EQ(plan.result, ReloadResult::Refused);
    EXPECT_FALSE(plan.policy);
    EXPECT_THAT(plan.message, HasSubstr("loosens dev-mem (deny -> audit):"));
    EXPECT_THAT(plan.message, Not(HasSubstr("kcore")));
}

TEST(PolicyReload, OtherSettingsAreNamedAsWaiting)
{
    const auto plan = reload_to("[Lockdown]\nMode=integrity\nProtectPins=no\n[Exceptions]\nMaxSeconds=60\n");
    EXPECT_EQ(plan.result, ReloadResult::Unchanged);
    ASSERT_TRUE(plan.config);
    EXPECT_EQ(plan.config->exceptions.max_seconds, 3600u) << "MaxSeconds= waits for a restart";
    EXPECT_TRUE(plan.config->protect_pins);
    EXPECT_EQ(plan.message, "the policy is unchanged; waiting: ProtectPins= (at the next boot), "
                            "[Exceptions] MaxSeconds= (when lockdown-broker restarts)");
}

TEST(PolicyReload, ParseErrorChangesNothing)
{
    const auto plan = reload_to("[Lockdown]\nMode=strict\n");
    EXPECT_EQ(plan.result, ReloadResult::Invalid);
    EXPECT_FALSE(plan.policy);
    EXPECT_THAT(plan.message, HasSubstr("nothing changed"));
    EXPECT_THAT(plan.message, HasSubstr("new.conf:2"));
}

TEST(PolicyReload, UnknownReasonChangesNothing)
{
    const auto plan = reload_to("[Lockdown]\nDeny=dev-mem,kcore\n");
    EXPECT_EQ(plan.result, ReloadResult::Invalid);
    EXPECT_THAT(plan.message, HasSubstr("unknown lockdown reason 'dev-mem,kcore'"));
    EXPECT_THAT(plan.message, HasSubstr("separate reason names with spaces"));
}

TEST(PolicyReload, UnreadableFilesChangeNothing)
{
    const auto plan = plan_reload(cat(), running(), integrity_table(), []() -> Config {
        throw Error(ErrorKind::Permission, "reading /etc/lockdown-broker/broker.conf: Permission denied");
    });
    EXPECT_EQ(plan.result, ReloadResult::Invalid);
    EXPECT_THAT(plan.message, HasSubstr("Permission denied"));
}

// Compared with what the kernel runs, not with what the broker read last:
// a kernel that already denies kcore refuses a file that allows it.
TEST(PolicyReload, ComparedWithTheKernelNotTheLastFile)
{
    ActionTable kernel = integrity_table();
    kernel[cat().find("kcore")->value] = LD_ACTION_DENY;
    const auto plan = plan_reload(cat(), running(), kernel, [] { return running(); });
    EXPECT_EQ(plan.result, ReloadResult::Refused);
    EXPECT_THAT(plan.message, HasSubstr("kcore (deny -> allow)"));
}

TEST(PolicyReloadJournal, AppliedNamesTheTightenedReasons)
{
    const auto plan = reload_to("[Lockdown]\nMode=integrity\nDeny=kcore\n[Exceptions]\nMaxSeconds=3600\n");
    const auto r = reload_journal_record(plan, cat(), 7, 4242);
    EXPECT_STREQ(r.message_id, message_id::kPolicyReloaded);
    EXPECT_EQ(r.priority, 5);
    EXPECT_EQ(r.message, "Lockdown policy reload applied: the policy is tighter now: kcore (allow -> deny)");
    EXPECT_EQ(field(r, "LOCKDOWN_RESULT"), "applied");
    EXPECT_EQ(field(r, "LOCKDOWN_REASON"), "kcore");
    EXPECT_EQ(field(r, "LOCKDOWN_MODE"), "integrity");
    EXPECT_EQ(field(r, "LOCKDOWN_GENERATION"), "7");
    EXPECT_EQ(field(r, "LOCKDOWN_SENDER_PID"), "4242");
}

TEST(PolicyReloadJournal, RefusedIsAWarningNamingTheLooserReasons)
{
    const auto r = reload_journal_record(reload_to("[Lockdown]\nMode=integrity\nAllow=dev-mem msr\n"), cat(), 7, 0);
    EXPECT_STREQ(r.message_id, message_id::kPolicyLoosenRefused);
    EXPECT_EQ(r.priority, 4);
    EXPECT_EQ(field(r, "LOCKDOWN_REASON"), "dev-mem,msr");
    EXPECT_EQ(field(r, "LOCKDOWN_SENDER_PID"), "<absent>");
    EXPECT_THAT(r.message, HasSubstr("takes effect at the next boot"));
}

TEST(PolicyReloadJournal, InvalidAndFailedAreErrors)
{
    const auto invalid = reload_journal_record(reload_to("[Nope]\nKey=1\n"), cat(), 7, 1);
    EXPECT_STREQ(invalid.message_id, message_id::kPolicyReloadFailed);
    EXPECT_EQ(invalid.priority, 3);
    EXPECT_EQ(field(invalid, "LOCKDOWN_RESULT"), "invalid");
    const auto failed = reload_journal_record(failed_reload("mmap: ENOMEM"), cat(), 7, 1);
    EXPECT_STREQ(failed.message_id, message_id::kPolicyReloadFailed);
    EXPECT_EQ(field(failed, "LOCKDOWN_RESULT"), "failed");
    EXPECT_EQ(failed.message, "Lockdown policy reload failed: nothing changed: mmap: ENOMEM");
}
