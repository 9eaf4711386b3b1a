// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hibernation/writer/dm_table.hpp"

#include <cstdio>
#include <exception>
#include <memory>
#include <utility>

#include <libdevmapper.h>

#include "base/error.hpp"

namespace ldb {

namespace {

struct TaskDeleter {
    void operator()(dm_task* t) const noexcept { dm_task_destroy(t); }
};
using Task = std::unique_ptr<dm_task, TaskDeleter>;

// libdevmapper logs to stderr by default; its errors reach us through
// the return values and errno, and we say what failed ourselves.
void no_log(int, const char*, int, int, const char*, ...) {}

// Runs before the first task of this process.
void quiet_libdevmapper()
{
    static const bool once = [] {
        dm_log_with_errno_init(no_log);
        // Never wait for udev. The dm-integrity reload runs right after a
        // resume, when udevd may still be frozen with every other task: a
        // task with a udev cookie would then wait on a semaphore that no one
        // releases. So udev synchronisation is off for the whole process
        // (dm_task_set_cookie() then makes no semaphore either), and no task
        // here sets a cookie. Suspend, reload and resume keep the device's
        // name and number, so there is no node for udev to make anyway.
        dm_udev_set_sync_support(0);
        return true;
    }();
    (void)once;
}

Task task_for(int type, const std::string& name)
{
    quiet_libdevmapper();
    Task t(dm_task_create(type));
    if (!t)
        throw Error(ErrorKind::Internal, "libdevmapper: cannot create a task for " + name);
    if (!dm_task_set_name(t.get(), name.c_str()))
        throw Error(ErrorKind::InvalidArgument, "device-mapper name '" + name + "' is not valid");
    return t;
}

void run(Task& t, const std::string& what)
{
    if (!dm_task_run(t.get())) {
        const int err = dm_task_get_errno(t.get());
        throw errno_error(err ? err : EIO, what, "device-mapper ioctls need CAP_SYS_ADMIN and /dev/mapper/control");
    }
}

} // namespace

std::vector<DmTarget> dm_table(const std::string& name)
{
    auto t = task_for(DM_DEVICE_TABLE, name);
    run(t, "reading the device-mapper table of " + name);
    dm_info info{};
    if (!dm_task_get_info(t.get(), &info) || !info.exists)
        throw Error(ErrorKind::NotFound, "device-mapper mapping " + name + " does not exist");
    std::vector<DmTarget> out;
    void* next = nullptr;
    do {
        uint64_t start = 0, length = 0;
        char* type = nullptr;
        char* params = nullptr;
        next = dm_get_next_target(t.get(), next, &start, &length, &type, &params);
        if (type)
            out.push_back({start, length, type, params ? params : ""});
    } while (next);
    return out;
}

void dm_suspend(const std::string& name)
{
    auto t = task_for(DM_DEVICE_SUSPEND, name);
    run(t, "suspending device-mapper mapping " + name);
}

void dm_resume(const std::string& name)
{
    auto t = task_for(DM_DEVICE_RESUME, name);
    run(t, "resuming device-mapper mapping " + name);
}

DmSuspension::DmSuspension(std::string name) : DmSuspension(std::move(name), dm_suspend, dm_resume) {}

DmSuspension::DmSuspension(std::string name, const Op& suspend, Op resume)
    : name_(std::move(name)), resume_(std::move(resume))
{
    suspend(name_);
    suspended_ = true;
}

DmSuspension::DmSuspension(DmSuspension&& other) noexcept
    : name_(std::move(other.name_)), resume_(std::move(other.resume_)),
      suspended_(std::exchange(other.suspended_, false))
{
}

void DmSuspension::resume()
{
    if (!suspended_)
        return;
    resume_(name_);
    suspended_ = false;
}

DmSuspension::~DmSuspension()
{
    if (!suspended_)
        return;
    try {
        resume_(name_);
    } catch (const std::exception& e) {
        std::fprintf(stderr,
                     "device-mapper mapping %s is still suspended: %s; I/O to it hangs until "
                     "'dmsetup resume %s' succeeds\n",
                     name_.c_str(), e.what(), name_.c_str());
    } catch (...) {
        std::fprintf(stderr, "device-mapper mapping %s is still suspended; run 'dmsetup resume %s'\n",
                     name_.c_str(), name_.c_str());
    }
}

void dm_reload_same_table(const std::string& name)
{
    const auto table = dm_table(name);
    if (table.empty())
        throw Error(ErrorKind::Kernel, "device-mapper mapping " + name + " has no table to reload");
    for (const auto& tg : table)
        // dm-crypt shows its key as ":32:logon:..." or hex; a hidden one
        // cannot be loaded back. Integrity tables carry no key in LUKS2.
        if (tg.type == "crypt")
            throw Error(ErrorKind::InvalidArgument, "refusing to reload the crypt table of " + name +
                                                        " from its status: the key is not in it");
    auto t = task_for(DM_DEVICE_RELOAD, name);
    for (const auto& tg : table)
        if (!dm_task_add_target(t.get(), tg.start, tg.length, tg.type.c_str(), tg.params.c_str()))
            throw Error(ErrorKind::Internal, "libdevmapper: cannot add a " + tg.type + " target for " + name);
    run(t, "reloading the table of device-mapper mapping " + name);
}

} // namespace ldb
