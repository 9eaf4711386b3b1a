// SPDX-License-Identifier: LGPL-2.1-or-later
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <libdevmapper.h>

#include <map>
#include <filesystem>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "fakes/test_support.hpp"
#include "hibernation/writer/dm_table.hpp"

using namespace ldb;
using ldb_test::catch_error;
using ldb_test::TempDir;
using ldb_test::write_file;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
namespace fs = std::filesystem;

// ---- the guard that lockdown-hibernate suspends mappings with -------------------------
//
// The unit tests have no device-mapper devices (and must not suspend the
// host's), so the guard runs on recorded operations here; the real ones are
// exercised by the VM tests (tests/vm/hibernate).

namespace {

struct DmLog {
    std::vector<std::string> calls;
    std::map<std::string, int> fail_resume;  // name -> how many resumes fail
    bool fail_suspend = false;

    DmSuspension::Op suspend()
    {
        return [this](const std::string& n) {
            if (fail_suspend)
                throw Error(ErrorKind::Kernel, "suspending " + n + ": EBUSY");
            calls.push_back("suspend " + n);
        };
    }
    DmSuspension::Op resume()
    {
        return [this](const std::string& n) {
            calls.push_back("resume " + n);
            if (auto it = fail_resume.find(n); it != fail_resume.end() && it->second > 0) {
                it->second--;
                throw Error(ErrorKind::Kernel, "resuming " + n + ": EINVAL");
            }
        };
    }
};

} // namespace

TEST(DmSuspension, ResumesInReverseOrderWhenSomethingThrows)
{
    DmLog log;
    EXPECT_THROW(
        {
            DmSuspension crypt("cryptswap", log.suspend(), log.resume());
            DmSuspension integrity("cryptswap_dif", log.suspend(), log.resume());
            EXPECT_TRUE(integrity.suspended());
            throw Error(ErrorKind::Kernel, "the reload failed");
        },
        Error);
    EXPECT_THAT(log.calls, ElementsAre("suspend cryptswap", "suspend cryptswap_dif", "resume cryptswap_dif",
                                       "resume cryptswap"));
}

TEST(DmSuspension, ExplicitResumeIsNotRepeated)
{
    DmLog log;
    {
        DmSuspension d("cryptswap_dif", log.suspend(), log.resume());
        d.resume();
        EXPECT_FALSE(d.suspended());
        d.resume(); // nothing to do
    }
    EXPECT_THAT(log.calls, ElementsAre("suspend cryptswap_dif", "resume cryptswap_dif"));
}

TEST(DmSuspension, FailedSuspendLeavesNothingToResume)
{
    DmLog log;
    log.fail_suspend = true;
    const Error e = catch_error([&] { DmSuspension d("cryptswap_dif", log.suspend(), log.resume()); });
    EXPECT_THAT(e.what(), HasSubstr("EBUSY"));
    EXPECT_THAT(log.calls, IsEmpty());
}

TEST(DmSuspension, FailedResumeThrowsThenTheDestructorTriesAgainAndReports)
{
    DmLog log;
    log.fail_resume["cryptswap_dif"] = 2;
    testing::internal::CaptureStderr();
    {
        DmSuspension d("cryptswap_dif", log.suspend(), log.resume());
        const Error e = catch_error([&] { d.resume(); });
        EXPECT_THAT(e.what(), HasSubstr("EINVAL"));
        EXPECT_TRUE(d.suspended()) << "still suspended after a failed resume";
    } // the destructor's attempt fails too: reported, not thrown
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_THAT(log.calls, ElementsAre("suspend cryptswap_dif", "resume cryptswap_dif", "resume cryptswap_dif"));
    EXPECT_THAT(err, AllOf(HasSubstr("device-mapper mapping cryptswap_dif is still suspended"), HasSubstr("EINVAL"),
                           HasSubstr("dmsetup resume cryptswap_dif")));

    // A retry that works is silent.
    log.calls.clear();
    log.fail_resume["cryptswap_dif"] = 1;
    testing::internal::CaptureStderr();
    {
        DmSuspension d("cryptswap_dif", log.suspend(), log.resume());
        EXPECT_THROW(d.resume(), Error);
    }
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
    EXPECT_THAT(log.calls, ElementsAre("suspend cryptswap_dif", "resume cryptswap_dif", "resume cryptswap_dif"));
}

TEST(DmSuspension, MovedGuardResumesOnce)
{
    DmLog log;
    {
        std::optional<DmSuspension> outer;
        {
            DmSuspension d("cryptswap", log.suspend(), log.resume());
            outer.emplace(std::move(d));
            EXPECT_FALSE(d.suspended()); // NOLINT(bugprone-use-after-move): the moved-from state is the point
        }
        EXPECT_THAT(log.calls, ElementsAre("suspend cryptswap"));
        EXPECT_TRUE(outer->suspended());
        EXPECT_EQ(outer->name(), "cryptswap");
    }
    EXPECT_THAT(log.calls, ElementsAre("suspend cryptswap", "resume cryptswap"));
}

TEST(DmSuspension, RealOperationsRefuseAnImpossibleNameAndNeverSyncWithUdev)
{
    // A name longer than device-mapper allows (DM_NAME_LEN) fails before any
    // mapping is touched; without privileges, libdevmapper fails earlier
    // still. Either way nothing is suspended and nothing needs resuming.
    EXPECT_THROW(DmSuspension(std::string(200, 'x')), Error);
    // The first task switched udev synchronisation off for the process:
    // lockdown-hibernate reloads while udevd may be frozen.
    EXPECT_EQ(dm_udev_get_sync_support(), 0);
}
