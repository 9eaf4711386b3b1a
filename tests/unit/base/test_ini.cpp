// SPDX-License-Identifier: LGPL-2.1-or-later
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/error.hpp"
#include "base/ini.hpp"
#include "fakes/test_support.hpp"

using ldb::ErrorKind;
using ldb::IniEntry;
using ldb::kIniMaxBytes;
using ldb::kIniMaxLine;
using ldb::parse_ini;
using ldb::parse_ini_file;
using ldb_test::catch_error;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

std::vector<IniEntry> parse(const std::string& text)
{
    return parse_ini(text, "test.conf");
}

ldb::Error parse_error(const std::string& text)
{
    return catch_error([&] { parse(text); });
}

// Compares the parts of an entry a test states; `file` is always test.conf.
void expect_entry(const IniEntry& e, const std::string& section, const std::string& key, const std::string& value,
                  unsigned line)
{
    EXPECT_EQ(e.section, section);
    EXPECT_EQ(e.key, key);
    EXPECT_EQ(e.value, value);
    EXPECT_EQ(e.line, line);
    EXPECT_EQ(e.file, "test.conf");
}

} // namespace

TEST(IniParser, EmptyTextHasNoEntries)
{
    EXPECT_TRUE(parse("").empty());
    EXPECT_TRUE(parse("\n\n  \n").empty());
    EXPECT_TRUE(parse("[Lockdown]\n").empty());
}

TEST(IniParser, SectionsAndKeys)
{
    const auto e = parse("[First]\na=1\nb=two words\n\n[Second]\na=3\n");
    ASSERT_EQ(e.size(), 3u);
    expect_entry(e[0], "First", "a", "1", 2);
    expect_entry(e[1], "First", "b", "two words", 3);
    expect_entry(e[2], "Second", "a", "3", 6);
}

TEST(IniParser, SectionCanBeReopenedAndKeysRepeat)
{
    const auto e = parse("[A]\nk=1\n[B]\nk=2\n[A]\nk=3\nk=4\n");
    ASSERT_EQ(e.size(), 4u);
    expect_entry(e[0], "A", "k", "1", 2);
    expect_entry(e[1], "B", "k", "2", 4);
    expect_entry(e[2], "A", "k", "3", 6);
    expect_entry(e[3], "A", "k", "4", 7);
}

TEST(IniParser, KeyAndSectionNameCharacters)
{
    const auto e = parse("[Sec.tion-1_x]\nKey.name-2_y=v\n");
    ASSERT_EQ(e.size(), 1u);
    expect_entry(e[0], "Sec.tion-1_x", "Key.name-2_y", "v", 2);
}

TEST(IniParser, ValueMayBeEmptyOrContainEqualsAndHash)
{
    const auto e = parse("[A]\nempty=\nspaces=   \neq=a=b==c\nhash=x # not a comment ; either\n");
    ASSERT_EQ(e.size(), 4u);
    expect_entry(e[0], "A", "empty", "", 2);
    expect_entry(e[1], "A", "spaces", "", 3);
    expect_entry(e[2], "A", "eq", "a=b==c", 4);
    expect_entry(e[3], "A", "hash", "x # not a comment ; either", 5);
}

TEST(IniParser, CommentsWithHashAndSemicolon)
{
    const auto e = parse("# leading comment\n"
                         "; another one\n"
                         "[A]\n"
                         "   # indented comment\n"
                         "\t; indented semicolon comment\n"
                         "#k=not-an-entry\n"
                         ";k=not-an-entry\n"
                         "k=v\n"
                         "# [B] a commented-out header does not switch sections\n"
                         "x=y\n");
    ASSERT_EQ(e.size(), 2u);
    expect_entry(e[0], "A", "k", "v", 8);
    expect_entry(e[1], "A", "x", "y", 10);
}

TEST(IniParser, WhitespaceIsTrimmed)
{
    const auto e = parse("  \t[A]\t  \n"
                         "\t  key \t = \t value with  inner   spaces \t \n"
                         "k2=v2   \n");
    ASSERT_EQ(e.size(), 2u);
    expect_entry(e[0], "A", "key", "value with  inner   spaces", 2);
    expect_entry(e[1], "A", "k2", "v2", 3);
}

TEST(IniParser, LastLineWithoutNewline)
{
    const auto e = parse("[A]\nk=v");
    ASSERT_EQ(e.size(), 1u);
    expect_entry(e[0], "A", "k", "v", 2);
}

