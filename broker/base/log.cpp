// SPDX-License-Identifier: LGPL-2.1-or-later
#include "base/log.hpp"

#include <cstdio>
#include <cstdlib>

namespace ldb {

namespace {
LogLevel g_max = LogLevel::Info;
}

void log_set_max_level(LogLevel l)
{
    g_max = l;
}

bool log_enabled(LogLevel l)
{
    return static_cast<int>(l) <= static_cast<int>(g_max);
}

bool log_is_journal()
{
    static const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
    return journal;
}

void log_printf(LogLevel l, const char* fmt, ...)
{
    if (!log_enabled(l))
        return;
    // Under systemd, stderr is the journal: "<N>" sets the priority.
    const bool journal = log_is_journal();
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (journal)
        std::fprintf(stderr, "<%d>%s\n", static_cast<int>(l), buf);
    else
        std::fprintf(stderr, "lockdown-brokerd: %s\n", buf);
}

} // namespace ldb
