// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// lockdownctl run's scope: the calling process moves itself into a new
// transient scope of the user's service manager (systemd --user), as
// `systemd-run --user --scope` does, so that an exception can cover that
// scope and nothing else.
#include <string>

namespace ldctl {

// Starts "lockdown-run-<random>.scope" on the user manager with this process
// in it, waits for the job, and checks /proc/self/cgroup. Returns the
// scope's cgroup path. Throws Failure: ExitUnreachable when there is no user
// bus or manager, ExitFailure when the job fails.
std::string enter_new_user_scope(const std::string& description);

// The last component of the cgroup2 path in /proc/self/cgroup's text
// ("0::/user.slice/.../x.scope" -> "x.scope"); "" if there is none.
std::string own_cgroup_leaf(const std::string& proc_self_cgroup);

} // namespace ldctl
