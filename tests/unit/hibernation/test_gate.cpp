// SPDX-License-Identifier: LGPL-2.1-or-later
// HibernationGate: logind's grant follows the image check and the
// sessions; the sleep unit's grant is checked again and ends at resume.
// Also the resume header format, the stale-image reset, the writer's fault
// names and what it does after a failure, and the system-sleep hook runner.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <vector>

#include "fakes/fake_host.hpp"
#include "fakes/fake_kernel.hpp"
#include "hibernation/gate.hpp"
#include "hibernation/writer/sleep_hooks.hpp"
#include "hibernation/writer/snapshot_writer.hpp"
#include "fakes/synthetic_btf.hpp"
#include "fakes/test_support.hpp"

using namespace ldb;
using ::testing::HasSubstr;

namespace {

using ldb_test::FakeSessions;
using ldb_test::seat_session;

// The two units the gate grants to, running.
struct FakeUnits : ldb_test::FakeUnits {
    FakeUnits()
    {
        units = {
            {kLogindUnit, {"/system.slice/systemd-logind.service", true}},
            {kHibernateUnit, {"/system.slice/systemd-hibernate.service", true}},
        };
    }
};

HibernationVerdict passing()
{
    HibernationVerdict v;
    v.block = HibernationBlock::None;
    v.protection = ImageProtection::Authenticated;
    v.swap = "/dev/mapper/cryptswap";
    v.target = DevNo{253, 1};
    return v;
}

HibernationVerdict refusing()
{
    HibernationVerdict v;
    v.block = HibernationBlock::NotAuthenticated;
    v.blocker = "swap /dev/mapper/cryptswap (/dev/dm-1) is encrypted but not authenticated";
    v.blocker_code = "swap-not-authenticated";
    v.blocker_device = "/dev/mapper/cryptswap";
    return v;
}

struct Gate : ::testing::Test {
    ldb_test::TempDir tmp;
    ldb_test::FakeKernel kernel;
    ExceptionStore store{tmp.str() + "/store"};
    FakeSessions sessions;
    FakeUnits units;
    HibernationVerdict verdict = passing();
    int changes = 0;
    int began = 0;
    std::vector<std::string> revoked_whys;
    std::unique_ptr<ExceptionTable> grants;
    std::unique_ptr<HibernationGate> gate;

    Gate()
    {
        store.open();
        std::map<std::string, uint64_t> ids = {{"/system.slice/systemd-logind.service", 21},
                                               {"/system.slice/systemd-hibernate.service", 22}};
        grants = std::make_unique<ExceptionTable>(
            kernel, ldb_test::catalog_6_1(), store,
            ExceptionTable::Settings{60, [ids](const std::string& p) { return ids.at(p); }}, Clocks::system(),
            ExceptionTable::Hooks{[](const Exception&) {},
                              [this](const Exception&, RevokeWhy why) { revoked_whys.emplace_back(to_string(why)); }});
        gate = std::make_unique<HibernationGate>(HibernationGate::Deps{
            *grants, sessions, units, [this] { return verdict; }, [this](const HibernationState&) { changes++; },
            [this] { began++; }});
    }

