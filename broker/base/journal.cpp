// SPDX-License-Identifier: LGPL-2.1-or-later
#include "base/journal.hpp"

#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include "base/log.hpp"

namespace ldb {

int journal_send(const JournalRecord& r)
{
    std::vector<std::string> lines;
    lines.reserve(r.fields.size() + 4);
    lines.push_back("MESSAGE=" + r.message);
    lines.push_back("PRIORITY=" + std::to_string(r.priority));
    if (r.message_id)
        lines.push_back(std::string("MESSAGE_ID=") + r.message_id);
    lines.push_back(std::string("SYSLOG_IDENTIFIER=") + r.identifier);
    for (const auto& [k, v] : r.fields)
        if (!v.empty())
            lines.push_back(k + "=" + v);
    std::vector<iovec> iov;
    iov.reserve(lines.size());
    for (auto& l : lines)
        iov.push_back({l.data(), l.size()});
    const int rc = sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
    if (rc < 0)
        log_debug("journald did not take a record (%d): %s", rc, r.message.c_str());
    return rc < 0 ? rc : 0;
}

} // namespace ldb
