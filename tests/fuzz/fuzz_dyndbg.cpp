// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzzes the dynamic debug parsers; the first input byte picks one:
//  - 0: a query (with the grammar of 6.1 or 6.12, global queries allowed or
//    not, from the second byte). An accepted query's canonical text must be
//    one command the kernel reads as we do (no line break, ';', '#', NUL or
//    control character, at most 9 words, flags last, known letters only),
//    and must parse back to the same query.
//  - 1: a filter: the same, without flags.
//  - 2: a control file reading: every accepted line renders back to itself,
//    and the per-callsite query for it, if any, is a valid query that
//    selects that callsite.
//  - 3: a change record: accepted records survive serialize -> parse.
// A refusal must be ldb::Error of the right kind.

#include <cstddef>
#include <cstdint>
#include <string>

#include "dyndbg/control.hpp"
#include "dyndbg/query.hpp"
#include "dyndbg/change_store.hpp"
#include "base/error.hpp"
#include "fuzz_common.hpp"

namespace {

constexpr const char* kTarget = "fuzz_dyndbg";

void check_written_text(const std::string& t)
{
    if (t.empty() || t.size() > 1024)
        ldb_fuzz::fail(kTarget, "canonical text of a bad size: " + std::to_string(t.size()));
    size_t words = 0;
    bool in_word = false;
    char quote = 0;
    for (char c : t) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7f || c == ';')
            ldb_fuzz::fail(kTarget, "canonical text holds a byte the kernel would act on: " + t);
        if (quote) {
            if (c == quote)
                quote = 0;
            continue;
        }
        if (c == ' ') {
            in_word = false;
            continue;
        }
        if (!in_word) {
            in_word = true;
            words++;
            if (c == '#')
                ldb_fuzz::fail(kTarget, "canonical text has a comment: " + t);
            if (c == '"' || c == '\'')
                quote = c;
        }
    }
    if (quote)
        ldb_fuzz::fail(kTarget, "canonical text has an unclosed quote: " + t);
    if (words > ldb::dyndbg::kMaxWords)
        ldb_fuzz::fail(kTarget, "canonical text has more words than the kernel takes: " + t);
}

void check_refusal(const ldb::Error& e, ldb::ErrorKind kind)
{
    if (e.kind() != kind)
        ldb_fuzz::fail(kTarget, std::string("refused with the wrong kind of error: ") + e.what());
}

void check_query(const std::string& text, uint8_t mode)
{
    using namespace ldb::dyndbg;
    const Grammar g{(mode & 1) ? "pmfslt_" : "pmflt_", (mode & 2) != 0};
    Query q;
    try {
        q = parse_query(text, g);
    } catch (const ldb::Error& e) {
        check_refusal(e, ldb::ErrorKind::InvalidArgument);
        return;
    }
    const std::string t = q.text();
    check_written_text(t);
    if (q.flags.empty() || (q.op != '+' && q.op != '-' && q.op != '='))
        ldb_fuzz::fail(kTarget, "accepted a query without flags: " + t);
    for (char c : q.flags)
        if (g.flags.find(c) == std::string::npos)
            ldb_fuzz::fail(kTarget, "accepted a flag letter the kernel does not know: " + t);
    if (!g.allow_global && q.match.global())
        ldb_fuzz::fail(kTarget, "accepted a global query without policy: " + t);
    if (!(parse_query(t, g) == q))
        ldb_fuzz::fail(kTarget, "canonical text does not parse back to the same query: " + t);
}

void check_filter(const std::string& text)
{
    using namespace ldb::dyndbg;
    MatchSpec m;
    try {
        m = parse_filter(text);
    } catch (const ldb::Error& e) {
        check_refusal(e, ldb::ErrorKind::InvalidArgument);
        return;
    }
    const std::string t = m.text();
    if (!t.empty())
        check_written_text(t);
    if (!(parse_filter(t) == m))
        ldb_fuzz::fail(kTarget, "filter text does not parse back: " + t);
}

void check_control(const std::string& text)
{
    using namespace ldb::dyndbg;
    std::vector<std::string> bad;
    std::vector<Callsite> sites;
    try {
        sites = parse_control(text, &bad);
    } catch (const ldb::Error& e) {
        check_refusal(e, ldb::ErrorKind::Kernel);
        return;
    }
    const Grammar g{"pmfslt_", false};
    for (const auto& c : sites) {
        const std::string line = render_control_line(c);
        if (!(parse_control_line(line) == c))
            ldb_fuzz::fail(kTarget, "control line does not render back: " + line);
        if (const auto q = site_query(key_of(c), "_", g)) {
            const auto parsed = parse_query(*q, Grammar{g.flags, true});
            check_written_text(*q);
            if (!matches(parsed.match, c, true))
                ldb_fuzz::fail(kTarget, "the per-callsite query does not select its callsite: " + *q);
        }
    }
    (void)diff(sites, sites);
}

void check_record(const std::string& text)
{
    using namespace ldb::dyndbg;
    ChangeRecord r;
    try {
        r = parse_change_record(text, "r.change");
    } catch (const ldb::Error& e) {
        check_refusal(e, ldb::ErrorKind::Config);
        if (std::string(e.what()).rfind("r.change", 0) != 0)
            ldb_fuzz::fail(kTarget, std::string("record error does not name the file: ") + e.what());
        return;
    }
    std::string again;
    try {
        again = serialize(r);
    } catch (const ldb::Error& e) {
        ldb_fuzz::fail(kTarget, std::string("an accepted record cannot be written back: ") + e.what());
    }
    if (!(parse_change_record(again, "r.change") == r))
        ldb_fuzz::fail(kTarget, "record changed across serialize/parse");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 2)
        return 0;
    const std::string text(reinterpret_cast<const char*>(data) + 2, size - 2);
    switch (data[0] % 4) {
    case 0:
        check_query(text, data[1]);
        break;
    case 1:
        check_filter(text);
        break;
    case 2:
        check_control(text);
        break;
    default:
        check_record(text);
        break;
    }
    return 0;
}