    size_t grants_for(const std::string& unit) const
    {
        size_t n = 0;
        for (const auto& [id, e] : grants->all())
            n += e.scope == unit && e.origin == Origin::Hibernation;
        return n;
    }
};

TEST(CanHibernateWords, RoundTripInLogindsWords)
{
    for (CanHibernate c : {CanHibernate::Yes, CanHibernate::Na})
        EXPECT_EQ(parse_can_hibernate(to_string(c)), c);
    EXPECT_EQ(to_string(CanHibernate::Yes), "yes");
    EXPECT_EQ(to_string(CanHibernate::Na), "na");
    for (const char* bad : {"", "no", "challenge", "Yes", "na "})
        EXPECT_FALSE(parse_can_hibernate(bad).has_value()) << bad;
}

TEST_F(Gate, YesOnlyWithAPassingImageAndAnActiveLocalSession)
{
    EXPECT_EQ(gate->refresh().can_hibernate, CanHibernate::Na);
    EXPECT_THAT(gate->state().blocker, HasSubstr("nobody is logged in"));
    EXPECT_EQ(gate->state().blocker_code, "no-active-session");
    EXPECT_EQ(gate->state().blocker_device, "");
    EXPECT_EQ(grants_for(kLogindUnit), 0u);

    sessions.list = {seat_session(/*active=*/false)};
    EXPECT_EQ(gate->refresh().can_hibernate, CanHibernate::Na);
    sessions.list = {seat_session(true, /*remote=*/true)};
    EXPECT_EQ(gate->refresh().can_hibernate, CanHibernate::Na);

    sessions.list = {seat_session()};
    EXPECT_EQ(gate->refresh().can_hibernate, CanHibernate::Yes);
    EXPECT_EQ(gate->state().blocker, "");
    EXPECT_EQ(gate->state().blocker_code, "");
    EXPECT_EQ(grants_for(kLogindUnit), 1u);
    ASSERT_EQ(kernel.keys.size(), 1u) << "one cgroup, one reason";
    EXPECT_EQ(kernel.keys[0].cgroup_id, 21u);

    // A locked screen does not block hibernation.
    sessions.list = {seat_session(true, false, /*locked=*/true)};
    EXPECT_EQ(gate->refresh().can_hibernate, CanHibernate::Yes);
    EXPECT_EQ(grants_for(kLogindUnit), 1u) << "kept, not re-added";
}

TEST_F(Gate, LogindLosesItsGrantWhenTheImageStopsPassingAndSaysWhy)
{
    sessions.list = {seat_session()};
    gate->refresh();
    const int before = changes;
    verdict = refusing();
    EXPECT_EQ(gate->refresh().can_hibernate, CanHibernate::Na);
    EXPECT_THAT(gate->state().blocker, HasSubstr("encrypted but not authenticated"));
    EXPECT_EQ(gate->state().blocker_code, "swap-not-authenticated") << "the verdict's code, as it is";
    EXPECT_EQ(gate->state().blocker_device, "/dev/mapper/cryptswap");
    EXPECT_EQ(grants_for(kLogindUnit), 0u);
    EXPECT_TRUE(kernel.keys.empty());
    EXPECT_EQ(revoked_whys, std::vector<std::string>{"hibernation-blocked"});
    EXPECT_EQ(changes, before + 1);
    gate->refresh();
    EXPECT_EQ(changes, before + 1) << "no change, no signal";
}

TEST_F(Gate, LogindUnreachableOrNotRunningMeansNa)
{
    sessions.list = {seat_session()};
    sessions.fail = true;
    EXPECT_EQ(gate->refresh().can_hibernate, CanHibernate::Na);
    EXPECT_THAT(gate->state().blocker, HasSubstr("logind is not answering"));
    EXPECT_EQ(gate->state().blocker_code, "logind-unreachable");
    sessions.fail = false;
    units.units[kLogindUnit].running = false;
    EXPECT_EQ(gate->refresh().can_hibernate, CanHibernate::Na);
    EXPECT_THAT(gate->state().blocker, HasSubstr("systemd-logind.service is not running"));
    EXPECT_EQ(gate->state().blocker_code, "grant-failed");
    EXPECT_TRUE(kernel.keys.empty());
}

TEST_F(Gate, BeginChecksAgainGrantsTheSleepUnitAndResumeEndsIt)
{
    sessions.list = {seat_session()};
    gate->refresh();
    verdict = refusing();
    try {
        gate->begin(kHibernateUnit);
        FAIL() << "begin() passed with a refusing check";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Refused);
        EXPECT_THAT(e.what(), HasSubstr("hibernation is refused: swap /dev/mapper/cryptswap"));
    }
    EXPECT_EQ(grants_for(kHibernateUnit), 0u);
    EXPECT_EQ(began, 0) << "a refused begin() starts no sleep";

