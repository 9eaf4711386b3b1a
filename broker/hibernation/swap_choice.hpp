// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Which swap the image would go to: systemd 252's choice
// (src/shared/sleep-config.c, find_hibernate_location). Pure.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "hibernation/kernel_facts.hpp"

namespace ldb {

bool is_zram_path(const std::string& path);

// zram, deleted files and other types are skipped; when /sys/power/resume
// is set, the swap with that device (and offset) is used and nothing else;
// otherwise the highest priority wins, then the most free space, and a
// later entry wins a tie.
struct Choice {
    std::optional<size_t> index;      // into HibernationFacts::swaps
    bool resume_match = false;        // /sys/power/resume points at it
    std::vector<std::string> skipped; // "/dev/zram0 (zram)", ...
    bool only_zram = false;
};
Choice choose_swap(const HibernationFacts& f);

} // namespace ldb
