// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// A strict parser for systemd-style INI text: [Section] headers, Key=Value
// lines, '#' and ';' comments, and trailing-backslash continuation. It knows
// nothing of our keys; it only turns text into located entries, and rejects
// anything it cannot read with the file name and line number.

#include <string>
#include <string_view>
#include <vector>

namespace ldb {

struct IniEntry {
    std::string section;
    std::string key;
    std::string value;
    std::string file;
    unsigned line = 0;
};

// Upper bounds that keep a hostile file from costing much.
inline constexpr size_t kIniMaxBytes = 64 * 1024;
inline constexpr size_t kIniMaxLine = 4096;

// Throws ldb::Error (ErrorKind::Config) naming `file` and the line.
std::vector<IniEntry> parse_ini(std::string_view text, const std::string& file);

// Reads and parses a file; same errors, plus I/O ones.
std::vector<IniEntry> parse_ini_file(const std::string& path);

// A value's words, split at spaces and tabs (list-valued keys).
std::vector<std::string> split_words(std::string_view value);

// "file:line: message"
std::string at(const std::string& file, unsigned line, const std::string& message);

} // namespace ldb
