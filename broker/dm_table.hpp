// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Device-mapper tables through libdevmapper: read which targets a mapping
// uses, and replace a mapping's target instance by reloading its own table.
// Both need CAP_SYS_ADMIN and /dev/mapper/control.

#include <cstdint>
#include <string>
#include <vector>

namespace ldb {

struct DmTarget {
    uint64_t start = 0;   // sectors
    uint64_t length = 0;  // sectors
    std::string type;     // "crypt", "integrity", "linear", ...
    std::string params;   // as the kernel reports them (keys are hidden)
};

// The live table of mapping `name`. Throws ldb::Error naming the mapping.
std::vector<DmTarget> dm_table(const std::string& name);

void dm_suspend(const std::string& name);
void dm_resume(const std::string& name);

// Loads `name`'s current table again into its inactive slot; the next
// dm_resume() swaps it in, which builds new target instances. The caller
// suspends first. Refuses tables whose parameters were hidden by the kernel.
void dm_reload_same_table(const std::string& name);

} // namespace ldb
