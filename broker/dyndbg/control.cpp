// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dyndbg/control.hpp"

#include <deque>
#include <map>

#include "base/error.hpp"
#include "base/text.hpp"

namespace ldb::dyndbg {

namespace {

constexpr std::string_view kClassName = "\" class:";
constexpr std::string_view kClassUnknown = "\" class unknown, _id:";

[[noreturn]] void bad_line(std::string_view line, const std::string& what)
{
    throw Error(ErrorKind::Kernel, "unexpected dynamic_debug control line '" + shown_token(line) + "': " + what);
}


bool is_flags(std::string_view s)
{
    if (s.empty())
        return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'))
            return false;
    return true;
}

bool is_class_name(std::string_view s)
{
    if (s.empty())
        return false;
    for (char c : s)
        if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'))
            return false;
    return true;
}

// A decimal number without leading zeros, at most `max`.
std::optional<uint64_t> number(std::string_view s, uint64_t max)
{
    if (s.empty() || s.size() > 10 || (s.size() > 1 && s[0] == '0'))
        return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        if (!is_digit(c))
            return std::nullopt;
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (v > max)
        return std::nullopt;
    return v;
}

// The kernel's match_wildcard(): '*' any run, '?' any one character.
bool glob(std::string_view pat, std::string_view s)
{
    size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
    while (i < s.size()) {
        if (p < pat.size() && (pat[p] == '?' || pat[p] == s[i])) {
            p++;
            i++;
        } else if (p < pat.size() && pat[p] == '*') {
            star = p++;
            mark = i;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            i = ++mark;
        } else {
            return false;
        }
    }
    while (p < pat.size() && pat[p] == '*')
        p++;
    return p == pat.size();
}

std::string_view basename_of(std::string_view path)
{
    const size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// What the control file's escaping (only \t \r \n) hides.
std::string shown_format_text(std::string_view s)
{
    std::string out;
    for (size_t i = 0; i < s.size(); i++) {
        if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == 't' || s[i + 1] == 'r' || s[i + 1] == 'n')) {
            out.push_back(s[i + 1] == 't' ? '\t' : s[i + 1] == 'r' ? '\r' : '\n');
            i++;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

} // namespace

SiteKey key_of(const Callsite& c)
{
    return SiteKey{c.file, c.line, c.module, c.function, c.class_unknown ? "?" + std::to_string(c.class_id) : c.cls};
}

Callsite parse_control_line(std::string_view line)
{
    Callsite c;
    const size_t open = line.find(" [");
    if (open == std::string_view::npos)
        bad_line(line, "no ' [' before the module");
    const std::string_view where = line.substr(0, open);
    const size_t colon = where.rfind(':');
    if (colon == std::string_view::npos)
        bad_line(line, "no ':' between file and line");
    c.file = std::string(where.substr(0, colon));
    const auto ln = number(where.substr(colon + 1), UINT32_MAX);
    if (!is_word(c.file) || !ln)
        bad_line(line, "bad file or line number");
    c.line = static_cast<uint32_t>(*ln);

    const size_t close = line.find(']', open + 2);
    if (close == std::string_view::npos)
        bad_line(line, "no ']' after the module");
    c.module = std::string(line.substr(open + 2, close - open - 2));
    const size_t eq = line.find(" =", close + 1);
    if (eq == std::string_view::npos)
        bad_line(line, "no ' =' before the flags");
    c.function = std::string(line.substr(close + 1, eq - close - 1));
    if (!is_word(c.module) || c.module.find(']') != std::string::npos || !is_word(c.function))
        bad_line(line, "bad module or function name");
    const size_t sp = line.find(' ', eq + 2);
    if (sp == std::string_view::npos)
        bad_line(line, "no format after the flags");
    c.flags = std::string(line.substr(eq + 2, sp - eq - 2));
    if (!is_flags(c.flags))
        bad_line(line, "bad flags");
    if (sp + 1 >= line.size() || line[sp + 1] != '"')
        bad_line(line, "the format does not start with '\"'");

    const std::string_view rest = line.substr(sp + 2);
    if (!rest.empty() && rest.back() == '"') {
        c.format = std::string(rest.substr(0, rest.size() - 1));
        return c;
    }
    if (const size_t k = rest.rfind(kClassName); k != std::string_view::npos) {
        const std::string_view name = rest.substr(k + kClassName.size());
        if (is_class_name(name)) {
            c.format = std::string(rest.substr(0, k));
            c.cls = std::string(name);
            return c;
        }
    }
    if (const size_t k = rest.rfind(kClassUnknown); k != std::string_view::npos) {
        if (const auto id = number(rest.substr(k + kClassUnknown.size()), 1u << 20)) {
            c.format = std::string(rest.substr(0, k));
            c.class_unknown = true;
            c.class_id = static_cast<int>(*id);
            return c;
        }
    }
    bad_line(line, "the format does not end with '\"'");
}

std::vector<Callsite> parse_control(std::string_view text, std::vector<std::string>* bad)
{
    if (text.size() > kMaxControlBytes)
        throw Error(ErrorKind::Kernel, "the dynamic_debug control file is larger than " +
                                           std::to_string(kMaxControlBytes) + " bytes");
    std::vector<Callsite> out;
    for (const std::string_view line : lines_of(text)) {
        if (line.empty() || line[0] == '#')
            continue;
        try {
            out.push_back(parse_control_line(line));
        } catch (const Error& e) {
            if (bad)
                bad->push_back(e.what());
        }
    }
    return out;
}

std::string render_control_line(const Callsite& c)
{
    std::string out = c.file + ":" + std::to_string(c.line) + " [" + c.module + "]" + c.function + " =" + c.flags +
                      " \"" + c.format + "\"";
    if (c.class_unknown)
        out += " class unknown, _id:" + std::to_string(c.class_id);
    else if (!c.cls.empty())
        out += " class:" + c.cls;
    return out;
}

bool matches(const MatchSpec& m, const Callsite& c, bool kernel_classes)
{
    if (m.module && !glob(*m.module, c.module))
        return false;
    if (m.cls) {
        if (c.class_unknown || c.cls != *m.cls)
            return false;
    } else if (kernel_classes && (c.class_unknown || !c.cls.empty())) {
        return false;
    }
    if (m.file && !glob(*m.file, c.file) && !glob(*m.file, basename_of(c.file)))
        return false;
    if (m.func && !glob(*m.func, c.function))
        return false;
    if (m.format) {
        const std::string want = unescape_format(*m.format);
        const std::string have = shown_format_text(c.format);
        if (!want.empty() && want[0] == '^') {
            if (have.find(want.substr(1)) != 0)
                return false;
        } else if (have.find(want) == std::string::npos) {
            return false;
        }
    }
    if (m.line) {
        if (m.line->first && c.line < m.line->first)
            return false;
        if (m.line->last && c.line > m.line->last)
            return false;
    }
    return true;
}

std::string apply_flags(const std::string& flags, char op, const std::string& letters, const std::string& order)
{
    const auto has = [](const std::string& s, char c) { return s.find(c) != std::string::npos; };
    std::string out;
    for (char c : order) {
        if (c == '_')
            continue;
        bool on = has(flags, c);
        if (op == '=')
            on = has(letters, c);
        else if (op == '+')
            on = on || has(letters, c);
        else if (op == '-')
            on = on && !has(letters, c);
        if (on)
            out.push_back(c);
    }
    return out.empty() ? "_" : out;
}

std::vector<FlagChange> diff(const std::vector<Callsite>& before, const std::vector<Callsite>& after)
{
    std::map<SiteKey, std::deque<const Callsite*>> old;
    for (const auto& c : before)
        old[key_of(c)].push_back(&c);
    std::vector<FlagChange> out;
    for (const auto& c : after) {
        auto it = old.find(key_of(c));
        if (it == old.end() || it->second.empty())
            continue; // appeared meanwhile (a module loaded): not ours
        const Callsite* was = it->second.front();
        it->second.pop_front();
        if (was->flags != c.flags)
            out.push_back(FlagChange{c, was->flags});
    }
    return out;
}

std::optional<std::string> site_query(const SiteKey& k, const std::string& flags, const Grammar& grammar)
{
    if (!k.cls.empty() && k.cls[0] == '?')
        return std::nullopt; // an unknown class cannot be named
    Query q;
    q.match.module = k.module;
    q.match.file = k.file;
    q.match.line = LineRange{k.line, k.line};
    if (k.cls.empty())
        q.match.func = k.function;
    else
        q.match.cls = k.cls;
    q.op = '=';
    q.flags = flags;
    const std::string text = q.text();
    Grammar g = grammar;
    g.allow_global = true;
    try {
        // Only what our own validation accepts is ever written.
        if (!(parse_query(text, g) == q))
            return std::nullopt;
    } catch (const Error&) {
        return std::nullopt;
    }
    return text;
}

bool is_word(std::string_view s)
{
    if (s.empty())
        return false;
    for (char c : s)
        if (c <= ' ' || c > '~')
            return false;
    return true;
}

} // namespace ldb::dyndbg
