// SPDX-License-Identifier: LGPL-2.1-or-later
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "config/config.hpp"
#include "base/error.hpp"
#include "enforcement/kernel_env.hpp"
#include "fakes/test_support.hpp"

using ldb::ErrorKind;
using ldb::KernelEnv;
using ldb::Mode;
using ldb::parse_kernel_lockdown;
using ldb_test::catch_error;
using ldb_test::TempDir;
using ldb_test::write_file;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

const std::string kSecureBootVar =
    "sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";

// A fake root; probe() must never touch the real system for it.
struct FakeRoot {
    TempDir tmp;
    FakeRoot() { ldb_test::fs::create_directories(tmp / "sys/kernel"); }
    void lsm(const std::string& list) { write_file(tmp / "sys/kernel/security/lsm", list); }
    void lockdown(const std::string& text) { write_file(tmp / "sys/kernel/security/lockdown", text); }
    void btf() { write_file(tmp / "sys/kernel/btf/vmlinux", "not really BTF"); }
    void secure_boot(unsigned char value)
    {
        write_file(tmp / kSecureBootVar, std::string("\x06\x00\x00\x00", 4) + static_cast<char>(value));
    }
    KernelEnv probe() const { return KernelEnv::probe(tmp.str()); }
};

KernelEnv enforceable_env()
{
    KernelEnv env;
    env.has_btf = true;
    env.securityfs = true;
    env.lsm_list = "lockdown,capability,landlock,bpf";
    env.bpf_lsm = true;
    return env;
}

} // namespace

TEST(ParseKernelLockdown, EachMode)
{
    EXPECT_EQ(parse_kernel_lockdown("[none] integrity confidentiality"), Mode::None);
    EXPECT_EQ(parse_kernel_lockdown("none [integrity] confidentiality"), Mode::Integrity);
    EXPECT_EQ(parse_kernel_lockdown("none integrity [confidentiality]"), Mode::Confidentiality);
    EXPECT_EQ(parse_kernel_lockdown("none [integrity] confidentiality\n"), Mode::Integrity);
}

TEST(ParseKernelLockdown, Garbage)
{
    for (const char* s : {"", "none integrity confidentiality", "[paranoid] none", "]none[", "[none", "none]",
                          "[] none", "[ none ] integrity", "\x01\x02"}) {
        SCOPED_TRACE(s);
        EXPECT_EQ(parse_kernel_lockdown(s), std::nullopt);
    }
}

TEST(KernelEnvProbe, EmptyTree)
{
    FakeRoot root;
    const KernelEnv env = root.probe();
    EXPECT_FALSE(env.securityfs);
    EXPECT_EQ(env.lsm_list, "");
    EXPECT_FALSE(env.bpf_lsm);
    EXPECT_EQ(env.kernel_lockdown, std::nullopt);
    EXPECT_FALSE(env.has_btf);
    EXPECT_EQ(env.secure_boot, std::nullopt);
}

TEST(KernelEnvProbe, LsmListWithBpf)
{
    FakeRoot root;
    root.lsm("lockdown,capability,landlock,yama,apparmor,bpf\n");
    const KernelEnv env = root.probe();
    EXPECT_TRUE(env.securityfs);
    EXPECT_EQ(env.lsm_list, "lockdown,capability,landlock,yama,apparmor,bpf");
    EXPECT_TRUE(env.bpf_lsm);
}

TEST(KernelEnvProbe, LsmListWithBpfFirstAndWithoutNewline)
{
    FakeRoot root;
    root.lsm("bpf,capability");
    const KernelEnv env = root.probe();
    EXPECT_EQ(env.lsm_list, "bpf,capability");
    EXPECT_TRUE(env.bpf_lsm);
}

TEST(KernelEnvProbe, LsmListWithoutBpf)
{
    FakeRoot root;
    root.lsm("lockdown,capability,landlock,yama,apparmor,bpffs,notbpf\n");
    const KernelEnv env = root.probe();
    EXPECT_TRUE(env.securityfs);
    EXPECT_EQ(env.lsm_list, "lockdown,capability,landlock,yama,apparmor,bpffs,notbpf");
    EXPECT_FALSE(env.bpf_lsm) << "only the whole word 'bpf' counts";
}