TEST(IniParser, ContinuationJoinsLinesWithOneSpace)
{
    const auto e = parse("[A]\n"
                         "Deny=dev-mem\\\n"
                         "  kcore\\\n"
                         "\tperf\n"
                         "after=1\n");
    ASSERT_EQ(e.size(), 2u);
    // The entry is located where the logical line started.
    expect_entry(e[0], "A", "Deny", "dev-mem kcore perf", 2);
    expect_entry(e[1], "A", "after", "1", 5);
}

TEST(IniParser, ContinuationKeepsSpaceBeforeBackslash)
{
    const auto e = parse("[A]\nk=a \\\nb\n");
    ASSERT_EQ(e.size(), 1u);
    // "a " minus nothing, plus the joining space: two spaces, as systemd.
    expect_entry(e[0], "A", "k", "a  b", 2);
}

TEST(IniParser, ContinuationCanSplitTheKey)
{
    const auto e = parse("[A]\nk\\\n=v\n");
    ASSERT_EQ(e.size(), 1u);
    expect_entry(e[0], "A", "k", "v", 2);
}

TEST(IniParser, CommentInsideContinuationIsSkipped)
{
    const auto e = parse("[A]\n"
                         "Deny=dev-mem \\\n"
                         "# a comment in the middle\n"
                         "; and another\n"
                         "  kcore\n"
                         "x=1\n");
    ASSERT_EQ(e.size(), 2u);
    expect_entry(e[0], "A", "Deny", "dev-mem  kcore", 2);
    expect_entry(e[1], "A", "x", "1", 6);
}

TEST(IniParser, EmptyLineEndsContinuation)
{
    const auto e = parse("[A]\nk=a\\\n\nx=1\n");
    ASSERT_EQ(e.size(), 2u);
    expect_entry(e[0], "A", "k", "a", 2);
    expect_entry(e[1], "A", "x", "1", 4);
}

TEST(IniParser, CrlfLineEndings)
{
    const auto e = parse("# comment\r\n[A]\r\nk=v\r\nlist=a\\\r\nb\r\n\r\nlast=1\r\n");
    ASSERT_EQ(e.size(), 3u);
    expect_entry(e[0], "A", "k", "v", 3);
    expect_entry(e[1], "A", "list", "a b", 4);
    expect_entry(e[2], "A", "last", "1", 7);
    for (const auto& x : e)
        EXPECT_EQ(x.value.find('\r'), std::string::npos) << x.key;
}

TEST(IniParser, LineOfExactlyMaxLengthIsAccepted)
{
    std::string value(kIniMaxLine - 2, 'x'); // "k=" + value == kIniMaxLine
    const auto e = parse("[A]\nk=" + value + "\n");
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].value, value);
}

TEST(IniParser, TextOfExactlyMaxBytesIsAccepted)
{
    std::string text = "[A]\nk=v\n";
    text.append(kIniMaxBytes - text.size(), '\n');
    ASSERT_EQ(text.size(), kIniMaxBytes);
    EXPECT_EQ(parse(text).size(), 1u);
}

TEST(IniParser, AtFormatsFileAndLine)
{
    EXPECT_EQ(ldb::at("/etc/x.conf", 7, "boom"), "/etc/x.conf:7: boom");
}

// ---- bad input --------------------------------------------------------------

TEST(IniParserError, KeyBeforeAnySection)
{
    const auto err = parse_error("# comment\n\nMode=integrity\n[Lockdown]\n");
    EXPECT_EQ(err.kind(), ErrorKind::Config);
    EXPECT_THAT(err.what(), StartsWith("test.conf:3: "));
    EXPECT_THAT(err.what(), HasSubstr("'Mode=' before any [Section] header"));
}

TEST(IniParserError, MissingEquals)
{
    const auto err = parse_error("[A]\nk=v\njust some words\n");
    EXPECT_EQ(err.kind(), ErrorKind::Config);
    EXPECT_THAT(err.what(), StartsWith("test.conf:3: "));
    EXPECT_THAT(err.what(), HasSubstr("expected Key=Value or [Section], got 'just some words'"));
}

TEST(IniParserError, SectionHeaderWithoutClosingBracket)
{
    const auto err = parse_error("[A]\n[Lockdown\n");
    EXPECT_EQ(err.kind(), ErrorKind::Config);
    EXPECT_THAT(err.what(), StartsWith("test.conf:2: "));
    EXPECT_THAT(err.what(), HasSubstr("section header without closing ']'"));
}

TEST(IniParserError, InvalidSectionName)
{
    for (const std::string hdr : {"[Lock down]", "[]", "[Lock/down]", "[[A]]"}) {
        SCOPED_TRACE(hdr);
        const auto err = parse_error("\n" + hdr + "\n");
        EXPECT_EQ(err.kind(), ErrorKind::Config);
        EXPECT_THAT(err.what(), StartsWith("test.conf:2: "));
        EXPECT_THAT(err.what(), HasSubstr("invalid section name '" + hdr.substr(1, hdr.size() - 2) + "'"));
    }
}

