// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Device-mapper tables through libdevmapper: read which targets a mapping
// uses, and replace a mapping's target instance by reloading its own table.
// Both need CAP_SYS_ADMIN and /dev/mapper/control.
//
// These run after a resume while every task, udevd included, may still be
// frozen: libdevmapper is told never to wait for udev (no cookies, no udev
// synchronisation), see quiet_libdevmapper() in the .cpp.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ldb {

struct DmTarget {
    uint64_t start = 0;   // sectors
    uint64_t length = 0;  // sectors
    std::string type;     // "crypt", "integrity", "linear", ...
    std::string params;   // as the kernel reports them (keys are hidden)
};

// The live table of mapping `name`. Throws ldb::Error naming the mapping.
std::vector<DmTarget> dm_table(const std::string& name);

void dm_suspend(const std::string& name);
void dm_resume(const std::string& name);

// Keeps a mapping suspended for as long as it lives, so that an exception
// between the suspend and the resume cannot leave the device suspended
// (everything doing I/O on it would hang until someone resumes it by hand).
//
//     DmSuspension crypt(above);       // suspended first ...
//     DmSuspension integrity(lower);
//     dm_reload_same_table(lower);     // may throw: both are resumed
//     integrity.resume();              // ... resumed in reverse order
//     crypt.resume();
//
// Guards destroyed by unwinding run in reverse order of construction, so a
// lower device is resumed before the one stacked on it, as dmsetup would.
class DmSuspension {
public:
    // Suspends `name`; throws ldb::Error (then nothing is suspended).
    explicit DmSuspension(std::string name);
    // The same with other operations than dm_suspend() and dm_resume(): for
    // tests, which have no device-mapper devices to suspend.
    using Op = std::function<void(const std::string&)>;
    DmSuspension(std::string name, const Op& suspend, Op resume);
    // Resumes the mapping if it is still suspended; never throws. A failure
    // is written to stderr, naming the mapping and how to resume it by hand.
    ~DmSuspension();

    DmSuspension(const DmSuspension&) = delete;
    DmSuspension& operator=(const DmSuspension&) = delete;
    DmSuspension(DmSuspension&& other) noexcept;
    DmSuspension& operator=(DmSuspension&&) = delete;

    // Resumes the mapping now; throws ldb::Error on failure. Then the
    // mapping counts as still suspended, so the destructor tries once more.
    // Does nothing when it was resumed already.
    void resume();

    bool suspended() const noexcept { return suspended_; }
    const std::string& name() const noexcept { return name_; }

private:
    std::string name_;
    Op resume_;
    bool suspended_ = false;
};

// Loads `name`'s current table again into its inactive slot; the next
// dm_resume() swaps it in, which builds new target instances. The caller
// suspends first. Refuses tables whose parameters were hidden by the kernel.
void dm_reload_same_table(const std::string& name);

} // namespace ldb
