// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Sends structured records to journald.
#include "events.hpp"

namespace ldb {

// Returns 0, or the negative errno of sd_journal_sendv() (also logged at
// debug level): callers that must not lose the record can say so.
int journal_send(const JournalRecord& r);

} // namespace ldb
