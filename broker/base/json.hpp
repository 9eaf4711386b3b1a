// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Minimal JSON string escaping for our --json outputs (we only ever emit).

#include <cstdio>
#include <string>
#include <string_view>

namespace ldb {

inline std::string json_str(std::string_view s)
{
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof(buf), "\\u%04x", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    return out + "\"";
}

} // namespace ldb
