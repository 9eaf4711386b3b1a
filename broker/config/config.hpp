// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// broker.conf: where the files are, in which order they apply, and what the
// [Lockdown] section says. Reason names are kept as text with their location
// here; policy.cpp checks them against the running kernel's catalogue.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/ini.hpp"

namespace ldb {

enum class Mode { None, Integrity, Confidentiality };
enum class Action : unsigned char { Deny = 0, Allow = 1, Audit = 2 }; // == enum ld_action

std::string to_string(Mode m);
std::string to_string(Action a);
std::optional<Mode> parse_mode(std::string_view s);
// systemd booleans: yes/no, true/false, on/off, 1/0.
std::optional<bool> parse_bool(std::string_view s);

struct Located {
    std::string file;
    unsigned line = 0;
};

struct ReasonAssignment {
    std::string reason; // as written
    Action action = Action::Deny;
    Located where;
};

// [Exceptions]: limits for exceptions granted by the D-Bus broker.
inline constexpr uint64_t kMaxSecondsCeiling = 7 * 24 * 3600;
struct ExceptionLimits {
    uint64_t max_seconds = 8 * 3600; // MaxSeconds=: longest exception anyone may ask for
    uint64_t lease_seconds = 60;     // LeaseSeconds=: kernel-side lease, renewed while valid
};

inline constexpr uint64_t kHookTimeoutCeiling = 24 * 3600;
struct HibernationSettings {
    // RequireAuthenticatedImage=: refuse encrypted swap that is not also
    // authenticated (no: accept it as a weaker tier, and say so).
    bool require_authenticated_image = true;
    // HookTimeoutSec=: how long lockdown-hibernate waits for the
    // system-sleep hooks before it kills them (systemd-sleep's 90 s). Read
    // by lockdown-hibernate at each hibernation, not by the broker.
    uint64_t hook_timeout_seconds = 90;
};

// [DynamicDebug]: changes made through SetDebug. The one set of dynamic
// debug limits: dyndbg/ applies them as they are.
inline constexpr uint64_t kDyndbgMaxDurationCeiling = 7 * 24 * 3600;
struct DyndbgLimits {
    uint64_t max_duration_seconds = 8 * 3600; // MaxDuration=: a change is put back this long after it was made
    bool allow_global_queries = false;         // AllowGlobalQueries=: queries that name no module, file, func or class
    size_t max_changes_per_session = 32;       // not configurable
};

struct Config {
    Mode mode = Mode::Integrity; // built-in default when no file sets Mode=
    std::optional<Located> mode_set_at;
    std::vector<ReasonAssignment> assignments; // in application order
    bool protect_pins = true;                  // ProtectPins=: seal the BPF pins (takes effect when first attached)
    ExceptionLimits exceptions;
    HibernationSettings hibernation;
    DyndbgLimits dyndbg;
    std::vector<std::string> files;            // files read, in order
};

// The directories searched, highest priority first. Tests point these at a
// temporary tree.
struct ConfigPaths {
    std::vector<std::string> dirs = {"/etc/lockdown-broker", "/run/lockdown-broker",
                                     "/usr/lib/lockdown-broker"};
    std::string name = "broker.conf";
};

// Applies one parsed file's entries on top of `cfg`. Throws on unknown
// sections, keys or Mode values, naming file and line.
void apply_entries(Config& cfg, const std::vector<IniEntry>& entries);

// The files that make up the configuration, in application order: the main
// file (first found in dirs) and then the drop-ins <name>.d/*.conf, sorted by
// file name, a name in a higher-priority dir masking the same name below.
std::vector<std::string> config_files(const ConfigPaths& paths);

// Reads everything. Either returns a complete Config or throws: nothing is
// half-applied.
Config load_config(const ConfigPaths& paths = {});
// --config FILE: only that file.
Config load_config_file(const std::string& path);

} // namespace ldb
