// SPDX-License-Identifier: LGPL-2.1-or-later
// The dynamic_debug query validator: what the kernel's grammar accepts is
// accepted and written back canonically; everything else is refused with a
// message that names the offending token.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dyndbg/query.hpp"
#include "fakes/test_support.hpp"

using namespace ldb;
using namespace ldb::dyndbg;
using ::testing::HasSubstr;

namespace {

const Grammar k61{"pmflt_", false};
const Grammar k612{"pmfslt_", false};

std::string canon(const std::string& q, const Grammar& g = k61)
{
    return parse_query(q, g).text();
}

// The error a query gets; fails the test if it is accepted.
std::string refusal(const std::string& q, const Grammar& g = k61)
{
    try {
        const auto parsed = parse_query(q, g);
        ADD_FAILURE() << "accepted '" << q << "' as '" << parsed.text() << "'";
        return {};
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument) << e.what();
        EXPECT_THAT(e.what(), HasSubstr("invalid dynamic debug query")) << "for " << q;
        return e.what();
    }
}

} // namespace

TEST(DyndbgQuery, CanonicalForms)
{
    EXPECT_EQ(canon("module virtio_net +p"), "module virtio_net +p");
    EXPECT_EQ(canon("  module   virtio_net   +p  "), "module virtio_net +p");
    EXPECT_EQ(canon("module virtio-net +p"), "module virtio_net +p") << "module names use '_'";
    EXPECT_EQ(canon("file drivers/net/virtio_net.c func virtnet_probe -p"),
              "file drivers/net/virtio_net.c func virtnet_probe -p");
    // A fixed keyword order, whatever the caller's.
    EXPECT_EQ(canon("func f module m +p"), "module m func f +p");
    EXPECT_EQ(canon("module m line 10 +p"), "module m line 10 +p");
    EXPECT_EQ(canon("module m line 10-20 +p"), "module m line 10-20 +p");
    EXPECT_EQ(canon("module m line 10- +p"), "module m line 10- +p");
    EXPECT_EQ(canon("module m line -20 +p"), "module m line -20 +p");
    EXPECT_EQ(canon("module m format probe +p"), "module m format \"probe\" +p");
    EXPECT_EQ(canon("module m format \"probe failed\" +p"), "module m format \"probe failed\" +p");
    EXPECT_EQ(canon("module m format 'say \"hi\"' +p"), "module m format 'say \"hi\"' +p")
        << "a format holding \" is quoted with '";
    EXPECT_EQ(canon("module m format \"a\\tb\\n\" +p"), "module m format \"a\\tb\\n\" +p");
    EXPECT_EQ(canon("module m format \"^start\" +p"), "module m format \"^start\" +p");
    EXPECT_EQ(canon("class DRM_UT_CORE +p"), "class DRM_UT_CORE +p");
    EXPECT_EQ(canon("module drm_* +p"), "module drm_* +p");
}

TEST(DyndbgQuery, FlagsInTheKernelsOrderWithoutDuplicates)
{
    EXPECT_EQ(canon("module m +tlfmp"), "module m +pmflt");
    EXPECT_EQ(canon("module m +pp"), "module m +p");
    EXPECT_EQ(canon("module m =_"), "module m =_");
    EXPECT_EQ(canon("module m =p_"), "module m =p") << "'_' adds nothing to other letters";
    EXPECT_EQ(canon("module m -p"), "module m -p");
    const auto q = parse_query("module m =pf", k61);
    EXPECT_EQ(q.op, '=');
    EXPECT_EQ(q.flags, "pf");
}

// 6.1 has no 's'; the grammar is what the running kernel accepts.
TEST(DyndbgQuery, FlagLettersOfThisKernel)
{
    EXPECT_THAT(refusal("module m +s", k61), HasSubstr("unknown flag 's'"));
    EXPECT_EQ(canon("module m +ps", k612), "module m +ps");
    EXPECT_EQ(canon("module m +sp", k612), "module m +ps");
    EXPECT_THAT(refusal("module m +u", k612), HasSubstr("unknown flag 'u'"));
    EXPECT_THAT(refusal("module m +P"), HasSubstr("unknown flag 'P'"));
    EXPECT_THAT(refusal("module m +"), HasSubstr("no flag letters after '+'"));
}

