// SPDX-License-Identifier: LGPL-2.1-or-later
// ExceptionTable: the lifecycle against a fake kernel map and a real store in a
// temporary directory, with clocks the test moves by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sys/stat.h>

#include "fakes/fake_kernel.hpp"
#include "exceptions/table.hpp"
#include "fakes/synthetic_btf.hpp"
#include "fakes/test_support.hpp"

using namespace ldb;
using ldb_test::FakeKernel;

namespace {

const ReasonCatalog& cat()
{
    return ldb_test::catalog_6_1();
}

constexpr uint64_t kSec = 1000000000ull;

struct Fixture : ::testing::Test {
    ldb_test::TempDir tmp;
    FakeKernel kernel;
    ExceptionStore store{tmp.str() + "/store"};
    uint64_t boot = 1000 * kSec;
    uint64_t real = 1700000000ull * 1000000ull;
    std::map<std::string, uint64_t> cgroup_ids = {
        {"/user.slice/session-1.scope", 11}, {"/user.slice/user@1000.service", 12}, {"/system.slice/a.service", 13}};
    std::vector<std::pair<uint64_t, std::string>> revoked;
    std::vector<uint64_t> granted;
    std::vector<std::pair<uint64_t, std::vector<std::string>>> narrowed; // (id, cgroups now)

    Fixture() { store.open(); }

    ExceptionTable make(uint64_t lease = 60)
    {
        auto resolve = [this](const std::string& p) {
            auto it = cgroup_ids.find(p);
            if (it == cgroup_ids.end())
                throw Error(ErrorKind::NotFound, "cgroup " + p + ": No such file or directory");
            return it->second;
        };
        return ExceptionTable(kernel, cat(), store, {lease, resolve}, Clocks{[this] { return boot; }, [this] { return real; }},
                          {[this](const Exception& e) { granted.push_back(e.id); },
                           [this](const Exception& e, RevokeWhy why) { revoked.emplace_back(e.id, to_string(why)); },
                           [this](const Exception& e) { narrowed.emplace_back(e.id, e.cgroups); }});
    }

    static Exception session_spec(const std::string& session = "1")
    {
        Exception e;
        e.reasons = {"dev-mem", "msr"};
        e.scope_kind = ScopeKind::Session;
        e.scope = session;
        e.cgroups = {"/user.slice/session-1.scope", "/user.slice/user@1000.service"};
        e.holder_uid = 1000;
        e.holder_session = session;
        e.origin = Origin::Request;
        return e;
    }

    size_t keys_of(uint64_t id) const
    {
        return static_cast<size_t>(std::count_if(kernel.keys.begin(), kernel.keys.end(),
                                                 [id](const GrantEntry& g) { return g.grant_id == id; }));
    }
};

} // namespace

TEST_F(Fixture, AddPutsEveryCgroupReasonPairInTheKernelWithALeaseNotTheFullTime)
{
    auto t = make(60);
    const auto& e = t.add(session_spec(), 600);
    EXPECT_NE(e.id, 0u);
    EXPECT_EQ(keys_of(e.id), 4u); // 2 cgroups x 2 reasons
    std::set<std::pair<uint64_t, uint32_t>> pairs;
    for (const auto& k : kernel.keys) {
        pairs.insert({k.cgroup_id, k.reason});
        EXPECT_EQ(k.expires_boot_ns, boot + 60 * kSec) << "the kernel holds a lease, not the whole 600 s";
        EXPECT_EQ(k.holder_uid, 1000u);
    }
    const uint32_t dev_mem = cat().find("dev-mem")->value, msr = cat().find("msr")->value;
    EXPECT_EQ(pairs, (std::set<std::pair<uint64_t, uint32_t>>{{11, dev_mem}, {11, msr}, {12, dev_mem}, {12, msr}}));
    EXPECT_EQ(e.expires_boot_ns, boot + 600 * kSec);
    EXPECT_EQ(e.expires_realtime_usec, real + 600ull * 1000000ull);
    EXPECT_EQ(granted, std::vector<uint64_t>{e.id});
}

