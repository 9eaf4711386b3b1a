// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Sends structured records to journald.
#include <string>
#include <utility>
#include <vector>

namespace ldb {

struct JournalRecord {
    const char* message_id = nullptr;
    int priority = 6;
    std::string message;
    std::vector<std::pair<std::string, std::string>> fields; // LOCKDOWN_* = value
    const char* identifier = "lockdown-brokerd"; // SYSLOG_IDENTIFIER
};


// Returns 0, or the negative errno of sd_journal_sendv() (also logged at
// debug level): callers that must not lose the record can say so.
int journal_send(const JournalRecord& r);

} // namespace ldb
