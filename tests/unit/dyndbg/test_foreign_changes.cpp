// SPDX-License-Identifier: LGPL-2.1-or-later
// Callsites changed without the broker (a module's dyndbg= parameter): which
// ones, what they should be, and queries that put exactly those back and
// leave alone what sessions changed through the broker. Bad readings:
// truncated lines, odd flags, glob characters, huge input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/error.hpp"
#include "dyndbg/foreign_changes.hpp"
#include "fakes/fake_dyndbg.hpp"

using namespace ldb;
using namespace ldb::dyndbg;
using ldb_test::site;

namespace {

const Grammar kGrammar{"pmfslt_", false};

std::string reading(const std::vector<Callsite>& sites)
{
    std::string out = "# filename:lineno [module]function flags format\n";
    for (const auto& c : sites)
        out += render_control_line(c) + "\n";
    return out;
}

// The nbd module of the issue: 6 callsites, loaded with dyndbg=+p.
std::vector<Callsite> nbd(const std::string& flags)
{
    std::vector<Callsite> out;
    const char* funcs[] = {"nbd_send_cmd", "nbd_read_stat", "recv_work", "nbd_start_device", "nbd_config_put",
                           "nbd_genl_connect"};
    for (uint32_t i = 0; i < 6; i++)
        out.push_back(site("drivers/block/nbd.c", 100 + 10 * i, "nbd", funcs[i], flags));
    return out;
}

std::vector<Callsite> base_system()
{
    return {site("init/main.c", 1179, "main", "initcall_blacklist"),
            site("drivers/net/virtio_net.c", 10, "virtio_net", "probe"),
            site("drivers/net/virtio_net.c", 20, "virtio_net", "remove"),
            site("drivers/gpu/drm/drm_atomic.c", 50, "drm", "check", "_", "atomic\\n", "DRM_UT_ATOMIC")};
}

std::vector<Callsite> concat(std::vector<Callsite> a, const std::vector<Callsite>& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// Writes the queries to a fake control file holding `sites` (the kernel's
// matching) and returns what it holds afterwards.
std::vector<Callsite> applied(const std::vector<Callsite>& sites, const std::vector<std::string>& queries)
{
    ldb_test::FakeControl control("pmfslt_");
    control.sites = sites;
    const auto errs = control.write(queries);
    for (size_t i = 0; i < errs.size(); i++)
        EXPECT_EQ(errs[i], 0) << queries[i];
    return control.sites;
}

ChangeRecord record(uint64_t id, uint64_t seq, std::vector<SiteChange> sites)
{
    ChangeRecord r;
    r.id = id;
    r.seq = seq;
    r.holder = Holder{1000, "2", "session-2.scope"};
    r.query = "module x +p";
    r.sites = std::move(sites);
    return r;
}

} // namespace

TEST(DyndbgForeign, NothingOnADefaultSystem)
{
    const auto fc = foreign_changes(reading(concat(base_system(), nbd("_"))), {}, kGrammar);
    EXPECT_TRUE(fc.sites.empty());
    EXPECT_TRUE(fc.queries.empty());
    EXPECT_TRUE(fc.bad.empty());
}

TEST(DyndbgForeign, AModuleParameterIsFoundAndPutBackExactly)
{
    const auto before = concat(base_system(), nbd("p"));
    const auto fc = foreign_changes(reading(before), {}, kGrammar);
    ASSERT_EQ(fc.sites.size(), 6u);
    ASSERT_EQ(fc.queries.size(), 6u);
    EXPECT_EQ(fc.queries[0], "module nbd file drivers/block/nbd.c func nbd_send_cmd line 100 =_");
    for (const auto& s : fc.sites) {
        EXPECT_EQ(s.site.module, "nbd");
        EXPECT_EQ(s.expected, "_");
        EXPECT_TRUE(s.query);
    }
    // Every query passes the broker's own validator.
    for (const auto& q : fc.queries)
        EXPECT_NO_THROW(parse_query(q, Grammar{"pmfslt_", true})) << q;
    const auto after = applied(before, fc.queries);
    EXPECT_EQ(after, concat(base_system(), nbd("_")));
    EXPECT_TRUE(foreign_changes(reading(after), {}, kGrammar).sites.empty());
}

TEST(DyndbgForeign, WhatSessionsChangedThroughTheBrokerIsNeverTouched)
{
    auto sites = concat(base_system(), nbd("p"));
    sites[1].flags = "p"; // virtio_net probe: a session's change
    sites[3].flags = "pm";  // drm check (classed): a session's change
    std::map<uint64_t, ChangeRecord> records;
    records[7] = record(7, 1, {SiteChange{key_of(sites[1]), "_", "p"}, SiteChange{key_of(sites[3]), "_", "pm"}});
    // The session also holds one nbd callsite (its change came before the reload).
    records[9] = record(9, 2, {SiteChange{key_of(sites[4]), "_", "p"}});
    const auto fc = foreign_changes(reading(sites), broker_flags(records), kGrammar);
    ASSERT_EQ(fc.sites.size(), 5u) << "the five nbd callsites no session holds";
    for (const auto& s : fc.sites)
        EXPECT_NE(s.site.function, "nbd_send_cmd");
    const auto after = applied(sites, fc.queries);
    EXPECT_EQ(after[1].flags, "p");
    EXPECT_EQ(after[3].flags, "pm");
    EXPECT_EQ(after[4].flags, "p");
    for (size_t i = 5; i < after.size(); i++)
        EXPECT_EQ(after[i].flags, "_") << after[i].function;
}

TEST(DyndbgForeign, ChangedOverASessionsChangeGoesBackToTheSessionsFlags)
{
    auto sites = nbd("pmf");
    std::map<uint64_t, ChangeRecord> records;
    records[1] = record(1, 1, {SiteChange{key_of(sites[0]), "_", "p"}});
    const auto fc = foreign_changes(reading(sites), broker_flags(records), kGrammar);
    ASSERT_EQ(fc.sites.size(), 6u);
    EXPECT_EQ(fc.sites[0].expected, "p");
    EXPECT_EQ(*fc.sites[0].query, "module nbd file drivers/block/nbd.c func nbd_send_cmd line 100 =p");
    const auto after = applied(sites, fc.queries);
    EXPECT_EQ(after[0].flags, "p");
    EXPECT_EQ(after[1].flags, "_");
}

TEST(DyndbgForeign, BrokerFlagsAreThoseOfTheNewestChange)
{
    const SiteKey k = key_of(nbd("_")[0]);
    std::map<uint64_t, ChangeRecord> records;
    records[50] = record(50, 3, {SiteChange{k, "p", "pmf"}});
    records[10] = record(10, 1, {SiteChange{k, "_", "p"}});
    records[20] = record(20, 2, {SiteChange{k, "p", "p"}});
    const auto flags = broker_flags(records);
    ASSERT_EQ(flags.size(), 1u);
    EXPECT_EQ(flags.at(k), "pmf");
    EXPECT_TRUE(broker_flags({}).empty());
}

TEST(DyndbgForeign, ClassedAndUnnameableCallsites)
{
    std::vector<Callsite> sites{site("drivers/gpu/drm/drm_atomic.c", 50, "drm", "check", "p", "x\\n", "DRM_UT_ATOMIC")};
    Callsite unknown = site("drivers/gpu/drm/x.c", 7, "drm", "f", "p");
    unknown.class_unknown = true;
    unknown.class_id = 5;
    sites.push_back(unknown);
    const auto fc = foreign_changes(reading(sites), {}, kGrammar);
    ASSERT_EQ(fc.sites.size(), 2u);
    ASSERT_TRUE(fc.sites[0].query);
    EXPECT_EQ(*fc.sites[0].query, "module drm file drivers/gpu/drm/drm_atomic.c line 50 class DRM_UT_ATOMIC =_");
    EXPECT_FALSE(fc.sites[1].query) << "an unknown class has no name to query it by";
    EXPECT_EQ(fc.queries.size(), 1u);
}

TEST(DyndbgForeign, CallsitesSharingAKeyShareOneQuery)
{
    // One macro expanded twice on one line of one function.
    const std::vector<Callsite> sites{site("fs/x.c", 5, "x", "f", "p", "a"), site("fs/x.c", 5, "x", "f", "p", "b"),
                                      site("fs/x.c", 6, "x", "f", "_", "c")};
    const auto fc = foreign_changes(reading(sites), {}, kGrammar);
    EXPECT_EQ(fc.sites.size(), 2u);
    ASSERT_EQ(fc.queries.size(), 1u);
    const auto after = applied(sites, fc.queries);
    for (const auto& c : after)
        EXPECT_EQ(c.flags, "_");
}

TEST(DyndbgForeign, UnknownModulesAndGoneCallsites)
{
    // A module the broker never heard of is reverted like any other; a
    // session's callsite whose module is gone asks for nothing.
    const std::vector<Callsite> sites{site("drivers/misc/zz_vendor.c", 3, "zz_vendor_blob", "zz_probe", "p")};
    std::map<uint64_t, ChangeRecord> records;
    records[4] = record(4, 1, {SiteChange{key_of(nbd("_")[2]), "_", "p"}});
    const auto fc = foreign_changes(reading(sites), broker_flags(records), kGrammar);
    ASSERT_EQ(fc.sites.size(), 1u);
    EXPECT_EQ(fc.sites[0].site.module, "zz_vendor_blob");
    EXPECT_EQ(fc.queries, std::vector<std::string>{
                              "module zz_vendor_blob file drivers/misc/zz_vendor.c func zz_probe line 3 =_"});
}

TEST(DyndbgForeign, OddFlagsAreForeignAndPutBackToNone)
{
    // Letters this grammar does not know, upper case, a doubled '_': all
    // are "not none", and "=_" clears them whatever they are.
    for (const char* flags : {"P", "x", "__", "p_", "pmfslt", "Z"}) {
        const auto fc = foreign_changes(reading({site("a/b.c", 1, "m", "f", flags)}), {}, kGrammar);
        ASSERT_EQ(fc.sites.size(), 1u) << flags;
        EXPECT_EQ(fc.queries, std::vector<std::string>{"module m file a/b.c func f line 1 =_"}) << flags;
    }
}

TEST(DyndbgForeign, BadLinesAreReportedNeverReverted)
{
    const std::string good = render_control_line(site("drivers/block/nbd.c", 100, "nbd", "nbd_send_cmd", "p"));
    const std::string text = "# filename:lineno [module]function flags format\n" + good + "\n" +
                             good.substr(0, good.size() / 2) + "\n" // truncated mid-line
                             + "drivers/block/nbd.c:101 [nbd]g =p\n"  // no format
                             + "drivers/block/nbd.c:x [nbd]g =p \"y\"\n" // bad line number
                             + "drivers/block/nbd.c:102 [nbd]g =p- \"y\"\n" // bad flags
                             + "drivers/block/nbd.c:103 [nbd] =p \"y\"\n" // no function
                             + std::string("drivers/block/nbd.c:104 [nbd]g\x01 =p \"y\"\n") // control char
                             + "\n\n#\n" + good.substr(0, 25); // and no final newline
    const auto fc = foreign_changes(text, {}, kGrammar);
    ASSERT_EQ(fc.sites.size(), 1u);
    EXPECT_EQ(fc.sites[0].site.function, "nbd_send_cmd");
    EXPECT_EQ(fc.queries.size(), 1u);
    EXPECT_EQ(fc.bad.size(), 7u);
    EXPECT_TRUE(foreign_changes("", {}, kGrammar).sites.empty());
    EXPECT_TRUE(foreign_changes("\n\n\n", {}, kGrammar).bad.empty());
}

TEST(DyndbgForeign, GlobCharactersInNamesAreNeverQueried)
{
    // Such a name would select other callsites too; no kernel prints one.
    for (const auto& c : {site("a/b.c", 1, "m*", "f", "p"), site("a/*.c", 1, "m", "f", "p"),
                          site("a/b.c", 1, "m", "f?", "p")}) {
        const auto fc = foreign_changes(reading({c}), {}, kGrammar);
        ASSERT_EQ(fc.sites.size(), 1u) << render_control_line(c);
        EXPECT_FALSE(fc.sites[0].query) << render_control_line(c);
        EXPECT_TRUE(fc.queries.empty());
    }
}

TEST(DyndbgForeign, HugeInput)
{
    // Many callsites (a distribution kernel with everything loaded and a
    // global dyndbg=+p on the command line): each found, one query each.
    std::string text = "# filename:lineno [module]function flags format\n";
    const size_t n = 100'000;
    for (size_t i = 0; i < n; i++)
        text += "drivers/m" + std::to_string(i % 97) + "/x.c:" + std::to_string(i + 1) + " [m" +
                std::to_string(i % 97) + "]f =" + (i % 3 ? "_" : "p") + " \"x\\n\"\n";
    const auto fc = foreign_changes(text, {}, kGrammar);
    EXPECT_EQ(fc.sites.size(), (n + 2) / 3);
    EXPECT_EQ(fc.queries.size(), fc.sites.size());
    // Beyond what any kernel prints: refused as a whole, nothing reverted.
    std::string huge(kMaxControlBytes + 1, 'a');
    try {
        foreign_changes(huge, {}, kGrammar);
        FAIL() << "a reading beyond kMaxControlBytes was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Kernel);
    }
    // One enormous line: a bad line, not a crash.
    const auto one = foreign_changes(std::string(1 << 20, 'x'), {}, kGrammar);
    EXPECT_TRUE(one.sites.empty());
    EXPECT_EQ(one.bad.size(), 1u);
}

TEST(DyndbgForeign, AQueryThatWouldTouchASessionsCallsiteIsNotWritten)
{
    // "file x.c" selects a/x.c too (the kernel matches the base name), where
    // a session's change holds the same line and function. No kernel prints
    // such a pair; the reading is not trusted, so no query at all.
    const std::vector<Callsite> sites{site("x.c", 5, "m", "f", "p"), site("a/x.c", 5, "m", "f", "p")};
    std::map<uint64_t, ChangeRecord> records;
    records[3] = record(3, 1, {SiteChange{key_of(sites[1]), "_", "p"}});
    const auto fc = foreign_changes(reading(sites), broker_flags(records), kGrammar);
    ASSERT_EQ(fc.sites.size(), 1u);
    EXPECT_EQ(fc.sites[0].site.file, "x.c");
    EXPECT_FALSE(fc.sites[0].query);
    EXPECT_TRUE(fc.queries.empty());
    // Without the session's change both go back to none: the query may touch both.
    const auto free = foreign_changes(reading(sites), {}, kGrammar);
    EXPECT_EQ(free.queries.size(), 2u);
    for (const auto& c : applied(sites, free.queries))
        EXPECT_EQ(c.flags, "_");
}

TEST(DyndbgForeign, OnlyCallsitesOfLoadedModulesAreLookedAt)
{
    // Debian 6.12 boots with init/main.c and kernel/power/ built with DEBUG:
    // their callsites are =p by default. Built in, no modprobe reaches them.
    auto sites = nbd("p");
    sites.push_back(site("init/main.c", 1121, "main", "initcall_blacklist", "p"));
    sites.push_back(site("kernel/power/swap.c", 927, "swap", "enough_swap", "p"));
    const std::set<std::string> loaded = proc_modules("nbd 65536 0 - Live 0x0000000000000000\n"
                                                      "binfmt_misc 28672 1 - Live 0x0000000000000000\n");
    const auto fc = foreign_changes(reading(sites), {}, kGrammar, &loaded);
    ASSERT_EQ(fc.sites.size(), 6u);
    for (const auto& s : fc.sites)
        EXPECT_EQ(s.site.module, "nbd");
    EXPECT_EQ(foreign_changes(reading(sites), {}, kGrammar).sites.size(), 8u) << "without a scope: all";
    const std::set<std::string> none;
    EXPECT_TRUE(foreign_changes(reading(sites), {}, kGrammar, &none).sites.empty());
}

TEST(DyndbgForeign, ProcModulesBadInput)
{
    EXPECT_EQ(proc_modules(""), std::set<std::string>{});
    EXPECT_EQ(proc_modules("nbd"), std::set<std::string>{"nbd"}) << "truncated: the name alone";
    EXPECT_EQ(proc_modules("\n\n nbd 1\nloop 2 0 - Live 0x0\n\x01x 1\nnbd 3"), (std::set<std::string>{"loop", "nbd"}))
        << "a line starting with a space or a control character names no module";
    std::string many;
    for (int i = 0; i < 20000; i++)
        many += "m" + std::to_string(i) + " 4096 0 - Live 0x0\n";
    EXPECT_EQ(proc_modules(many).size(), 20000u);
}
