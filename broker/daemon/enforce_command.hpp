// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// `lockdown-brokerd --enforce-only`: load the configured policy into the
// kernel, report each part of enforcement (stdout, journal, and the record
// under the runtime directory that the daemon's Notice reads), then exit.

#include <string>

#include "config/config.hpp"
#include "enforcement/enforcer.hpp"

namespace ldb {

struct EnforceCommand {
    std::string config_file; // empty: broker.conf and drop-ins
    PinLayout pins;
    std::string runtime_dir = "/run/lockdown-broker";
    bool json = false;
    bool verbose = false;
};

// What the policy amounts to, for the report.
struct EnforceSummary {
    Mode mode{};
    size_t reasons = 0, deny = 0, audit = 0;
    bool some_missing = false; // an optional part did not load
};
// The line --enforce-only prints on stdout: for people, or one JSON object.
std::string render_enforce_result(const EnforceReport& rep, const EnforceSummary& sum, bool json);

// The exit status. Throws ldb::Error when locked_down cannot be enforced
// (after recording and logging why).
int run_enforce_command(const EnforceCommand& c);

} // namespace ldb
