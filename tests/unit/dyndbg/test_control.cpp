// SPDX-License-Identifier: LGPL-2.1-or-later
// The dynamic_debug control file: lines as 6.1 and 6.12 print them, what a
// match spec selects, what changed between two readings, and the query that
// puts one callsite back.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dyndbg/control.hpp"
#include "fakes/test_support.hpp"

using namespace ldb;
using namespace ldb::dyndbg;
using ::testing::HasSubstr;

namespace {

// Lines in the shapes the kernels print (lib/dynamic_debug.c, ddebug_proc_show).
constexpr const char* kReading =
    "# filename:lineno [module]function flags format\n"
    "init/main.c:1179 [main]initcall_blacklist =_ \"blacklisting initcall %s\\n\"\n"
    "drivers/net/virtio_net.c:4010 [virtio_net]virtnet_probe =p \"virtio_net: %s\\n\"\n"
    "drivers/net/virtio_net.c:4011 [virtio_net]virtnet_probe =pmf \"say \"hi\" to %s\"\n"
    "drivers/gpu/drm/drm_atomic.c:1432 [drm]drm_atomic_check_only =_ \"checking %p\\n\" class:DRM_UT_ATOMIC\n"
    "drivers/gpu/drm/x.c:7 [drm]f =_ \"odd\" class unknown, _id:5\n";

Callsite line(const char* l)
{
    return parse_control_line(l);
}

} // namespace

TEST(DyndbgControl, ParsesEveryShape)
{
    std::vector<std::string> bad;
    const auto sites = parse_control(kReading, &bad);
    EXPECT_TRUE(bad.empty()) << bad.front();
    ASSERT_EQ(sites.size(), 5u);
    EXPECT_EQ(sites[0].file, "init/main.c");
    EXPECT_EQ(sites[0].line, 1179u);
    EXPECT_EQ(sites[0].module, "main");
    EXPECT_EQ(sites[0].function, "initcall_blacklist");
    EXPECT_EQ(sites[0].flags, "_");
    EXPECT_EQ(sites[0].format, "blacklisting initcall %s\\n");
    EXPECT_EQ(sites[1].flags, "p");
    EXPECT_EQ(sites[2].flags, "pmf");
    EXPECT_EQ(sites[2].format, "say \"hi\" to %s") << "quotes in a format are printed raw";
    EXPECT_EQ(sites[3].cls, "DRM_UT_ATOMIC");
    EXPECT_EQ(sites[3].format, "checking %p\\n");
    EXPECT_TRUE(sites[4].class_unknown);
    EXPECT_EQ(sites[4].class_id, 5);
    EXPECT_EQ(sites[4].format, "odd");
}

TEST(DyndbgControl, RenderIsTheInverse)
{
    for (const auto& c : parse_control(kReading)) {
        const std::string l = render_control_line(c);
        EXPECT_EQ(parse_control_line(l), c) << l;
    }
    const std::string text = kReading;
    EXPECT_NE(text.find(render_control_line(line(
                  "drivers/gpu/drm/x.c:7 [drm]f =_ \"odd\" class unknown, _id:5"))),
              std::string::npos);
}

TEST(DyndbgControl, FormatThatLooksLikeAClassSuffix)
{
    const auto c = line("a.c:1 [m]f =p \"x\" class:Y\"");
    EXPECT_EQ(c.format, "x\" class:Y") << "a line ending in a quote has no class";
    EXPECT_TRUE(c.cls.empty());
    const auto d = line("a.c:1 [m]f =p \"x\" class:Y\" class:Z");
    EXPECT_EQ(d.format, "x\" class:Y");
    EXPECT_EQ(d.cls, "Z");
}

TEST(DyndbgControl, BadLinesAreReportedAndSkipped)
{
    for (const char* l : {"garbage", "a.c [m]f =p \"x\"", "a.c:x [m]f =p \"x\"", "a.c:01 [m]f =p \"x\"",
                          "a.c:1 [m f =p \"x\"", "a.c:1 [m]f p \"x\"", "a.c:1 [m]f =p x", "a.c:1 [m]f =p \"x",
                          "a.c:1 [m]f =p! \"x\"", "a.c:1 [m] =p \"x\"", "a.c:1 [m]f =p", ":1 [m]f =p \"x\"",
                          "a.c:1 [m]f =p \"x\" class:", "a.c:1 [m]f =p \"x\" class unknown, _id:"}) {
        SCOPED_TRACE(l);
        try {
            (void)parse_control_line(l);
            ADD_FAILURE() << "accepted";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::Kernel);
            EXPECT_THAT(e.what(), HasSubstr("unexpected dynamic_debug control line"));
        }
    }
    std::vector<std::string> bad;
    const auto sites = parse_control(std::string(kReading) + "garbage\n\n", &bad);
    EXPECT_EQ(sites.size(), 5u);
    ASSERT_EQ(bad.size(), 1u);
    EXPECT_THAT(bad[0], HasSubstr("garbage"));
}

