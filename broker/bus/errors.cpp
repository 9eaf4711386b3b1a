// SPDX-License-Identifier: LGPL-2.1-or-later
#include "bus/errors.hpp"

#include <string>

#include "base/log.hpp"

namespace ldb {

namespace {
const char* suffix(ErrorKind k)
{
    switch (k) {
    case ErrorKind::InvalidArgument:
    case ErrorKind::Config:
        return "InvalidArgument";
    case ErrorKind::NotAuthorized:
        return "NotAuthorized";
    case ErrorKind::NoSession:
        return "NoSession";
    case ErrorKind::SessionNotEligible:
        return "SessionNotEligible";
    case ErrorKind::NotFound:
        return "NotFound";
    case ErrorKind::Refused:
        return "Refused";
    case ErrorKind::Kernel:
    case ErrorKind::Permission:
    case ErrorKind::Internal:
        return "Failed";
    }
    return "Failed";
}
} // namespace

sdbus::Error to_bus_error(const Error& e)
{
    std::string msg = e.what();
    if (!e.hint().empty())
        msg += " (" + e.hint() + ")";
    if (e.kind() == ErrorKind::Kernel || e.kind() == ErrorKind::Internal || e.kind() == ErrorKind::Permission)
        log_error("request failed: %s", msg.c_str());
    return sdbus::Error(std::string(kErrorPrefix) + suffix(e.kind()), msg);
}

sdbus::Error to_bus_error(const std::exception& e)
{
    log_error("request failed unexpectedly: %s", e.what());
    return sdbus::Error(std::string(kErrorPrefix) + "Failed", std::string("internal error: ") + e.what());
}

} // namespace ldb
