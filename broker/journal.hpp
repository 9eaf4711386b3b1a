// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Sends structured records to journald.
#include "events.hpp"

namespace ldb {

void journal_send(const JournalRecord& r);

} // namespace ldb
