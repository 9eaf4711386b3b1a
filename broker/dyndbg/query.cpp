// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dyndbg/query.hpp"

#include <vector>

#include "base/error.hpp"
#include "base/text.hpp"

namespace ldb::dyndbg {

namespace {

constexpr const char* kHint = "see 'dynamic_debug' in lockdownctl(1) for the query language";

[[noreturn]] void bad(const std::string& what, const std::string& hint = kHint)
{
    throw Error(ErrorKind::InvalidArgument, "invalid dynamic debug query: " + what, hint);
}

std::string quoted(std::string_view s)
{
    return "'" + shown_token(s) + "'";
}

struct Word {
    std::string text; // without the quotes
    bool quoted = false;
    char quote = 0;
    size_t offset = 0; // of the word's first byte in the query
};

bool is_wild(char c) { return c == '*' || c == '?'; }
bool is_octal(char c) { return c >= '0' && c <= '7'; }

// Bytes the kernel would act on before it even splits words: a command
// separator, a line end, NUL, other control characters; and anything that
// is not ASCII, which no name or format of ours needs.
void check_bytes(std::string_view s)
{
    if (s.size() > kMaxQueryBytes)
        bad("it is " + std::to_string(s.size()) + " bytes long, more than " + std::to_string(kMaxQueryBytes));
    for (size_t i = 0; i < s.size(); i++) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::string where = " at byte " + std::to_string(i);
        if (c == '\n' || c == '\r')
            bad("a line break" + where + ": give exactly one command, without newlines");
        if (c == 0)
            bad("a NUL byte" + where);
        if (c < 0x20 || c == 0x7f)
            bad("control character " + shown_token(s.substr(i, 1)) + where);
        if (c >= 0x80)
            bad("non-ASCII byte " + shown_token(s.substr(i, 1)) + where);
        if (c == ';')
            bad("';'" + where + " would start a second command: give exactly one");
    }
}

// The kernel's ddebug_tokenize(), with everything it would read in a
// surprising way refused instead.
std::vector<Word> tokenize(std::string_view s)
{
    check_bytes(s);
    std::vector<Word> words;
    size_t i = 0;
    while (true) {
        while (i < s.size() && s[i] == ' ')
            i++;
        if (i == s.size())
            break;
        Word w;
        w.offset = i;
        if (s[i] == '#')
            bad("'#' at byte " + std::to_string(i) + " would start a comment");
        if (s[i] == '"' || s[i] == '\'') {
            w.quoted = true;
            w.quote = s[i];
            const size_t end = s.find(s[i], i + 1);
            if (end == std::string_view::npos)
                bad("unclosed quote at byte " + std::to_string(i));
            w.text = std::string(s.substr(i + 1, end - i - 1));
            i = end + 1;
            if (i < s.size() && s[i] != ' ')
                bad("text right after the closing quote at byte " + std::to_string(i - 1) +
                    ": put a space after a quoted value");
        } else {
            const size_t end = std::min(s.find(' ', i), s.size());
            w.text = std::string(s.substr(i, end - i));
            for (char c : w.text) {
                if (c == '"' || c == '\'')
                    bad("a quote inside the word " + quoted(w.text) + ": only a whole format value may be quoted");
                if (c == '#')
                    bad("'#' inside the word " + quoted(w.text) + " (allowed only in a quoted format)");
            }
            i = end;
        }
        words.push_back(std::move(w));
        if (words.size() > kMaxWords)
            bad("too many words: at most " + std::to_string(kMaxWords) +
                " (four keyword-value pairs and the flags), and " + quoted(words.back().text) + " is the " +
                std::to_string(words.size()) + "th");
    }
    return words;
}

void check_chars(const std::string& keyword, const std::string& v, bool (*ok)(char))
{
    if (v.empty())
        bad("empty value for '" + keyword + "'");
    if (v.size() > kMaxValueBytes)
        bad("the value of '" + keyword + "' is longer than " + std::to_string(kMaxValueBytes) + " bytes");
    for (char c : v)
        if (!ok(c))
            bad("character " + quoted(std::string(1, c)) + " in " + keyword + " " + quoted(v) + " is not allowed");
}

uint32_t line_number(const std::string& part, const std::string& whole)
{
    if (part.empty() || part.size() > 8 || part[0] == '0')
        bad("line " + quoted(whole) + ": expected N, N-M, N- or -M with line numbers from 1");
    uint32_t v = 0;
    for (char c : part) {
        if (!is_digit(c))
            bad("line " + quoted(whole) + ": " + quoted(part) + " is not a line number");
        v = v * 10 + static_cast<uint32_t>(c - '0');
    }
    if (v > kMaxLine)
        bad("line " + quoted(whole) + ": no source file is that long");
    return v;
}

LineRange parse_range(const std::string& v)
{
    if (v.size() > 20)
        bad("line " + quoted(v) + " is too long");
    const size_t dash = v.find('-');
    LineRange r;
    if (dash == std::string::npos) {
        r.first = r.last = line_number(v, v);
        return r;
    }
    const std::string a = v.substr(0, dash), b = v.substr(dash + 1);
    if (a.empty() && b.empty())
        bad("line " + quoted(v) + " names no line");
    if (!a.empty())
        r.first = line_number(a, v);
    if (!b.empty())
        r.last = line_number(b, v);
    if (r.last && r.last < r.first)
        bad("line " + quoted(v) + ": the range ends before it starts");
    return r;
}

// The escapes the kernel resolves in a format (string_unescape with
// UNESCAPE_SPACE | UNESCAPE_OCTAL | UNESCAPE_SPECIAL); anything else after a
// backslash is refused rather than passed on as it is. Calls `out` with each
// resulting byte.
template <typename Out>
void walk_format(std::string_view s, Out&& out, bool validate)
{
    for (size_t i = 0; i < s.size(); i++) {
        if (s[i] != '\\') {
            out(s[i]);
            continue;
        }
        if (i + 1 == s.size()) {
            if (validate)
                bad("format " + quoted(s) + " ends with a lone backslash");
            out('\\');
            return;
        }
        const char e = s[++i];
        switch (e) {
        case 'f': out('\f'); continue;
        case 'n': out('\n'); continue;
        case 'r': out('\r'); continue;
        case 't': out('\t'); continue;
        case 'v': out('\v'); continue;
        case '"': out('"'); continue;
        case '\\': out('\\'); continue;
        case 'a': out('\a'); continue;
        case 'e': out('\x1b'); continue;
        default: break;
        }
        if (is_octal(e)) {
            // The kernel's unescape_octal(): at most three digits, below 256.
            unsigned num = static_cast<unsigned>(e - '0');
            size_t digits = 1;
            while (num < 32 && digits < 3 && i + 1 < s.size() && is_octal(s[i + 1])) {
                num = (num << 3) + static_cast<unsigned>(s[++i] - '0');
                digits++;
            }
            if (num == 0 && validate)
                bad("format " + quoted(s) + ": an octal NUL would end the format early");
            out(static_cast<char>(num));
            continue;
        }
        if (validate)
            bad("unknown escape '\\" + shown_token(std::string(1, e)) + "' in format " + quoted(s),
                "the kernel resolves \\n \\t \\r \\f \\v \\\" \\\\ \\a \\e and octal \\NNN");
        out('\\');
        out(e);
    }
}

void check_format(const Word& w)
{
    if (w.text.size() > kMaxValueBytes)
        bad("the format is longer than " + std::to_string(kMaxValueBytes) + " bytes");
    std::string plain;
    walk_format(w.text, [&](char c) { plain.push_back(c); }, true);
    if (plain.empty() || plain == "^")
        bad("an empty format matches every callsite", "give some text of the message, e.g. format \"probe\"");
}

bool name_char(char c) { return is_alnum(c) || c == '_' || is_wild(c); }
bool module_char(char c) { return name_char(c) || c == '-'; }
bool func_char(char c) { return name_char(c) || c == '.'; }
bool file_char(char c) { return name_char(c) || c == '.' || c == '/' || c == '-' || c == '+' || c == ','; }
bool class_char(char c) { return is_alnum(c) || c == '_'; }

void set_once(std::optional<std::string>& slot, const std::string& keyword, std::string value)
{
    if (slot)
        bad("'" + keyword + "' is given twice");
    slot = std::move(value);
}

// (keyword, value) pairs from words[0, n).
MatchSpec parse_pairs(const std::vector<Word>& words, size_t n)
{
    MatchSpec m;
    for (size_t i = 0; i < n; i += 2) {
        const Word& k = words[i];
        if (k.quoted)
            bad("a keyword cannot be quoted: " + quoted(k.text));
        if (i + 1 >= n)
            bad("keyword " + quoted(k.text) + " has no value");
        const Word& v = words[i + 1];
        if (v.quoted && k.text != "format")
            bad("only a format value may be quoted, not the value of " + quoted(k.text));
        if (k.text == "module") {
            check_chars(k.text, v.text, module_char);
            std::string mod = v.text;
            for (char& c : mod)
                c = c == '-' ? '_' : c; // the kernel's module names use '_'
            set_once(m.module, k.text, std::move(mod));
        } else if (k.text == "file") {
            if (v.text.find(':') != std::string::npos)
                bad("file " + quoted(v.text) + ": ':' is not accepted here",
                    "write 'file F line N' or 'file F func NAME' instead of 'file F:N'");
            check_chars(k.text, v.text, file_char);
            set_once(m.file, k.text, v.text);
        } else if (k.text == "func") {
            check_chars(k.text, v.text, func_char);
            set_once(m.func, k.text, v.text);
        } else if (k.text == "line") {
            if (m.line)
                bad("'line' is given twice");
            m.line = parse_range(v.text);
        } else if (k.text == "format") {
            check_format(v);
            set_once(m.format, k.text, v.text);
        } else if (k.text == "class") {
            check_chars(k.text, v.text, class_char);
            set_once(m.cls, k.text, v.text);
        } else {
            bad("unknown keyword " + quoted(k.text),
                "the keywords are module, file, func, line, format and class, each followed by a value");
        }
    }
    return m;
}

std::string format_word(const std::string& f)
{
    // The kernel's tokenizer ends a quoted word at the first matching quote,
    // escaped or not: pick the quote that does not occur.
    const char q = f.find('"') == std::string::npos ? '"' : '\'';
    return q + f + q;
}

} // namespace

