// SPDX-License-Identifier: LGPL-2.1-or-later
#include "config/reload_scope.hpp"

namespace ldb {

Config with_policy_of(const Config& running, const Config& next)
{
    Config out = running;
    out.mode = next.mode;
    out.mode_set_at = next.mode_set_at;
    out.assignments = next.assignments;
    out.files = next.files;
    return out;
}

std::vector<std::string> settings_waiting(const Config& running, const Config& next)
{
    constexpr const char* kBoot = " (at the next boot)";
    constexpr const char* kRestart = " (when lockdown-broker restarts)";
    std::vector<std::string> out;
    const auto note = [&out](bool changed, const char* key, const char* until) {
        if (changed)
            out.push_back(std::string(key) + until);
    };
    note(running.protect_pins != next.protect_pins, "ProtectPins=", kBoot);
    note(running.exceptions.max_seconds != next.exceptions.max_seconds, "[Exceptions] MaxSeconds=", kRestart);
    note(running.exceptions.lease_seconds != next.exceptions.lease_seconds, "[Exceptions] LeaseSeconds=", kRestart);
    note(running.hibernation.require_authenticated_image != next.hibernation.require_authenticated_image,
         "[Hibernation] RequireAuthenticatedImage=", kRestart);
    note(running.dyndbg.max_duration_seconds != next.dyndbg.max_duration_seconds, "[DynamicDebug] MaxDuration=",
         kRestart);
    note(running.dyndbg.allow_global_queries != next.dyndbg.allow_global_queries,
         "[DynamicDebug] AllowGlobalQueries=", kRestart);
    return out;
}

} // namespace ldb
