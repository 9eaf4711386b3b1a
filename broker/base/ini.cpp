// SPDX-License-Identifier: LGPL-2.1-or-later
#include "base/ini.hpp"
#include "base/files.hpp"

#include <cerrno>
#include <optional>
#include <fcntl.h>
#include <sys/stat.h>

#include "base/error.hpp"
#include "base/i18n.hpp"
#include "base/text.hpp"
#include "base/unique_fd.hpp"

namespace ldb {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s)
{
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

bool valid_name(std::string_view s)
{
    if (s.empty())
        return false;
    for (char c : s) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                        c == '-' || c == '_' || c == '.';
        if (!ok)
            return false;
    }
    return true;
}

} // namespace

std::string at(const std::string& file, unsigned line, const std::string& message)
{
    return file + ":" + std::to_string(line) + ": " + message;
}

namespace {

// Physical lines; a final newline does not start another line.
std::vector<std::string_view> split_lines(std::string_view text)
{
    std::vector<std::string_view> lines;
    for (size_t pos = 0; pos < text.size();) {
        const size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) {
            lines.push_back(text.substr(pos));
            break;
        }
        lines.push_back(text.substr(pos, nl - pos));
        pos = nl + 1;
    }
    return lines;
}

// One physical line without its CR (CRLF files); refused when too long or
// when it holds a control character other than tab.
std::string_view checked_line(std::string_view raw, const std::string& file, unsigned lineno)
{
    if (raw.size() > kIniMaxLine)
        throw Error(ErrorKind::Config, at(file, lineno, fill(_("line longer than %s bytes"), {std::to_string(kIniMaxLine)})));
    if (!raw.empty() && raw.back() == '\r')
        raw.remove_suffix(1);
    for (char c : raw)
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
            throw Error(ErrorKind::Config, at(file, lineno, _("control character in line")));
    return raw;
}

// Joins physical lines that end in a backslash into one logical line.
class Continuation {
public:
    explicit Continuation(const std::string& file) : file_(file) {}

    struct Logical {
        std::string text;
        unsigned line; // where it started
    };
    // Takes one trimmed physical line; returns the logical line it completes,
    // or nullopt while a continuation goes on, and for a blank line or a
    // comment (inside a continuation a comment is skipped, as in systemd).
    std::optional<Logical> add(std::string_view line, unsigned lineno)
    {
        const bool comment = !line.empty() && (line.front() == '#' || line.front() == ';');
        if (comment || (line.empty() && pending_line_ == 0))
            return std::nullopt;
        if (pending_.size() + line.size() > kIniMaxLine)
            throw Error(ErrorKind::Config, at(file_, pending_line_ ? pending_line_ : lineno,
                                              fill(_("continued line longer than %s bytes"),
                                                   {std::to_string(kIniMaxLine)})));
        if (!line.empty() && line.back() == '\\') {
            if (pending_line_ == 0)
                pending_line_ = lineno;
            line.remove_suffix(1);
            pending_.append(line);
            pending_.push_back(' ');
            return std::nullopt;
        }
        Logical out{pending_ + std::string(line), pending_line_ ? pending_line_ : lineno};
        pending_.clear();
        pending_line_ = 0;
        return out;
    }
    // Throws when the text ended inside a continued line.
    void finish() const
    {
        if (pending_line_ != 0)
            throw Error(ErrorKind::Config, at(file_, pending_line_, _("file ends inside a continued line")));
    }

private:
    const std::string& file_;
    std::string pending_;      // a logical line being continued
    unsigned pending_line_ = 0; // where it started, 0: none
};

// One non-blank logical line: a [Section] header, which becomes `section`,
// or a Key=Value entry in it, appended to `out`.
void parse_logical(std::string_view l, const std::string& file, unsigned where, std::string& section,
                   std::vector<IniEntry>& out)
{
    if (l.front() == '[') {
        if (l.size() < 2 || l.back() != ']')
            throw Error(ErrorKind::Config, at(file, where, _("section header without closing ']'")));
        std::string_view name = l.substr(1, l.size() - 2);
        if (!valid_name(name))
            throw Error(ErrorKind::Config, at(file, where, fill(_("invalid section name '%s'"), {name})));
        section = std::string(name);
        return;
    }
    const size_t eq = l.find('=');
    if (eq == std::string_view::npos)
        throw Error(ErrorKind::Config, at(file, where, fill(_("expected Key=Value or [Section], got '%s'"), {l})));
    std::string_view key = trim(l.substr(0, eq));
    if (!valid_name(key))
        throw Error(ErrorKind::Config, at(file, where, fill(_("invalid key name '%s'"), {key})));
    if (section.empty())
        throw Error(ErrorKind::Config, at(file, where, fill(_("'%s=' before any [Section] header"), {key})));
    out.push_back(IniEntry{section, std::string(key), std::string(trim(l.substr(eq + 1))), file, where});
}

} // namespace

std::vector<IniEntry> parse_ini(std::string_view text, const std::string& file)
{
    if (text.size() > kIniMaxBytes)
        throw Error(ErrorKind::Config, file + ": " + fill(_("file is larger than %s bytes"), {std::to_string(kIniMaxBytes)}));
    const std::vector<std::string_view> lines = split_lines(text);
    std::vector<IniEntry> out;
    std::string section;
    Continuation joined(file);
    for (size_t i = 0; i < lines.size(); i++) {
        const unsigned lineno = static_cast<unsigned>(i + 1);
        const auto logical = joined.add(trim(checked_line(lines[i], file, lineno)), lineno);
        if (!logical)
            continue;
        const std::string_view l = trim(logical->text);
        if (!l.empty())
            parse_logical(l, file, logical->line, section, out);
    }
    joined.finish();
    return out;
}

std::vector<IniEntry> parse_ini_file(const std::string& path)
{
    return parse_ini(read_file(path, {.max_bytes = kIniMaxBytes, .regular_only = true}), path);
}

std::vector<std::string> split_words(std::string_view v)
{
    std::vector<std::string> out;
    for (const auto w : words_of(v))
        out.emplace_back(w);
    return out;
}

} // namespace ldb
