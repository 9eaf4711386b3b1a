// SPDX-License-Identifier: LGPL-2.1-or-later
// cgroup2 paths and ids: the unit a path belongs to, which paths are safe
// to join to the root, naming a cgroup by id, and a process's own cgroup
// read from /proc.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include "host/cgroup.hpp"
#include "fakes/test_support.hpp"

using namespace ldb;

TEST(Cgroup, UnitOfCgroupFindsTheLeafUnit)
{
    EXPECT_EQ(unit_of_cgroup("/user.slice/user-1000.slice/session-3.scope"), "session-3.scope");
    EXPECT_EQ(unit_of_cgroup("/user.slice/user-1000.slice/user@1000.service/app.slice/app-x.scope"), "app-x.scope");
    EXPECT_EQ(unit_of_cgroup("/system.slice/foo.service/sub"), "foo.service");
    EXPECT_EQ(unit_of_cgroup("/system.slice"), "");
    EXPECT_EQ(unit_of_cgroup("/"), "");
    EXPECT_EQ(unit_of_cgroup(""), "");
}

TEST(Cgroup, SafePaths)
{
    EXPECT_TRUE(is_safe_cgroup_path("/a/b.service"));
    EXPECT_TRUE(is_safe_cgroup_path("/"));
    EXPECT_FALSE(is_safe_cgroup_path(""));
    EXPECT_FALSE(is_safe_cgroup_path("a"));
    EXPECT_FALSE(is_safe_cgroup_path("/a/"));
    EXPECT_FALSE(is_safe_cgroup_path("/./a"));
    EXPECT_FALSE(is_safe_cgroup_path("/a/.."));
    EXPECT_FALSE(is_safe_cgroup_path("/a\n"));
    EXPECT_FALSE(is_safe_cgroup_path("/" + std::string(5000, 'a')));
}

TEST(Cgroup, NamesByIdEvenWhenTheProcessIsGone)
{
    ldb_test::TempDir root;
    ldb_test::fs::create_directories(root / "user.slice/user-1000.slice/session-7.scope");
    struct stat st{};
    ASSERT_EQ(::stat((root / "user.slice/user-1000.slice/session-7.scope").c_str(), &st), 0);
    CgroupNames names(root.str());
    // pid 0 has no /proc entry: only the id can name the cgroup.
    EXPECT_EQ(names.path_of(st.st_ino, 0), "/user.slice/user-1000.slice/session-7.scope");
    ldb_test::fs::remove_all(root / "user.slice");
    EXPECT_EQ(names.path_of(st.st_ino, 0), "/user.slice/user-1000.slice/session-7.scope") << "cached";
    EXPECT_EQ(names.path_of(st.st_ino + 1000000, 0), "");
}

TEST(Cgroup, TheUnifiedEntryIsTheZeroLine)
{
    EXPECT_EQ(unified_cgroup_entry("0::/user.slice/session-2.scope\n"), "/user.slice/session-2.scope");
    // Hybrid hosts list the v1 hierarchies first; the last line may lack
    // its newline.
    EXPECT_EQ(unified_cgroup_entry("12:cpu,cpuacct:/x\n1:name=systemd:/y\n0::/system.slice/a.service"),
              "/system.slice/a.service");
    EXPECT_EQ(unified_cgroup_entry("0::/\n"), "/");
    EXPECT_EQ(unified_cgroup_entry("1:name=systemd:/y\n"), std::nullopt) << "v1 only";
    EXPECT_EQ(unified_cgroup_entry("10::/not-zero\n"), std::nullopt);
    EXPECT_EQ(unified_cgroup_entry(""), std::nullopt);
}

TEST(Cgroup, AProcessCgroupIsItsUnifiedEntry)
{
    const auto mine = cgroup_of_pid(static_cast<uint32_t>(::getpid()));
    // Not a skip: grants are keyed by cgroup2 ids, so a host without the
    // unified hierarchy cannot run lockdown-broker at all.
    ASSERT_TRUE(mine) << "no cgroup2 (0::) entry in /proc/self/cgroup: lockdown-broker needs the unified hierarchy";
    EXPECT_TRUE(mine->starts_with("/")) << *mine;
    EXPECT_EQ(own_cgroup(), *mine);
}

TEST(Cgroup, AProcessThatIsGoneHasNone)
{
    // Above pid_max (at most 2^22): no such process.
    EXPECT_EQ(cgroup_of_pid(0x7ffffff0u), std::nullopt);
}
