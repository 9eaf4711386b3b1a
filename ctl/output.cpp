// SPDX-License-Identifier: LGPL-2.1-or-later
#include "output.hpp"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <pwd.h>
#include <sys/ioctl.h>
#include <cwchar>
#include <unistd.h>

#include "base/i18n.hpp"
#include "base/json.hpp"

namespace ldctl {

std::string format_id(uint64_t id)
{
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016" PRIx64, id);
    return buf;
}

std::optional<uint64_t> parse_id(std::string_view s)
{
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s.remove_prefix(2);
    if (s.empty() || s.size() > 16)
        return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        unsigned d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return std::nullopt;
        v = v << 4 | d;
    }
    if (v == 0)
        return std::nullopt;
    return v;
}

namespace {

struct Unit {
    std::string_view name;
    uint64_t seconds;
};

constexpr Unit units[] = {
    {"s", 1},          {"sec", 1},         {"secs", 1},       {"second", 1},
    {"seconds", 1},    {"m", 60},          {"min", 60},       {"mins", 60},
    {"minute", 60},    {"minutes", 60},    {"h", 3600},       {"hr", 3600},
    {"hrs", 3600},     {"hour", 3600},     {"hours", 3600},   {"d", 86400},
    {"day", 86400},    {"days", 86400},    {"w", 604800},     {"week", 604800},
    {"weeks", 604800},
};

bool is_space(char c) { return c == ' ' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

} // namespace

std::optional<uint64_t> parse_duration(std::string_view s, std::string& error)
{
    const std::string_view typed = s;
    const char* const expected = _("use e.g. 90s, 15min, 2h, 1h30min or a number of seconds");
    uint64_t total = 0;
    size_t i = 0;
    bool any = false;
    while (true) {
        while (i < s.size() && is_space(s[i]))
            i++;
        if (i == s.size())
            break;
        if (!is_digit(s[i])) {
            // TRANSLATORS: the first %s is what the user typed, the second says what to type.
            error = ldb::fill(_("invalid duration '%s': %s"), {typed, expected});
            return std::nullopt;
        }
        uint64_t n = 0;
        while (i < s.size() && is_digit(s[i])) {
            const unsigned d = s[i++] - '0';
            if (n > (UINT64_MAX - d) / 10) {
                error = ldb::fill(_("duration '%s' is too long"), {typed});
                return std::nullopt;
            }
            n = n * 10 + d;
        }
        if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
            error = ldb::fill(_("invalid duration '%s': use whole numbers, e.g. 1h30min instead of 1.5h"), {typed});
            return std::nullopt;
        }
        while (i < s.size() && is_space(s[i]))
            i++;
        size_t start = i;
        while (i < s.size() && is_alpha(s[i]))
            i++;
        const std::string_view name = s.substr(start, i - start);
        uint64_t mult = 0;
        if (name.empty()) {
            mult = 1;
        } else {
            for (const auto& u : units)
                if (u.name == name)
                    mult = u.seconds;
        }
        if (mult == 0) {
            error = ldb::fill(_("invalid duration '%s': unknown unit '%s' (known: s, min, h, d, w; durations are "
                                "whole seconds)"),
                              {typed, name});
            return std::nullopt;
        }
        if (n > UINT64_MAX / mult || total > UINT64_MAX - n * mult) {
            error = ldb::fill(_("duration '%s' is too long"), {typed});
            return std::nullopt;
        }
        total += n * mult;
        any = true;
    }
    if (!any) {
        error = ldb::fill(_("invalid duration '%s': %s"), {typed, expected});
        return std::nullopt;
    }
    if (total == 0) {
        error = ldb::fill(_("invalid duration '%s': it must be longer than zero"), {typed});
        return std::nullopt;
    }
    return total;
}

std::string format_duration(uint64_t sec)
{
    auto two = [](uint64_t a, const char* ua, uint64_t b, const char* ub) {
        std::string out = std::to_string(a) + ua;
        if (b)
            out += " " + std::to_string(b) + ub;
        return out;
    };
    if (sec < 60)
        return std::to_string(sec) + "s";
    if (sec < 3600)
        return std::to_string(sec / 60) + "min";
    if (sec < 86400)
        return two(sec / 3600, "h", sec % 3600 / 60, "min");
    return two(sec / 86400, "d", sec % 86400 / 3600, "h");
}

uint64_t realtime_now_usec()
{
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return uint64_t(ts.tv_sec) * 1000000 + uint64_t(ts.tv_nsec) / 1000;
}

std::string format_expiry(uint64_t expires_usec, uint64_t now_usec)
{
    if (expires_usec == 0)
        return _("never");
    if (expires_usec <= now_usec)
        return _("expired");
    // TRANSLATORS: %s is a duration as "9min" or "1h 30min".
    return ldb::fill(_("%s left"), {format_duration((expires_usec - now_usec) / 1000000)});
}

