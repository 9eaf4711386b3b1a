// SPDX-License-Identifier: LGPL-2.1-or-later
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "base/error.hpp"
#include "base/ini.hpp"
#include "fakes/test_support.hpp"

using ldb::Action;
using ldb::Config;
using ldb::ConfigPaths;
using ldb::ErrorKind;
using ldb::Mode;
using ldb_test::catch_error;
using ldb_test::TempDir;
using ldb_test::write_file;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

namespace fs = std::filesystem;

namespace {

void apply(Config& cfg, const std::string& text, const std::string& file = "a.conf")
{
    ldb::apply_entries(cfg, ldb::parse_ini(text, file));
}

// "Deny:dev-mem@a.conf:3" for compact comparisons.
std::vector<std::string> summary(const Config& cfg)
{
    std::vector<std::string> out;
    for (const auto& a : cfg.assignments)
        out.push_back(ldb::to_string(a.action) + ":" + a.reason + "@" + a.where.file + ":" +
                      std::to_string(a.where.line));
    return out;
}

} // namespace

TEST(Config, StringsAndParseMode)
{
    EXPECT_EQ(ldb::to_string(Mode::None), "none");
    EXPECT_EQ(ldb::to_string(Mode::Integrity), "integrity");
    EXPECT_EQ(ldb::to_string(Mode::Confidentiality), "confidentiality");
    EXPECT_EQ(ldb::to_string(Action::Deny), "deny");
    EXPECT_EQ(ldb::to_string(Action::Allow), "allow");
    EXPECT_EQ(ldb::to_string(Action::Audit), "audit");
    EXPECT_EQ(ldb::parse_mode("none"), Mode::None);
    EXPECT_EQ(ldb::parse_mode("integrity"), Mode::Integrity);
    EXPECT_EQ(ldb::parse_mode("confidentiality"), Mode::Confidentiality);
    EXPECT_EQ(ldb::parse_mode("Integrity"), std::nullopt);
    EXPECT_EQ(ldb::parse_mode(""), std::nullopt);
    EXPECT_EQ(ldb::parse_mode("integrity "), std::nullopt);
}

TEST(Config, DefaultsWithoutAnyFile)
{
    const Config cfg;
    EXPECT_EQ(cfg.mode, Mode::Integrity);
    EXPECT_FALSE(cfg.mode_set_at.has_value());
    EXPECT_THAT(cfg.assignments, IsEmpty());
    EXPECT_THAT(cfg.files, IsEmpty());
}

TEST(Config, ModeIsSetAndLocated)
{
    Config cfg;
    apply(cfg, "[Lockdown]\n# comment\nMode=confidentiality\n");
    EXPECT_EQ(cfg.mode, Mode::Confidentiality);
    ASSERT_TRUE(cfg.mode_set_at.has_value());
    EXPECT_EQ(cfg.mode_set_at->file, "a.conf");
    EXPECT_EQ(cfg.mode_set_at->line, 3u);

    apply(cfg, "[Lockdown]\nMode=none\n", "b.conf");
    EXPECT_EQ(cfg.mode, Mode::None);
    EXPECT_EQ(cfg.mode_set_at->file, "b.conf");
    EXPECT_EQ(cfg.mode_set_at->line, 2u);
}

TEST(Config, DenyAllowAudit)
{
    Config cfg;
    apply(cfg, "[Lockdown]\nDeny=dev-mem  kcore\nAllow=\tdebugfs\nAudit=perf tracefs\n");
    EXPECT_THAT(summary(cfg), ElementsAre("deny:dev-mem@a.conf:2", "deny:kcore@a.conf:2", "allow:debugfs@a.conf:3",
                                          "audit:perf@a.conf:4", "audit:tracefs@a.conf:4"));
    EXPECT_EQ(cfg.mode, Mode::Integrity) << "Deny=/Allow=/Audit= must not touch Mode";
    EXPECT_FALSE(cfg.mode_set_at.has_value());
}

TEST(Config, OrderOfAssignmentsIsPreservedAcrossFiles)
{
    Config cfg;
    apply(cfg, "[Lockdown]\nAllow=kcore\nDeny=dev-mem\n", "a.conf");
    apply(cfg, "[Lockdown]\nAudit=kcore\nAllow=dev-mem\nDeny=kcore\n", "b.conf");
    EXPECT_THAT(summary(cfg), ElementsAre("allow:kcore@a.conf:2", "deny:dev-mem@a.conf:3", "audit:kcore@b.conf:2",
                                          "allow:dev-mem@b.conf:3", "deny:kcore@b.conf:4"));
}

