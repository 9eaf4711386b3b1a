// SPDX-License-Identifier: LGPL-2.1-or-later
#include <gtest/gtest.h>

#include <cstdlib>

#include "base/i18n.hpp"

using namespace ldb;

TEST(I18nFill, PlainPlaceholdersTakeTheArgumentsInOrder)
{
    EXPECT_EQ(fill("unknown key '%s' in [%s]", {"Denny", "Lockdown"}), "unknown key 'Denny' in [Lockdown]");
    EXPECT_EQ(fill("no placeholder", {}), "no placeholder");
    EXPECT_EQ(fill("%s", {""}), "");
}

TEST(I18nFill, PositionalPlaceholdersMayReorder)
{
    EXPECT_EQ(fill("%2$s before %1$s", {"one", "two"}), "two before one");
    EXPECT_EQ(fill("%1$s and %1$s again", {"x"}), "x and x again");
    // Positional ones do not move the plain counter.
    EXPECT_EQ(fill("%2$s then %s", {"a", "b"}), "b then a");
}

TEST(I18nFill, PercentPercentIsOnePercent)
{
    EXPECT_EQ(fill("100%% of %s", {"it"}), "100% of it");
    EXPECT_EQ(fill("%%s", {"unused"}), "%s");
}

TEST(I18nFill, BrokenFormatsAreCopiedNotCrashed)
{
    // More placeholders than arguments: the extra ones stay as written.
    EXPECT_EQ(fill("%s and %s", {"one"}), "one and %s");
    EXPECT_EQ(fill("%3$s", {"a", "b"}), "%3$s");
    EXPECT_EQ(fill("%0$s", {"a"}), "%0$s");
    // Unknown conversions, a trailing or dangling '%', a '$' without 's'.
    EXPECT_EQ(fill("%d items", {"a"}), "%d items");
    EXPECT_EQ(fill("50%", {"a"}), "50%");
    EXPECT_EQ(fill("%1$d", {"a"}), "%1$d");
    EXPECT_EQ(fill("%1$", {"a"}), "%1$");
    EXPECT_EQ(fill("%12", {"a"}), "%12");
    // A huge index neither overflows nor reads past the arguments.
    EXPECT_EQ(fill("%99999999999999999999999$s", {"a"}), "%99999999999999999999999$s");
    // An argument's own '%' is never read as a placeholder.
    EXPECT_EQ(fill("%s %s", {"%s", "b"}), "%s b");
}

TEST(I18n, UntranslatedWithoutSetlocale)
{
    // The process is in the "C" locale until init_i18n(): the unit tests,
    // and the daemon, see the English msgid whatever LANGUAGE says.
    ::setenv("LANGUAGE", "de", 1);
    EXPECT_STREQ(_("unknown command '%s'"), "unknown command '%s'");
    ::unsetenv("LANGUAGE");
    EXPECT_STREQ(N_("marked only"), "marked only");
}

TEST(I18n, LocaleDirComesFromTheEnvironmentWhenSet)
{
    ::setenv("LOCKDOWN_BROKER_LOCALEDIR", "/tmp/po-build", 1);
    EXPECT_STREQ(locale_dir(), "/tmp/po-build");
    ::setenv("LOCKDOWN_BROKER_LOCALEDIR", "", 1);
    EXPECT_STREQ(locale_dir(), LDB_LOCALEDIR);
    ::unsetenv("LOCKDOWN_BROKER_LOCALEDIR");
    EXPECT_STREQ(locale_dir(), LDB_LOCALEDIR);
}
