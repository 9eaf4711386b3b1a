// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzzes the swap lines of /etc/fstab (parse_fstab_swaps) and the /dev path
// a source spec names (fstab_spec_path), as lockdown-hibernate's swap guard
// reads them. Neither may throw; the invariants below must hold.
//
// Input: the text of an fstab. fstab_spec_path also sees the whole input,
// each of its lines and every spec the parser returned.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hibernation/fstab_swaps.hpp"
#include "fuzz_common.hpp"

namespace {

constexpr const char* kTarget = "fuzz_fstab";

constexpr std::pair<std::string_view, std::string_view> kTags[] = {
    {"UUID=", "/dev/disk/by-uuid/"},
    {"LABEL=", "/dev/disk/by-label/"},
    {"PARTUUID=", "/dev/disk/by-partuuid/"},
    {"PARTLABEL=", "/dev/disk/by-partlabel/"},
};

std::vector<std::string_view> lines_of(std::string_view text)
{
    std::vector<std::string_view> out;
    while (!text.empty()) {
        const size_t nl = text.find('\n');
        out.push_back(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    }
    return out;
}

// The fstab(5) spelling of `path`: blanks, backslashes and control bytes as
// octal escapes. Also keeps the messages below readable.
std::string escape(std::string_view path)
{
    static constexpr char kDigits[] = "01234567";
    std::string out;
    for (char ch : path) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\\' || c < 0x20 || c == 0x7f) {
            out += '\\';
            out += kDigits[(c >> 6) & 7];
            out += kDigits[(c >> 3) & 7];
            out += kDigits[c & 7];
        } else
            out += ch;
    }
    return out;
}

std::optional<std::string> spec_path(std::string_view spec)
{
    try {
        return ldb::fstab_spec_path(spec);
    } catch (const std::exception& e) {
        ldb_fuzz::fail(kTarget, std::string("fstab_spec_path threw: ") + e.what());
    } catch (...) {
        ldb_fuzz::fail(kTarget, "fstab_spec_path threw something");
    }
}

void check_spec_path(std::string_view spec)
{
    const auto p = spec_path(spec);
    if (!p)
        return;
    const std::string where = "fstab_spec_path('" + escape(spec) + "') = '" + escape(*p) + "'";
    if (p->empty() || p->front() != '/')
        ldb_fuzz::fail(kTarget, where + ": not absolute");
    if (p->find('\0') != std::string::npos)
        ldb_fuzz::fail(kTarget, where + ": NUL in the path");
    for (const auto& [tag, dir] : kTags) {
        if (!spec.starts_with(tag))
            continue;
        if (!p->starts_with("/dev/"))
            ldb_fuzz::fail(kTarget, where + ": a tag outside /dev/");
        if (!p->starts_with(dir))
            ldb_fuzz::fail(kTarget, where + ": a tag outside " + std::string(dir));
        const std::string_view name = std::string_view(*p).substr(dir.size());
        if (name.empty() || name.find('/') != std::string_view::npos || name == "." || name == "..")
            ldb_fuzz::fail(kTarget, where + ": the tag's name leaves its directory");
        if (p->find("/../") != std::string::npos || p->ends_with("/.."))
            ldb_fuzz::fail(kTarget, where + ": a /../ component from a tag");
        return;
    }
    // An absolute path: decoding only shrinks it, changes nothing without
    // escapes, and its escaped form decodes to the same path.
    if (p->size() > spec.size())
        ldb_fuzz::fail(kTarget, where + ": decoding grew the spec");
    if (spec.find('\\') == std::string_view::npos && *p != spec)
        ldb_fuzz::fail(kTarget, where + ": changed a spec without escapes");
    const std::string again = escape(*p);
    if (spec_path(again) != p)
        ldb_fuzz::fail(kTarget, where + ": does not round-trip through '" + again + "'");
}

std::vector<ldb::FstabSwap> parse(std::string_view text, std::vector<std::string>& warnings)
{
    try {
        return ldb::parse_fstab_swaps(text, warnings);
    } catch (const std::exception& e) {
        ldb_fuzz::fail(kTarget, std::string("parse_fstab_swaps threw: ") + e.what());
    } catch (...) {
        ldb_fuzz::fail(kTarget, "parse_fstab_swaps threw something");
    }
}

void check_swaps(std::string_view text, const std::vector<std::string_view>& lines)
{
    std::vector<std::string> warnings;
    const auto swaps = parse(text, warnings);
    size_t prev = 0;
    for (const auto& s : swaps) {
        const std::string where = "swap at line " + std::to_string(s.line) + " ('" + escape(s.spec) + "')";
        if (s.line == 0 || s.line > lines.size())
            ldb_fuzz::fail(kTarget, where + ": line outside 1.." + std::to_string(lines.size()));
        if (s.line <= prev)
            ldb_fuzz::fail(kTarget, where + ": lines not increasing");
        prev = s.line;
        if (s.spec.empty() || s.spec.find_first_of(" \t\n") != std::string::npos)
            ldb_fuzz::fail(kTarget, where + ": empty spec or a blank in it");
        if (s.spec.front() == '#')
            ldb_fuzz::fail(kTarget, where + ": a comment taken for a swap");
        if (s.priority && (*s.priority < -1 || *s.priority > 32767))
            ldb_fuzz::fail(kTarget, where + ": priority " + std::to_string(*s.priority));
        if (lines[s.line - 1].find(s.spec) == std::string_view::npos)
            ldb_fuzz::fail(kTarget, where + ": the spec is not on its line");
        // Each line is parsed on its own: alone it gives the same entry.
        std::vector<std::string> w;
        const auto alone = parse(lines[s.line - 1], w);
        if (alone.size() != 1 || alone[0].spec != s.spec || alone[0].priority != s.priority ||
            alone[0].noauto != s.noauto || alone[0].line != 1 || !w.empty())
            ldb_fuzz::fail(kTarget, where + ": parsed differently on its own");
        check_spec_path(s.spec);
    }
    for (const auto& w : warnings) {
        constexpr std::string_view prefix = "/etc/fstab line ";
        if (!std::string_view(w).starts_with(prefix))
            ldb_fuzz::fail(kTarget, "warning does not name /etc/fstab: " + escape(w));
        size_t n = 0, i = prefix.size();
        while (i < w.size() && w[i] >= '0' && w[i] <= '9' && n <= lines.size())
            n = n * 10 + static_cast<size_t>(w[i++] - '0');
        if (i == prefix.size() || i >= w.size() || w[i] != ':' || n == 0 || n > lines.size())
            ldb_fuzz::fail(kTarget, "warning names no line of the input: " + escape(w));
        for (const auto& s : swaps)
            if (s.line == n)
                ldb_fuzz::fail(kTarget, "a line both warned about and taken: " + escape(w));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    const auto lines = lines_of(all);
    check_swaps(all, lines);
    check_spec_path(all);
    for (std::string_view l : lines)
        check_spec_path(l);
    return 0;
}
