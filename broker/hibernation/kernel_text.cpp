// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hibernation/kernel_text.hpp"

#include <algorithm>
#include <cstdint>

#include "base/text.hpp"

namespace ldb {

namespace kernel_text {

bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::string_view chomp(std::string_view s)
{
    if (!s.empty() && s.back() == '\n')
        s.remove_suffix(1);
    return s;
}

std::optional<uint64_t> parse_digits(std::string_view s)
{
    if (s.empty() || s.size() > 20)
        return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        if (!is_digit(c))
            return std::nullopt;
        const uint64_t d = static_cast<uint64_t>(c - '0');
        if (v > (UINT64_MAX - d) / 10)
            return std::nullopt;
        v = v * 10 + d;
    }
    return v;
}

std::string shown(std::string_view s, size_t max)
{
    std::string out;
    for (char c : s.substr(0, max)) {
        const auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? '?' : c;
    }
    return s.size() > max ? out + "..." : out;
}

std::string lower(std::string_view s)
{
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool has_prefix_and_digits(std::string_view name, std::string_view prefix)
{
    return name.size() > prefix.size() && name.starts_with(prefix) &&
           std::all_of(name.begin() + static_cast<long>(prefix.size()), name.end(), is_digit);
}

} // namespace kernel_text

using namespace kernel_text;

namespace {

std::optional<int> parse_int(std::string_view s)
{
    bool neg = false;
    if (!s.empty() && s.front() == '-') {
        neg = true;
        s.remove_prefix(1);
    }
    const auto v = parse_digits(s);
    if (!v || *v > (neg ? 2147483648ULL : 2147483647ULL))
        return std::nullopt;
    return neg ? static_cast<int>(-static_cast<int64_t>(*v)) : static_cast<int>(*v);
}

} // namespace

std::string to_string(DevNo d) { return std::to_string(d.major) + ":" + std::to_string(d.minor); }

std::optional<DevNo> parse_devno(std::string_view text)
{
    text = chomp(text);
    const size_t colon = text.find(':');
    if (colon == std::string_view::npos)
        return std::nullopt;
    const auto maj = parse_digits(text.substr(0, colon));
    const auto min = parse_digits(text.substr(colon + 1));
    // The kernel's dev_t has 12 bits of major and 20 of minor.
    if (!maj || !min || *maj > 0xfff || *min > 0xfffff)
        return std::nullopt;
    return DevNo{static_cast<uint32_t>(*maj), static_cast<uint32_t>(*min)};
}

std::optional<uint64_t> parse_u64(std::string_view text) { return parse_digits(chomp(text)); }

std::optional<std::vector<std::string>> parse_holders(std::vector<std::string> entries, std::string& error)
{
    if (entries.size() > kMaxHolders) {
        error = std::to_string(entries.size()) + " entries, more than " + std::to_string(kMaxHolders);
        return std::nullopt;
    }
    // DISK_NAME_LEN is 32; a partition's number adds a few bytes.
    constexpr size_t kMaxName = 64;
    for (const auto& e : entries) {
        const bool ok = !e.empty() && e != "." && e != ".." && e.size() <= kMaxName &&
                        std::all_of(e.begin(), e.end(), [](char c) {
                            const auto u = static_cast<unsigned char>(c);
                            return u > 0x20 && u < 0x7f && c != '/';
                        });
        if (!ok) {
            error = "entry '" + shown(e) + "' is not a block device name";
            return std::nullopt;
        }
    }
    std::sort(entries.begin(), entries.end());
    entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
    return entries;
}

std::string unescape_octal(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); i++) {
        if (text[i] == '\\' && i + 3 < text.size()) {
            const char a = text[i + 1], b = text[i + 2], c = text[i + 3];
            if (a >= '0' && a <= '3' && b >= '0' && b <= '7' && c >= '0' && c <= '7') {
                out += static_cast<char>((a - '0') * 64 + (b - '0') * 8 + (c - '0'));
                i += 3;
                continue;
            }
        }
        out += text[i];
    }
    return out;
}