TEST(DyndbgQuery, ParsedFields)
{
    const auto q = parse_query("module m file a/b.c func f line 3-9 +p", k61);
    ASSERT_TRUE(q.match.module && q.match.file && q.match.func && q.match.line);
    EXPECT_EQ(*q.match.module, "m");
    EXPECT_EQ(*q.match.file, "a/b.c");
    EXPECT_EQ(*q.match.func, "f");
    EXPECT_EQ(*q.match.line, (LineRange{3, 9}));
    EXPECT_FALSE(q.match.format);
    EXPECT_FALSE(q.match.cls);
    EXPECT_EQ(parse_query(q.text(), k61), q) << "the canonical text parses back to the same query";
}

TEST(DyndbgQuery, Injection)
{
    EXPECT_THAT(refusal("module m +p\nmodule n +p"), HasSubstr("line break"));
    EXPECT_THAT(refusal("module m +p\n"), HasSubstr("line break"));
    EXPECT_THAT(refusal("module m +p\rx"), HasSubstr("line break"));
    EXPECT_THAT(refusal("module m +p; module n +p"), HasSubstr("second command"));
    EXPECT_THAT(refusal("module m format \"a;b\" +p"), HasSubstr("';'")) << "the kernel splits on ';' even in quotes";
    EXPECT_THAT(refusal(std::string("module m\0 +p", 12)), HasSubstr("NUL byte at byte 8"));
    EXPECT_THAT(refusal("module m\t+p"), HasSubstr("control character \\x09"));
    EXPECT_THAT(refusal("module m \x1b[31m +p"), HasSubstr("control character \\x1b"));
    EXPECT_THAT(refusal("module m \x7f +p"), HasSubstr("control character \\x7f"));
    EXPECT_THAT(refusal("module m\xc3\xa9 +p"), HasSubstr("non-ASCII"));
    EXPECT_THAT(refusal("module m +p # module n +p"), HasSubstr("comment"));
    EXPECT_THAT(refusal("module m#x +p"), HasSubstr("'#' inside the word 'm#x'"));
    EXPECT_THAT(refusal("module m +p module n +p"), HasSubstr("flags '+p' before the end"));
    EXPECT_THAT(refusal("module m +p module n"), HasSubstr("must end with flags"));
}

TEST(DyndbgQuery, LengthBounds)
{
    EXPECT_THAT(refusal("module " + std::string(600, 'a') + " +p"), HasSubstr("more than 512"));
    EXPECT_THAT(refusal("module " + std::string(256, 'a') + " +p"), HasSubstr("longer than 255"));
    EXPECT_EQ(canon("module " + std::string(255, 'a') + " +p"), "module " + std::string(255, 'a') + " +p");
    EXPECT_THAT(refusal("module m file f func g line 1 format x +p"), HasSubstr("too many words"));
    EXPECT_THAT(refusal("module m line 99999999 +p"), HasSubstr("no source file is that long"));
}

TEST(DyndbgQuery, BadTokensAreNamed)
{
    EXPECT_THAT(refusal("modul m +p"), HasSubstr("unknown keyword 'modul'"));
    EXPECT_THAT(refusal("module +p"), HasSubstr("keyword 'module' has no value"));
    EXPECT_THAT(refusal("module m module n +p"), HasSubstr("'module' is given twice"));
    EXPECT_THAT(refusal("module m line 1 line 2 +p"), HasSubstr("'line' is given twice"));
    EXPECT_THAT(refusal("module m line 0 +p"), HasSubstr("line '0'"));
    EXPECT_THAT(refusal("module m line 20-10 +p"), HasSubstr("ends before it starts"));
    EXPECT_THAT(refusal("module m line - +p"), HasSubstr("names no line"));
    EXPECT_THAT(refusal("module m line 1x +p"), HasSubstr("'1x' is not a line number"));
    EXPECT_THAT(refusal("module m line 01 +p"), HasSubstr("line '01'"));
    EXPECT_THAT(refusal("module m/x +p"), HasSubstr("character '/' in module 'm/x'"));
    EXPECT_THAT(refusal("file a:12 +p"), HasSubstr("':' is not accepted"));
    EXPECT_THAT(refusal("func a(b) +p"), HasSubstr("character '(' in func"));
    EXPECT_THAT(refusal("class drm-core +p"), HasSubstr("character '-' in class"));
    EXPECT_THAT(refusal("module m p"), HasSubstr("'p' is not flags"));
    EXPECT_THAT(refusal(""), HasSubstr("empty"));
    EXPECT_THAT(refusal("   "), HasSubstr("empty"));
}