    verdict = passing();
    const uint64_t id = gate->begin(kHibernateUnit).id;
    EXPECT_EQ(grants_for(kHibernateUnit), 1u);
    EXPECT_EQ(began, 1);
    EXPECT_EQ(gate->begin(kHibernateUnit).id, id) << "a second call reuses the grant";
    EXPECT_EQ(began, 2) << "and says so again (the watchdog's stretch is idempotent)";
    // The sleep unit's kernel grant holds however long the machine stays off
    // (the renewal of the swap header needs it before the broker thaws);
    // logind's keeps a lease.
    for (const auto& [gid, e] : grants->all())
        EXPECT_EQ(e.kernel_lease, e.scope != kHibernateUnit) << e.scope;
    size_t unleased = 0;
    for (const auto& k : kernel.keys)
        unleased += k.expires_boot_ns == ExceptionTable::kNoLease;
    EXPECT_EQ(unleased, 1u);
    gate->resumed();
    EXPECT_EQ(grants_for(kHibernateUnit), 0u);
    EXPECT_EQ(grants_for(kLogindUnit), 1u) << "logind keeps its grant across the resume";
    EXPECT_EQ(revoked_whys.back(), "resumed");

    // The unit's own end also ends it (the daemon calls end_unit on stop).
    gate->begin(kHibernateUnit);
    EXPECT_EQ(grants->end_unit(kHibernateUnit), 1u);
}

TEST_F(Gate, BeginWithoutAnyoneAtTheMachineIsRefused)
{
    EXPECT_THROW(gate->begin(kHibernateUnit), Error);
    EXPECT_TRUE(kernel.keys.empty());
}

// ---- the image format --------------------------------------------------------

TEST(SnapshotFormat, ResumeHeaderMatchesTheKernelsSwsuspHeader)
{
    PageBuffer swap(1), out(1);
    std::memset(swap.data(), 0xab, kPageSize);
    std::memcpy(swap.data() + kPageSize - 10, "SWAPSPACE2", 10);
    EXPECT_EQ(swap_signature(swap.data()), SwapSignature::Swap);

    make_resume_header(swap.data(), 0x1234, out.data());
    EXPECT_EQ(std::memcmp(out.data(), swap.data(), 4056), 0) << "the mkswap header stays";
    uint32_t hw_sig = 1, crc = 1, flags = 0;
    uint64_t image = 0;
    std::memcpy(&hw_sig, out.data() + 4056, 4);
    std::memcpy(&crc, out.data() + 4060, 4);
    std::memcpy(&image, out.data() + 4064, 8);
    std::memcpy(&flags, out.data() + 4072, 4);
    EXPECT_EQ(hw_sig, 0u);
    EXPECT_EQ(crc, 0u);
    EXPECT_EQ(image, 0x1234u);
    EXPECT_EQ(flags, 2u) << "SF_NOCOMPRESS_MODE";
    EXPECT_EQ(std::memcmp(out.data() + 4076, "SWAPSPACE2", 10), 0) << "orig_sig";
    EXPECT_EQ(std::memcmp(out.data() + 4086, "S1SUSPEND\0", 10), 0) << "sig";
    EXPECT_EQ(swap_signature(out.data()), SwapSignature::Image);

    std::memcpy(swap.data() + kPageSize - 10, "LUKS\xba\xbe\0\0\0\0", 10);
    EXPECT_EQ(swap_signature(swap.data()), SwapSignature::Other);
}

