// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// `lockdown-brokerd --reload`, the unit's ExecReload=: sends SIGHUP to the
// running daemon ($MAINPID) and waits for its answer (reload_record.hpp), so
// that `systemctl reload lockdown-broker` fails when the reload is refused or
// the files are wrong. systemd 252 (Debian 12) takes a reload's result from
// ExecReload='s exit status alone; a plain `kill -HUP` would always succeed.
#include <chrono>
#include <string>
#include <sys/types.h>

namespace ldb {

struct ReloadCommand {
    std::string runtime_dir = "/run/lockdown-broker";
    pid_t main_pid = 0;
    std::chrono::milliseconds timeout{30000};
};

// Prints the daemon's answer; 0 when the policy applied or stayed the same,
// 1 when the reload was refused or the files are wrong. Throws ldb::Error
// when there is no daemon to ask or it does not answer in time.
int run_reload_command(const ReloadCommand& c);

} // namespace ldb
