// SPDX-License-Identifier: LGPL-2.1-or-later
// run_sleep_hooks with real shell-script hooks: parallel start, argv and
// SYSTEMD_SLEEP_ACTION, the timeout that kills a hook's process group,
// failures, skipped and masked files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "hibernation/writer/sleep_hooks.hpp"
#include "fakes/test_support.hpp"

using namespace ldb;
using ::testing::HasSubstr;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace {

void hook(const ldb_test::fs::path& p, const std::string& body, mode_t mode = 0755)
{
    ldb_test::write_file(p, "#!/bin/sh\n" + body + "\n");
    ASSERT_EQ(::chmod(p.c_str(), mode), 0) << p;
}

std::string read(const ldb_test::fs::path& p)
{
    std::ifstream in(p);
    return {std::istreambuf_iterator<char>(in), {}};
}

SleepHookOptions options(std::vector<std::string> dirs, milliseconds timeout = milliseconds(90000))
{
    return {std::move(dirs), "pre", "hibernate", timeout};
}

// Orphans of the hooks become our children, so that the test can reap them
// (this container's init does not).
class Subreaper {
public:
    Subreaper() { ok_ = ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0; }
    ~Subreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 0); }
    Subreaper(const Subreaper&) = delete;
    Subreaper& operator=(const Subreaper&) = delete;
    bool ok() const { return ok_; }

private:
    bool ok_ = false;
};

TEST(SleepHooks, HooksRunInParallel)
{
    ldb_test::TempDir tmp;
    hook(tmp / "hooks/10-a", "sleep 1");
    hook(tmp / "hooks/20-b", "sleep 1");
    const auto start = Clock::now();
    const auto results = run_sleep_hooks(options({(tmp / "hooks").string()}));
    const auto elapsed = Clock::now() - start;
    ASSERT_EQ(results.size(), 2u);
    EXPECT_TRUE(results[0].ok) << results[0].line;
    EXPECT_TRUE(results[1].ok) << results[1].line;
    EXPECT_GE(elapsed, milliseconds(950));
    EXPECT_LT(elapsed, milliseconds(1800)) << "two 1 s hooks one after the other would take 2 s";
}

TEST(SleepHooks, HooksGetPhaseActionAndSleepActionInTheEnvironment)
{
    ldb_test::TempDir tmp;
    const auto out = tmp / "out";
    ASSERT_EQ(::setenv("SYSTEMD_SLEEP_ACTION", "stale", 1), 0);
    ASSERT_EQ(::setenv("LDB_TEST_INHERITED", "kept", 1), 0);
    hook(tmp / "hooks/10-args",
         "echo \"$0|$1|$2|$#|$SYSTEMD_SLEEP_ACTION|$LDB_TEST_INHERITED\" >" + out.string());
    auto o = options({(tmp / "hooks").string()});
    o.phase = "post";
    const auto results = run_sleep_hooks(o);
    ::unsetenv("SYSTEMD_SLEEP_ACTION");
    ::unsetenv("LDB_TEST_INHERITED");
    ASSERT_EQ(results.size(), 1u);
    EXPECT_TRUE(results[0].ok) << results[0].line;
    EXPECT_EQ(results[0].hook, (tmp / "hooks/10-args").string());
    EXPECT_EQ(results[0].line, (tmp / "hooks/10-args").string() + " post hibernate: exit status 0");
    EXPECT_EQ(read(out), (tmp / "hooks/10-args").string() + "|post|hibernate|2|hibernate|kept\n");
}

TEST(SleepHooks, HungHookAndItsChildAreKilledAtTheTimeoutOthersSucceed)
{
    Subreaper subreaper;
    ASSERT_TRUE(subreaper.ok());
    ldb_test::TempDir tmp;
    const auto pidfile = tmp / "child.pid";
    hook(tmp / "hooks/10-hung", "sleep 1000 &\necho $! >" + pidfile.string() + ".tmp\nmv " + pidfile.string() +
                                    ".tmp " + pidfile.string() + "\nwait");
    hook(tmp / "hooks/20-quick", "exit 0");
    const auto start = Clock::now();
    const auto results = run_sleep_hooks(options({(tmp / "hooks").string()}, milliseconds(500)));
    const auto elapsed = Clock::now() - start;
    EXPECT_GE(elapsed, milliseconds(490));
    EXPECT_LT(elapsed, milliseconds(4000));
    ASSERT_EQ(results.size(), 2u);
    EXPECT_FALSE(results[0].ok);
    EXPECT_THAT(results[0].line, HasSubstr("10-hung pre hibernate: timed out after 0.5 s, killed"));
    EXPECT_THAT(results[0].line, ::testing::EndsWith("killed"));
    EXPECT_TRUE(results[1].ok) << results[1].line;

    const std::string pid_text = read(pidfile);
    ASSERT_FALSE(pid_text.empty()) << "the hook did not start its child in time";
    const pid_t child = std::stoi(pid_text);
    ASSERT_GT(child, 1);
    // Reparented to us when the hook died; it must have been killed with it.
    int status = 0;
    pid_t got = 0;
    for (int i = 0; i < 200 && got == 0; ++i) {
        got = ::waitpid(child, &status, WNOHANG);
        if (got == 0)
            std::this_thread::sleep_for(milliseconds(10));
    }
    if (got == 0)
        ::kill(child, SIGKILL); // do not leave it behind
    ASSERT_EQ(got, child) << "the hook's child is still running";
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    errno = 0;
    EXPECT_EQ(::kill(child, 0), -1);
    EXPECT_EQ(errno, ESRCH);
}