std::string shown_token(std::string_view s)
{
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < s.size() && i < 64; i++) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c >= 0x7f) {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return s.size() > 64 ? out + "..." : out;
}

std::string unescape_format(std::string_view escaped)
{
    std::string out;
    walk_format(escaped, [&](char c) { out.push_back(c); }, false);
    return out;
}

bool MatchSpec::empty() const
{
    return !module && !file && !func && !line && !format && !cls;
}

bool MatchSpec::global() const
{
    const auto narrows = [](const std::optional<std::string>& v) {
        if (!v)
            return false;
        for (char c : *v)
            if (!is_wild(c))
                return true;
        return false;
    };
    return !(narrows(module) || narrows(file) || narrows(func) || cls.has_value());
}

std::string MatchSpec::text() const
{
    std::string out;
    const auto add = [&](const char* k, const std::string& v) {
        out += (out.empty() ? "" : " ") + std::string(k) + " " + v;
    };
    if (module)
        add("module", *module);
    if (file)
        add("file", *file);
    if (func)
        add("func", *func);
    if (line) {
        std::string r;
        if (line->first && line->first == line->last)
            r = std::to_string(line->first);
        else
            r = (line->first ? std::to_string(line->first) : "") + "-" + (line->last ? std::to_string(line->last) : "");
        add("line", r);
    }
    if (format)
        add("format", format_word(*format));
    if (cls)
        add("class", *cls);
    return out;
}

