// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The dynamic_debug control file as the kernel prints it, one callsite a line:
//
//   FILE:LINE [MODULE]FUNCTION =FLAGS "FORMAT"[ class:NAME]
//
// (lib/dynamic_debug.c, ddebug_proc_show; FORMAT has \t \r \n escaped and
// nothing else, so it may hold raw quotes). Parsing, rendering back, which
// callsites a match spec selects, what changed between two readings, and
// the per-callsite query that puts one callsite's flags back. Pure: no I/O.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dyndbg/query.hpp"

namespace ldb::dyndbg {

// Printable ASCII without spaces: a file, module or function name, or one
// field of a change record.
bool is_word(std::string_view s);

// A control file larger than this is refused (a full distribution kernel
// with every module loaded prints a few MiB at most).
inline constexpr size_t kMaxControlBytes = 64 * 1024 * 1024;

struct Callsite {
    std::string file;     // as printed: relative to the kernel source tree
    uint32_t line = 0;
    std::string module;
    std::string function;
    std::string flags;    // "p", "pmf", "_" for none
    std::string format;   // as printed (escaped), without the quotes
    std::string cls;      // class name, "" for none
    bool class_unknown = false; // "class unknown, _id:N": no name to query it by
    int class_id = 0;           // N of "class unknown, _id:N"

    bool operator==(const Callsite&) const = default;
};

// The identity of a callsite across readings: everything but its flags.
struct SiteKey {
    std::string file;
    uint32_t line = 0;
    std::string module;
    std::string function;
    std::string cls;
    auto operator<=>(const SiteKey&) const = default;
};
SiteKey key_of(const Callsite& c);

// One line (no newline). Throws ldb::Error(Kernel) naming what is wrong.
Callsite parse_control_line(std::string_view line);
// A whole reading. The header ("# filename:lineno ...") is skipped; a line
// that does not parse is skipped and described in `bad`. Throws for input
// beyond kMaxControlBytes.
std::vector<Callsite> parse_control(std::string_view text, std::vector<std::string>* bad = nullptr);
// The line as the kernel prints it (inverse of parse_control_line).
std::string render_control_line(const Callsite& c);

// Whether `m` selects `c`, as the kernel's ddebug_change() decides it. With
// `kernel_classes`, a spec without "class" selects only callsites without a
// class, as the kernel does when it applies a query; without it (listing),
// such a spec leaves classes alone.
bool matches(const MatchSpec& m, const Callsite& c, bool kernel_classes = true);

// The flags a query leaves on a callsite that had `flags`, in the kernel's
// letter order ("_" for none), for the kernel's letters `order`.
std::string apply_flags(const std::string& flags, char op, const std::string& letters, const std::string& order);

struct FlagChange {
    Callsite site; // as it is now (new flags)
    std::string old_flags;
};
// Callsites whose flags differ between `before` and `after`. Callsites
// sharing a key are paired in the order they appear.
std::vector<FlagChange> diff(const std::vector<Callsite>& before, const std::vector<Callsite>& after);

// The query that sets exactly this callsite's flags to `flags`: module,
// file, line and func (or class, for a classed callsite; the kernel takes
// at most four keyword pairs). nullopt when the callsite cannot be named by
// a query our grammar accepts (an unknown class, odd characters).
std::optional<std::string> site_query(const SiteKey& k, const std::string& flags, const Grammar& grammar);

} // namespace ldb::dyndbg
