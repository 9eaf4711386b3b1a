// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The system-sleep hooks that systemd-sleep runs around a sleep
// (systemd-sleep(8)). The helper replaces systemd-sleep for hibernation, so
// it runs them as systemd 252's execute_directories() does: every executable
// in the directories (a name in an earlier directory masks the same name in a
// later one; an empty file or a symlink to /dev/null masks it too; hidden and
// backup files are ignored), all started at once in name order as
// HOOK pre|post ACTION, with SYSTEMD_SLEEP_ACTION=ACTION added to the
// environment. Hooks still running at the timeout (systemd's 90 s for the
// whole set) are killed with their process group. A failing or hung hook does
// not stop the sleep.

#include <chrono>
#include <string>
#include <vector>

namespace ldb {

struct SleepHookOptions {
    std::vector<std::string> dirs; // earlier directories mask later ones
    std::string phase;             // "pre" or "post"
    std::string action;            // "hibernate", ...: argv[2] and SYSTEMD_SLEEP_ACTION
    std::chrono::milliseconds timeout{90000};
};

struct SleepHookResult {
    std::string hook; // the executable, or the directory that could not be listed
    bool ok = false;  // started and exited with status 0
    std::string line; // "HOOK pre hibernate: exit status 3", for the log
};

// Runs the hooks in parallel and waits for them (at most the timeout, plus a
// few seconds for killed ones to be reaped). One result per hook, in name
// order, after one per directory that could not be listed; a missing
// directory has no hooks and no result.
std::vector<SleepHookResult> run_sleep_hooks(const SleepHookOptions& options);

} // namespace ldb