TEST(KernelEnvProbe, KernelLockdownFile)
{
    FakeRoot root;
    root.lockdown("none [integrity] confidentiality\n");
    EXPECT_EQ(root.probe().kernel_lockdown, Mode::Integrity);
    root.lockdown("[none] integrity confidentiality\n");
    EXPECT_EQ(root.probe().kernel_lockdown, Mode::None);
    root.lockdown("none integrity [confidentiality]\n");
    EXPECT_EQ(root.probe().kernel_lockdown, Mode::Confidentiality);
    root.lockdown("garbage\n");
    EXPECT_EQ(root.probe().kernel_lockdown, std::nullopt);
}

TEST(KernelEnvProbe, Btf)
{
    FakeRoot root;
    EXPECT_FALSE(root.probe().has_btf);
    root.btf();
    EXPECT_TRUE(root.probe().has_btf);
}

TEST(KernelEnvProbe, SecureBoot)
{
    FakeRoot root;
    root.secure_boot(1);
    EXPECT_EQ(root.probe().secure_boot, true);
    root.secure_boot(0);
    EXPECT_EQ(root.probe().secure_boot, false);
}

TEST(KernelEnvProbe, SecureBootVariableTooShort)
{
    FakeRoot root;
    write_file(root.tmp / kSecureBootVar, std::string("\x06\x00\x00\x00", 4));
    EXPECT_EQ(root.probe().secure_boot, std::nullopt);
}

// A file that is there but cannot be read (here: a directory) tells the
// probe nothing, as an absent one does; the probe itself does not fail.
TEST(KernelEnvProbe, UnreadableFilesTellNothing)
{
    FakeRoot root;
    ldb_test::fs::create_directories(root.tmp / "sys/kernel/security/lsm");
    ldb_test::fs::create_directories(root.tmp / kSecureBootVar);
    root.lockdown("none [integrity] confidentiality\n");
    const KernelEnv env = root.probe();
    EXPECT_FALSE(env.securityfs);
    EXPECT_FALSE(env.bpf_lsm);
    EXPECT_EQ(env.secure_boot, std::nullopt);
    EXPECT_EQ(env.kernel_lockdown, Mode::Integrity) << "what can be read still counts";
}

TEST(KernelEnvProbe, RootWithTrailingSlash)
{
    FakeRoot root;
    root.lsm("bpf");
    root.btf();
    const KernelEnv env = KernelEnv::probe(root.tmp.str() + "/");
    EXPECT_TRUE(env.bpf_lsm);
    EXPECT_TRUE(env.has_btf);
}

TEST(KernelEnvProbe, EnforceableTree)
{
    FakeRoot root;
    root.lsm("lockdown,capability,bpf\n");
    root.btf();
    root.lockdown("[none] integrity confidentiality\n");
    const KernelEnv env = root.probe();
    EXPECT_NO_THROW(ldb::require_enforceable(env));
    EXPECT_EQ(ldb::kernel_lockdown_notice(env), "");
}

// ---- require_enforceable ---------------------------------------------------------

TEST(RequireEnforceable, AllThere)
{
    EXPECT_NO_THROW(ldb::require_enforceable(enforceable_env()));
}

TEST(RequireEnforceable, NoBtf)
{
    KernelEnv env = enforceable_env();
    env.has_btf = false;
    const auto err = catch_error([&] { ldb::require_enforceable(env); });
    EXPECT_EQ(err.kind(), ErrorKind::Kernel);
    EXPECT_THAT(err.what(), HasSubstr("no BTF"));
    EXPECT_THAT(err.what(), HasSubstr("/sys/kernel/btf/vmlinux"));
    EXPECT_THAT(err.hint(), HasSubstr("CONFIG_DEBUG_INFO_BTF=y"));
}

TEST(RequireEnforceable, NoBtfIsReportedFirst)
{
    FakeRoot root; // nothing at all
    const auto err = catch_error([&] { ldb::require_enforceable(root.probe()); });
    EXPECT_THAT(err.what(), HasSubstr("no BTF"));
}

TEST(RequireEnforceable, NoSecurityfs)
{
    FakeRoot root;
    root.btf();
    const auto err = catch_error([&] { ldb::require_enforceable(root.probe()); });
    EXPECT_EQ(err.kind(), ErrorKind::Kernel);
    EXPECT_THAT(err.what(), HasSubstr("/sys/kernel/security/lsm"));
    EXPECT_THAT(err.hint(), HasSubstr("mount -t securityfs"));
}

