// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// `lockdown-brokerd --enforce-only`: load the configured policy into the
// kernel, report each part of enforcement (stdout, journal, and the record
// under the runtime directory that the daemon's Notice reads), then exit.

#include <string>

#include "config/config.hpp"
#include "enforcement/enforcer.hpp"
#include "enforcement/policy.hpp"
#include "enforcement/policy_order.hpp"

namespace ldb {

struct EnforceCommand {
    std::string config_file; // empty: broker.conf and drop-ins
    PinLayout pins;
    std::string runtime_dir = "/run/lockdown-broker";
    bool json = false;
    bool verbose = false;
    // Where enforcement is pinned already (the initramfs loaded it, or an
    // earlier run did), no reason may loosen: each gets the tighter of its
    // pinned and its configured action, and the kept ones are said.
    // lockdown-enforce.service.
    bool tighten_only = false;
    // Run from the initramfs (before the root is mounted): pin-protection is
    // not loaded, since its programs refuse every MS_MOVE and pivot_root and
    // the switch to the real root moves /sys with the pins; and the
    // hibernation reason is allowed, since the kernel skips resuming a
    // hibernation image while lockdown refuses hibernation. The real root's
    // --tighten-only run attaches the one and tightens the other back.
    bool initramfs = false;
};

// What --enforce-only writes into the kernel, derived from the configured
// policy's table.
struct AppliedTable {
    ActionTable table{};
    std::vector<ReasonChange> kept; // --tighten-only: would loosen, so left as pinned (pinned -> configured)
    bool hibernation_opened = false; // --initramfs: hibernation allowed until the real root
};
// `pinned`: the table that runs (--tighten-only with enforcement pinned),
// or nullptr.
AppliedTable table_to_apply(const ActionTable& configured, const ActionTable* pinned, bool initramfs,
                            const ReasonCatalog& catalog);
// The warning for the reasons --tighten-only kept.
std::string kept_message(const std::vector<ReasonChange>& kept, const ReasonCatalog& catalog);

// What the policy amounts to, for the report.
struct EnforceSummary {
    Mode mode{};
    size_t reasons = 0, deny = 0, audit = 0;
    bool some_missing = false; // an optional part did not load
    bool pins_deferred = false; // --initramfs: pin-protection is left to the real root
    size_t kept = 0;            // --tighten-only: reasons kept tighter than configured
    bool hibernation_opened = false;
};
// The line --enforce-only prints on stdout: for people, or one JSON object.
std::string render_enforce_result(const EnforceReport& rep, const EnforceSummary& sum, bool json);

// The exit status. Throws ldb::Error when locked_down cannot be enforced
// (after recording and logging why).
int run_enforce_command(const EnforceCommand& c);

} // namespace ldb
