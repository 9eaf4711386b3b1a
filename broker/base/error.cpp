// SPDX-License-Identifier: LGPL-2.1-or-later
#include "base/error.hpp"

#include <cerrno>
#include <cstring>

namespace ldb {

Error errno_error(int err, const std::string& doing, std::string hint)
{
    if (err < 0)
        err = -err;
    ErrorKind kind = ErrorKind::Internal;
    if (err == EPERM || err == EACCES) {
        kind = ErrorKind::Permission;
        if (hint.empty())
            hint = "run as root (CAP_SYS_ADMIN and CAP_BPF are needed)";
    } else if (err == ENOENT) {
        kind = ErrorKind::NotFound;
    }
    return Error(kind, doing + ": " + std::strerror(err), std::move(hint));
}

} // namespace ldb
