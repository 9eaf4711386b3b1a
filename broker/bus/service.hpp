// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// org.freedesktop.LockdownBroker1 on the system bus: registration, the
// properties, and the signals that follow the exception table, the
// enforcement events and the hibernation gate. The methods are in one file
// per capability (exception_methods.cpp, hibernation_methods.cpp,
// dyndbg_methods.cpp); who calls is bus/caller, what polkit is asked and
// when is bus/authorize.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "base/bus_names.hpp"
#include "exceptions/exception.hpp"
#include "lockdown-broker1-adaptor.h"

namespace ldb {

class Authority;
class Authorizer;
namespace dyndbg {
class Runtime;
} // namespace dyndbg
class ExceptionTable;
class HibernationGate;
class Policy;
class ReasonCatalog;
class SessionDirectory;
class UnitDirectory;
struct Caller;
struct Config;
struct DeniedNotice;

inline constexpr const char* kBusName = bus_names::kName;
inline constexpr const char* kObjectPath = bus_names::kPath;

// The a{sv} that ends every record on the bus: fields later versions add
// go there as keys (clients ignore keys they do not know).
using Extra = std::map<std::string, sdbus::Variant>;
// (name, level, action, extra): Reasons. No extra keys yet.
using ReasonRows = std::vector<sdbus::Struct<std::string, std::string, std::string, Extra>>;
// (file, line, module, function, flags, flags, extra): SetDebug and
// ResetDebug. No extra keys yet.
using DebugSites =
    std::vector<sdbus::Struct<std::string, uint32_t, std::string, std::string, std::string, std::string, Extra>>;
// (file, line, module, function, flags, format, class, session, extra):
// ListDebug. No extra keys yet.
using DebugCallsites = std::vector<sdbus::Struct<std::string, uint32_t, std::string, std::string, std::string,
                                                 std::string, std::string, std::string, Extra>>;
// (id, reasons, scope kind, scope, uid, session, expires, origin, extra):
// Exceptions. `extra` holds "cgroups" (as) and "narrowed" (s).
using ExceptionRows = std::vector<sdbus::Struct<uint64_t, std::vector<std::string>, std::string, std::string, uint32_t,
                                                std::string, uint64_t, std::string, Extra>>;

// What can change under us without a method call.
struct ServiceStatus {
    std::string kernel_lockdown; // "none", "integrity", "confidentiality"
    bool enforcing = false;
    std::string notice;
    std::string notice_code; // NoticeCode: the first sentence's code, "" with no notice
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
        dyndbg::Runtime& debug;
    };
    BusService(sdbus::IConnection& bus, Deps deps);
    ~BusService();

    // From the exception table's hooks.
    void exception_granted(const Exception& e);
    void exception_revoked(const Exception& e, RevokeWhy why);
    void exception_narrowed(const Exception& e);
    // From the event sink.
    void denied(const DeniedNotice& n);
    // From the hibernation gate: CanHibernate or HibernateBlocker changed.
    void hibernation_changed();
    // Re-reads the status; emits PropertiesChanged for what changed.
    void refresh_status();
    // After a reload changed the policy the properties read: PropertiesChanged
    // for Mode and/or Reasons.
    void policy_changed(bool mode, bool reasons);
    const ServiceStatus& status() const noexcept { return status_; }

private:
    // The caller of the method being handled.
    Caller caller() const;

    // Exceptions (exception_methods.cpp).
    void RequestException(sdbus::Result<uint64_t>&& result, std::vector<std::string> reasons, uint64_t seconds,
                          std::map<std::string, sdbus::Variant> options) override;
    void ReleaseException(const uint64_t& id) override;
    void GrantException(sdbus::Result<uint64_t>&& result, std::vector<std::string> reasons, std::string scope_kind,
                        std::string scope, uint64_t seconds, std::map<std::string, sdbus::Variant> options) override;
    void RevokeException(sdbus::Result<>&& result, uint64_t id) override;
    ExceptionRows ListExceptions() override;
    // Hibernation (hibernation_methods.cpp).
    void Hibernate(sdbus::Result<>&& result, std::map<std::string, sdbus::Variant> options) override;
    std::tuple<uint64_t, std::string, std::string>
    BeginHibernation(const std::map<std::string, sdbus::Variant>& options) override;
    // Dynamic debug (dyndbg_methods.cpp).
    void SetDebug(sdbus::Result<DebugSites>&& result, std::string query) override;
    DebugCallsites ListDebug(const std::string& filter) override;
    DebugSites ResetDebug() override;
    // Properties (service.cpp).
    std::string CanHibernate() override;
    std::string HibernateBlocker() override;
    std::string HibernateBlockerCode() override;
    std::string HibernateBlockerDevice() override;
    std::vector<std::string> Features() override;
    std::string NoticeCode() override;
    std::string Version() override;
    std::string KernelLockdown() override;
    std::string Mode() override;
    bool Enforcing() override;
    std::string Notice() override;
    ReasonRows Reasons() override;
    ExceptionRows Exceptions() override;

    sdbus::IConnection& bus_;
    Deps d_;
    ServiceStatus status_;
    std::unique_ptr<Authorizer> authorizer_;
    sdbus::Slot name_watch_;
};

// The Features property: what this daemon implements.
const std::vector<std::string>& broker_features();

// The keys of a method's options, for check_option_keys().
std::vector<std::string> option_keys(const std::map<std::string, sdbus::Variant>& options);

} // namespace ldb
