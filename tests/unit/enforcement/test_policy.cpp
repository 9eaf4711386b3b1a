// SPDX-License-Identifier: LGPL-2.1-or-later
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lockdown-broker.h"
#include "config/config.hpp"
#include "base/error.hpp"
#include "base/ini.hpp"
#include "enforcement/policy.hpp"
#include "enforcement/reasons.hpp"
#include "fakes/synthetic_btf.hpp"
#include "fakes/test_support.hpp"

using ldb::Action;
using ldb::Config;
using ldb::ErrorKind;
using ldb::Level;
using ldb::Mode;
using ldb::Policy;
using ldb::ReasonCatalog;
using ldb_test::catch_error;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// The BPF program reads the numbers userspace writes: they must agree.
static_assert(static_cast<int>(Action::Deny) == LD_ACTION_DENY);
static_assert(static_cast<int>(Action::Allow) == LD_ACTION_ALLOW);
static_assert(static_cast<int>(Action::Audit) == LD_ACTION_AUDIT);
static_assert(LD_ACTION_DENY == 0, "an all-zero policy slot must deny");

namespace {

ReasonCatalog make_catalog(const std::vector<ldb_test::EnumValue>& layout)
{
    auto b = ldb_test::make_enum_btf(layout);
    return ReasonCatalog::from_btf(b.get());
}

const ReasonCatalog& cat61()
{
    static const ReasonCatalog c = make_catalog(ldb_test::layout_6_1());
    return c;
}

const ReasonCatalog& cat_shuffled()
{
    static const ReasonCatalog c = make_catalog(ldb_test::layout_shuffled());
    return c;
}

// Applies each text as one file, file names f1.conf, f2.conf, ...
Config config_of(const std::vector<std::string>& texts)
{
    Config cfg;
    for (size_t i = 0; i < texts.size(); i++) {
        const std::string name = "f" + std::to_string(i + 1) + ".conf";
        ldb::apply_entries(cfg, ldb::parse_ini(texts[i], name));
        cfg.files.push_back(name);
    }
    return cfg;
}

Policy build(const std::vector<std::string>& texts, const ReasonCatalog& cat = cat61())
{
    return Policy::build(cat, config_of(texts));
}

const ldb::PolicyEntry& entry(const Policy& p, const std::string& name)
{
    for (const auto& e : p.entries())
        if (e.reason.name == name)
            return e;
    throw std::runtime_error("no policy entry for " + name);
}

} // namespace

TEST(Policy, ActionNumbersMatchTheBpfHeader)
{
    EXPECT_EQ(static_cast<int>(Action::Deny), LD_ACTION_DENY);
    EXPECT_EQ(static_cast<int>(Action::Allow), LD_ACTION_ALLOW);
    EXPECT_EQ(static_cast<int>(Action::Audit), LD_ACTION_AUDIT);
}

TEST(Policy, Baseline)
{
    EXPECT_EQ(ldb::baseline(Mode::None, Level::Integrity), Action::Allow);
    EXPECT_EQ(ldb::baseline(Mode::None, Level::Confidentiality), Action::Allow);
    EXPECT_EQ(ldb::baseline(Mode::Integrity, Level::Integrity), Action::Deny);
    EXPECT_EQ(ldb::baseline(Mode::Integrity, Level::Confidentiality), Action::Allow);
    EXPECT_EQ(ldb::baseline(Mode::Confidentiality, Level::Integrity), Action::Deny);
    EXPECT_EQ(ldb::baseline(Mode::Confidentiality, Level::Confidentiality), Action::Deny);
}

TEST(Policy, ModeOnlyFollowsBaselineForEveryReason)
{
    for (const Mode m : {Mode::None, Mode::Integrity, Mode::Confidentiality}) {
        SCOPED_TRACE(ldb::to_string(m));
        const Policy p = build({"[Lockdown]\nMode=" + ldb::to_string(m) + "\n"});
        EXPECT_EQ(p.mode(), m);
        ASSERT_EQ(p.entries().size(), cat61().all().size());
        for (size_t i = 0; i < p.entries().size(); i++) {
            const auto& e = p.entries()[i];
            EXPECT_EQ(e.reason.name, cat61().all()[i].name) << "entries follow the catalogue's order";
            EXPECT_EQ(e.action, ldb::baseline(m, e.reason.level)) << e.reason.name;
            EXPECT_EQ(e.origin, "Mode=" + ldb::to_string(m));
            EXPECT_EQ(p.action_for(e.reason.name), e.action);
        }
    }
}

