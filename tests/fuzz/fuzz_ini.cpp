// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzzes the INI parser and the [Lockdown] interpretation of its entries.
// Only ldb::Error is an acceptable failure; any other exception escapes and
// crashes, as do sanitizer findings and the invariants checked below.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "base/error.hpp"
#include "fuzz_common.hpp"
#include "base/ini.hpp"

namespace {

constexpr const char* kTarget = "fuzz_ini";

void check_entries(std::string_view text, const std::string& file, const std::vector<ldb::IniEntry>& entries)
{
    const auto lines = static_cast<unsigned>(std::count(text.begin(), text.end(), '\n') + 1);
    unsigned prev = 0;
    for (const auto& e : entries) {
        const std::string where = "entry at line " + std::to_string(e.line) + " (" + e.key + ")";
        if (e.file != file)
            ldb_fuzz::fail(kTarget, where + ": file is '" + e.file + "'");
        if (e.line == 0 || e.line > lines)
            ldb_fuzz::fail(kTarget, where + ": line outside 1.." + std::to_string(lines));
        if (e.line <= prev)
            ldb_fuzz::fail(kTarget, where + ": lines not increasing");
        prev = e.line;
        if (!ldb_fuzz::valid_name(e.section))
            ldb_fuzz::fail(kTarget, where + ": invalid section name '" + e.section + "'");
        if (!ldb_fuzz::valid_name(e.key))
            ldb_fuzz::fail(kTarget, where + ": invalid key name");
        if (e.value.size() > 2 * ldb::kIniMaxLine)
            ldb_fuzz::fail(kTarget, where + ": value of " + std::to_string(e.value.size()) + " bytes");
        if (!e.value.empty()) {
            const auto edge = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
            if (edge(e.value.front()) || edge(e.value.back()))
                ldb_fuzz::fail(kTarget, where + ": value not trimmed");
        }
        for (char c : e.value)
            if ((static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
                ldb_fuzz::fail(kTarget, where + ": control character in value");
    }
}

// An independent model of apply_entries() for entries that it accepted.
void check_config(const std::vector<ldb::IniEntry>& entries, const ldb::Config& cfg)
{
    ldb::Mode mode = ldb::Mode::Integrity;
    std::optional<unsigned> mode_line;
    std::vector<std::pair<std::string, ldb::Action>> expected;
    bool protect = true;
    for (const auto& e : entries) {
        if (e.key == "ProtectPins") {
            protect = *ldb::parse_bool(e.value);
            continue;
        }
        if (e.key == "Mode") {
            mode = *ldb::parse_mode(e.value);
            mode_line = e.line;
            continue;
        }
        const ldb::Action a = e.key == "Deny" ? ldb::Action::Deny
                              : e.key == "Allow" ? ldb::Action::Allow
                                                 : ldb::Action::Audit;
        std::vector<std::string> words;
        std::string w;
        for (char c : e.value + " ") {
            if (c == ' ' || c == '\t') {
                if (!w.empty())
                    words.push_back(w);
                w.clear();
            } else {
                w.push_back(c);
            }
        }
        if (words.empty())
            std::erase_if(expected, [&](const auto& p) { return p.second == a; });
        for (auto& x : words)
            expected.emplace_back(x, a);
    }
    if (cfg.protect_pins != protect)
        ldb_fuzz::fail(kTarget, "ProtectPins does not follow the last ProtectPins= line");
    if (cfg.mode != mode)
        ldb_fuzz::fail(kTarget, "Mode is " + ldb::to_string(cfg.mode) + ", expected " + ldb::to_string(mode));
    if (cfg.mode_set_at.has_value() != mode_line.has_value() ||
        (mode_line && cfg.mode_set_at->line != *mode_line))
        ldb_fuzz::fail(kTarget, "mode_set_at does not name the last Mode= line");
    if (cfg.assignments.size() != expected.size())
        ldb_fuzz::fail(kTarget, std::to_string(cfg.assignments.size()) + " assignments, expected " +
                                    std::to_string(expected.size()));
    for (size_t i = 0; i < expected.size(); i++) {
        const auto& a = cfg.assignments[i];
        if (a.reason != expected[i].first || a.action != expected[i].second)
            ldb_fuzz::fail(kTarget, "assignment " + std::to_string(i) + " is " + ldb::to_string(a.action) + ":" +
                                        a.reason + ", expected " + ldb::to_string(expected[i].second) + ":" +
                                        expected[i].first);
        if (a.reason.empty() || a.reason.find_first_of(" \t") != std::string::npos)
            ldb_fuzz::fail(kTarget, "assignment with an empty or blank-containing reason");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const std::string file = "fuzz.conf";

    std::vector<ldb::IniEntry> entries;
    try {
        entries = ldb::parse_ini(text, file);
    } catch (const ldb::Error& e) {
        ldb_fuzz::check_config_error(kTarget, e, file);
        return 0;
    }
    check_entries(text, file, entries);

    ldb::Config cfg;
    try {
        ldb::apply_entries(cfg, entries);
    } catch (const ldb::Error& e) {
        ldb_fuzz::check_config_error(kTarget, e, file);
        return 0;
    }
    check_config(entries, cfg);
    return 0;
}
