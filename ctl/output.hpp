// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Parsing of what users type (ids, durations) and formatting of what they
// read (tables, times, JSON). No D-Bus here.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ldctl {

// Exception ids: 16 lower-case hex digits on output; on input 1 to 16 hex
// digits, with or without 0x. Returns nullopt for anything else, and for 0,
// which is never a valid id.
std::string format_id(uint64_t id);
std::optional<uint64_t> parse_id(std::string_view s);

// systemd-style durations in whole seconds: "90s", "15min", "2h",
// "1h30min", "1h 30min", "3600". Returns nullopt with `error` set for
// garbage, zero and overflow.
std::optional<uint64_t> parse_duration(std::string_view s, std::string& error);
// "1h 30min", "9min", "42s": at most two units, rounded down.
std::string format_duration(uint64_t seconds);
// What the EXPIRES column shows for a CLOCK_REALTIME usec timestamp:
// "never" for 0, "expired" once it has passed, else "9min left".
std::string format_expiry(uint64_t expires_usec, uint64_t now_usec);
uint64_t realtime_now_usec();
// "2026-11-23T10:00:00Z" (UTC); empty for 0.
std::string format_utc(uint64_t realtime_usec);
// "2026-11-23 10:00:00" in local time.
std::string format_local(uint64_t realtime_usec);

std::string user_name(uint32_t uid);
std::string join(const std::vector<std::string>& v, std::string_view sep);
std::string json_array(const std::vector<std::string>& v);

// An aligned text table. When stdout is a terminal it is fitted to the
// terminal's width by shortening the columns marked `shrink` with "...";
// a pipe gets every cell in full, so that scripts never see cut values.
class Table {
public:
    struct Column {
        std::string header;
        bool shrink = false;
    };
    explicit Table(std::vector<Column> columns);
    void add_row(std::vector<std::string> cells);
    void print(bool show_header = true) const;
    bool empty() const { return rows_.empty(); }

private:
    std::vector<Column> cols_;
    std::vector<std::vector<std::string>> rows_;
};

// Terminal columns of `s` in the locale's encoding (translated headers and
// user names may be UTF-8); fit_width cuts it to `width` columns, ending in
// "...", never inside a character.
size_t display_width(std::string_view s);
std::string fit_width(std::string_view s, size_t width);

// The width to fit output into: the terminal's when stdout is one,
// else 0 (unlimited).
unsigned output_width();

} // namespace ldctl
