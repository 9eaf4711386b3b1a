// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The swap entries of /etc/fstab (fstab(5)): what systemd-fstab-generator
// turns into .swap units. lockdown-hibernate's swap guard looks at the ones
// that are not active, because a header that says S1SUSPEND is exactly what
// makes swapon refuse a device.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ldb {

struct FstabSwap {
    std::string spec;               // as written: /dev/..., UUID=..., LABEL=..., PARTUUID=..., PARTLABEL=...
    std::optional<int> priority;    // pri=N
    bool noauto = false;
    size_t line = 0;                // 1-based, for messages
};

// Lines with type "swap"; comments, blank lines and other types skipped.
// A malformed swap line (no type field, a bad pri=) adds a warning naming
// the line and is skipped.
std::vector<FstabSwap> parse_fstab_swaps(std::string_view text, std::vector<std::string>& warnings);

// The /dev path a spec names: /dev/disk/by-uuid/... for UUID= and so on
// (the value quoted or not, encoded as udev names the links: a space is
// \x20), the path itself for an absolute path. Octal escapes (\040) are
// decoded.
// nullopt for what fstab(5) does not define (a relative path, an empty tag).
std::optional<std::string> fstab_spec_path(std::string_view spec);

} // namespace ldb