TEST(IniParserError, InvalidKeyName)
{
    struct Case {
        std::string line, key;
    };
    for (const Case& c : {Case{"bad key=1", "bad key"}, Case{"=1", ""}, Case{"k$=1", "k$"}, Case{"Ünï=1", "Ünï"}}) {
        SCOPED_TRACE(c.line);
        const auto err = parse_error("[A]\n\n" + c.line + "\n");
        EXPECT_EQ(err.kind(), ErrorKind::Config);
        EXPECT_THAT(err.what(), StartsWith("test.conf:3: "));
        EXPECT_THAT(err.what(), HasSubstr("invalid key name '" + c.key + "'"));
    }
}

TEST(IniParserError, ControlCharacters)
{
    for (const char c : {'\x01', '\x1b', '\x7f', '\f', '\v', '\b'}) {
        SCOPED_TRACE(static_cast<int>(c));
        const auto err = parse_error(std::string("[A]\nk=a") + c + "b\n");
        EXPECT_EQ(err.kind(), ErrorKind::Config);
        EXPECT_THAT(err.what(), StartsWith("test.conf:2: "));
        EXPECT_THAT(err.what(), HasSubstr("control character in line"));
    }
}

TEST(IniParserError, ControlCharacterInCommentIsRejectedToo)
{
    const auto err = parse_error("[A]\n# a \x02 comment\n");
    EXPECT_THAT(err.what(), StartsWith("test.conf:2: "));
    EXPECT_THAT(err.what(), HasSubstr("control character"));
}

TEST(IniParserError, NulByte)
{
    const std::string text("[A]\nk=v\nk=a\0b\n", 14);
    ASSERT_EQ(text.size(), 14u);
    const auto err = parse_error(text);
    EXPECT_EQ(err.kind(), ErrorKind::Config);
    EXPECT_THAT(err.what(), StartsWith("test.conf:3: "));
    EXPECT_THAT(err.what(), HasSubstr("control character in line"));
}

TEST(IniParserError, OverlongLine)
{
    const std::string value(kIniMaxLine - 1, 'x'); // "k=" + value == kIniMaxLine + 1
    const auto err = parse_error("[A]\nk=1\nk=" + value + "\n");
    EXPECT_EQ(err.kind(), ErrorKind::Config);
    EXPECT_THAT(err.what(), StartsWith("test.conf:3: "));
    EXPECT_THAT(err.what(), HasSubstr("line longer than " + std::to_string(kIniMaxLine) + " bytes"));
}

TEST(IniParserError, OverlongCommentLine)
{
    const auto err = parse_error("#" + std::string(kIniMaxLine, '#') + "\n");
    EXPECT_THAT(err.what(), StartsWith("test.conf:1: "));
    EXPECT_THAT(err.what(), HasSubstr("line longer than"));
}

TEST(IniParserError, OverlongContinuedLine)
{
    const std::string half(kIniMaxLine / 2 + 10, 'x');
    const auto err = parse_error("[A]\nk=" + half + "\\\n" + half + "\\\n" + half + "\n");
    EXPECT_EQ(err.kind(), ErrorKind::Config);
    EXPECT_THAT(err.what(), StartsWith("test.conf:2: "));
    EXPECT_THAT(err.what(), HasSubstr("continued line longer than " + std::to_string(kIniMaxLine) + " bytes"));
}

TEST(IniParserError, TextOverMaxBytes)
{
    std::string text = "[A]\nk=v\n";
    text.append(kIniMaxBytes + 1 - text.size(), '\n');
    const auto err = parse_error(text);
    EXPECT_EQ(err.kind(), ErrorKind::Config);
    EXPECT_THAT(err.what(), StartsWith("test.conf: "));
    EXPECT_THAT(err.what(), HasSubstr("larger than " + std::to_string(kIniMaxBytes) + " bytes"));
}

TEST(IniParserError, FileEndsInsideContinuation)
{
    const auto err = parse_error("[A]\nx=1\nk=a\\\n  b\\");
    EXPECT_EQ(err.kind(), ErrorKind::Config);
    // Named by the line where the continued line started.
    EXPECT_THAT(err.what(), StartsWith("test.conf:3: "));
    EXPECT_THAT(err.what(), HasSubstr("file ends inside a continued line"));
}

