// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Minimal JSON string escaping for our --json outputs (we only ever emit).

#include <cstdint>
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

// One JSON object: members in the order they are added, every string escaped
// by json_str. What --json prints is built with this, never by hand.
class JsonObject {
public:
    JsonObject& str(std::string_view key, std::string_view v) { return member(key, json_str(v)); }
    JsonObject& num(std::string_view key, uint64_t v) { return member(key, std::to_string(v)); }
    JsonObject& boolean(std::string_view key, bool v) { return member(key, v ? "true" : "false"); }
    JsonObject& null(std::string_view key) { return member(key, "null"); }
    JsonObject& object(std::string_view key, const JsonObject& o) { return member(key, o.text()); }
    std::string text() const { return "{" + body_ + "}"; }

private:
    JsonObject& member(std::string_view key, const std::string& value)
    {
        body_ += (body_.empty() ? "" : ",") + json_str(key) + ":" + value;
        return *this;
    }
    std::string body_;
};

} // namespace ldb
