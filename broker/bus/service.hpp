// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// org.freedesktop.LockdownBroker1 on the system bus: checks arguments and the
// caller's session, asks polkit asynchronously, and hands the decision to
// the grant table. Turns grant-table changes into signals and
// PropertiesChanged.
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

#include "host/authority.hpp"
#include "config/config.hpp"
#include "dyndbg/runtime.hpp"
#include "enforcement/events.hpp"
#include "exceptions/table.hpp"
#include "hibernation/gate.hpp"
#include "lockdown-broker1-adaptor.h"
#include "enforcement/policy.hpp"
#include "enforcement/reasons.hpp"
#include "host/sessions.hpp"
#include "host/systemd_units.hpp"

namespace ldb {

inline constexpr const char* kBusName = bus_names::kName;
inline constexpr const char* kObjectPath = bus_names::kPath;

// (file, line, module, function, flags, flags): SetDebug and ResetDebug.
using DebugSites = std::vector<sdbus::Struct<std::string, uint32_t, std::string, std::string, std::string, std::string>>;
// (file, line, module, function, flags, format, class, session): ListDebug.
using DebugCallsites = std::vector<
    sdbus::Struct<std::string, uint32_t, std::string, std::string, std::string, std::string, std::string, std::string>>;

// What can change under us without a method call.
struct ServiceStatus {
    std::string kernel_lockdown; // "none", "integrity", "confidentiality"
    bool enforcing = false;
    std::string notice;
    bool operator==(const ServiceStatus&) const = default;
};

class BusService final : public sdbus::AdaptorInterfaces<org::freedesktop::LockdownBroker1_adaptor> {
public:
    struct Deps {
        ExceptionTable& exceptions;
        SessionDirectory& sessions;
        UnitDirectory& units;
        Authority& authority;
        const ReasonCatalog& reasons;
        const Policy& policy;
        const Config& config;
        std::function<ServiceStatus()> probe_status;
        HibernationGate& hibernation;
        // Asks logind to hibernate; `done` gets "" or logind's error.
        std::function<void(std::function<void(const std::string& error)> done)> logind_hibernate;
        DebugRuntime& debug;
    };
    BusService(sdbus::IConnection& bus, Deps deps);
    ~BusService();

    // From the grant table's hooks.
    void exception_granted(const Exception& e);
    void exception_revoked(const Exception& e, const std::string& why);
    // From the event sink.
    void denied(const DeniedNotice& n);
    // From the hibernation gate: CanHibernate or HibernateBlocker changed.
    void hibernation_changed();
    // Re-reads the status; emits PropertiesChanged for what changed.
    void refresh_status();
    const ServiceStatus& status() const noexcept { return status_; }

private:
    struct Caller {
        std::string sender;
        uint32_t uid = 0;
        uint32_t pid = 0;
        bool interactive = false;
    };
    Caller caller() const;
    // The session the caller may act for, checked for eligibility.
    SessionInfo caller_session(const Caller& c) const;
    std::vector<std::string> session_cgroups(const SessionInfo& s) const;
    bool is_holder(const Caller& c, const Exception& e) const;
    void cancel_pending_of(const std::string& bus_name);

    template <typename R>
    void authorize(R&& result, const Caller& c, const char* action_id, std::map<std::string, std::string> details,
                   std::function<void(R&)> then);

    // Generated interface.
    void RequestException(sdbus::Result<uint64_t>&& result, std::vector<std::string> reasons, uint64_t seconds,
                          std::map<std::string, sdbus::Variant> options) override;
    void ReleaseException(const uint64_t& id) override;
    void GrantException(sdbus::Result<uint64_t>&& result, std::vector<std::string> reasons, std::string scope_kind,
                        std::string scope, uint64_t seconds, std::map<std::string, sdbus::Variant> options) override;
    void RevokeException(sdbus::Result<>&& result, uint64_t id) override;
    std::vector<sdbus::Struct<uint64_t, std::vector<std::string>, std::string, std::string, uint32_t, std::string,
                              uint64_t, std::string>>
    ListExceptions() override;
    void Hibernate(sdbus::Result<>&& result, std::map<std::string, sdbus::Variant> options) override;
    std::tuple<uint64_t, std::string, std::string>
    BeginHibernation(const std::map<std::string, sdbus::Variant>& options) override;
    std::string CanHibernate() override;
    std::string HibernateBlocker() override;
    std::string Version() override;
    std::string KernelLockdown() override;
    std::string Mode() override;
    bool Enforcing() override;
    std::string Notice() override;
    std::vector<sdbus::Struct<std::string, std::string, std::string>> Reasons() override;
    std::vector<sdbus::Struct<uint64_t, std::vector<std::string>, std::string, std::string, uint32_t, std::string,
                              uint64_t, std::string>>
    Exceptions() override;
    // Dynamic debug (bus_debug.cpp).
    void SetDebug(sdbus::Result<DebugSites>&& result, std::string query) override;
    DebugCallsites ListDebug(const std::string& filter) override;
    DebugSites ResetDebug() override;

    sdbus::IConnection& bus_;
    Deps d_;
    ServiceStatus status_;
    struct PendingAuth {
        Authority::Handle handle;
        std::string sender;
    };
    std::map<uint64_t, PendingAuth> pending_;
    uint64_t next_token_ = 1;
    sdbus::Slot name_watch_;
};

} // namespace ldb
