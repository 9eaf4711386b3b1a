// SPDX-License-Identifier: LGPL-2.1-or-later
#include "exceptions/standing_rules.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "base/error.hpp"
#include "base/files.hpp"
#include "base/ini.hpp"
#include "exceptions/checks.hpp"

namespace fs = std::filesystem;

namespace ldb {

StandingRule parse_standing_rule(const std::string& text, const std::string& file, const ReasonCatalog& catalog)
{
    StandingRule r;
    r.file = file;
    unsigned reasons_line = 0;
    for (const auto& e : parse_ini(text, file)) {
        if (e.section != "Exception")
            throw Error(ErrorKind::Config, at(e.file, e.line, "unknown section [" + e.section + "]"),
                        "an exceptions.d file has one [Exception] section");
        if (e.key == "Unit") {
            if (!is_valid_unit_name(e.value))
                throw Error(ErrorKind::Config, at(e.file, e.line, "'" + e.value + "' is not a unit name"));
            if (!r.unit.empty())
                throw Error(ErrorKind::Config, at(e.file, e.line, "Unit= given twice"),
                            "use one file per unit");
            r.unit = e.value;
        } else if (e.key == "Reasons") {
            reasons_line = e.line;
            for (const auto& name : split_words(e.value)) {
                if (!catalog.find(name))
                    throw Error(ErrorKind::Config, at(e.file, e.line, "unknown lockdown reason '" + name + "'"),
                                "lockdownctl reasons lists the reasons of this kernel");
                if (std::find(r.reasons.begin(), r.reasons.end(), name) == r.reasons.end())
                    r.reasons.push_back(name);
            }
        } else {
            throw Error(ErrorKind::Config, at(e.file, e.line, "unknown key '" + e.key + "' in [Exception]"),
                        "known keys: Unit=, Reasons=");
        }
    }
    if (r.unit.empty())
        throw Error(ErrorKind::Config, file + ": no Unit=");
    if (r.reasons.empty())
        throw Error(ErrorKind::Config, reasons_line ? at(file, reasons_line, "Reasons= is empty") : file + ": no Reasons=");
    return r;
}

std::vector<StandingRule> load_standing_rules(const std::string& dir, const ReasonCatalog& catalog,
                                              std::vector<std::string>& bad)
{
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
        if (entry.path().extension() == ".conf")
            files.push_back(entry.path().string());
    if (ec && ec != std::errc::no_such_file_or_directory)
        bad.push_back(dir + ": " + ec.message());
    std::sort(files.begin(), files.end());
    std::vector<StandingRule> out;
    std::set<std::string> units;
    for (const auto& f : files) {
        try {
            const std::string text = read_file(f, {.max_bytes = kIniMaxBytes, .regular_only = true});
            StandingRule r = parse_standing_rule(text, f, catalog);
            if (!units.insert(r.unit).second)
                throw Error(ErrorKind::Config, f + ": another file already has Unit=" + r.unit);
            out.push_back(std::move(r));
        } catch (const Error& e) {
            bad.push_back(e.what());
        }
    }
    return out;
}

} // namespace ldb
