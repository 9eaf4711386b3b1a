// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Which of two policies is the tighter, reason by reason. After boot the
// policy may only tighten (like the kernel's own lockdown, which can be
// raised but never lowered): a reload compares the table the kernel runs with
// the one the configuration asks for, and refuses it if any reason loosens.
//
// The order is the BPF program's: allow < audit < deny. Audit allows the call
// too, but leaves a record of it; deny refuses it unless a grant covers the
// caller, and grants are the front door (polkit, journal). A slot byte other
// than allow (1) or audit (2) is read as deny by the program, so it ranks as
// deny here.
//
// Every slot of the table counts, also those beyond the kernel's reason_count
// (the pseudo-reasons live at LD_PSEUDO_REASON_FIRST and up): the program
// reads action[reason] for any value below LD_MAX_REASONS and never looks at
// reason_count, so reason_count takes no part in the comparison.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "lockdown-broker.h"

namespace ldb {

class ReasonCatalog;

using ActionTable = std::array<unsigned char, LD_MAX_REASONS>;

// 0 allow, 1 audit, 2 deny: a higher number is tighter.
int strictness(unsigned char action) noexcept;
// "allow", "audit" or "deny", as the program reads the byte.
const char* action_word(unsigned char action) noexcept;

struct ReasonChange {
    uint32_t reason = 0; // the reason's value, the slot index
    unsigned char from = 0, to = 0;
};

struct PolicyComparison {
    std::vector<ReasonChange> looser;  // in slot order
    std::vector<ReasonChange> tighter; // in slot order
    bool loosens() const noexcept { return !looser.empty(); }
};

// How `proposed` differs from `active`, slot by slot. Slots whose bytes
// differ but rank the same (two spellings of deny) are in neither list.
PolicyComparison compare_policies(const ActionTable& active, const ActionTable& proposed);

// "dev-mem (deny -> allow)"; a value the catalogue does not know is named by
// the catalogue's fallback ("reason-40").
std::string describe(const ReasonChange& c, const ReasonCatalog& catalog);
// The reason names alone, in order: "dev-mem,kcore".
std::string reason_names(const std::vector<ReasonChange>& changes, const ReasonCatalog& catalog);

} // namespace ldb
