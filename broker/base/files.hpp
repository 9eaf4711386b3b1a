// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The files of the broker's stores under /run/lockdown-broker: one record
// per file in a directory of its own, written atomically (temporary file,
// then rename), so that a crash leaves either the old record or the new.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"

namespace ldb {

// Creates `dir` (mode 0700) unless it exists.
void make_record_dir(const std::string& dir);
// Writes `text` to `path` atomically, mode 0600.
void write_record(const std::string& path, const std::string& text);
// Removes `path`; a missing file is not an error.
void erase_record(const std::string& path);
// The files in `dir` whose names end in `suffix`; removes the temporary
// files of writes that a crash cut short. An absent directory has none.
std::vector<std::string> record_paths(const std::string& dir, std::string_view suffix);
// The whole of `path`; a file over `max_bytes` is an Error of `too_big`
// (Config for the stores' records, Kernel for files the kernel writes).
std::string read_record(const std::string& path, size_t max_bytes, ErrorKind too_big = ErrorKind::Config);

} // namespace ldb