TEST(Config, EmptyAssignmentResetsOnlyThatKey)
{
    Config cfg;
    apply(cfg, "[Lockdown]\nDeny=dev-mem kcore\nAllow=debugfs\nAudit=perf\n", "a.conf");
    apply(cfg, "[Lockdown]\nDeny=\nDeny=tracefs\n", "b.conf");
    EXPECT_THAT(summary(cfg), ElementsAre("allow:debugfs@a.conf:3", "audit:perf@a.conf:4", "deny:tracefs@b.conf:3"));

    apply(cfg, "[Lockdown]\nAllow=   \n", "c.conf");
    EXPECT_THAT(summary(cfg), ElementsAre("audit:perf@a.conf:4", "deny:tracefs@b.conf:3"));

    apply(cfg, "[Lockdown]\nAudit=\n", "d.conf");
    EXPECT_THAT(summary(cfg), ElementsAre("deny:tracefs@b.conf:3"));
}

TEST(Config, EmptyAssignmentDoesNotResetMode)
{
    Config cfg;
    apply(cfg, "[Lockdown]\nMode=none\nDeny=\n");
    EXPECT_EQ(cfg.mode, Mode::None);
}

TEST(ConfigError, UnknownSection)
{
    Config cfg;
    const auto err = catch_error([&] { apply(cfg, "[Lockdown]\nMode=none\n[Lockdwon]\nDeny=kcore\n"); });
    EXPECT_EQ(err.kind(), ErrorKind::Config);
    EXPECT_THAT(err.what(), StartsWith("a.conf:4: "));
    EXPECT_THAT(err.what(), HasSubstr("unknown section [Lockdwon]"));
    EXPECT_THAT(err.hint(), HasSubstr("[Lockdown]"));
}

TEST(ConfigError, UnknownKey)
{
    Config cfg;
    const auto err = catch_error([&] { apply(cfg, "[Lockdown]\n\nDenied=kcore\n"); });
    EXPECT_EQ(err.kind(), ErrorKind::Config);
    EXPECT_THAT(err.what(), StartsWith("a.conf:3: "));
    EXPECT_THAT(err.what(), HasSubstr("unknown key 'Denied'"));
    for (const char* k : {"Mode=", "Deny=", "Allow=", "Audit="})
        EXPECT_THAT(err.hint(), HasSubstr(k));
}

TEST(ConfigError, KeysAreCaseSensitive)
{
    Config cfg;
    const auto err = catch_error([&] { apply(cfg, "[Lockdown]\nmode=none\n"); });
    EXPECT_THAT(err.what(), HasSubstr("a.conf:2: unknown key 'mode'"));
}

TEST(ConfigError, InvalidMode)
{
    Config cfg;
    const auto err = catch_error([&] { apply(cfg, "[Lockdown]\nDeny=kcore\nMode=paranoid\n", "/etc/x.conf"); });
    EXPECT_EQ(err.kind(), ErrorKind::Config);
    EXPECT_THAT(err.what(), StartsWith("/etc/x.conf:3: "));
    EXPECT_THAT(err.what(), HasSubstr("invalid Mode 'paranoid'"));
    EXPECT_THAT(err.hint(), HasSubstr("none"));
    EXPECT_THAT(err.hint(), HasSubstr("integrity"));
    EXPECT_THAT(err.hint(), HasSubstr("confidentiality"));
}

TEST(ConfigError, EmptyModeIsInvalid)
{
    Config cfg;
    const auto err = catch_error([&] { apply(cfg, "[Lockdown]\nMode=\n"); });
    EXPECT_THAT(err.what(), HasSubstr("a.conf:2: invalid Mode ''"));
}

// ---- which files, in which order --------------------------------------------

namespace {

// Three directories standing in for /etc, /run and /usr/lib, highest first.
struct ConfigTree {
    TempDir tmp;
    fs::path etc = tmp / "etc";
    fs::path run = tmp / "run";
    fs::path lib = tmp / "lib";

    ConfigTree()
    {
        fs::create_directories(etc);
        fs::create_directories(run);
        fs::create_directories(lib);
    }
    ConfigPaths paths() const { return ConfigPaths{{etc.string(), run.string(), lib.string()}, "broker.conf"}; }
    static fs::path dropin(const fs::path& dir, const std::string& name) { return dir / "broker.conf.d" / name; }
};

const std::string kEmpty = "[Lockdown]\n";

} // namespace

