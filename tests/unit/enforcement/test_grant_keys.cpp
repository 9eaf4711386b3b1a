// SPDX-License-Identifier: LGPL-2.1-or-later
// The fences that follow the grant keys (the cgroup-fence part), on real
// kernel maps: the host kernel cannot load BPF LSM programs but can create
// and pin maps (Enforcer::create_maps_only). Skipped where even that is not
// possible (no root, no BPF file system at /sys/fs/bpf).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bpf/bpf.h>
#include <filesystem>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>

#include "base/error.hpp"
#include "enforcement/enforcer.hpp"
#include "enforcement/policy.hpp"

using namespace ldb;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

namespace {

constexpr uint64_t kFar = ~0ull >> 1;

class RealMaps : public ::testing::Test {
protected:
    void SetUp() override
    {
        struct statfs sfs{};
        if (::geteuid() != 0 || ::statfs("/sys/fs/bpf", &sfs) < 0 || sfs.f_type != BPF_FS_MAGIC)
            // Never a silent skip: these are the only tests of the fences on
            // real kernel maps outside a guest (CI and scripts/test run as root).
            FAIL() << "needs root and a BPF file system at /sys/fs/bpf (run the unit tests as root)";
        pins_.dir = "/sys/fs/bpf/ldb-ut-fence-" + std::to_string(::getpid()) + "-" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name();
        std::filesystem::remove_all(pins_.dir);
        try {
            Enforcer::create_maps_only(pins_);
        } catch (const Error& e) {
            FAIL() << "cannot create BPF maps here: " << e.what();
        }
    }
    void TearDown() override
    {
        if (!pins_.dir.empty())
            std::filesystem::remove_all(pins_.dir);
    }
    static GrantRequest request(std::vector<uint64_t> cgroups, uint32_t flags = 0)
    {
        GrantRequest r;
        r.reasons = {1, 2};
        r.cgroup_ids = std::move(cgroups);
        r.expires_boot_ns = kFar;
        r.flags = flags;
        return r;
    }
    PinLayout pins_;
};

constexpr uint32_t kStrict = LD_GRANT_FENCE_STRICT;

TEST_F(RealMaps, AGrantFencesEachOfItsCgroups)
{
    auto e = Enforcer::open_pinned(pins_);
    e.add_grant(request({100, 200}));
    EXPECT_THAT(e.fences(), UnorderedElementsAre(FenceEntry{100, 0}, FenceEntry{200, 0}));
    e.add_grant(request({300}, kStrict));
    EXPECT_THAT(e.fences(), UnorderedElementsAre(FenceEntry{100, 0}, FenceEntry{200, 0}, FenceEntry{300, kStrict}));
}

TEST_F(RealMaps, StrictIfAnyKeyOnTheCgroupIsStrict)
{
    auto e = Enforcer::open_pinned(pins_);
    const uint64_t loose = e.add_grant(request({100}));
    const uint64_t strict = e.add_grant(request({100}, kStrict));
    EXPECT_THAT(e.fences(), UnorderedElementsAre(FenceEntry{100, kStrict}));
    // A later loose grant does not loosen it.
    const uint64_t loose2 = e.add_grant(GrantRequest{{3}, {100}, kFar, 0, 0});
    EXPECT_THAT(e.fences(), UnorderedElementsAre(FenceEntry{100, kStrict}));
    // The strict grant's keys on 100 were replaced by the second loose one
    // only for reason 3; its reasons 1 and 2 still hold it strict.
    EXPECT_EQ(e.remove_grant(loose), 0u); // its keys were taken over by `strict`
    EXPECT_THAT(e.fences(), UnorderedElementsAre(FenceEntry{100, kStrict}));
    EXPECT_EQ(e.remove_grant(strict), 2u);
    EXPECT_THAT(e.fences(), UnorderedElementsAre(FenceEntry{100, 0})) << "derived again from the loose key left";
    EXPECT_EQ(e.remove_grant(loose2), 1u);
    EXPECT_TRUE(e.fences().empty()) << "no key left on 100, no fence";
}

TEST_F(RealMaps, AStrictGrantCanAdmitPid1OnSomeOfItsCgroups)
{
    auto e = Enforcer::open_pinned(pins_);
    auto req = request({100, 200}, kStrict);
    req.pid1_may_enter = {200};
    const uint64_t id = e.add_grant(req);
    EXPECT_THAT(e.fences(), UnorderedElementsAre(FenceEntry{100, kStrict}, FenceEntry{200, 0}));
    EXPECT_EQ(e.remove_grant_cgroup(id, 100), 2u);
    EXPECT_THAT(e.fences(), UnorderedElementsAre(FenceEntry{200, 0})) << "derived from the keys left";
}

TEST_F(RealMaps, RemovingAGrantKeepsFencesOthersNeed)
{
    auto e = Enforcer::open_pinned(pins_);
    const uint64_t a = e.add_grant(request({100, 200}, kStrict));
    e.add_grant(GrantRequest{{5}, {200}, kFar, 0, 0});
    EXPECT_EQ(e.remove_grant(a), 4u);
    EXPECT_THAT(e.fences(), UnorderedElementsAre(FenceEntry{200, 0}));
}

TEST_F(RealMaps, NarrowingAGrantDropsThatCgroupsFenceOnly)
{
    auto e = Enforcer::open_pinned(pins_);
    const uint64_t a = e.add_grant(request({100, 200}, kStrict));
    EXPECT_EQ(e.remove_grant_cgroup(a, 200), 2u);
    EXPECT_THAT(e.fences(), UnorderedElementsAre(FenceEntry{100, kStrict}));
    EXPECT_EQ(e.remove_grant_cgroup(a, 100), 2u);
    EXPECT_TRUE(e.fences().empty());
}

TEST_F(RealMaps, ARefusedRequestLeavesNoFence)
{
    auto e = Enforcer::open_pinned(pins_);
    EXPECT_THROW(e.add_grant(GrantRequest{{LD_MAX_REASONS}, {100}, kFar, 0, 0}), Error);
    EXPECT_TRUE(e.fences().empty());
}

TEST_F(RealMaps, AGrantThatFailsPartWayLeavesTheFencesAsTheKeysSay)
{
    auto e = Enforcer::open_pinned(pins_);
    e.add_grant(request({7}));
    // Fill the grant map to one short of full: the next two-key grant fails
    // at its second key, after its fence went in.
    GrantRequest fill;
    fill.expires_boot_ns = kFar;
    for (uint32_t r = 0; r < LD_MAX_REASONS; r++)
        fill.reasons.push_back(r);
    for (uint64_t cg = 1000; e.grants().size() + LD_MAX_REASONS < LD_MAX_GRANTS; cg++) {
        fill.cgroup_ids = {cg};
        e.add_grant(fill);
    }
    while (e.grants().size() < LD_MAX_GRANTS - 1)
        e.add_grant(GrantRequest{{static_cast<uint32_t>(e.grants().size() % LD_MAX_REASONS)}, {5000 + e.grants().size()},
                                 kFar, 0, 0});
    const auto before = e.fences();
    EXPECT_THROW(e.add_grant(request({9}, kStrict)), Error);
    EXPECT_EQ(e.fences(), before) << "cgroup 9's fence went with its keys";
    // An existing fence raised by the failed grant goes back down.
    EXPECT_THROW(e.add_grant(request({7, 9}, kStrict)), Error);
    EXPECT_EQ(e.fences(), before);
}

} // namespace

