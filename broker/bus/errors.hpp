// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The one place where broker errors become D-Bus errors in the
// org.freedesktop.LockdownBroker1.Error domain. The message is complete
// enough for a panel to show as it is: what happened, and what to do.
#include <exception>
#include <sdbus-c++/Error.h>

#include "base/bus_names.hpp"
#include "base/error.hpp"

namespace ldb {

using bus_names::kErrorPrefix;

sdbus::Error to_bus_error(const Error& e);
// Anything else: logged in full, sent as Error.Failed.
sdbus::Error to_bus_error(const std::exception& e);

} // namespace ldb
