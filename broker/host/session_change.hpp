// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// What ends a session's exceptions, read from logind: the session was
// locked, left its seat's foreground, or is gone. The one mapping from a
// session's state to such a change; the D-Bus watcher, the restart check
// and dynamic debug all ask it.
#include <optional>

namespace ldb {

struct SessionInfo;

enum class SessionChange { Locked, Inactive, Removed };

// The change that ends what `now` holds (nullopt: logind no longer knows the
// session), or nullopt while it may keep it. Locked wins over inactive.
std::optional<SessionChange> ending_change(const std::optional<SessionInfo>& now);

} // namespace ldb
