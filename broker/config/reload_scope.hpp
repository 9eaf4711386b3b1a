// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// What a reload of broker.conf (SIGHUP, `systemctl reload lockdown-broker`)
// takes from the new files, and what waits:
// - the policy ([Lockdown] Mode=, Allow=, Audit=, Deny=) applies at once if
//   it is at least as tight as the running one for every reason; otherwise
//   nothing applies and it waits for the next boot (enforcement/policy_order);
// - ProtectPins= waits for the next boot: the programs that protect the pins
//   are attached at boot, and once attached stay until reboot;
// - every other setting ([Exceptions], [Hibernation], [DynamicDebug]) waits
//   for the broker's next start (`systemctl restart lockdown-broker`): the
//   parts that use them take them when they are built. None of them changes
//   what the kernel enforces; they bound what the front door may grant.
#include <string>
#include <vector>

#include "config/config.hpp"

namespace ldb {

// `running` with the policy of `next`: Mode=, its location, the Allow=,
// Audit= and Deny= assignments and the list of files read. The rest stays.
Config with_policy_of(const Config& running, const Config& next);

// The settings `next` changes that a reload does not apply, each with when
// it will: "ProtectPins= (at the next boot)",
// "[Exceptions] MaxSeconds= (when lockdown-broker restarts)".
std::vector<std::string> settings_waiting(const Config& running, const Config& next);

} // namespace ldb