namespace {

// A running enforcement of an older build: its pins lack ld_fences and
// ld_marks, and its counters and guard maps have the old layouts. Loading
// this build over it must refuse as a whole ("reboot to switch versions"),
// pinning nothing of its own: no half-applied fence.
TEST_F(RealMaps, OldPinsRefuseAndNothingHalfApplies)
{
    auto replace_pin = [&](const char* name, uint32_t value_size, uint32_t max_entries, bpf_map_type type) {
        const std::string path = pins_.path(name);
        ::unlink(path.c_str());
        const int fd = bpf_map_create(type, name, sizeof(uint32_t), value_size, max_entries, nullptr);
        ASSERT_GE(fd, 0) << name;
        ASSERT_EQ(bpf_obj_pin(fd, path.c_str()), 0) << name;
        ::close(fd);
    };
    ::unlink(pins_.path("ld_fences").c_str());
    ::unlink(pins_.path("ld_marks").c_str());
    replace_pin("ld_counters", sizeof(uint64_t), LD_COUNTER_EXTRA + 5, BPF_MAP_TYPE_PERCPU_ARRAY);
    replace_pin(LD_PIN_GUARD, sizeof(ld_guard) - sizeof(uint64_t), 1, BPF_MAP_TYPE_ARRAY);

    try {
        Enforcer::enforce(Policy{}, 30, false, pins_);
        FAIL() << "enforce() reused pins of another layout";
    } catch (const Error& e) {
        EXPECT_THAT(e.what(), HasSubstr("incompatible version"));
        EXPECT_THAT(e.hint(), HasSubstr("reboot"));
    }
    struct stat st{};
    EXPECT_NE(::lstat(pins_.path("ld_fences").c_str(), &st), 0) << "a map of the new build was pinned";
    EXPECT_NE(::lstat(pins_.path("ld_marks").c_str(), &st), 0) << "a map of the new build was pinned";
    for (const auto& p : std::filesystem::directory_iterator(pins_.dir))
        EXPECT_NE(p.path().filename().string().rfind("link_", 0), 0u) << p.path();
}

} // namespace
