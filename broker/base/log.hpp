// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Daemon logging to stderr, with sd-daemon priority prefixes when stderr is
// the journal. Debug messages are not even formatted unless enabled.
// Structured event records go through events.cpp, not here.
#include <cstdarg>

namespace ldb {

enum class LogLevel { Error = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 };

void log_set_max_level(LogLevel l);
bool log_enabled(LogLevel l);
void log_printf(LogLevel l, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
// True when stderr is the journal: structured records then already carry
// what a plain log line would repeat.
bool log_is_journal();

} // namespace ldb

#define log_error(...) ::ldb::log_printf(::ldb::LogLevel::Error, __VA_ARGS__)
#define log_warning(...) ::ldb::log_printf(::ldb::LogLevel::Warning, __VA_ARGS__)
#define log_notice(...) ::ldb::log_printf(::ldb::LogLevel::Notice, __VA_ARGS__)
#define log_info(...) ::ldb::log_printf(::ldb::LogLevel::Info, __VA_ARGS__)
#define log_debug(...)                                                                                                 \
    do {                                                                                                               \
        if (::ldb::log_enabled(::ldb::LogLevel::Debug))                                                                \
            ::ldb::log_printf(::ldb::LogLevel::Debug, __VA_ARGS__);                                                    \
    } while (0)