std::string Query::text() const
{
    const std::string m = match.text();
    return (m.empty() ? "" : m + " ") + op + flags;
}

Query parse_query(std::string_view text, const Grammar& grammar)
{
    const auto words = tokenize(text);
    if (words.empty())
        bad("the query is empty", "for example: module virtio_net +p");
    const Word& f = words.back();
    if (f.quoted || f.text.empty() || (f.text[0] != '+' && f.text[0] != '-' && f.text[0] != '='))
        bad("the query must end with flags such as +p, -p or =pmf; " + quoted(f.text) + " is not flags");
    for (size_t i = 0; i + 1 < words.size(); i += 2) {
        const Word& w = words[i];
        if (!w.quoted && !w.text.empty() && (w.text[0] == '+' || w.text[0] == '-' || w.text[0] == '='))
            bad("flags " + quoted(w.text) + " before the end: give exactly one command");
    }
    if ((words.size() - 1) % 2 != 0)
        bad("keyword " + quoted(words[words.size() - 2].text) + " has no value");

    Query q;
    q.op = f.text[0];
    if (f.text.size() == 1)
        bad("no flag letters after " + quoted(f.text), "for example +p (print) or =_ (none)");
    std::string seen;
    for (size_t i = 1; i < f.text.size(); i++) {
        const char c = f.text[i];
        if (grammar.flags.find(c) == std::string::npos)
            bad("unknown flag " + quoted(std::string(1, c)) + " in " + quoted(f.text) +
                    " (known: '" + grammar.flags + "')",
                "p prints, m f l t add module, function, line and thread id to each message; _ means none");
        seen.push_back(c);
    }
    for (char c : grammar.flags)
        if (c != '_' && seen.find(c) != std::string::npos)
            q.flags.push_back(c);
    if (q.flags.empty())
        q.flags = "_";

    q.match = parse_pairs(words, words.size() - 1);
    if (q.match.global() && !grammar.allow_global)
        bad("'" + q.text() + "' would change callsites all over the kernel",
            "name a module, file, function or class (AllowGlobalQueries= in [DynamicDebug] of broker.conf "
            "lifts this)");
    return q;
}

MatchSpec parse_filter(std::string_view text)
{
    const auto words = tokenize(text);
    if (words.size() % 2 != 0) {
        const Word& w = words.back();
        if (!w.quoted && !w.text.empty() && (w.text[0] == '+' || w.text[0] == '-' || w.text[0] == '='))
            bad("a filter has no flags: " + quoted(w.text));
        bad("keyword " + quoted(w.text) + " has no value");
    }
    return parse_pairs(words, words.size());
}

} // namespace ldb::dyndbg