// Platform mode and the hardware signature, as the kernel's mark_swapfiles()
// writes them: SF_PLATFORM_MODE 1, SF_HW_SIG 8 with hw_sig at 4056 only for
// a nonzero signature; everything else as without them.
TEST(SnapshotFormat, PlatformModeAndHardwareSignature)
{
    PageBuffer swap(1), plain(1), out(1);
    std::memset(swap.data(), 0x5a, kPageSize);
    std::memcpy(swap.data() + kPageSize - 10, "SWAPSPACE2", 10);
    make_resume_header(swap.data(), 0x42, plain.data());
    const auto u32_at = [&](size_t at) {
        uint32_t v = 0;
        std::memcpy(&v, out.data() + at, 4);
        return v;
    };
    const auto same_but_flags_and_sig = [&] {
        return std::memcmp(out.data(), plain.data(), 4056) == 0 &&
               std::memcmp(out.data() + 4060, plain.data() + 4060, 12) == 0 &&
               std::memcmp(out.data() + 4076, plain.data() + 4076, 20) == 0;
    };

    make_resume_header(swap.data(), 0x42, out.data(), {.platform_mode = true});
    EXPECT_EQ(u32_at(4072), 2u | 1u) << "SF_NOCOMPRESS_MODE | SF_PLATFORM_MODE";
    EXPECT_EQ(u32_at(4056), 0u);
    EXPECT_TRUE(same_but_flags_and_sig());

    make_resume_header(swap.data(), 0x42, out.data(), {.platform_mode = false, .hw_sig = 0xdeadbeef});
    EXPECT_EQ(u32_at(4072), 2u | 8u) << "SF_NOCOMPRESS_MODE | SF_HW_SIG";
    EXPECT_EQ(u32_at(4056), 0xdeadbeefu) << "hw_sig";
    const uint8_t le[] = {0xef, 0xbe, 0xad, 0xde};
    EXPECT_EQ(std::memcmp(out.data() + 4056, le, 4), 0) << "little-endian, as the kernel stores a u32";
    EXPECT_TRUE(same_but_flags_and_sig());

    make_resume_header(swap.data(), 0x42, out.data(), {.platform_mode = true, .hw_sig = 0x1234});
    EXPECT_EQ(u32_at(4072), 2u | 1u | 8u);
    EXPECT_EQ(u32_at(4056), 0x1234u);

    // A zero signature is no signature: mark_swapfiles() tests it.
    make_resume_header(swap.data(), 0x42, out.data(), {.platform_mode = false, .hw_sig = 0});
    EXPECT_EQ(std::memcmp(out.data(), plain.data(), kPageSize), 0);
}

TEST(SnapshotFormat, BuffersArePageAligned)
{
    PageBuffer b(3);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data()) % kPageSize, 0u);
    EXPECT_EQ(b.size(), 3 * kPageSize);
}

namespace {

// A page as the writer leaves it: the mkswap header with a resume header
// (sig S1SUSPEND, orig_sig SWAPSPACE2) at its end.
PageBuffer image_page()
{
    PageBuffer swap(1), out(1);
    for (size_t i = 0; i < kPageSize; i++)
        swap.data()[i] = static_cast<uint8_t>(i * 7 + 3);
    std::memcpy(swap.data() + kPageSize - 10, "SWAPSPACE2", 10);
    make_resume_header(swap.data(), 0x5678, out.data());
    return out;
}

} // namespace

TEST(SnapshotFormat, StaleImageResetPutsTheSwapSignatureBack)
{
    const PageBuffer page = image_page();
    const auto reset = stale_image_reset(page.data());
    ASSERT_TRUE(reset);
    ASSERT_EQ(reset->size(), kPageSize);
    const auto* r = reinterpret_cast<const uint8_t*>(reset->data());
    EXPECT_EQ(std::memcmp(r + 4086, "SWAPSPACE2", 10), 0) << "sig";
    EXPECT_EQ(swap_signature(r), SwapSignature::Swap);
    EXPECT_EQ(std::memcmp(r, page.data(), 4086), 0) << "everything before sig is unchanged, orig_sig included";
    EXPECT_EQ(std::memcmp(page.data() + 4086, "S1SUSPEND\0", 10), 0) << "the input is not modified";
}

TEST(SnapshotFormat, StaleImageResetOnlyForAnImageOverASwapHeader)
{
    // Already a swap header: nothing to reset.
    PageBuffer swap(1);
    std::memset(swap.data(), 0, kPageSize);
    std::memcpy(swap.data() + kPageSize - 10, "SWAPSPACE2", 10);
    EXPECT_EQ(stale_image_reset(swap.data()), std::nullopt);

    // S1SUSPEND over something that was not SWAPSPACE2.
    PageBuffer page = image_page();
    std::memcpy(page.data() + 4076, "SWAP-SPACE", 10);
    EXPECT_EQ(stale_image_reset(page.data()), std::nullopt);
    std::memset(page.data() + 4076, 0, 10);
    EXPECT_EQ(stale_image_reset(page.data()), std::nullopt);
    std::memcpy(page.data() + 4076, "S1SUSPEND\0", 10);
    EXPECT_EQ(stale_image_reset(page.data()), std::nullopt);

    // Junk, and a signature that is almost S1SUSPEND.
    PageBuffer junk(1);
    std::memset(junk.data(), 0xab, kPageSize);
    EXPECT_EQ(stale_image_reset(junk.data()), std::nullopt);
    std::memset(junk.data(), 0, kPageSize);
    EXPECT_EQ(stale_image_reset(junk.data()), std::nullopt);
    PageBuffer almost = image_page();
    std::memcpy(almost.data() + 4086, "S1SUSPENDX", 10);
    EXPECT_EQ(stale_image_reset(almost.data()), std::nullopt) << "sig without its NUL";
    std::memcpy(almost.data() + 4086, "S2SUSPEND\0", 10);
    EXPECT_EQ(stale_image_reset(almost.data()), std::nullopt);
}

