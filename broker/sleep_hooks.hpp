// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The system-sleep hooks that systemd-sleep runs around a sleep
// (systemd-sleep(8)): every executable in /usr/lib/systemd/system-sleep/,
// in name order, as HOOK pre|post hibernate. The helper replaces
// systemd-sleep for hibernation, so it runs them the same way.

#include <string>
#include <vector>

namespace ldb {

// Runs each hook and waits for it. Returns one line per hook that failed;
// a failing hook does not stop the sleep (as with systemd-sleep).
std::vector<std::string> run_sleep_hooks(const std::string& dir, const std::string& phase,
                                         const std::string& operation);

} // namespace ldb
