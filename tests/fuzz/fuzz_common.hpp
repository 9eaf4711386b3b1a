// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Shared by the fuzz targets: reporting a broken invariant (by aborting, so
// that libFuzzer and the replay runner both see a crash) and the checks on
// an ldb::Error that every target makes.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/error.hpp"

namespace ldb_fuzz {

[[noreturn]] inline void fail(const char* target, const std::string& what)
{
    std::fprintf(stderr, "%s: invariant violated: %s\n", target, what.c_str());
    std::fflush(stderr);
    std::abort();
}

// A configuration error must be ErrorKind::Config and name the file.
inline void check_config_error(const char* target, const ldb::Error& e, const std::string& file)
{
    if (e.kind() != ldb::ErrorKind::Config)
        fail(target, std::string("error of kind ") + std::to_string(static_cast<int>(e.kind())) +
                         " instead of Config: " + e.what());
    if (!std::string_view(e.what()).starts_with(file + ":"))
        fail(target, "error does not start with '" + file + ":': " + e.what());
}

inline bool valid_name(std::string_view s)
{
    if (s.empty())
        return false;
    for (char c : s)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.'))
            return false;
    return true;
}

} // namespace ldb_fuzz