TEST(DyndbgQuery, Quoting)
{
    EXPECT_THAT(refusal("module \"m\" +p"), HasSubstr("only a format value may be quoted"));
    EXPECT_THAT(refusal("\"module\" m +p"), HasSubstr("keyword cannot be quoted"));
    EXPECT_THAT(refusal("module m format \"abc +p"), HasSubstr("unclosed quote"));
    EXPECT_THAT(refusal("module m format \"abc\"def +p"), HasSubstr("right after the closing quote"));
    EXPECT_THAT(refusal("module m format ab\"c +p"), HasSubstr("a quote inside the word"));
    EXPECT_THAT(refusal("module m format \"\" +p"), HasSubstr("empty format"));
    EXPECT_THAT(refusal("module m format \"^\" +p"), HasSubstr("empty format"));
    EXPECT_THAT(refusal("module m \"+p\""), HasSubstr("is not flags"));
}

TEST(DyndbgQuery, FormatEscapes)
{
    EXPECT_EQ(unescape_format("a\\nb\\tc\\\"d\\\\e"), "a\nb\tc\"d\\e");
    EXPECT_EQ(unescape_format("\\101\\60x"), "A0x");
    EXPECT_EQ(unescape_format("\\1234"), "S4") << "at most three octal digits";
    EXPECT_EQ(unescape_format("\\400"), std::string("\x20") + "0") << "the kernel stops before 256";
    EXPECT_THAT(refusal("module m format \"a\\qb\" +p"), HasSubstr("unknown escape '\\q'"));
    EXPECT_THAT(refusal("module m format \"a\\0\" +p"), HasSubstr("octal NUL"));
    EXPECT_THAT(refusal("module m format abc\\ +p"), HasSubstr("lone backslash"));
    EXPECT_EQ(canon("module m format \"\\012\" +p"), "module m format \"\\012\" +p");
}

TEST(DyndbgQuery, GlobalQueriesNeedPolicy)
{
    EXPECT_THAT(refusal("+p"), HasSubstr("all over the kernel"));
    EXPECT_THAT(refusal("module * +p"), HasSubstr("all over the kernel"));
    EXPECT_THAT(refusal("module ** func ? +p"), HasSubstr("all over the kernel"));
    EXPECT_THAT(refusal("line 1-100 +p"), HasSubstr("all over the kernel"));
    EXPECT_THAT(refusal("format probe +p"), HasSubstr("all over the kernel"));
    try {
        (void)parse_query("module * +p", k61);
    } catch (const Error& e) {
        EXPECT_THAT(e.hint(), HasSubstr("AllowGlobalQueries="));
    }
    const Grammar open{"pmflt_", true};
    EXPECT_EQ(canon("module * +p", open), "module * +p");
    EXPECT_EQ(canon("+p", open), "+p");
    // Narrow enough: a literal character in module, file or func, or a class.
    EXPECT_EQ(canon("module drm* +p"), "module drm* +p");
    EXPECT_EQ(canon("file *.c func *probe* +p"), "file *.c func *probe* +p");
    EXPECT_EQ(canon("class DRM_UT_KMS +p"), "class DRM_UT_KMS +p");
}

TEST(DyndbgFilter, MatchSpecsWithoutFlags)
{
    EXPECT_TRUE(parse_filter("").empty());
    EXPECT_TRUE(parse_filter("   ").empty());
    const auto m = parse_filter("module virtio_net func *probe*");
    EXPECT_EQ(m.text(), "module virtio_net func *probe*");
    EXPECT_FALSE(m.global());
    EXPECT_TRUE(parse_filter("module *").global());
    EXPECT_THROW((void)parse_filter("module m +p"), Error);
    EXPECT_THROW((void)parse_filter("module"), Error);
    EXPECT_THROW((void)parse_filter("module m;"), Error);
    EXPECT_THROW((void)parse_filter("\"\""), Error);
}

TEST(DyndbgQuery, ShownTokensAreSafe)
{
    EXPECT_EQ(shown_token("ab\ncd"), "ab\\x0acd");
    EXPECT_EQ(shown_token(std::string(70, 'x')), std::string(64, 'x') + "...");
}