namespace {

std::string format_time(uint64_t realtime_usec, bool utc)
{
    const time_t t = time_t(realtime_usec / 1000000);
    tm parts{};
    if (!(utc ? gmtime_r(&t, &parts) : localtime_r(&t, &parts)))
        return std::to_string(realtime_usec / 1000000);
    char buf[64];
    std::strftime(buf, sizeof(buf), utc ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S", &parts);
    return buf;
}

} // namespace

std::string format_utc(uint64_t realtime_usec)
{
    return realtime_usec ? format_time(realtime_usec, true) : std::string();
}

std::string format_local(uint64_t realtime_usec) { return format_time(realtime_usec, false); }

std::string user_name(uint32_t uid)
{
    passwd pw{};
    passwd* found = nullptr;
    std::vector<char> buf(4096);
    while (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == ERANGE && buf.size() < (1u << 20))
        buf.resize(buf.size() * 2);
    return found ? std::string(found->pw_name) : std::to_string(uid);
}

std::string join(const std::vector<std::string>& v, std::string_view sep)
{
    std::string out;
    for (size_t i = 0; i < v.size(); i++) {
        if (i)
            out += sep;
        out += v[i];
    }
    return out;
}

std::string json_array(const std::vector<std::string>& v)
{
    std::string out = "[";
    for (size_t i = 0; i < v.size(); i++) {
        if (i)
            out += ",";
        out += ldb::json_str(v[i]);
    }
    return out + "]";
}

unsigned output_width()
{
    if (!isatty(STDOUT_FILENO))
        return 0;
    winsize ws{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    if (const char* c = std::getenv("COLUMNS")) {
        const long n = std::strtol(c, nullptr, 10);
        if (n > 0 && n < 10000)
            return unsigned(n);
    }
    return 80;
}

namespace {

// Walks `s` one character at a time in the locale's encoding (UTF-8 under
// a UTF-8 locale, single bytes under C); a byte that does not decode is one
// column. Calls f(byte offset, character length, columns) for each.
template <typename F>
void each_char(std::string_view s, F f)
{
    std::mbstate_t st{};
    size_t i = 0;
    while (i < s.size()) {
        wchar_t wc;
        size_t n = std::mbrtowc(&wc, s.data() + i, s.size() - i, &st);
        int cols = 1;
        if (n == size_t(-1) || n == size_t(-2) || n == 0) {
            n = 1;
            st = {};
        } else if (const int w = ::wcwidth(wc); w >= 0) {
            cols = w;
        }
        if (!f(i, n, size_t(cols)))
            return;
        i += n;
    }
}

} // namespace

size_t display_width(std::string_view s)
{
    size_t w = 0;
    each_char(s, [&](size_t, size_t, size_t cols) {
        w += cols;
        return true;
    });
    return w;
}

std::string fit_width(std::string_view s, size_t width)
{
    if (display_width(s) <= width)
        return std::string(s);
    const size_t room = width > 3 ? width - 3 : 0;
    size_t used = 0, end = 0;
    each_char(s, [&](size_t at, size_t len, size_t cols) {
        if (used + cols > room)
            return false;
        used += cols;
        end = at + len;
        return true;
    });
    return std::string(s.substr(0, end)) + std::string(std::min<size_t>(width, 3), '.');
}

Table::Table(std::vector<Column> columns) : cols_(std::move(columns)) {}

void Table::add_row(std::vector<std::string> cells)
{
    cells.resize(cols_.size());
    rows_.push_back(std::move(cells));
}

void Table::print(bool show_header) const
{
    constexpr size_t gap = 2, min_width = 10;
    std::vector<size_t> w(cols_.size());
    for (size_t c = 0; c < cols_.size(); c++) {
        w[c] = show_header ? display_width(cols_[c].header) : 0;
        for (const auto& r : rows_)
            w[c] = std::max(w[c], display_width(r[c]));
    }
    if (const unsigned limit = output_width()) {
        auto total = [&] {
            size_t t = gap * (w.size() - 1);
            for (size_t x : w)
                t += x;
            return t;
        };
        // Take one character at a time from the widest shrinkable column.
        while (total() > limit) {
            size_t widest = w.size();
            for (size_t c = 0; c < w.size(); c++)
                if (cols_[c].shrink && w[c] > min_width && (widest == w.size() || w[c] > w[widest]))
                    widest = c;
            if (widest == w.size())
                break;
            w[widest]--;
        }
    }
    auto line = [&](const std::vector<std::string>& cells) {
        std::string out;
        for (size_t c = 0; c < cells.size(); c++) {
            const std::string cell = fit_width(cells[c], w[c]);
            out += cell;
            if (c + 1 < cells.size())
                out.append(w[c] - display_width(cell) + gap, ' ');
        }
        std::puts(out.c_str());
    };
    if (show_header) {
        std::vector<std::string> h;
        for (const auto& c : cols_)
            h.push_back(c.header);
        line(h);
    }
    for (const auto& r : rows_)
        line(r);
}

} // namespace ldctl
