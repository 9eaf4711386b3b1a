// SPDX-License-Identifier: LGPL-2.1-or-later
// The real control file: opened for writing under the broker's momentary
// grant, read and written one query per write(2), and probed for the flag
// letters of the running kernel.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>

#include "dyndbg/port.hpp"
#include "fakes/fake_dyndbg.hpp"
#include "fakes/test_support.hpp"

using namespace ldb;
using namespace ldb::dyndbg;
using ::testing::HasSubstr;

namespace {

constexpr uint64_t kSec = 1000000000ull;

class FakeKernelGrants : public KernelGrants {
public:
    uint64_t add(const GrantRequest& req) override
    {
        log.push_back("add");
        last = req;
        live = true;
        return 42;
    }
    size_t remove(uint64_t id) override
    {
        log.push_back("remove " + std::to_string(id));
        live = false;
        return 1;
    }
    size_t renew(uint64_t, uint64_t) override { return 0; }
    size_t narrow(uint64_t, uint64_t) override { return 0; }
    std::vector<GrantEntry> list() const override { return {}; }
    std::vector<std::string> log;
    GrantRequest last;
    bool live = false;
};

} // namespace

// The broker opens the control file under a grant to its own cgroup that
// exists only around the open(), and only when enforcement would refuse it.
TEST(DyndbgOpener, MomentaryGrantAroundTheOpen)
{
    ldb_test::TempDir tmp;
    const std::string path = (tmp / "control").string();
    ldb_test::write_file(path, "");
    FakeKernelGrants kernel;
    bool needed = true;
    bool live_at_open = false;
    GrantedOpener opener(kernel, {[&] { return needed; },
                                  [&] {
                                      live_at_open = kernel.live;
                                      return uint64_t{777};
                                  },
                                  [] { return 100 * kSec; }});
    {
        UniqueFd fd = opener.open(path);
        EXPECT_TRUE(fd);
    }
    EXPECT_EQ(kernel.log, (std::vector<std::string>{"add", "remove 42"}));
    EXPECT_EQ(kernel.last.reasons, std::vector<uint32_t>{LD_REASON_DYNAMIC_DEBUG});
    EXPECT_EQ(kernel.last.cgroup_ids, std::vector<uint64_t>{777});
    EXPECT_GT(kernel.last.expires_boot_ns, 100 * kSec);
    EXPECT_LE(kernel.last.expires_boot_ns, 110 * kSec) << "a lease of seconds, not more";
    EXPECT_FALSE(live_at_open) << "the cgroup is looked up before the grant exists";
    EXPECT_FALSE(kernel.live);

    // The grant goes even when the open fails.
    kernel.log.clear();
    EXPECT_THROW((void)opener.open((tmp / "nope" / "control").string()), Error);
    EXPECT_EQ(kernel.log, (std::vector<std::string>{"add", "remove 42"}));

    // Not enforced: no grant at all.
    kernel.log.clear();
    needed = false;
    EXPECT_TRUE(opener.open(path));
    EXPECT_TRUE(kernel.log.empty());
}

TEST(DyndbgPort, ReadsAndWritesAFile)
{
    ldb_test::TempDir tmp;
    const std::string path = (tmp / "control").string();
    ldb_test::write_file(path, "a.c:1 [m]f =_ \"x\"\n");
    ProcControl port(path, [](const std::string& p) {
        return UniqueFd(::open(p.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
    });
    EXPECT_EQ(port.read(), "a.c:1 [m]f =_ \"x\"\n");
    EXPECT_EQ(port.write({"one", "two"}), (std::vector<int>{0, 0}));
    EXPECT_EQ(port.read(), "a.c:1 [m]f =_ \"x\"\nonetwo") << "one write(2) per query";
    ProcControl missing((tmp / "none").string(), [](const std::string&) { return UniqueFd(); });
    const auto err = ldb_test::catch_error([&] { (void)missing.read(); });
    EXPECT_THAT(err.what(), HasSubstr("has no dynamic debug"));
}

TEST(DyndbgPort, ProbeLearnsTheKernelsLetters)
{
    ldb_test::FakeControl k61("pmflt_");
    EXPECT_EQ(probe_flags(k61), "pmflt_");
    ldb_test::FakeControl k612("pmfslt_");
    EXPECT_EQ(probe_flags(k612), "pmfslt_");
    for (const auto& q : k612.written)
        EXPECT_THAT(q, HasSubstr("module ldb.probe ="));
    ldb_test::FakeControl broken("pmflt_");
    broken.fail_writes_with = EPERM;
    EXPECT_THROW((void)probe_flags(broken), Error);
}