TEST(Policy, DefaultModeIsIntegrity)
{
    const Policy p = Policy::build(cat61(), Config{});
    EXPECT_EQ(p.mode(), Mode::Integrity);
    EXPECT_EQ(p.action_for("dev-mem"), Action::Deny);
    EXPECT_EQ(p.action_for("kcore"), Action::Allow);
}

TEST(Policy, DenyBeatsModeNoneForOneReason)
{
    const Policy p = build({"[Lockdown]\nMode=none\nDeny=dev-mem\n"});
    EXPECT_EQ(p.action_for("dev-mem"), Action::Deny);
    EXPECT_EQ(entry(p, "dev-mem").origin, "Deny= at f1.conf:3");
    for (const auto& e : p.entries()) {
        if (e.reason.name != "dev-mem") {
            EXPECT_EQ(e.action, Action::Allow) << e.reason.name;
        }
    }
}

TEST(Policy, AllowUnderConfidentiality)
{
    const Policy p = build({"[Lockdown]\nMode=confidentiality\nAllow=kcore hibernation\n"});
    EXPECT_EQ(p.action_for("kcore"), Action::Allow);
    EXPECT_EQ(p.action_for("hibernation"), Action::Allow);
    EXPECT_EQ(entry(p, "kcore").origin, "Allow= at f1.conf:3");
    EXPECT_EQ(p.action_for("dev-mem"), Action::Deny);
    EXPECT_EQ(p.action_for("perf"), Action::Deny);
}

TEST(Policy, Audit)
{
    const Policy p = build({"[Lockdown]\nAudit=debugfs perf\n"});
    EXPECT_EQ(p.action_for("debugfs"), Action::Audit);
    EXPECT_EQ(p.action_for("perf"), Action::Audit);
    EXPECT_EQ(entry(p, "perf").origin, "Audit= at f1.conf:2");
    EXPECT_EQ(p.action_for("dev-mem"), Action::Deny);
    EXPECT_EQ(p.action_for("kcore"), Action::Allow);
}

TEST(Policy, ModeLaterInTheFileDoesNotUndoOverrides)
{
    const Policy p = build({"[Lockdown]\nAllow=dev-mem\nMode=confidentiality\n"});
    EXPECT_EQ(p.action_for("dev-mem"), Action::Allow);
    EXPECT_EQ(p.action_for("kcore"), Action::Deny);
}

TEST(Policy, LastAssignmentWinsAcrossFiles)
{
    const Policy p = build({
        "[Lockdown]\nMode=none\nAllow=dev-mem kcore\n",
        "[Lockdown]\nDeny=dev-mem\nAudit=kcore\n",
        "[Lockdown]\n\nAudit=dev-mem\n",
    });
    EXPECT_EQ(p.action_for("dev-mem"), Action::Audit);
    EXPECT_EQ(entry(p, "dev-mem").origin, "Audit= at f3.conf:3");
    EXPECT_EQ(p.action_for("kcore"), Action::Audit);
    EXPECT_EQ(entry(p, "kcore").origin, "Audit= at f2.conf:3");
}

TEST(Policy, ResetInALaterFileRestoresBaseline)
{
    const Policy p = build({"[Lockdown]\nAllow=dev-mem\nAudit=kcore\n", "[Lockdown]\nAllow=\n"});
    EXPECT_EQ(p.action_for("dev-mem"), Action::Deny);
    EXPECT_EQ(entry(p, "dev-mem").origin, "Mode=integrity");
    EXPECT_EQ(p.action_for("kcore"), Action::Audit);
}

