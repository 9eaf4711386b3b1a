// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The effective policy: one action for every reason the running kernel knows,
// from the configured Mode baseline and the single-reason overrides.

#include <array>
#include <string>
#include <vector>

#include "lockdown-broker.h"
#include "config/config.hpp"
#include "enforcement/reasons.hpp"

namespace ldb {

struct PolicyEntry {
    Reason reason;
    Action action = Action::Deny;
    std::string origin; // "Mode=integrity" or "Allow= at FILE:LINE"
};

class Policy {
public:
    // Throws ErrorKind::Config for a reason name the kernel does not know,
    // naming the file and line where it was written.
    static Policy build(const ReasonCatalog& catalog, const Config& cfg);

    Mode mode() const noexcept { return mode_; }
    const std::vector<PolicyEntry>& entries() const noexcept { return entries_; }
    Action action_for(std::string_view reason_name) const;

    // The table the BPF program reads, indexed by reason value. Slots that
    // are no reason of this kernel stay LD_ACTION_DENY (0): fail closed.
    std::array<unsigned char, LD_MAX_REASONS> action_table() const;

private:
    Mode mode_ = Mode::Integrity;
    std::vector<PolicyEntry> entries_;
};

Action baseline(Mode mode, Level level);

} // namespace ldb
