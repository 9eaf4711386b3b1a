// SPDX-License-Identifier: LGPL-2.1-or-later
// CgroupWatch: the "populated" line of cgroup.events, with bad input; and
// the watch itself on a directory that stands in for a cgroup (inotify
// works the same on a plain file the test rewrites).
#include <gtest/gtest.h>

#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include "base/event_loop.hpp"
#include "host/cgroup_watch.hpp"
#include "fakes/test_support.hpp"

using namespace ldb;

TEST(CgroupEvents, PopulatedIsReadFromItsLine)
{
    EXPECT_EQ(parse_populated("populated 1\nfrozen 0\n"), true);
    EXPECT_EQ(parse_populated("populated 0\nfrozen 0\n"), false);
    EXPECT_EQ(parse_populated("frozen 1\npopulated 0"), false) << "any order, no final newline";
}

TEST(CgroupEvents, BadInputIsNoAnswer)
{
    for (const char* bad : {"", "\n", "frozen 0\n", "populated\n", "populated \n", "populated 2\n", "populated 01\n",
                            "populated 1 \n", "populated  1\n", " populated 1\n", "populated\t1\n", "Populated 1\n",
                            "populated -1\n", "populated 0x0\n"})
        EXPECT_FALSE(parse_populated(bad).has_value()) << bad;
    std::string big(100000, 'x');
    EXPECT_FALSE(parse_populated(big).has_value());
    EXPECT_FALSE(parse_populated(std::string("populated 1", 9)).has_value());
}

namespace {

struct Watch : ::testing::Test {
    ldb_test::TempDir root;
    EventLoop loop;
    std::vector<std::string> ended;

    void make(const std::string& cg, const char* text)
    {
        ::mkdir((root.str() + cg).c_str(), 0755);
        std::ofstream(root.str() + cg + "/cgroup.events") << text;
    }
    // Runs the loop until `ended` has `n` entries or a second has passed.
    void run_until(size_t n)
    {
        const auto stop = loop.add_timer(std::chrono::seconds(1), [this] { loop.quit(); });
        std::function<void()> poll = [&] {
            if (ended.size() >= n)
                loop.quit();
            else
                loop.add_timer(std::chrono::milliseconds(5), poll);
        };
        loop.add_timer(std::chrono::milliseconds(0), poll);
        loop.run();
        loop.cancel_timer(stop);
    }
};

} // namespace

TEST_F(Watch, EndsWhenPopulatedTurnsZeroAndOnlyThen)
{
    make("/a.scope", "populated 1\nfrozen 0\n");
    make("/b.scope", "populated 1\nfrozen 0\n");
    CgroupWatch w(loop, root.str(), [this](const std::string& cg) { ended.push_back(cg); });
    w.watch("/a.scope");
    w.watch("/b.scope");
    run_until(1);
    EXPECT_TRUE(ended.empty()) << "both still have processes";
    std::ofstream(root.str() + "/a.scope/cgroup.events") << "populated 0\nfrozen 0\n";
    run_until(1);
    EXPECT_EQ(ended, std::vector<std::string>{"/a.scope"});
}

TEST_F(Watch, AnEmptyOrMissingCgroupIsReportedAtOnceButNotFromInsideWatch)
{
    make("/empty.scope", "populated 0\n");
    CgroupWatch w(loop, root.str(), [this](const std::string& cg) { ended.push_back(cg); });
    w.watch("/empty.scope");
    w.watch("/gone.scope");
    EXPECT_TRUE(ended.empty()) << "reported from the loop, not from watch()";
    run_until(2);
    EXPECT_EQ(ended, (std::vector<std::string>{"/empty.scope", "/gone.scope"}));
}

TEST_F(Watch, UnwatchIsCountedAndStopsReports)
{
    make("/a.scope", "populated 1\n");
    CgroupWatch w(loop, root.str(), [this](const std::string& cg) { ended.push_back(cg); });
    w.watch("/a.scope");
    w.watch("/a.scope");
    w.unwatch("/a.scope");
    EXPECT_EQ(w.size(), 1u) << "one watch() is still outstanding";
    w.unwatch("/a.scope");
    EXPECT_EQ(w.size(), 0u);
    std::ofstream(root.str() + "/a.scope/cgroup.events") << "populated 0\n";
    run_until(1);
    EXPECT_TRUE(ended.empty());
}

TEST_F(Watch, AFileWithoutAPopulatedLineKeepsTheCgroup)
{
    make("/odd.scope", "frozen 0\n");
    CgroupWatch w(loop, root.str(), [this](const std::string& cg) { ended.push_back(cg); });
    w.watch("/odd.scope");
    run_until(1);
    EXPECT_TRUE(ended.empty()) << "unreadable is not empty: the exception stays until another end";
}

TEST_F(Watch, AChangeInotifyMissedIsFoundByTheRecheck)
{
    make("/quiet.scope", "populated 1\n");
    // A second link keeps the watched inode alive when a new file is renamed
    // over it: its watch sees no IN_MODIFY and no IN_IGNORED, as a removed
    // cgroup's file does.
    const std::string file = root.str() + "/quiet.scope/cgroup.events";
    ASSERT_EQ(::link(file.c_str(), (root.str() + "/keep").c_str()), 0);
    CgroupWatch w(loop, root.str(), [this](const std::string& cg) { ended.push_back(cg); },
                  std::chrono::milliseconds(100));
    w.watch("/quiet.scope");
    std::ofstream(file + ".new") << "populated 0\n";
    ASSERT_EQ(::rename((file + ".new").c_str(), file.c_str()), 0);
    run_until(1);
    EXPECT_EQ(ended, std::vector<std::string>{"/quiet.scope"});
}

TEST_F(Watch, WithoutTheRecheckThatChangeIsMissed)
{
    // The control for the test above: the same change, a recheck far away.
    make("/quiet.scope", "populated 1\n");
    const std::string file = root.str() + "/quiet.scope/cgroup.events";
    ASSERT_EQ(::link(file.c_str(), (root.str() + "/keep").c_str()), 0);
    CgroupWatch w(loop, root.str(), [this](const std::string& cg) { ended.push_back(cg); }, std::chrono::hours(1));
    w.watch("/quiet.scope");
    std::ofstream(file + ".new") << "populated 0\n";
    ASSERT_EQ(::rename((file + ".new").c_str(), file.c_str()), 0);
    run_until(1);
    EXPECT_TRUE(ended.empty());
}