std::vector<SwapEntry> parse_proc_swaps(std::string_view text, std::vector<std::string>& warnings)
{
    // MAX_SWAPFILES is 32 or less; anything beyond that is not the kernel talking.
    constexpr size_t kMaxEntries = 64;
    constexpr size_t kMaxWarnings = 8;
    std::vector<SwapEntry> out;
    size_t skipped = 0;
    const auto warn = [&](unsigned line, const std::string& what) {
        if (skipped++ < kMaxWarnings)
            warnings.push_back("/proc/swaps line " + std::to_string(line) + ": " + what + ", ignored");
    };
    unsigned lineno = 0;
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t nl = text.find('\n', pos);
        const std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        lineno++;
        if (lineno == 1 && line.starts_with("Filename"))
            continue;
        std::vector<std::string_view> fields;
        size_t i = 0;
        while (i < line.size() && fields.size() <= 5) {
            while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
                i++;
            size_t j = i;
            while (j < line.size() && line[j] != ' ' && line[j] != '\t')
                j++;
            if (j > i)
                fields.push_back(line.substr(i, j - i));
            i = j;
        }
        if (fields.empty())
            continue;
        if (fields.size() != 5) {
            warn(lineno, fields.size() < 5 ? "too few fields" : "too many fields");
            continue;
        }
        SwapEntry e;
        e.line = lineno;
        e.path = unescape_octal(fields[0]);
        e.type_text = std::string(fields[1]);
        e.type = fields[1] == "partition" ? SwapType::Partition : fields[1] == "file" ? SwapType::File : SwapType::Other;
        const auto size = parse_digits(fields[2]);
        const auto used = parse_digits(fields[3]);
        const auto prio = parse_int(fields[4]);
        if (!size || !used || !prio) {
            warn(lineno, "size, used or priority is not a number");
            continue;
        }
        if (e.path.empty() || e.path.find('\0') != std::string::npos) {
            warn(lineno, "bad file name");
            continue;
        }
        e.size_kib = *size;
        e.used_kib = *used;
        e.priority = *prio;
        // d_path() appends this to an unlinked file; the kernel escapes its blank.
        e.deleted = e.path.ends_with(" (deleted)");
        if (out.size() == kMaxEntries) {
            warn(lineno, "more than " + std::to_string(kMaxEntries) + " swaps");
            continue;
        }
        out.push_back(std::move(e));
    }
    if (skipped > kMaxWarnings)
        warnings.push_back("/proc/swaps: " + std::to_string(skipped - kMaxWarnings) + " more malformed lines ignored");
    return out;
}

std::optional<uint64_t> parse_meminfo_kib(std::string_view text, std::string_view key)
{
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t nl = text.find('\n', pos);
        std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        if (!line.starts_with(key) || line.size() <= key.size() || line[key.size()] != ':')
            continue;
        line.remove_prefix(key.size() + 1);
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
            line.remove_prefix(1);
        if (line.ends_with(" kB"))
            line.remove_suffix(3);
        return parse_digits(line);
    }
    return std::nullopt;
}

DmUuid parse_dm_uuid(std::string_view uuid)
{
    DmUuid out;
    if (!uuid.starts_with("CRYPT-"))
        return out;
    uuid.remove_prefix(6);
    const size_t dash = uuid.find('-');
    const std::string_view type = uuid.substr(0, dash);
    if (type.empty() ||
        !std::all_of(type.begin(), type.end(), [](char c) { return (c >= 'A' && c <= 'Z') || is_digit(c); }))
        return out;
    out.cryptsetup = true;
    out.type = std::string(type);
    if (dash == std::string_view::npos)
        return out;
    std::string_view rest = uuid.substr(dash + 1);
    // A header uuid is 32 hex digits (the dashes removed) and then a dash.
    if (rest.size() > 33 && rest[32] == '-' && std::all_of(rest.begin(), rest.begin() + 32, is_hex)) {
        out.header_uuid = lower(rest.substr(0, 32));
        rest.remove_prefix(33);
    }
    out.name = std::string(rest);
    return out;
}

} // namespace ldb