TEST(ConfigFiles, NothingAtAll)
{
    ConfigTree t;
    EXPECT_THAT(ldb::config_files(t.paths()), IsEmpty());
    ConfigPaths missing{{(t.tmp / "nope1").string(), (t.tmp / "nope2").string()}, "broker.conf"};
    EXPECT_THAT(ldb::config_files(missing), IsEmpty());
}

TEST(ConfigFiles, MainFileFromHighestPriorityDirThatHasIt)
{
    ConfigTree t;
    write_file(t.lib / "broker.conf", kEmpty);
    EXPECT_THAT(ldb::config_files(t.paths()), ElementsAre((t.lib / "broker.conf").string()));
    write_file(t.run / "broker.conf", kEmpty);
    EXPECT_THAT(ldb::config_files(t.paths()), ElementsAre((t.run / "broker.conf").string()));
    write_file(t.etc / "broker.conf", kEmpty);
    EXPECT_THAT(ldb::config_files(t.paths()), ElementsAre((t.etc / "broker.conf").string()));
}

TEST(ConfigFiles, MainFileThatIsADirectoryIsSkipped)
{
    ConfigTree t;
    fs::create_directories(t.etc / "broker.conf");
    write_file(t.lib / "broker.conf", kEmpty);
    EXPECT_THAT(ldb::config_files(t.paths()), ElementsAre((t.lib / "broker.conf").string()));
}

TEST(ConfigFiles, DropinsSortedByNameAcrossDirsAfterMainFile)
{
    ConfigTree t;
    write_file(t.lib / "broker.conf", kEmpty);
    write_file(ConfigTree::dropin(t.lib, "30-c.conf"), kEmpty);
    write_file(ConfigTree::dropin(t.etc, "20-b.conf"), kEmpty);
    write_file(ConfigTree::dropin(t.run, "10-a.conf"), kEmpty);
    write_file(ConfigTree::dropin(t.lib, "05-first.conf"), kEmpty);
    write_file(ConfigTree::dropin(t.etc, "99-last.conf"), kEmpty);
    EXPECT_THAT(ldb::config_files(t.paths()),
                ElementsAre((t.lib / "broker.conf").string(), ConfigTree::dropin(t.lib, "05-first.conf").string(),
                            ConfigTree::dropin(t.run, "10-a.conf").string(),
                            ConfigTree::dropin(t.etc, "20-b.conf").string(),
                            ConfigTree::dropin(t.lib, "30-c.conf").string(),
                            ConfigTree::dropin(t.etc, "99-last.conf").string()));
}

TEST(ConfigFiles, DropinsWithoutMainFile)
{
    ConfigTree t;
    write_file(ConfigTree::dropin(t.run, "b.conf"), kEmpty);
    write_file(ConfigTree::dropin(t.etc, "a.conf"), kEmpty);
    EXPECT_THAT(ldb::config_files(t.paths()),
                ElementsAre(ConfigTree::dropin(t.etc, "a.conf").string(), ConfigTree::dropin(t.run, "b.conf").string()));
}

TEST(ConfigFiles, SameNameInHigherDirMasksLower)
{
    ConfigTree t;
    write_file(ConfigTree::dropin(t.lib, "50-x.conf"), kEmpty);
    write_file(ConfigTree::dropin(t.run, "50-x.conf"), kEmpty);
    write_file(ConfigTree::dropin(t.lib, "60-y.conf"), kEmpty);
    write_file(ConfigTree::dropin(t.etc, "60-y.conf"), kEmpty);
    write_file(ConfigTree::dropin(t.run, "60-y.conf"), kEmpty);
    EXPECT_THAT(ldb::config_files(t.paths()), ElementsAre(ConfigTree::dropin(t.run, "50-x.conf").string(),
                                                          ConfigTree::dropin(t.etc, "60-y.conf").string()));
}

TEST(ConfigFiles, DropinSymlinkedToDevNullIsSkippedAndMasks)
{
    ConfigTree t;
    write_file(ConfigTree::dropin(t.lib, "50-vendor.conf"), kEmpty);
    write_file(ConfigTree::dropin(t.lib, "60-other.conf"), kEmpty);
    fs::create_directories(t.etc / "broker.conf.d");
    fs::create_symlink("/dev/null", ConfigTree::dropin(t.etc, "50-vendor.conf"));
    fs::create_symlink("/dev/null", ConfigTree::dropin(t.etc, "70-only-etc.conf"));
    EXPECT_THAT(ldb::config_files(t.paths()), ElementsAre(ConfigTree::dropin(t.lib, "60-other.conf").string()));
}

