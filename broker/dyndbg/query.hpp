// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The dynamic_debug query language, validated before the broker writes
// anything to the kernel: exactly one command of the running kernel's
// grammar (lib/dynamic_debug.c), nothing the kernel would split, skip or
// read differently. What is written is the canonical text rebuilt from the
// parsed query, never the caller's bytes.
//
//   query   := match* flags
//   match   := "module" NAME | "file" PATH | "func" NAME | "line" RANGE
//            | "format" STRING | "class" NAME         (each at most once)
//   RANGE   := N | N-M | N- | -M                      (N, M >= 1)
//   flags   := [-+=] letter+                          (letters of this kernel)
//
// Pure: no I/O. Every refusal is ldb::Error(InvalidArgument) whose message
// names the offending token.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ldb::dyndbg {

// The longest query accepted (the kernel takes up to 4095 bytes at once).
inline constexpr size_t kMaxQueryBytes = 512;
// The kernel tokenizes at most 9 words: four (keyword, value) pairs and the flags.
inline constexpr size_t kMaxWords = 9;
inline constexpr size_t kMaxValueBytes = 255;
inline constexpr uint32_t kMaxLine = 10'000'000;

// What the running kernel accepts, and what policy allows.
struct Grammar {
    // The flag letters this kernel knows, in its own order ('_' means
    // none). 6.1 knows "pmflt_"; later kernels add 's' (source file name).
    std::string flags = "pmflt_";
    // Queries that do not narrow the callsites down ([DynamicDebug]
    // AllowGlobalQueries=).
    bool allow_global = false;
};

struct LineRange {
    uint32_t first = 0; // 0: from the start
    uint32_t last = 0;  // 0: to the end
    bool operator==(const LineRange&) const = default;
};

struct MatchSpec {
    std::optional<std::string> module; // glob (* and ?); '-' already made '_'
    std::optional<std::string> file;   // glob, against the path and its base name
    std::optional<std::string> func;   // glob
    std::optional<LineRange> line;
    std::optional<std::string> format; // as written (escaped), quotes removed
    std::optional<std::string> cls;    // class name

    bool empty() const;
    // True when no keyword narrows the callsites down: no module, file or
    // func with a character other than * and ?, and no class.
    bool global() const;
    // The canonical words, "module foo file bar.c ...", in a fixed order.
    std::string text() const;
    bool operator==(const MatchSpec&) const = default;
};

struct Query {
    MatchSpec match;
    char op = '+';     // '+', '-' or '='
    std::string flags; // letters in the kernel's order, no duplicates; "_" alone means none
    // The canonical command, as written to the control file.
    std::string text() const;
    bool operator==(const Query&) const = default;
};

// A whole command (match spec and flags).
Query parse_query(std::string_view text, const Grammar& grammar);
// A match spec alone (ListDebug's filter); "" selects everything.
MatchSpec parse_filter(std::string_view text);

// The format value with the kernel's escapes resolved (\n, \t, \", \\,
// \101, ...), as the kernel compares it.
std::string unescape_format(std::string_view escaped);

// A value shown in an error: control and non-ASCII bytes as \xNN, cut at 64.
std::string shown_token(std::string_view s);

} // namespace ldb::dyndbg
