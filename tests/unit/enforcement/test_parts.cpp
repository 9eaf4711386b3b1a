// SPDX-License-Identifier: LGPL-2.1-or-later
// The parts of enforcement: the record --enforce-only leaves, what counts as
// missing, and the Notice that names it.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "enforcement/parts.hpp"
#include "lockdown-broker.h"

using namespace ldb;

namespace {

// Which links are pinned, by name.
auto pinned(std::set<std::string> links)
{
    return [links = std::move(links)](const char* l) { return links.count(l) != 0; };
}

// Every link of every part.
std::set<std::string> all_links()
{
    std::set<std::string> out;
    for (const auto& p : enforcement_parts())
        out.insert(p.links.begin(), p.links.end());
    return out;
}

// Every link but those of `part`.
std::set<std::string> all_links_but(EnforcementPart part)
{
    auto out = all_links();
    for (const char* l : part_info(part).links)
        out.erase(l);
    return out;
}

const std::set<std::string> kAll = all_links();

} // namespace

TEST(EnforcementParts, RecordRoundTrips)
{
    const std::vector<PartState> parts = {
        {"locked-down", true, ""},
        {"dynamic-debug", false, "failed to resolve CO-RE relocation <byte_off> [54] struct dentry.d_iname"},
        {"pin-protection", true, ""},
    };
    const auto back = parse_enforcement_record(format_enforcement_record(parts));
    ASSERT_EQ(back.size(), 3u);
    EXPECT_EQ(back[1].name, "dynamic-debug");
    EXPECT_FALSE(back[1].loaded);
    EXPECT_EQ(back[1].cause, parts[1].cause);
    EXPECT_TRUE(back[0].loaded);
}

TEST(EnforcementParts, CausesStayOnOneLine)
{
    const auto text = format_enforcement_record({{"dynamic-debug", false, "line one\nline\ttwo"}});
    EXPECT_EQ(text, "dynamic-debug\tmissing\tline one line two\n");
}

TEST(EnforcementParts, BadRecordLinesAreSkipped)
{
    const auto back = parse_enforcement_record("garbage\n"
                                               "dynamic-debug\tmaybe\tx\n"
                                               "no-such-part\tmissing\tx\n"
                                               "dynamic-debug\tmissing\n"
                                               "\n\t\t\n"
                                               "pin-protection\tmissing\tgone\n");
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].name, "pin-protection");
    EXPECT_EQ(back[0].cause, "gone");
}

TEST(EnforcementParts, NothingMissingWhenEverythingIsPinned)
{
    EXPECT_TRUE(missing_parts(pinned(kAll), true, {}).empty());
    EXPECT_EQ(enforcement_notice({}), "");
    EXPECT_EQ(enforcement_notice_code({}), "");
}

TEST(EnforcementParts, MissingOptionalPartIsNamedWithItsCause)
{
    auto links = kAll;
    links.erase("link_dyndbg_open");
    const auto missing =
        missing_parts(pinned(links), true, {{"dynamic-debug", false, "failed to resolve CO-RE relocation"}});
    ASSERT_EQ(missing.size(), 1u);
    EXPECT_EQ(missing[0].part, EnforcementPart::Dyndbg);
    const auto notice = enforcement_notice(missing);
    EXPECT_NE(notice.find("Lockdown is enforced, but its dynamic-debug protection did not load"), std::string::npos)
        << notice;
    EXPECT_NE(notice.find("/proc/dynamic_debug/control"), std::string::npos) << notice;
    EXPECT_NE(notice.find("Cause: failed to resolve CO-RE relocation"), std::string::npos) << notice;
    EXPECT_EQ(enforcement_notice_code(missing), "part-missing-dynamic-debug");
}

TEST(EnforcementParts, PinProtectionCountsOnlyWhenWanted)
{
    const auto links = all_links_but(EnforcementPart::PinProtection);
    EXPECT_TRUE(missing_parts(pinned(links), false, {}).empty());
    const auto missing = missing_parts(pinned(links), true, {});
    ASSERT_EQ(missing.size(), 1u);
    EXPECT_EQ(missing[0].part, EnforcementPart::PinProtection);
    // One protector of four gone is still a gap.
    auto three = kAll;
    three.erase("link_protect_umount");
    EXPECT_EQ(missing_parts(pinned(three), true, {}).size(), 1u);
}

TEST(EnforcementParts, NotEnforcingOutweighsTheRest)
{
    const auto missing = missing_parts(pinned({}), true, {{"locked-down", false, "loading failed: Invalid argument"}});
    ASSERT_EQ(missing.size(), enforcement_parts().size());
    const auto notice = enforcement_notice(missing);
    EXPECT_EQ(notice.rfind("Lockdown is not enforcing", 0), 0u) << notice;
    EXPECT_NE(notice.find("Cause: loading failed: Invalid argument"), std::string::npos) << notice;
    EXPECT_EQ(notice.find("dynamic-debug"), std::string::npos) << "one clear sentence, not a list: " << notice;
    EXPECT_EQ(enforcement_notice_code(missing), "not-enforcing");
}

TEST(EnforcementParts, EveryPartHasItsOwnNoticeCode)
{
    std::set<std::string> codes;
    for (const auto& info : enforcement_parts()) {
        const std::string code = enforcement_notice_code({{info.part, ""}});
        EXPECT_EQ(code, info.part == EnforcementPart::LockedDown ? std::string("not-enforcing")
                                                                 : std::string("part-missing-") + info.name);
        codes.insert(code);
    }
    EXPECT_EQ(codes.size(), enforcement_parts().size());
}

TEST(EnforcementParts, NotLoadedWithoutARecordSaysHowToStart)
{
    const auto notice = enforcement_notice(missing_parts(pinned({}), false, {}));
    EXPECT_NE(notice.find("lockdown-enforce.service"), std::string::npos) << notice;
}

TEST(EnforcementParts, RecordOfALoadedPartGivesNoCause)
{
    // The pins are the truth: a stale "loaded" record does not hide a gap,
    // and a stale cause is not shown for a part that runs.
    const auto missing = missing_parts(pinned(all_links_but(EnforcementPart::Dyndbg)), false,
                                       {{"dynamic-debug", true, ""}});
    ASSERT_EQ(missing.size(), 1u);
    EXPECT_EQ(missing[0].part, EnforcementPart::Dyndbg);
    EXPECT_EQ(missing[0].cause, "");
    EXPECT_TRUE(missing_parts(pinned(kAll), true, {{"dynamic-debug", false, "old"}}).empty());
}

TEST(EnforcementParts, EveryPartHasLinksAndAMeaning)
{
    std::set<std::string> names, links;
    size_t n_links = 0;
    for (const auto& p : enforcement_parts()) {
        EXPECT_FALSE(p.links.empty()) << p.name;
        EXPECT_NE(std::string(p.meaning), "") << p.name;
        names.insert(p.name);
        links.insert(p.links.begin(), p.links.end());
        n_links += p.links.size();
    }
    EXPECT_EQ(names.size(), enforcement_parts().size()) << "part names are unique";
    EXPECT_EQ(links.size(), n_links) << "link pin names are unique";
    // The guard's room for ids (lockdown-broker.h) holds every link.
    EXPECT_LE(n_links, static_cast<size_t>(LD_GUARD_MAX_LINKS));
}