TEST_F(Fixture, ShortExceptionLeaseIsItsOwnEnd)
{
    auto t = make(60);
    const auto& e = t.add(session_spec(), 5);
    for (const auto& k : kernel.keys)
        EXPECT_EQ(k.expires_boot_ns, boot + 5 * kSec);
    EXPECT_EQ(e.expires_boot_ns, boot + 5 * kSec);
}

TEST_F(Fixture, UnknownReasonOrCgroupChangesNothing)
{
    auto t = make();
    auto spec = session_spec();
    spec.reasons = {"dev-mem", "no-such-reason"};
    EXPECT_EQ(ldb_test::catch_error([&] { t.add(spec, 60); }).kind(), ErrorKind::InvalidArgument);
    spec = session_spec();
    spec.cgroups.push_back("/gone.scope");
    EXPECT_EQ(ldb_test::catch_error([&] { t.add(spec, 60); }).kind(), ErrorKind::NotFound);
    EXPECT_TRUE(kernel.keys.empty());
    EXPECT_TRUE(t.all().empty());
    EXPECT_TRUE(granted.empty());
}

TEST_F(Fixture, KernelFailureLeavesNoRecord)
{
    auto t = make();
    kernel.fail_add = true;
    EXPECT_EQ(ldb_test::catch_error([&] { t.add(session_spec(), 60); }).kind(), ErrorKind::Kernel);
    std::vector<std::string> bad;
    EXPECT_TRUE(store.load_all(bad).empty());
    EXPECT_TRUE(t.all().empty());
}

TEST_F(Fixture, StoreFailureRemovesTheKernelGrant)
{
    auto t = make();
    ldb_test::fs::remove_all(tmp.str() + "/store"); // the record cannot be written
    EXPECT_THROW(t.add(session_spec(), 60), Error);
    EXPECT_TRUE(kernel.keys.empty()) << "a grant without its record must not stay in the kernel";
    EXPECT_TRUE(t.all().empty());
}

TEST_F(Fixture, RemoveTakesItOutEverywhereAndSaysWhy)
{
    auto t = make();
    const uint64_t id = t.add(session_spec(), 600).id;
    EXPECT_TRUE(t.remove(id, RevokeWhy::Released));
    EXPECT_EQ(keys_of(id), 0u);
    EXPECT_EQ(t.find(id), nullptr);
    std::vector<std::string> bad;
    EXPECT_TRUE(store.load_all(bad).empty());
    ASSERT_EQ(revoked.size(), 1u);
    EXPECT_EQ(revoked[0], std::make_pair(id, std::string("released")));
    EXPECT_FALSE(t.remove(id, RevokeWhy::Released));
}

TEST_F(Fixture, EndSessionRemovesOnlyThatSessionsExceptions)
{
    auto t = make();
    const uint64_t a = t.add(session_spec("1"), 600).id;
    const uint64_t b = t.add(session_spec("2"), 600).id;
    auto unit = session_spec();
    unit.scope_kind = ScopeKind::Unit;
    unit.scope = "a.service";
    unit.cgroups = {"/system.slice/a.service"};
    unit.holder_session.clear();
    unit.origin = Origin::Admin;
    const uint64_t u = t.add(unit, 600).id;

    EXPECT_EQ(t.end_session("1", RevokeWhy::SessionLocked), 1u);
    EXPECT_EQ(t.find(a), nullptr);
    EXPECT_NE(t.find(b), nullptr);
    EXPECT_EQ(t.end_unit("b.service"), 0u);
    EXPECT_EQ(t.end_unit("a.service"), 1u);
    EXPECT_EQ(t.find(u), nullptr);
    EXPECT_EQ(revoked.back(), std::make_pair(u, std::string("unit-stopped")));
    EXPECT_EQ(t.end_all_sessions(RevokeWhy::Resumed), 1u);
    EXPECT_TRUE(t.all().empty());
    EXPECT_TRUE(kernel.keys.empty());
}

TEST_F(Fixture, RenewMovesTheLeaseAndExpiresAtTheEnd)
{
    auto t = make(30);
    const uint64_t id = t.add(session_spec(), 100).id;
    boot += 10 * kSec;
    t.renew();
    for (const auto& k : kernel.keys)
        EXPECT_EQ(k.expires_boot_ns, boot + 30 * kSec);
    boot += 80 * kSec; // 90 s in: the lease may not pass the end at 100 s
    t.renew();
    for (const auto& k : kernel.keys)
        EXPECT_EQ(k.expires_boot_ns, 1000 * kSec + 100 * kSec);
    boot += 10 * kSec;
    t.renew();
    EXPECT_EQ(t.find(id), nullptr);
    EXPECT_TRUE(kernel.keys.empty());
    EXPECT_EQ(revoked.back(), std::make_pair(id, std::string("expired")));
}

