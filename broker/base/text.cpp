// SPDX-License-Identifier: LGPL-2.1-or-later
#include "base/text.hpp"

#include <cstdio>

namespace ldb {

std::string join(const std::vector<std::string>& v, const char* sep)
{
    std::string out;
    for (size_t i = 0; i < v.size(); i++)
        out += (i ? sep : "") + v[i];
    return out;
}

std::string hex_id(uint64_t id)
{
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(id));
    return buf;
}

std::vector<std::string_view> lines_of(std::string_view text)
{
    std::vector<std::string_view> out;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos)
            nl = text.size();
        out.push_back(text.substr(pos, nl - pos));
        pos = nl + 1;
    }
    return out;
}

std::string pad_right(std::string_view s, size_t width)
{
    size_t chars = 0;
    for (char c : s)
        chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80; // not a continuation byte
    std::string out(s);
    if (chars < width)
        out.append(width - chars, ' ');
    return out;
}

std::vector<std::string_view> words_of(std::string_view text)
{
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n'; };
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && blank(text[i]))
            i++;
        const size_t start = i;
        while (i < text.size() && !blank(text[i]))
            i++;
        if (i > start)
            out.push_back(text.substr(start, i - start));
    }
    return out;
}

} // namespace ldb