TEST(DyndbgControl, MatchesLikeTheKernel)
{
    const auto sites = parse_control(kReading);
    const auto sel = [&](const std::string& spec, bool kernel = true) {
        std::vector<std::string> out;
        const auto m = parse_filter(spec);
        for (const auto& c : sites)
            if (matches(m, c, kernel))
                out.push_back(c.function + ":" + std::to_string(c.line));
        return out;
    };
    using ::testing::ElementsAre;
    EXPECT_THAT(sel("module virtio_net"), ElementsAre("virtnet_probe:4010", "virtnet_probe:4011"));
    EXPECT_THAT(sel("module virtio*"), ElementsAre("virtnet_probe:4010", "virtnet_probe:4011"));
    EXPECT_THAT(sel("module virtio_ne?"), ElementsAre("virtnet_probe:4010", "virtnet_probe:4011"));
    EXPECT_THAT(sel("file virtio_net.c line 4011"), ElementsAre("virtnet_probe:4011")) << "base name";
    EXPECT_THAT(sel("file drivers/net/virtio_net.c line 4011-"), ElementsAre("virtnet_probe:4011"));
    EXPECT_THAT(sel("file drivers/*/virtio_net.c line -4010"), ElementsAre("virtnet_probe:4010"));
    EXPECT_THAT(sel("func *probe format hi"), ElementsAre("virtnet_probe:4011"));
    EXPECT_THAT(sel("format \"initcall %s\\n\""), ElementsAre("initcall_blacklist:1179")) << "escapes compared unescaped";
    EXPECT_THAT(sel("format ^blacklisting"), ElementsAre("initcall_blacklist:1179"));
    EXPECT_THAT(sel("format ^initcall"), ElementsAre());
    // Classes: the kernel leaves classed callsites alone unless the query names the class.
    EXPECT_THAT(sel("module drm"), ElementsAre());
    EXPECT_THAT(sel("module drm class DRM_UT_ATOMIC"), ElementsAre("drm_atomic_check_only:1432"));
    EXPECT_THAT(sel("module drm", false), ElementsAre("drm_atomic_check_only:1432", "f:7")) << "listing shows them";
    EXPECT_THAT(sel("class DRM_UT_KMS"), ElementsAre());
}

TEST(DyndbgControl, ApplyFlags)
{
    EXPECT_EQ(apply_flags("_", '+', "p", "pmflt_"), "p");
    EXPECT_EQ(apply_flags("p", '+', "fm", "pmflt_"), "pmf");
    EXPECT_EQ(apply_flags("pmf", '-', "p", "pmflt_"), "mf");
    EXPECT_EQ(apply_flags("p", '-', "p", "pmflt_"), "_");
    EXPECT_EQ(apply_flags("pmf", '=', "l", "pmflt_"), "l");
    EXPECT_EQ(apply_flags("pmf", '=', "_", "pmflt_"), "_");
}

TEST(DyndbgControl, DiffPairsCallsitesByIdentity)
{
    const auto before = parse_control(kReading);
    auto after = before;
    after[1].flags = "_";
    after[3].flags = "p";
    // A module loaded meanwhile: new callsites are not changes.
    after.push_back(line("x/y.c:1 [newmod]g =p \"new\""));
    const auto d = diff(before, after);
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0].site.line, 4010u);
    EXPECT_EQ(d[0].old_flags, "p");
    EXPECT_EQ(d[0].site.flags, "_");
    EXPECT_EQ(d[1].site.cls, "DRM_UT_ATOMIC");
    EXPECT_EQ(d[1].old_flags, "_");
    // Two callsites on one line (a macro): paired in order.
    const auto twin = std::vector<Callsite>{line("a.c:5 [m]f =_ \"one\""), line("a.c:5 [m]f =_ \"two\"")};
    auto twin_after = twin;
    twin_after[1].flags = "p";
    const auto d2 = diff(twin, twin_after);
    ASSERT_EQ(d2.size(), 1u);
    EXPECT_EQ(d2[0].site.format, "two");
}

TEST(DyndbgControl, SiteQueryNamesExactlyOneCallsite)
{
    const Grammar g{"pmflt_", false};
    const auto sites = parse_control(kReading);
    const auto q = site_query(key_of(sites[1]), "_", g);
    ASSERT_TRUE(q);
    EXPECT_EQ(*q, "module virtio_net file drivers/net/virtio_net.c func virtnet_probe line 4010 =_");
    // Classed: the class instead of the function (the kernel takes four pairs).
    const auto qc = site_query(key_of(sites[3]), "p", g);
    ASSERT_TRUE(qc);
    EXPECT_EQ(*qc, "module drm file drivers/gpu/drm/drm_atomic.c line 1432 class DRM_UT_ATOMIC =p");
    // Each selects its callsite and nothing else.
    for (const auto& [idx, text] : {std::pair{1, *q}, std::pair{3, *qc}}) {
        const auto parsed = parse_query(text, Grammar{"pmflt_", true});
        for (size_t i = 0; i < sites.size(); i++)
            EXPECT_EQ(matches(parsed.match, sites[i], true), static_cast<int>(i) == idx) << text << " vs " << i;
    }
    EXPECT_FALSE(site_query(key_of(sites[4]), "_", g)) << "an unknown class cannot be named";
    EXPECT_FALSE(site_query(key_of(line("a:b.c:1 [m]f =p \"x\"")), "_", g)) << "':' in a file name";
    EXPECT_FALSE(site_query(key_of(sites[1]), "s", g)) << "a letter this kernel does not know";
}
