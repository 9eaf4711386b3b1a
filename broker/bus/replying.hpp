// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Runs a method handler's body and turns whatever it throws into the
// method's D-Bus error (through bus_errors, the one place that maps them).
#include <exception>

#include <sdbus-c++/Error.h>

#include "bus/errors.hpp"
#include "base/error.hpp"
#include "base/log.hpp"

namespace ldb {

// Asynchronous handlers: answer through `result`.
template <typename R, typename F>
void replying(R& result, F&& f)
{
    try {
        f();
    } catch (const Error& e) {
        result.returnError(to_bus_error(e));
    } catch (const sdbus::Error& e) {
        log_error("D-Bus call failed: %s: %s", e.getName().c_str(), e.getMessage().c_str());
        result.returnError(sdbus::Error(std::string(kErrorPrefix) + "Failed", e.getMessage()));
    } catch (const std::exception& e) {
        result.returnError(to_bus_error(e));
    }
}

// Synchronous handlers: sdbus-c++ replies with a thrown sdbus::Error.
template <typename F>
auto sync_replying(F&& f) -> decltype(f())
{
    try {
        return f();
    } catch (const Error& e) {
        throw to_bus_error(e);
    } catch (const sdbus::Error&) {
        throw;
    } catch (const std::exception& e) {
        throw to_bus_error(e);
    }
}

} // namespace ldb
