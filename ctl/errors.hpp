// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The one place where D-Bus errors become messages, hints and exit codes.

#include <sdbus-c++/Error.h>

#include "lockdownctl.hpp"

namespace ldctl {

Failure bus_failure(const sdbus::Error& e, const Options& o);

} // namespace ldctl
