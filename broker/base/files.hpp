// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Files: the one bounded reader every layer uses, and the broker's stores
// under /run/lockdown-broker: one record per file in a directory of its own,
// written atomically (temporary file, then rename), so that a crash leaves
// either the old record or the new.

#include <cstddef>
#include <optional>
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
struct ReadLimits {
    size_t max_bytes;
    ErrorKind too_big = ErrorKind::Config; // Config for what people write, Kernel for what the kernel does
    bool regular_only = false;             // refuse FIFOs, devices and directories (configuration)
};
// The whole of `path`, read to the end (procfs and sysfs report size 0); an
// Error of `too_big` past max_bytes, of the errno's kind when unreadable.
std::string read_file(const std::string& path, const ReadLimits& limits);
// The same, but nullopt when `path` does not exist.
std::optional<std::string> read_file_if_exists(const std::string& path, const ReadLimits& limits);

} // namespace ldb
