// SPDX-License-Identifier: LGPL-2.1-or-later
#include "config/config.hpp"

#include <charconv>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sys/stat.h>

#include "base/error.hpp"
#include "base/i18n.hpp"

namespace fs = std::filesystem;

namespace ldb {

std::string to_string(Mode m)
{
    switch (m) {
    case Mode::None:
        return "none";
    case Mode::Integrity:
        return "integrity";
    case Mode::Confidentiality:
        return "confidentiality";
    }
    return "?";
}

std::string to_string(Action a)
{
    switch (a) {
    case Action::Deny:
        return "deny";
    case Action::Allow:
        return "allow";
    case Action::Audit:
        return "audit";
    }
    return "?";
}

std::optional<Mode> parse_mode(std::string_view s)
{
    if (s == "none")
        return Mode::None;
    if (s == "integrity")
        return Mode::Integrity;
    if (s == "confidentiality")
        return Mode::Confidentiality;
    return std::nullopt;
}

std::optional<bool> parse_bool(std::string_view s)
{
    if (s == "yes" || s == "true" || s == "on" || s == "1")
        return true;
    if (s == "no" || s == "false" || s == "off" || s == "0")
        return false;
    return std::nullopt;
}

namespace {

bool is_regular(const fs::path& p)
{
    struct stat st{};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// A whole number of seconds in [1, kMaxSecondsCeiling].
uint64_t parse_seconds(const IniEntry& e)
{
    uint64_t v = 0;
    const auto* end = e.value.data() + e.value.size();
    const auto [p, ec] = std::from_chars(e.value.data(), end, v);
    if (e.value.empty() || ec != std::errc{} || p != end || v == 0 || v > kMaxSecondsCeiling)
        throw Error(ErrorKind::Config,
                    at(e.file, e.line, fill(_("invalid %s '%s'"), {e.key, e.value})),
                    fill(_("use a whole number of seconds from 1 to %s"), {std::to_string(kMaxSecondsCeiling)}));
    return v;
}

void apply_exceptions_entry(Config& cfg, const IniEntry& e)
{
    if (e.key == "MaxSeconds")
        cfg.exceptions.max_seconds = parse_seconds(e);
    else if (e.key == "LeaseSeconds")
        cfg.exceptions.lease_seconds = parse_seconds(e);
    else
        throw Error(ErrorKind::Config, at(e.file, e.line, fill(_("unknown key '%s' in [%s]"), {e.key, "Exceptions"})),
                    fill(_("known keys: %s"), {"MaxSeconds=, LeaseSeconds="}));
}

// A systemd-style time span: "3600", "90s", "15min", "8h", "1h 30min", "2d".
uint64_t parse_timespan(const IniEntry& e, uint64_t ceiling)
{
    const auto fail = [&]() -> uint64_t {
        throw Error(ErrorKind::Config, at(e.file, e.line, fill(_("invalid %s '%s'"), {e.key, e.value})),
                    fill(_("use a duration from 1s to %sd, e.g. 8h or 1h 30min"), {std::to_string(ceiling / 86400)}));
    };
    const std::string& v = e.value;
    uint64_t total = 0;
    size_t i = 0;
    bool any = false;
    while (i < v.size()) {
        while (i < v.size() && v[i] == ' ')
            i++;
        if (i == v.size())
            break;
        uint64_t n = 0;
        const size_t start = i;
        while (i < v.size() && v[i] >= '0' && v[i] <= '9') {
            n = n * 10 + static_cast<uint64_t>(v[i] - '0');
            if (n > ceiling)
                return fail();
            i++;
        }
        if (i == start)
            return fail();
        const size_t ustart = i;
        while (i < v.size() && v[i] >= 'a' && v[i] <= 'z')
            i++;
        const std::string unit = v.substr(ustart, i - ustart);
        uint64_t mult;
        if (unit.empty() || unit == "s" || unit == "sec")
            mult = 1;
        else if (unit == "min" || unit == "m")
            mult = 60;
        else if (unit == "h")
            mult = 3600;
        else if (unit == "d")
            mult = 86400;
        else
            return fail();
        total += n * mult;
        if (total > ceiling)
            return fail();
        any = true;
    }
    if (!any || total == 0)
        return fail();
    return total;
}

void apply_hibernation_entry(Config& cfg, const IniEntry& e)
{
    if (e.key == "HookTimeoutSec") {
        cfg.hibernation.hook_timeout_seconds = parse_timespan(e, kHookTimeoutCeiling);
        return;
    }
    if (e.key != "RequireAuthenticatedImage")
        throw Error(ErrorKind::Config, at(e.file, e.line, fill(_("unknown key '%s' in [%s]"), {e.key, "Hibernation"})),
                    fill(_("known keys: %s"), {"RequireAuthenticatedImage=, HookTimeoutSec="}));
    const auto b = parse_bool(e.value);
    if (!b)
        throw Error(ErrorKind::Config, at(e.file, e.line, fill(_("invalid %s '%s'"), {e.key, e.value})),
                    _("use yes or no"));
    cfg.hibernation.require_authenticated_image = *b;
}

void apply_dynamic_debug_entry(Config& cfg, const IniEntry& e)
{
    if (e.key == "MaxDuration") {
        cfg.dyndbg.max_duration_seconds = parse_timespan(e, kDyndbgMaxDurationCeiling);
    } else if (e.key == "AllowGlobalQueries") {
        const auto b = parse_bool(e.value);
        if (!b)
            throw Error(ErrorKind::Config, at(e.file, e.line, fill(_("invalid %s '%s'"), {e.key, e.value})),
                        _("use yes or no"));
        cfg.dyndbg.allow_global_queries = *b;
    } else {
        throw Error(ErrorKind::Config, at(e.file, e.line, fill(_("unknown key '%s' in [%s]"), {e.key, "DynamicDebug"})),
                    fill(_("known keys: %s"), {"MaxDuration=, AllowGlobalQueries="}));
    }
}

} // namespace

void apply_entries(Config& cfg, const std::vector<IniEntry>& entries)
{
    for (const auto& e : entries) {
        if (e.section == "DynamicDebug") {
            apply_dynamic_debug_entry(cfg, e);
            continue;
        }
        if (e.section == "Exceptions") {
            apply_exceptions_entry(cfg, e);
            continue;
        }
        if (e.section == "Hibernation") {
            apply_hibernation_entry(cfg, e);
            continue;
        }
        if (e.section != "Lockdown")
            throw Error(ErrorKind::Config, at(e.file, e.line, fill(_("unknown section [%s]"), {e.section})),
                        _("broker.conf has the sections [Lockdown], [Exceptions], [Hibernation] and [DynamicDebug]"));
        const Located where{e.file, e.line};
        if (e.key == "Mode") {
            auto m = parse_mode(e.value);
            if (!m)
                throw Error(ErrorKind::Config,
                            at(e.file, e.line, fill(_("invalid %s '%s'"), {e.key, e.value})),
                            fill(_("use one of: %s"), {"none, integrity, confidentiality"}));
            cfg.mode = *m;
            cfg.mode_set_at = where;
            continue;
        }
        if (e.key == "ProtectPins") {
            auto b = parse_bool(e.value);
            if (!b)
                throw Error(ErrorKind::Config, at(e.file, e.line, fill(_("invalid %s '%s'"), {e.key, e.value})),
                            _("use yes or no"));
            cfg.protect_pins = *b;
            continue;
        }
        Action action;
        if (e.key == "Deny")
            action = Action::Deny;
        else if (e.key == "Allow")
            action = Action::Allow;
        else if (e.key == "Audit")
            action = Action::Audit;
        else
            throw Error(ErrorKind::Config, at(e.file, e.line, fill(_("unknown key '%s' in [%s]"), {e.key, "Lockdown"})),
                        fill(_("known keys: %s"), {"Mode=, Deny=, Allow=, Audit=, ProtectPins="}));

        const auto words = split_words(e.value);
        if (words.empty()) {
            // An empty assignment resets the list of this key so far, as in systemd.
            std::erase_if(cfg.assignments, [&](const ReasonAssignment& a) { return a.action == action; });
            continue;
        }
        for (const auto& w : words)
            cfg.assignments.push_back(ReasonAssignment{w, action, where});
    }
}

std::vector<std::string> config_files(const ConfigPaths& paths)
{
    std::vector<std::string> out;
    for (const auto& d : paths.dirs) {
        const fs::path p = fs::path(d) / paths.name;
        std::error_code ec;
        // A main file symlinked to /dev/null masks the ones below, like a drop-in.
        if (fs::is_symlink(p, ec) && fs::read_symlink(p, ec) == "/dev/null")
            break;
        if (is_regular(p)) {
            out.push_back(p.string());
            break;
        }
    }
    std::map<std::string, std::string> dropins; // file name -> path; first (highest priority) wins
    for (const auto& d : paths.dirs) {
        const fs::path dir = fs::path(d) / (paths.name + ".d");
        std::error_code ec;
        if (!fs::is_directory(dir, ec))
            continue;
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
            const std::string fname = it->path().filename().string();
            if (fname.size() <= 5 || !fname.ends_with(".conf") || fname.front() == '.')
                continue;
            dropins.try_emplace(fname, it->path().string());
        }
        if (ec)
            throw Error(ErrorKind::Config, fill(_("reading directory %s: %s"), {dir.string(), ec.message()}));
    }
    for (const auto& [name, path] : dropins) {
        // A drop-in masked by a symlink to /dev/null (or an empty file) is skipped.
        std::error_code ec;
        if (fs::is_symlink(path, ec) && fs::read_symlink(path, ec) == "/dev/null")
            continue;
        out.push_back(path);
    }
    return out;
}

Config load_config(const ConfigPaths& paths)
{
    Config cfg;
    for (const auto& f : config_files(paths)) {
        apply_entries(cfg, parse_ini_file(f));
        cfg.files.push_back(f);
    }
    return cfg;
}

Config load_config_file(const std::string& path)
{
    Config cfg;
    apply_entries(cfg, parse_ini_file(path));
    cfg.files.push_back(path);
    return cfg;
}

} // namespace ldb