// Regression: with the final newline every editor writes, a dangling
// continuation used to be accepted as "k=a b".
TEST(IniParserError, FileEndsInsideContinuationWithFinalNewline)
{
    const auto err = parse_error("[A]\nx=1\nk=a\\\n  b\\\n");
    EXPECT_THAT(err.what(), StartsWith("test.conf:3: "));
    EXPECT_THAT(err.what(), HasSubstr("file ends inside a continued line"));
}

// Regression: a comment as the very last line of a continued line used to
// drop the whole entry without a word. An error or the entry is fine.
TEST(IniParserError, CommentOnLastLineInsideContinuationIsNotLost)
{
    std::vector<IniEntry> e;
    try {
        e = parse("[A]\nk=a\\\n# comment");
    } catch (const ldb::Error& err) {
        EXPECT_THAT(err.what(), StartsWith("test.conf:2: "));
        return;
    }
    ASSERT_EQ(e.size(), 1u);
    expect_entry(e[0], "A", "k", "a", 2);
}

// Regression (found by fuzzing with _GLIBCXX_ASSERTIONS): an empty continued
// line called front() on an empty string_view.
TEST(IniParserError, EmptyContinuedLineIsHarmless)
{
    EXPECT_TRUE(parse("\\\n\n").empty());
    EXPECT_TRUE(parse("[A]\n\\\n\n").empty());
}

TEST(IniParserError, CarriageReturnInsideALineIsRejected)
{
    const auto err = parse_error("[A]\nk=a\rb\n");
    EXPECT_THAT(err.what(), StartsWith("test.conf:2: "));
    EXPECT_THAT(err.what(), HasSubstr("control character"));
}

TEST(IniParserError, ErrorNamesTheGivenFile)
{
    const auto err = catch_error([] { parse_ini("[A]\nnope\n", "/etc/lockdown-broker/broker.conf.d/10-x.conf"); });
    EXPECT_THAT(err.what(), StartsWith("/etc/lockdown-broker/broker.conf.d/10-x.conf:2: "));
}

// ---- files ------------------------------------------------------------------

TEST(IniParserFile, ReadsARegularFile)
{
    ldb_test::TempDir dir;
    const auto path = (dir / "a.conf").string();
    ldb_test::write_file(path, "[Lockdown]\nMode=none\n");
    const auto e = parse_ini_file(path);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].file, path);
    EXPECT_EQ(e[0].line, 2u);
    EXPECT_EQ(e[0].value, "none");
}

TEST(IniParserFile, ErrorsNameThePath)
{
    ldb_test::TempDir dir;
    const auto path = (dir / "bad.conf").string();
    ldb_test::write_file(path, "[Lockdown]\nMode\n");
    const auto err = catch_error([&] { parse_ini_file(path); });
    EXPECT_EQ(err.kind(), ErrorKind::Config);
    EXPECT_THAT(err.what(), StartsWith(path + ":2: "));
}

TEST(IniParserFile, Directory)
{
    ldb_test::TempDir dir;
    const auto err = catch_error([&] { parse_ini_file(dir.str()); });
    EXPECT_EQ(err.kind(), ErrorKind::Config);
    EXPECT_THAT(err.what(), HasSubstr(dir.str()));
    EXPECT_THAT(err.what(), HasSubstr("not a regular file"));
}

TEST(IniParserFile, MissingFile)
{
    ldb_test::TempDir dir;
    const auto path = (dir / "does-not-exist.conf").string();
    const auto err = catch_error([&] { parse_ini_file(path); });
    EXPECT_EQ(err.kind(), ErrorKind::NotFound);
    EXPECT_THAT(err.what(), HasSubstr("opening " + path));
    EXPECT_THAT(err.what(), HasSubstr(std::strerror(ENOENT)));
}

TEST(IniParserFile, FileOverMaxBytes)
{
    ldb_test::TempDir dir;
    const auto path = (dir / "big.conf").string();
    ldb_test::write_file(path, "[Lockdown]\n" + std::string(kIniMaxBytes, '\n'));
    const auto err = catch_error([&] { parse_ini_file(path); });
    EXPECT_EQ(err.kind(), ErrorKind::Config);
    EXPECT_THAT(err.what(), StartsWith(path + ": "));
    EXPECT_THAT(err.what(), HasSubstr("larger than " + std::to_string(kIniMaxBytes) + " bytes"));
}

TEST(IniParserFile, DevNullIsNotARegularFile)
{
    const auto err = catch_error([] { parse_ini_file("/dev/null"); });
    EXPECT_EQ(err.kind(), ErrorKind::Config);
    EXPECT_THAT(err.what(), HasSubstr("/dev/null: not a regular file"));
}
