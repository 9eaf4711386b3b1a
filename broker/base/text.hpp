// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Small text helpers every layer uses: one definition each.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ldb {

// ASCII only, unlike <cctype>, whose answers depend on the locale.
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_alnum(char c) noexcept { return is_digit(c) || is_alpha(c); }

std::string join(const std::vector<std::string>& v, const char* sep = ", ");

// The lines of `text`, without their '\n'; a last line without one counts,
// an empty end does not. The views point into `text`.
std::vector<std::string_view> lines_of(std::string_view text);

// The words of `text`, split at spaces, tabs and newlines; empty ones are
// dropped. The views point into `text`.
std::vector<std::string_view> words_of(std::string_view text);

// An exception or change id as people see it: 16 lower-case hex digits.
std::string hex_id(uint64_t id);

// `s` followed by spaces up to `width` characters, for a column of text a
// translation may fill: it counts UTF-8 characters, not bytes ("STUFE" and
// "GRÜNDE" line up), and adds nothing when `s` is as wide or wider.
std::string pad_right(std::string_view s, size_t width);

} // namespace ldb
