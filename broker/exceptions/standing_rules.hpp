// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// exceptions.d: standing exceptions for services. Each file grants reasons
// to one unit's cgroup while that unit runs:
//
//   [Exception]
//   Unit=undervolt.service
//   Reasons=msr
//
// A file that cannot be read or is wrong is reported (file:line) and
// skipped; the others still apply.
#include <string>
#include <vector>

#include "enforcement/reasons.hpp"

namespace ldb {

struct StandingRule {
    std::string unit;
    std::vector<std::string> reasons;
    std::string file;
};

// Parses one file's text. Throws ldb::Error (Config) naming file and line.
StandingRule parse_standing_rule(const std::string& text, const std::string& file, const ReasonCatalog& catalog);

// Every *.conf in `dir`, sorted by name; errors go to `bad`.
std::vector<StandingRule> load_standing_rules(const std::string& dir, const ReasonCatalog& catalog,
                                              std::vector<std::string>& bad);

} // namespace ldb
