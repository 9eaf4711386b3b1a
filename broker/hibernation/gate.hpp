// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Hibernation under lockdown: whether it may happen now, and the grants
// that let exactly the processes that need it do it.
//
// The kernel asks hibernation_available() in the process that acts, so:
//  - logind reads /sys/power/state for CanHibernate(): its unit holds a
//    `hibernation` grant while the image check passes and an active local
//    session exists, and loses it as soon as either stops being true;
//  - the hibernate helper (lockdown-hibernate, the ExecStart of
//    systemd-hibernate.service) opens /dev/snapshot: begin() checks again
//    and grants its unit, until the unit stops or the system resumes.
// Knows nothing of D-Bus.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "exceptions/table.hpp"
#include "hibernation/check.hpp"
#include "host/sessions.hpp"
#include "host/systemd_units.hpp"

namespace ldb {

inline constexpr const char* kLogindUnit = "systemd-logind.service";
inline constexpr const char* kHibernateUnit = "systemd-hibernate.service";

// CanHibernate, in logind's words: "yes" or "na" (never "no" or
// "challenge": polkit asks when Hibernate() is called).
enum class CanHibernate { Yes, Na };
std::string_view to_string(CanHibernate c);
std::optional<CanHibernate> parse_can_hibernate(std::string_view s);

struct HibernationState {
    CanHibernate can_hibernate = CanHibernate::Na;
    std::string blocker;              // why not, in words; "" for "yes"
    std::string blocker_code;         // HibernateBlockerCode: one word per sentence; "" for "yes"
    std::string blocker_device;       // the device the sentence names, or ""
    HibernationVerdict verdict;
    bool same_as(const HibernationState& o) const
    {
        return can_hibernate == o.can_hibernate && blocker == o.blocker && blocker_code == o.blocker_code &&
               blocker_device == o.blocker_device;
    }
};

// Whether `s` counts as the person at the machine: active, local, a user
// session. A locked screen does not matter here: hibernating a locked
// machine gives nothing away, resuming needs the disk passphrase.
bool is_local_active_user(const SessionInfo& s);

class HibernationGate {
public:
    struct Deps {
        ExceptionTable& grants;
        SessionDirectory& sessions;
        UnitDirectory& units;
        std::function<HibernationVerdict()> check; // gather the facts and classify them
        std::function<void(const HibernationState&)> changed;
        std::function<void()> began; // begin() granted the sleep unit (optional)
    };
    explicit HibernationGate(Deps deps) : d_(std::move(deps)) {}

    // Checks again, adds or removes logind's grant to match, and calls
    // changed() when CanHibernate or the blocker changed.
    const HibernationState& refresh();
    const HibernationState& state() const noexcept { return state_; }

    // The sleep unit `unit` is about to hibernate: checks again and grants
    // `hibernation` to its cgroup. Throws ldb::Error (Refused) naming why not.
    const Exception& begin(const std::string& unit);

    // The system resumed: the sleep unit's grant has done its job.
    void resumed();

private:
    HibernationState evaluate();
    void keep_logind_grant(bool wanted);

    Deps d_;
    HibernationState state_;
    bool evaluated_ = false;
};

} // namespace ldb