// The sleep unit's grant: the machine is off between the image and the
// renewal of the swap header, with the broker frozen, and CLOCK_BOOTTIME
// counts that time; the kernel must not end the grant on its own.
TEST_F(Fixture, WithoutAKernelLeaseTheKernelGrantNeverRunsOutButTheBrokerStillEndsIt)
{
    auto t = make(60);
    Exception spec = session_spec();
    spec.kernel_lease = false;
    const uint64_t id = t.add(spec, 300).id;
    for (const auto& k : kernel.keys)
        EXPECT_EQ(k.expires_boot_ns, ExceptionTable::kNoLease);
    boot += 20 * kSec;
    t.renew();
    for (const auto& k : kernel.keys)
        EXPECT_EQ(k.expires_boot_ns, ExceptionTable::kNoLease) << "a renewal must not bring the lease back";
    boot += 3 * 24 * 3600 * kSec; // three days off, hibernated
    t.renew();
    EXPECT_EQ(t.find(id), nullptr) << "the broker ends it once its time is over";
    EXPECT_TRUE(kernel.keys.empty());
    EXPECT_EQ(revoked.back(), std::make_pair(id, std::string("expired")));
}

TEST_F(Fixture, RenewDropsAGrantThatVanishedFromTheKernel)
{
    auto t = make();
    const uint64_t id = t.add(session_spec(), 600).id;
    kernel.keys.clear(); // someone deleted the keys behind our back
    t.renew();
    EXPECT_EQ(t.find(id), nullptr);
    EXPECT_EQ(revoked.back(), std::make_pair(id, std::string("invalid")));
}

TEST_F(Fixture, RestoreRebuildsFromKernelAndRecordsAndRevalidates)
{
    uint64_t keep = 0, stale = 0, ended = 0;
    {
        auto t = make();
        keep = t.add(session_spec("1"), 600).id;
        stale = t.add(session_spec("2"), 600).id;
        ended = t.add(session_spec("3"), 600).id;
    }
    // While "down": session 3's keys vanished (lease ran out and someone
    // cleaned up), and an unexplained key appeared.
    std::erase_if(kernel.keys, [&](const GrantEntry& g) { return g.grant_id == ended; });
    kernel.keys.push_back({0xdead, 99, 1, boot + kSec, 0});
    revoked.clear();

    auto t = make();
    t.restore([&](const Exception& e) {
        return e.holder_session == "2" ? std::optional(RevokeWhy::SessionInactive) : std::nullopt;
    });
    ASSERT_NE(t.find(keep), nullptr);
    EXPECT_EQ(t.find(keep)->reasons, (std::vector<std::string>{"dev-mem", "msr"}));
    EXPECT_EQ(t.find(stale), nullptr);
    EXPECT_EQ(t.find(ended), nullptr);
    EXPECT_EQ(keys_of(0xdead), 0u) << "a kernel grant nobody can explain must go";
    EXPECT_EQ(keys_of(stale), 0u);
    EXPECT_EQ(keys_of(keep), 4u);
    ASSERT_EQ(revoked.size(), 1u);
    EXPECT_EQ(revoked[0], std::make_pair(stale, std::string("session-inactive")));
    std::vector<std::string> bad;
    EXPECT_EQ(store.load_all(bad).size(), 1u);
}

