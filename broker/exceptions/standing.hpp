// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Standing exceptions in effect: grants each rule's unit the rule's reasons
// while the unit runs (see standing_rules.hpp for the files).
#include <string>
#include <vector>

#include "exceptions/table.hpp"
#include "exceptions/standing_rules.hpp"
#include "enforcement/policy.hpp"
#include "enforcement/reasons.hpp"
#include "host/systemd_units.hpp"

namespace ldb {

class StandingExceptions {
public:
    StandingExceptions(std::vector<StandingRule> rules, ExceptionTable& grants, UnitDirectory& units, const Policy& policy);
    // Grants to every rule's unit that runs now.
    void apply_all();
    // systemd says something happened to `unit`: grant if it runs and has no
    // standing exception yet.
    void unit_changed(const std::string& unit);
    const std::vector<StandingRule>& rules() const noexcept { return rules_; }

private:
    void apply(const StandingRule& r);
    std::vector<StandingRule> rules_;
    ExceptionTable& grants_;
    UnitDirectory& units_;
    const Policy& policy_;
};

} // namespace ldb
