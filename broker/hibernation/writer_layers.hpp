// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Whether lockdown-hibernate may suspend the layers it must after a resume.
//
// It renews the swap then (prepare() in lockdown_hibernate.cpp,
// swap_renewal.cpp): it suspends every dm-integrity layer of the swap's
// stack together with the dm-crypt layer directly above it, reloads the
// integrity table and resumes both. Anything else stacked on those layers
// would stall while they are suspended, or go on with the stale integrity
// instance; an LVM (or other) layer between the integrity layer and the swap
// is a volume group that other volumes may share. Such stacks are refused.
// Pure.

#include <optional>
#include <string>

#include "hibernation/kernel_facts.hpp"
#include "hibernation/verdict.hpp"

namespace ldb {

struct StackRefusal {
    HibernationBlock block;  // SharedLayer, or Unverifiable when holders/ was unreadable
    std::string text;
    const char* code; // HibernateBlockerCode: "layer-holders-unreadable", "shared-integrity-layer", "layer-between"
};

// nullopt when the stack of `s` is fine; `label` names the swap in the text.
std::optional<StackRefusal> judge_writer_layers(const SwapFacts& s, const std::string& label);

} // namespace ldb