TEST(ConfigFiles, SymlinkToARealFileIsUsed)
{
    ConfigTree t;
    write_file(t.tmp / "elsewhere.conf", kEmpty);
    fs::create_directories(t.etc / "broker.conf.d");
    fs::create_symlink(t.tmp / "elsewhere.conf", ConfigTree::dropin(t.etc, "10-link.conf"));
    EXPECT_THAT(ldb::config_files(t.paths()), ElementsAre(ConfigTree::dropin(t.etc, "10-link.conf").string()));
}

TEST(ConfigFiles, NonConfAndDotfilesAreIgnored)
{
    ConfigTree t;
    for (const char* name : {"README", "10-a.conf.bak", "10-a.conf~", "10-a.conf.dpkg-old", ".hidden.conf", ".conf",
                             "conf", "10-a.CONF", "10-a.cnf"})
        write_file(ConfigTree::dropin(t.etc, name), "this is not ini at all\n");
    write_file(ConfigTree::dropin(t.etc, "10-a.conf"), kEmpty);
    write_file(t.etc / "other.conf", kEmpty); // next to, not in, the drop-in dir
    EXPECT_THAT(ldb::config_files(t.paths()), ElementsAre(ConfigTree::dropin(t.etc, "10-a.conf").string()));
    // And none of the ignored ones is read.
    EXPECT_NO_THROW(ldb::load_config(t.paths()));
}

TEST(ConfigFiles, OtherMainFileName)
{
    ConfigTree t;
    write_file(t.run / "other.conf", kEmpty);
    write_file(t.run / "broker.conf", kEmpty);
    write_file(t.run / "other.conf.d" / "1.conf", kEmpty);
    write_file(ConfigTree::dropin(t.run, "2.conf"), kEmpty);
    ConfigPaths p = t.paths();
    p.name = "other.conf";
    EXPECT_THAT(ldb::config_files(p),
                ElementsAre((t.run / "other.conf").string(), (t.run / "other.conf.d" / "1.conf").string()));
}

// ---- load_config -------------------------------------------------------------

TEST(LoadConfig, VendorFileThenLocalDropinWins)
{
    ConfigTree t;
    write_file(t.lib / "broker.conf", "# vendor defaults\n[Lockdown]\nMode=confidentiality\nDeny=debugfs\n");
    write_file(ConfigTree::dropin(t.lib, "10-vendor.conf"), "[Lockdown]\nAudit=kcore\n");
    write_file(ConfigTree::dropin(t.etc, "50-local.conf"), "[Lockdown]\nAllow=debugfs kcore\n");

    const Config cfg = ldb::load_config(t.paths());
    EXPECT_EQ(cfg.mode, Mode::Confidentiality);
    ASSERT_TRUE(cfg.mode_set_at.has_value());
    EXPECT_EQ(cfg.mode_set_at->file, (t.lib / "broker.conf").string());
    EXPECT_EQ(cfg.mode_set_at->line, 3u);
    EXPECT_THAT(cfg.files,
                ElementsAre((t.lib / "broker.conf").string(), ConfigTree::dropin(t.lib, "10-vendor.conf").string(),
                            ConfigTree::dropin(t.etc, "50-local.conf").string()));
    const std::string local = ConfigTree::dropin(t.etc, "50-local.conf").string();
    ASSERT_EQ(cfg.assignments.size(), 4u);
    // The /etc drop-in comes last, so it wins for both reasons.
    EXPECT_EQ(cfg.assignments[2].reason, "debugfs");
    EXPECT_EQ(cfg.assignments[2].action, Action::Allow);
    EXPECT_EQ(cfg.assignments[2].where.file, local);
    EXPECT_EQ(cfg.assignments[3].reason, "kcore");
    EXPECT_EQ(cfg.assignments[3].action, Action::Allow);
    EXPECT_EQ(cfg.assignments[3].where.line, 2u);
}

TEST(LoadConfig, NoFilesGivesBuiltinDefault)
{
    ConfigTree t;
    const Config cfg = ldb::load_config(t.paths());
    EXPECT_EQ(cfg.mode, Mode::Integrity);
    EXPECT_THAT(cfg.assignments, IsEmpty());
    EXPECT_THAT(cfg.files, IsEmpty());
}