TEST(SnapshotWriter, ParseWriterFault)
{
    EXPECT_EQ(parse_writer_fault("image-eio"), WriterFault::ImageEio);
    EXPECT_EQ(parse_writer_fault("no-space"), WriterFault::NoSpace);
    EXPECT_EQ(parse_writer_fault("slow-no-space"), WriterFault::SlowNoSpace);
    EXPECT_EQ(parse_writer_fault("signature-eio"), WriterFault::SignatureEio);
    EXPECT_EQ(parse_writer_fault("signature-and-restore-eio"), WriterFault::SignatureAndRestoreEio);
    EXPECT_EQ(parse_writer_fault("crash-after-signature"), WriterFault::CrashAfterSignature);
    for (const char* bad : {"", "none", "None", "IMAGE-EIO", "image_eio", " image-eio", "image-eio ", "image-eio\n",
                            "signature", "signature-and-restore", "crash", "slow", "slow-no-space "})
        EXPECT_EQ(parse_writer_fault(bad), std::nullopt) << "'" << bad << "'";
    EXPECT_EQ(parse_writer_fault(std::string_view("no-space\0", 9)), std::nullopt);
}

TEST(SnapshotWriter, AfterFailurePowersOffOnlyWhenTheSignatureMayStay)
{
    EXPECT_EQ(after_failure(false, false), AfterFailure::Thaw) << "signature never attempted";
    EXPECT_EQ(after_failure(false, true), AfterFailure::Thaw) << "signature never attempted";
    EXPECT_EQ(after_failure(true, true), AfterFailure::Thaw) << "the header was put back";
    EXPECT_EQ(after_failure(true, false), AfterFailure::PowerOff) << "the image may be the one to resume";
}

// ---- system-sleep hooks ------------------------------------------------------

namespace {

// The lines of the hooks that failed, from one directory.
std::vector<std::string> failed_hooks(const std::string& dir, const char* phase)
{
    std::vector<std::string> out;
    for (auto& r : ldb::run_sleep_hooks(ldb::SleepHookOptions{{dir}, phase, "hibernate"}))
        if (!r.ok)
            out.push_back(r.line);
    return out;
}

} // namespace

TEST(SleepHooks, RunWithPhaseAndOperationAndReportFailures)
{
    ldb_test::TempDir tmp;
    const std::string log = tmp.str() + "/log";
    const auto hook = [&](const std::string& name, const std::string& body, mode_t mode) {
        const std::string p = tmp.str() + "/hooks/" + name;
        std::filesystem::create_directories(tmp.str() + "/hooks");
        std::ofstream(p) << "#!/bin/sh\n" << body << "\n";
        ::chmod(p.c_str(), mode);
    };
    hook("20-second", "echo second \"$@\" >>" + log, 0755);
    hook("10-first", "echo first \"$@\" >>" + log + "; exit 3", 0755);
    hook("30-not-executable", "echo never >>" + log, 0644);
    const auto failures = failed_hooks(tmp.str() + "/hooks", "pre");
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_THAT(failures[0], HasSubstr("10-first pre hibernate: exit status 3"));
    // The hooks start in name order but run in parallel (sleep_hooks.hpp):
    // the order of their output is not fixed.
    std::ifstream in(log);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);)
        lines.push_back(l);
    EXPECT_THAT(lines, ::testing::UnorderedElementsAre("first pre hibernate", "second pre hibernate"));

    EXPECT_TRUE(failed_hooks(tmp.str() + "/none", "post").empty()) << "no directory, no hooks";
}

} // namespace
