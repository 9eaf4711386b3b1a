// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Human and JSON renderings of the reasons catalogue and the policy.

#include <string>

#include "enforcement/policy.hpp"
#include "enforcement/reasons.hpp"

namespace ldb {

std::string render_reasons(const ReasonCatalog& cat, bool json);
std::string render_policy(const Policy& policy, const ReasonCatalog& cat, bool json);

} // namespace ldb