TEST(LoadConfig, ErrorInALaterFileThrows)
{
    ConfigTree t;
    write_file(t.lib / "broker.conf", "[Lockdown]\nMode=none\n");
    write_file(ConfigTree::dropin(t.run, "10-good.conf"), "[Lockdown]\nAllow=kcore\n");
    write_file(ConfigTree::dropin(t.etc, "20-bad.conf"), "[Lockdown]\nAllow=dev-mem\nMode=secure\n");
    write_file(ConfigTree::dropin(t.etc, "30-after.conf"), "[Lockdown]\nDeny=kcore\n");

    const auto err = catch_error([&] { (void)ldb::load_config(t.paths()); });
    EXPECT_EQ(err.kind(), ErrorKind::Config);
    EXPECT_THAT(err.what(), StartsWith(ConfigTree::dropin(t.etc, "20-bad.conf").string() + ":3: "));
    EXPECT_THAT(err.what(), HasSubstr("invalid Mode 'secure'"));
}

TEST(LoadConfig, SyntaxErrorInALaterFileThrows)
{
    ConfigTree t;
    write_file(t.etc / "broker.conf", "[Lockdown]\nMode=none\n");
    write_file(ConfigTree::dropin(t.lib, "99-broken.conf"), "[Lockdown]\n\n\nAllow dev-mem\n");
    const auto err = catch_error([&] { (void)ldb::load_config(t.paths()); });
    EXPECT_THAT(err.what(), StartsWith(ConfigTree::dropin(t.lib, "99-broken.conf").string() + ":4: "));
}

TEST(LoadConfigFile, OnlyThatFile)
{
    TempDir tmp;
    const auto path = (tmp / "x.conf").string();
    write_file(path, "[Lockdown]\nMode=none\nDeny=kcore\n");
    const Config cfg = ldb::load_config_file(path);
    EXPECT_EQ(cfg.mode, Mode::None);
    EXPECT_THAT(cfg.files, ElementsAre(path));
    EXPECT_THAT(summary(cfg), ElementsAre("deny:kcore@" + path + ":3"));
    EXPECT_EQ(catch_error([&] { (void)ldb::load_config_file((tmp / "missing.conf").string()); }).kind(),
              ErrorKind::NotFound);
}

TEST(Config, ProtectPinsDefaultsToYesAndParsesBooleans)
{
    Config cfg;
    EXPECT_TRUE(cfg.protect_pins);
    const std::pair<const char*, bool> cases[] = {{"no", false}, {"false", false}, {"off", false}, {"0", false},
                                                  {"yes", true},  {"true", true},   {"on", true},   {"1", true}};
    for (const auto& [text, want] : cases) {
        Config c;
        c.protect_pins = !want; // so that every case must change it
        apply(c, (std::string("[Lockdown]\nProtectPins=") + text + "\n").c_str());
        EXPECT_EQ(c.protect_pins, want) << text;
    }
}

TEST(ConfigError, InvalidProtectPins)
{
    Config cfg;
    const auto err = catch_error([&] { apply(cfg, "[Lockdown]\nProtectPins=maybe\n"); });
    EXPECT_EQ(err.kind(), ErrorKind::Config);
    EXPECT_THAT(err.what(), HasSubstr("a.conf:2: invalid ProtectPins 'maybe'"));
    EXPECT_THAT(err.hint(), HasSubstr("yes or no"));
    EXPECT_TRUE(cfg.protect_pins); // unchanged
}

TEST(Config, DynamicDebugDefaultsAndValues)
{
    Config cfg;
    EXPECT_EQ(cfg.dyndbg.max_duration_seconds, 8u * 3600);
    EXPECT_FALSE(cfg.dyndbg.allow_global_queries);
    apply(cfg, "[DynamicDebug]\nMaxDuration=1h 30min\nAllowGlobalQueries=yes\n");
    EXPECT_EQ(cfg.dyndbg.max_duration_seconds, 5400u);
    EXPECT_TRUE(cfg.dyndbg.allow_global_queries);
    for (const auto& [text, secs] : std::vector<std::pair<std::string, uint64_t>>{
             {"90", 90}, {"90s", 90}, {"15min", 900}, {"8h", 28800}, {"2d", 172800}, {"1h30min", 5400}}) {
        (apply)(cfg, "[DynamicDebug]\nMaxDuration=" + text + "\n");
        EXPECT_EQ(cfg.dyndbg.max_duration_seconds, secs) << text;
    }
}