TEST(RequireEnforceable, BpfNotInLsmList)
{
    FakeRoot root;
    root.btf();
    root.lsm("lockdown,capability,landlock,yama,apparmor\n");
    const auto err = catch_error([&] { ldb::require_enforceable(root.probe()); });
    EXPECT_EQ(err.kind(), ErrorKind::Kernel);
    EXPECT_THAT(err.what(), HasSubstr("BPF LSM is not active"));
    EXPECT_THAT(err.what(), HasSubstr("'lockdown,capability,landlock,yama,apparmor'"));
    EXPECT_THAT(err.hint(), HasSubstr("lsm=lockdown,capability,landlock,yama,apparmor,bpf "));
    EXPECT_THAT(err.hint(), HasSubstr("CONFIG_BPF_LSM=y"));
}

TEST(RequireEnforceable, EmptyLsmList)
{
    KernelEnv env = enforceable_env();
    env.lsm_list = "";
    env.bpf_lsm = false;
    const auto err = catch_error([&] { ldb::require_enforceable(env); });
    EXPECT_THAT(err.hint(), HasSubstr("lsm=bpf "));
}

// ---- kernel_lockdown_notice ------------------------------------------------------

TEST(KernelLockdownNotice, EmptyWhenNoneOrUnknown)
{
    KernelEnv env = enforceable_env();
    EXPECT_EQ(ldb::kernel_lockdown_notice(env), "");
    env.kernel_lockdown = Mode::None;
    EXPECT_EQ(ldb::kernel_lockdown_notice(env), "");
    env.secure_boot = true;
    EXPECT_EQ(ldb::kernel_lockdown_notice(env), "");
    EXPECT_EQ(ldb::kernel_lockdown_notice_code(env), "");
    env.kernel_lockdown = Mode::Confidentiality;
    EXPECT_EQ(ldb::kernel_lockdown_notice_code(env), "kernel-lockdown-raised");
}

TEST(KernelLockdownNotice, IntegrityWithSecureBoot)
{
    KernelEnv env = enforceable_env();
    env.kernel_lockdown = Mode::Integrity;
    env.secure_boot = true;
    const std::string n = ldb::kernel_lockdown_notice(env);
    EXPECT_THAT(n, HasSubstr("'integrity'"));
    EXPECT_THAT(n, HasSubstr("because Secure Boot is on"));
    EXPECT_THAT(n, HasSubstr("CONFIG_LOCK_DOWN_IN_EFI_SECURE_BOOT"));
    EXPECT_THAT(n, HasSubstr("every integrity reason"));
    EXPECT_THAT(n, HasSubstr("lockdown=none"));
}

TEST(KernelLockdownNotice, WithoutSecureBootNoSecureBootExplanation)
{
    for (const std::optional<bool> sb : {std::optional<bool>(false), std::optional<bool>()}) {
        SCOPED_TRACE(sb.has_value() ? "secure_boot=false" : "secure_boot unknown");
        for (const Mode m : {Mode::Integrity, Mode::Confidentiality}) {
            KernelEnv env = enforceable_env();
            env.kernel_lockdown = m;
            env.secure_boot = sb;
            const std::string n = ldb::kernel_lockdown_notice(env);
            EXPECT_THAT(n, HasSubstr("'" + ldb::to_string(m) + "'"));
            EXPECT_THAT(n, Not(HasSubstr("CONFIG_LOCK_DOWN_IN_EFI_SECURE_BOOT")));
            EXPECT_THAT(n, Not(HasSubstr("because Secure Boot is on")));
        }
    }
}

TEST(KernelLockdownNotice, Confidentiality)
{
    KernelEnv env = enforceable_env();
    env.kernel_lockdown = Mode::Confidentiality;
    env.secure_boot = true;
    const std::string n = ldb::kernel_lockdown_notice(env);
    EXPECT_THAT(n, HasSubstr("'confidentiality'"));
    EXPECT_THAT(n, HasSubstr("every lockdown reason"));
    EXPECT_THAT(n, Not(HasSubstr("every integrity reason")));
    EXPECT_THAT(n, HasSubstr("CONFIG_LOCK_DOWN_IN_EFI_SECURE_BOOT"));
}