TEST(SleepHooks, FailuresAreReportedAndDoNotStopTheOthers)
{
    ldb_test::TempDir tmp;
    hook(tmp / "hooks/10-fails", "exit 3");
    hook(tmp / "hooks/20-signal", "kill -TERM $$");
    ldb_test::write_file(tmp / "hooks/30-bad-interpreter", "#!/nonexistent/interpreter\n");
    ASSERT_EQ(::chmod((tmp / "hooks/30-bad-interpreter").c_str(), 0755), 0);
    hook(tmp / "hooks/40-fine", "touch " + (tmp / "fine").string());
    const auto results = run_sleep_hooks(options({(tmp / "hooks").string()}));
    ASSERT_EQ(results.size(), 4u);
    EXPECT_FALSE(results[0].ok);
    EXPECT_THAT(results[0].line, HasSubstr("10-fails pre hibernate: exit status 3"));
    EXPECT_FALSE(results[1].ok);
    EXPECT_THAT(results[1].line, HasSubstr("20-signal pre hibernate: killed by signal SIGTERM"));
    EXPECT_FALSE(results[2].ok);
    EXPECT_THAT(results[2].line, HasSubstr("30-bad-interpreter pre hibernate: cannot start: No such file or directory"));
    EXPECT_TRUE(results[3].ok) << results[3].line;
    EXPECT_TRUE(ldb_test::fs::exists(tmp / "fine"));
}

TEST(SleepHooks, NonExecutableHiddenAndBackupFilesAreSkipped)
{
    ldb_test::TempDir tmp;
    const std::string ran = (tmp / "ran").string();
    hook(tmp / "hooks/10-not-executable", "touch " + ran, 0644);
    hook(tmp / "hooks/.20-hidden", "touch " + ran);
    hook(tmp / "hooks/30-backup~", "touch " + ran);
    hook(tmp / "hooks/40-old.dpkg-old", "touch " + ran);
    ldb_test::fs::create_directories(tmp / "hooks/50-directory");
    hook(tmp / "hooks/60-runs", "exit 0");
    const auto results = run_sleep_hooks(options({(tmp / "hooks").string()}));
    ASSERT_EQ(results.size(), 1u);
    EXPECT_THAT(results[0].hook, ::testing::EndsWith("/60-runs"));
    EXPECT_FALSE(ldb_test::fs::exists(ran));
}

TEST(SleepHooks, MissingDirectoryHasNoHooksAndNoFailures)
{
    ldb_test::TempDir tmp;
    EXPECT_TRUE(run_sleep_hooks(options({(tmp / "none").string()})).empty());
    EXPECT_TRUE(run_sleep_hooks(options({})).empty());
}

TEST(SleepHooks, EarlierDirectoryMasksTheSameNameInALaterOne)
{
    ldb_test::TempDir tmp;
    const auto log = tmp / "log";
    const std::string first = (tmp / "first").string();
    const std::string second = (tmp / "second").string();
    hook(tmp / "first/50-same", "echo first >>" + log.string());
    hook(tmp / "second/50-same", "echo second >>" + log.string());
    hook(tmp / "second/20-only-second", "exit 0");
    ldb_test::write_file(tmp / "first/70-masked", ""); // an empty file masks
    hook(tmp / "second/70-masked", "echo masked >>" + log.string());
    ldb_test::fs::create_symlink("/dev/null", tmp / "first/80-devnull");
    hook(tmp / "second/80-devnull", "echo devnull >>" + log.string());
    const auto results = run_sleep_hooks(options({first, second}));
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[0].hook, second + "/20-only-second") << "sorted by file name across directories";
    EXPECT_EQ(results[1].hook, first + "/50-same");
    EXPECT_TRUE(results[0].ok && results[1].ok);
    EXPECT_EQ(read(log), "first\n");
}

TEST(SleepHooks, OnlyTheFailedHookIsNotOk)
{
    ldb_test::TempDir tmp;
    hook(tmp / "hooks/10-fails", "exit 3");
    hook(tmp / "hooks/20-fine", "exit 0");
    std::vector<std::string> failures;
    for (const auto& r : run_sleep_hooks(SleepHookOptions{{(tmp / "hooks").string()}, "post", "hibernate"}))
        if (!r.ok)
            failures.push_back(r.line);
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_THAT(failures[0], HasSubstr("10-fails post hibernate: exit status 3"));
}

} // namespace