TEST(ConfigError, DynamicDebug)
{
    for (const auto& [text, what] : std::vector<std::pair<std::string, std::string>>{
             {"[DynamicDebug]\nMaxDuration=0\n", "a.conf:2: invalid MaxDuration '0'"},
             {"[DynamicDebug]\nMaxDuration=8x\n", "invalid MaxDuration '8x'"},
             {"[DynamicDebug]\nMaxDuration=8d\n", "invalid MaxDuration '8d'"},
             {"[DynamicDebug]\nMaxDuration=h\n", "invalid MaxDuration 'h'"},
             {"[DynamicDebug]\nMaxDuration=\n", "invalid MaxDuration ''"},
             {"[DynamicDebug]\nMaxDuration=99999999999999999999\n", "invalid MaxDuration"},
             {"[DynamicDebug]\nAllowGlobalQueries=sometimes\n", "invalid AllowGlobalQueries 'sometimes'"},
             {"[DynamicDebug]\nMaxSeconds=5\n", "unknown key 'MaxSeconds' in [DynamicDebug]"},
         }) {
        SCOPED_TRACE(text);
        Config cfg;
        const auto err = catch_error([&] { (apply)(cfg, text); });
        EXPECT_EQ(err.kind(), ErrorKind::Config);
        EXPECT_THAT(err.what(), HasSubstr(what));
        EXPECT_EQ(cfg.dyndbg.max_duration_seconds, 8u * 3600) << "unchanged";
    }
}

TEST(Config, HibernationDefaultsAndValues)
{
    Config cfg;
    EXPECT_TRUE(cfg.hibernation.require_authenticated_image);
    EXPECT_EQ(cfg.hibernation.hook_timeout_seconds, 90u); // systemd-sleep's timeout
    apply(cfg, "[Hibernation]\nRequireAuthenticatedImage=no\nHookTimeoutSec=3s\n");
    EXPECT_FALSE(cfg.hibernation.require_authenticated_image);
    EXPECT_EQ(cfg.hibernation.hook_timeout_seconds, 3u);
    for (const auto& [text, secs] : std::vector<std::pair<std::string, uint64_t>>{
             {"1", 1}, {"90", 90}, {"2min", 120}, {"1min 30s", 90}, {"1d", 86400}}) {
        (apply)(cfg, "[Hibernation]\nHookTimeoutSec=" + text + "\n");
        EXPECT_EQ(cfg.hibernation.hook_timeout_seconds, secs) << text;
    }
}

TEST(ConfigError, Hibernation)
{
    for (const auto& [text, what] : std::vector<std::pair<std::string, std::string>>{
             {"[Hibernation]\nHookTimeoutSec=0\n", "a.conf:2: invalid HookTimeoutSec '0'"},
             {"[Hibernation]\nHookTimeoutSec=\n", "invalid HookTimeoutSec ''"},
             {"[Hibernation]\nHookTimeoutSec=-5\n", "invalid HookTimeoutSec '-5'"},
             {"[Hibernation]\nHookTimeoutSec=3ms\n", "invalid HookTimeoutSec '3ms'"},
             {"[Hibernation]\nHookTimeoutSec=1.5s\n", "invalid HookTimeoutSec '1.5s'"},
             {"[Hibernation]\nHookTimeoutSec=25h\n", "invalid HookTimeoutSec '25h'"},
             {"[Hibernation]\nHookTimeoutSec=99999999999999999999\n", "invalid HookTimeoutSec"},
             {"[Hibernation]\nHookTimeout=5\n", "unknown key 'HookTimeout' in [Hibernation]"},
             {"[Hibernation]\nRequireAuthenticatedImage=maybe\n", "invalid RequireAuthenticatedImage 'maybe'"},
         }) {
        SCOPED_TRACE(text);
        Config cfg;
        const auto err = catch_error([&] { (apply)(cfg, text); });
        EXPECT_EQ(err.kind(), ErrorKind::Config);
        EXPECT_THAT(err.what(), HasSubstr(what));
        EXPECT_EQ(cfg.hibernation.hook_timeout_seconds, 90u) << "unchanged";
        EXPECT_TRUE(cfg.hibernation.require_authenticated_image) << "unchanged";
    }
    const auto err = catch_error([] {
        Config cfg;
        apply(cfg, "[Hibernation]\nHookTimeoutSec=0\n");
    });
    EXPECT_THAT(err.hint(), HasSubstr("from 1s to 1d"));
}
