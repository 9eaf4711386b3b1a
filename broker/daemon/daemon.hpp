// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The D-Bus service: wires config, the pinned enforcement, logind, systemd,
// polkit and the bus together, and runs the loop until SIGTERM.
#include <string>

#include "enforcement/enforcer.hpp"

namespace ldb {

struct DaemonOptions {
    std::string config_file;     // empty: broker.conf and drop-ins
    PinLayout pins;
    std::string cgroup_root = "/sys/fs/cgroup";
    std::string runtime_dir = "/run/lockdown-broker";
    std::string exceptions_dir = "/etc/lockdown-broker/exceptions.d";
    // For tests: another file in the place of /proc/dynamic_debug/control.
    std::string dynamic_debug_control = "/proc/dynamic_debug/control";
    // For tests: another file in the place of the kernel's lockdown file
    // (KernelLockdown, Notice), watched the same way.
    std::string kernel_lockdown_file = "/sys/kernel/security/lockdown";
    bool verbose = false;
};

// Returns the process exit status. Throws ldb::Error when it cannot start.
int run_daemon(const DaemonOptions& o);

} // namespace ldb