TEST(Policy, LoadConfigEndToEnd)
{
    ldb_test::TempDir t;
    const auto etc = t / "etc", run = t / "run", lib = t / "lib";
    ldb_test::write_file(lib / "broker.conf", "[Lockdown]\nMode=confidentiality\n");
    ldb_test::write_file(etc / "broker.conf.d" / "50-local.conf", "[Lockdown]\nAllow=kcore\n");
    const Config cfg = ldb::load_config(ldb::ConfigPaths{{etc.string(), run.string(), lib.string()}, "broker.conf"});
    const Policy p = Policy::build(cat61(), cfg);
    EXPECT_EQ(p.mode(), Mode::Confidentiality);
    EXPECT_EQ(p.action_for("kcore"), Action::Allow);
    EXPECT_EQ(entry(p, "kcore").origin, "Allow= at " + (etc / "broker.conf.d" / "50-local.conf").string() + ":2");
    EXPECT_EQ(p.action_for("perf"), Action::Deny);
    EXPECT_EQ(p.action_for("dev-mem"), Action::Deny);
}

TEST(PolicyError, UnknownReason)
{
    const auto err = catch_error([] { (void)build({"[Lockdown]\nMode=none\n", "[Lockdown]\n\nDeny=dev-mem dev-mme\n"}); });
    EXPECT_EQ(err.kind(), ErrorKind::Config);
    EXPECT_THAT(err.what(), StartsWith("f2.conf:3: "));
    EXPECT_THAT(err.what(), HasSubstr("unknown lockdown reason 'dev-mme'"));
    EXPECT_THAT(err.hint(), HasSubstr("--list-reasons"));
}

TEST(PolicyError, ReasonOfAnotherKernel)
{
    // xen-user-actions exists in the shuffled layout but not in 6.1.
    EXPECT_NO_THROW((void)build({"[Lockdown]\nAllow=xen-user-actions\n"}, cat_shuffled()));
    const auto err = catch_error([] { (void)build({"[Lockdown]\nAllow=xen-user-actions\n"}); });
    EXPECT_THAT(err.what(), HasSubstr("f1.conf:2: unknown lockdown reason 'xen-user-actions'"));
}

TEST(PolicyError, KernelNamesAreNotReasonNames)
{
    const auto err = catch_error([] { (void)build({"[Lockdown]\nAllow=LOCKDOWN_DEV_MEM\n"}); });
    EXPECT_THAT(err.what(), HasSubstr("unknown lockdown reason 'LOCKDOWN_DEV_MEM'"));
}

TEST(PolicyError, CommaSeparatedListGetsAHint)
{
    const auto err = catch_error([] { (void)build({"[Lockdown]\nAllow=dev-mem,kcore\n"}); });
    EXPECT_EQ(err.kind(), ErrorKind::Config);
    EXPECT_THAT(err.what(), StartsWith("f1.conf:2: "));
    EXPECT_THAT(err.what(), HasSubstr("'dev-mem,kcore'"));
    EXPECT_THAT(err.hint(), HasSubstr("spaces, not commas"));
}

TEST(PolicyError, ActionForUnknownReason)
{
    const Policy p = build({"[Lockdown]\n"});
    const auto err = catch_error([&] { (void)p.action_for("no-such-reason"); });
    EXPECT_EQ(err.kind(), ErrorKind::NotFound);
    EXPECT_THAT(err.what(), HasSubstr("no-such-reason"));
}

// ---- the table the BPF program reads ----------------------------------------

namespace {

void expect_table_matches(const Policy& p, const ReasonCatalog& cat)
{
    const auto t = p.action_table();
    static_assert(std::tuple_size_v<decltype(t)> == LD_MAX_REASONS);
    for (uint32_t v = 0; v < LD_MAX_REASONS; v++) {
        SCOPED_TRACE("slot " + std::to_string(v));
        if (const auto* r = cat.by_value(v))
            EXPECT_EQ(t[v], static_cast<unsigned char>(p.action_for(r->name))) << r->name;
        else
            EXPECT_EQ(t[v], LD_ACTION_DENY);
    }
}

} // namespace

