// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hibernation/fstab_swaps.hpp"

#include <charconv>

#include "base/text.hpp"

namespace ldb {

namespace {

// fstab(5): spaces and tabs in a field are written as \040 and \011.
std::optional<std::string> unescape(std::string_view s)
{
    std::string out;
    for (size_t i = 0; i < s.size(); i++) {
        // A NUL would cut the path short where it is used as a C string.
        if (s[i] == '\0')
            return std::nullopt;
        if (s[i] != '\\') {
            out += s[i];
            continue;
        }
        if (i + 3 >= s.size())
            return std::nullopt;
        int v = 0;
        for (size_t k = 1; k <= 3; k++) {
            const char c = s[i + k];
            if (c < '0' || c > '7')
                return std::nullopt;
            v = v * 8 + (c - '0');
        }
        if (v == 0 || v > 255)
            return std::nullopt;
        out += static_cast<char>(v);
        i += 3;
    }
    return out;
}

// The names udev gives the /dev/disk/by-* links: bytes other than ASCII
// letters, digits and "#+-.:=@_" become \xNN (so '/' cannot leave the
// directory); bytes of UTF-8 sequences stay.
std::string udev_encode(std::string_view v)
{
    static constexpr std::string_view kKeep = "#+-.:=@_";
    std::string out;
    for (const char ch : v) {
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            kKeep.find(ch) != std::string_view::npos) {
            out += ch;
            continue;
        }
        static constexpr char kHex[] = "0123456789abcdef";
        out += "\\x";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
    return out;
}

} // namespace

std::vector<FstabSwap> parse_fstab_swaps(std::string_view text, std::vector<std::string>& warnings)
{
    std::vector<FstabSwap> out;
    size_t lineno = 0;
    while (!text.empty()) {
        const size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        lineno++;
        // As libmount does: a CRLF line ends before its CR.
        if (line.ends_with('\r'))
            line.remove_suffix(1);
        const auto f = words_of(line);
        if (f.empty() || f[0].front() == '#')
            continue;
        if (f.size() < 3) {
            if (f.size() == 2 && f[1] == "swap")
                warnings.push_back("/etc/fstab line " + std::to_string(lineno) + ": no type field");
            continue;
        }
        if (f[2] != "swap")
            continue;
        FstabSwap s;
        s.spec = std::string(f[0]);
        s.line = lineno;
        bool bad = false;
        if (f.size() > 3) {
            std::string_view opts = f[3];
            while (!opts.empty()) {
                const size_t c = opts.find(',');
                const std::string_view o = opts.substr(0, c);
                opts = c == std::string_view::npos ? std::string_view{} : opts.substr(c + 1);
                if (o == "noauto")
                    s.noauto = true;
                else if (o.substr(0, 4) == "pri=") {
                    int v = 0;
                    const auto num = o.substr(4);
                    const auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
                    if (num.empty() || ec != std::errc{} || p != num.data() + num.size() || v < -1 || v > 32767) {
                        warnings.push_back("/etc/fstab line " + std::to_string(lineno) + ": bad option '" +
                                           std::string(o) + "'");
                        bad = true;
                    } else
                        s.priority = v;
                }
            }
        }
        if (!bad)
            out.push_back(std::move(s));
    }
    return out;
}

std::optional<std::string> fstab_spec_path(std::string_view spec)
{
    static constexpr std::pair<std::string_view, std::string_view> kTags[] = {
        {"UUID=", "/dev/disk/by-uuid/"},
        {"LABEL=", "/dev/disk/by-label/"},
        {"PARTUUID=", "/dev/disk/by-partuuid/"},
        {"PARTLABEL=", "/dev/disk/by-partlabel/"},
    };
    for (const auto& [tag, dir] : kTags)
        if (spec.substr(0, tag.size()) == tag) {
            std::string_view raw = spec.substr(tag.size());
            // LABEL="my swap", as libmount accepts it.
            if (raw.size() >= 2 && raw.front() == '"' && raw.back() == '"')
                raw = raw.substr(1, raw.size() - 2);
            auto v = unescape(raw);
            if (!v || v->empty() || *v == "." || *v == "..")
                return std::nullopt;
            return std::string(dir) + udev_encode(*v);
        }
    if (spec.empty() || spec.front() != '/')
        return std::nullopt;
    return unescape(spec);
}

} // namespace ldb
