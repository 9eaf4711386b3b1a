// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// `lockdown-brokerd --enforce-only`: load the configured policy into the
// kernel, report each part of enforcement (stdout, journal, and the record
// under the runtime directory that the daemon's Notice reads), then exit.

#include <string>

#include "enforcement/enforcer.hpp"

namespace ldb {

struct EnforceCommand {
    std::string config_file; // empty: broker.conf and drop-ins
    PinLayout pins;
    std::string runtime_dir = "/run/lockdown-broker";
    bool json = false;
    bool verbose = false;
};

// The exit status. Throws ldb::Error when locked_down cannot be enforced
// (after recording and logging why).
int run_enforce_command(const EnforceCommand& c);

} // namespace ldb