TEST(PolicyTable, ReasonSlotsGetTheirActionOthersDeny)
{
    // Mode=none allows every reason, so a non-reason slot that is not 0
    // cannot hide behind a reason's deny.
    const Policy p = build({"[Lockdown]\nMode=none\nDeny=dev-mem\nAudit=kcore xfrm-secret\n"});
    const auto t = p.action_table();
    EXPECT_EQ(t[0], LD_ACTION_DENY) << "LOCKDOWN_NONE";
    EXPECT_EQ(t[2], LD_ACTION_DENY) << "dev-mem";
    EXPECT_EQ(t[1], LD_ACTION_ALLOW) << "module-signature";
    EXPECT_EQ(t[19], LD_ACTION_ALLOW) << "rtas-error-injection";
    EXPECT_EQ(t[20], LD_ACTION_DENY) << "LOCKDOWN_INTEGRITY_MAX";
    EXPECT_EQ(t[21], LD_ACTION_AUDIT) << "kcore";
    EXPECT_EQ(t[28], LD_ACTION_AUDIT) << "xfrm-secret";
    for (uint32_t v = 29; v < LD_PSEUDO_REASON_FIRST; v++)
        EXPECT_EQ(t[v], LD_ACTION_DENY) << "slot " << v << " past CONFIDENTIALITY_MAX";
    EXPECT_EQ(t[LD_REASON_DYNAMIC_DEBUG], LD_ACTION_ALLOW) << "dynamic-debug follows Mode=none";
    expect_table_matches(p, cat61());
}

TEST(PolicyTable, EveryModeAndLayout)
{
    for (const ReasonCatalog* cat : {&cat61(), &cat_shuffled()})
        for (const char* mode : {"none", "integrity", "confidentiality"}) {
            SCOPED_TRACE(mode);
            const Policy p = Policy::build(*cat, config_of({std::string("[Lockdown]\nMode=") + mode +
                                                            "\nAllow=dev-mem\nAudit=perf\nDeny=xmon-wr\n"}));
            expect_table_matches(p, *cat);
            const auto t = p.action_table();
            EXPECT_EQ(t[cat->find("dev-mem")->value], LD_ACTION_ALLOW);
            EXPECT_EQ(t[cat->find("perf")->value], LD_ACTION_AUDIT);
            EXPECT_EQ(t[cat->find("xmon-wr")->value], LD_ACTION_DENY);
        }
}

TEST(PolicyTable, ShuffledLayoutGapsStayDenied)
{
    const Policy p = Policy::build(cat_shuffled(), config_of({"[Lockdown]\nMode=none\n"}));
    const auto t = p.action_table();
    // Gaps between reasons, the markers, and 31 (an enum value past the end).
    for (uint32_t v : {0u, 4u, 6u, 10u, 21u, 24u, 30u, 31u, 62u})
        EXPECT_EQ(t[v], LD_ACTION_DENY) << "slot " << v;
    for (const auto& r : cat_shuffled().all())
        EXPECT_EQ(t[r.value], LD_ACTION_ALLOW) << r.name;
}

// The dynamic-debug pseudo-reason is configured like a reason: an integrity
// one, so Mode=integrity locks it, and Allow=/Deny=/Audit= name it.
TEST(PolicyTable, DynamicDebugPseudoReason)
{
    const auto dd = [](const Policy& p) { return p.action_table()[LD_REASON_DYNAMIC_DEBUG]; };
    EXPECT_EQ(dd(build({"[Lockdown]\nMode=integrity\n"})), LD_ACTION_DENY);
    EXPECT_EQ(dd(build({"[Lockdown]\nMode=confidentiality\n"})), LD_ACTION_DENY);
    EXPECT_EQ(dd(build({"[Lockdown]\nMode=none\n"})), LD_ACTION_ALLOW);
    EXPECT_EQ(dd(build({"[Lockdown]\nMode=integrity\nAllow=dynamic-debug\n"})), LD_ACTION_ALLOW);
    EXPECT_EQ(dd(build({"[Lockdown]\nMode=none\nAudit=dynamic-debug\n"})), LD_ACTION_AUDIT);
    const Policy p = build({"[Lockdown]\nMode=integrity\nAllow=dynamic-debug\n"});
    EXPECT_EQ(p.action_for("dynamic-debug"), Action::Allow);
    EXPECT_EQ(p.action_for("debugfs"), Action::Deny) << "the debugfs reason stays separate";
}
