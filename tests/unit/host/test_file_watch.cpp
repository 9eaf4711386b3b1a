// SPDX-License-Identifier: LGPL-2.1-or-later
// FileWatch: a write to a watched file is seen at once through inotify (the
// re-read is set far out, so only inotify can be quick); a file that did not
// exist at the start is caught by the re-read; a directory reports entries;
// nothing changed, nothing said.
#include <gtest/gtest.h>

#include <fstream>
#include <sys/stat.h>

#include "base/event_loop.hpp"
#include "fakes/test_support.hpp"
#include "host/file_watch.hpp"

using namespace ldb;

namespace {

struct Files : ::testing::Test {
    ldb_test::TempDir dir;
    EventLoop loop;
    int calls = 0;

    std::string path(const std::string& name) const { return dir.str() + "/" + name; }
    void write(const std::string& name, const char* text) { std::ofstream(path(name)) << text; }
    // Runs the loop for `after`, doing `act` first; returns the calls seen.
    int calls_after(std::chrono::milliseconds after, const std::function<void()>& act)
    {
        calls = 0;
        loop.add_timer(std::chrono::milliseconds(0), act);
        loop.add_timer(after, [this] { loop.quit(); });
        loop.run();
        return calls;
    }
};

} // namespace

TEST_F(Files, AWriteIsSeenThroughInotify)
{
    write("lockdown", "[none] integrity confidentiality\n");
    FileWatch w(loop, {path("lockdown")}, [this] { calls++; }, std::chrono::hours(1));
    EXPECT_EQ(w.watched(), 1u);
    EXPECT_GE(calls_after(std::chrono::milliseconds(200), [&] { write("lockdown", "none [integrity] confidentiality\n"); }),
              1);
}

TEST_F(Files, NothingChangedNothingSaid)
{
    write("lockdown", "[none] integrity confidentiality\n");
    FileWatch w(loop, {path("lockdown")}, [this] { calls++; }, std::chrono::milliseconds(10));
    EXPECT_EQ(calls_after(std::chrono::milliseconds(150), [] {}), 0) << "the re-read found the same text";
}

TEST_F(Files, AFileThatAppearsLaterIsCaughtByTheReRead)
{
    FileWatch w(loop, {path("record")}, [this] { calls++; }, std::chrono::milliseconds(20));
    EXPECT_EQ(w.watched(), 0u) << "nothing to watch yet";
    EXPECT_GE(calls_after(std::chrono::milliseconds(150), [&] { write("record", "x\n"); }), 1);
}

TEST_F(Files, ADirectoryReportsItsEntries)
{
    ::mkdir(path("pins").c_str(), 0755);
    FileWatch w(loop, {path("pins")}, [this] { calls++; }, std::chrono::hours(1));
    EXPECT_GE(calls_after(std::chrono::milliseconds(200), [&] { write("pins/link", ""); }), 1);
    EXPECT_GE(calls_after(std::chrono::milliseconds(200), [&] { std::remove(path("pins/link").c_str()); }), 1);
}

TEST_F(Files, TheReReadCatchesAChangeInotifyDidNotReport)
{
    write("lockdown", "[none] integrity confidentiality\n");
    FileWatch w(loop, {path("lockdown")}, [this] { calls++; }, std::chrono::milliseconds(20));
    // Drain what inotify says about the write, then swallow its notices by
    // replacing the file: the watch follows the old inode, the re-read the path.
    std::rename(path("lockdown").c_str(), path("old").c_str());
    calls_after(std::chrono::milliseconds(50), [] {});
    EXPECT_GE(calls_after(std::chrono::milliseconds(150), [&] { write("lockdown", "none [integrity] confidentiality\n"); }),
              1);
}

TEST_F(Files, AMissingPathIsNoError)
{
    EXPECT_NO_THROW(FileWatch(loop, {path("nope/nothing")}, [] {}));
}