TEST_F(Fixture, NarrowDropsOnlyTheKeysOfTheGivenCgroupThenTheRecordThenSignalsOnce)
{
    auto t = make();
    const uint64_t id = t.add(session_spec("1"), 600).id;
    auto other_spec = session_spec("9");
    other_spec.cgroups = {"/system.slice/a.service", "/user.slice/user@1000.service"};
    const uint64_t other = t.add(other_spec, 600).id;
    EXPECT_EQ(kernel.flags[id] & LD_GRANT_FENCE_STRICT, LD_GRANT_FENCE_STRICT) << "a session exception is fenced";

    EXPECT_TRUE(t.narrow(id, {"/user.slice/user@1000.service"}, "other-session"));
    for (const auto& k : kernel.keys) {
        if (k.grant_id == id) {
            EXPECT_EQ(k.cgroup_id, 11u) << "only the session scope's keys stay";
        }
    }
    EXPECT_EQ(keys_of(id), 2u);
    EXPECT_EQ(keys_of(other), 4u) << "another exception on the same cgroup keeps its keys";
    ASSERT_EQ(narrowed.size(), 1u);
    EXPECT_EQ(narrowed[0], std::make_pair(id, std::vector<std::string>{"/user.slice/session-1.scope"}));
    EXPECT_EQ(t.find(id)->narrowed, "other-session");
    EXPECT_TRUE(revoked.empty());

    std::vector<std::string> bad;
    bool seen = false;
    for (const auto& rec : store.load_all(bad))
        if (rec.id == id) {
            seen = true;
            EXPECT_EQ(rec.cgroups, std::vector<std::string>{"/user.slice/session-1.scope"});
            EXPECT_EQ(rec.narrowed, "other-session");
        }
    EXPECT_TRUE(seen);

    EXPECT_FALSE(t.narrow(id, {"/user.slice/user@1000.service"}, "other-session")) << "nothing left to drop";
    EXPECT_FALSE(t.narrow(0x4242, {"/user.slice/user@1000.service"}, "other-session")) << "no such exception";
    EXPECT_EQ(narrowed.size(), 1u) << "the hook runs once";
}

TEST_F(Fixture, NarrowingAwayEveryCgroupEndsTheException)
{
    auto t = make();
    const uint64_t id = t.add(session_spec("1"), 600).id;
    EXPECT_TRUE(t.narrow(id, {"/user.slice/session-1.scope", "/user.slice/user@1000.service"}, "other-session"));
    EXPECT_EQ(t.find(id), nullptr);
    EXPECT_EQ(keys_of(id), 0u);
    EXPECT_TRUE(narrowed.empty());
    ASSERT_EQ(revoked.size(), 1u);
    EXPECT_EQ(revoked[0].second, "invalid");
}

TEST_F(Fixture, NarrowOfACgroupThatIsGoneStillUpdatesTheTable)
{
    auto t = make();
    const uint64_t id = t.add(session_spec("1"), 600).id;
    cgroup_ids.erase("/user.slice/user@1000.service"); // the manager stopped
    EXPECT_TRUE(t.narrow(id, {"/user.slice/user@1000.service"}, "other-session"));
    EXPECT_EQ(t.find(id)->cgroups, std::vector<std::string>{"/user.slice/session-1.scope"});
    EXPECT_EQ(narrowed.size(), 1u);
}

TEST_F(Fixture, AKernelThatCannotNarrowLeavesTheExceptionAsItWas)
{
    auto t = make();
    const uint64_t id = t.add(session_spec("1"), 600).id;
    kernel.fail_narrow = true;
    EXPECT_EQ(ldb_test::catch_error([&] { t.narrow(id, {"/user.slice/user@1000.service"}, "other-session"); }).kind(),
              ErrorKind::Kernel);
    EXPECT_EQ(t.find(id)->cgroups.size(), 2u) << "the caller ends it instead (the daemon does)";
    EXPECT_TRUE(narrowed.empty());
}

TEST_F(Fixture, ServicesAreNotFencedStrictlyScopesAre)
{
    auto t = make();
    Exception svc;
    svc.reasons = {"msr"};
    svc.scope_kind = ScopeKind::Unit;
    svc.scope = "a.service";
    svc.cgroups = {"/system.slice/a.service"};
    svc.origin = Origin::Standing;
    const uint64_t s = t.add(svc, 60).id;
    EXPECT_EQ(kernel.flags[s], 0u);
    svc.scope_kind = ScopeKind::Cgroup;
    svc.scope = "/user.slice/session-1.scope";
    svc.cgroups = {svc.scope};
    const uint64_t c = t.add(svc, 60).id;
    EXPECT_EQ(kernel.flags[c], LD_GRANT_FENCE_STRICT);
}
