// SPDX-License-Identifier: LGPL-2.1-or-later
#include "bus/service.hpp"

#include "base/error.hpp"
#include "bus/authorize.hpp"
#include "bus/caller.hpp"
#include "config/config.hpp"
#include "enforcement/events.hpp"
#include "enforcement/policy.hpp"
#include "exceptions/table.hpp"
#include "hibernation/gate.hpp"

#ifndef LDB_VERSION
#define LDB_VERSION "0"
#endif

namespace ldb {

namespace {
constexpr const char* kIface = bus_names::kInterface;
}

const std::vector<std::string>& broker_features()
{
    // What this daemon implements, for clients that must not guess from the
    // version. Documented in the XML (Features); only ever grows.
    static const std::vector<std::string> features = {
        "scope-caller",        // RequestException's option "scope": "caller"
        "dynamic-debug",       // SetDebug, ListDebug, ResetDebug
        "hibernate",           // CanHibernate, HibernateBlocker*, Hibernate
        "exception-narrowing", // ExceptionNarrowed, the "narrowed" key of Exceptions
        "codes",               // NoticeCode, HibernateBlockerCode, HibernateBlockerDevice
        "denied-owner",        // Denied carries uid and session
    };
    return features;
}

std::vector<std::string> option_keys(const std::map<std::string, sdbus::Variant>& options)
{
    std::vector<std::string> keys;
    for (const auto& [k, v] : options)
        keys.push_back(k);
    return keys;
}

BusService::BusService(sdbus::IConnection& bus, Deps deps)
    : AdaptorInterfaces(bus, kObjectPath), bus_(bus), d_(std::move(deps)),
      authorizer_(std::make_unique<Authorizer>(d_.authority, d_.sessions))
{
    status_ = d_.probe_status();
    // A caller that goes away while polkit is asking gets nothing.
    name_watch_ = bus_.addMatch(
        "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged'",
        [this](sdbus::Message& m) {
            std::string name, old_owner, new_owner;
            m >> name >> old_owner >> new_owner;
            if (new_owner.empty() && !name.empty() && name[0] == ':')
                authorizer_->cancel_of(name);
        });
    registerAdaptor();
}

BusService::~BusService()
{
    unregisterAdaptor();
}

Caller BusService::caller() const
{
    const sdbus::Message* m = getObject().getCurrentlyProcessedMessage();
    if (!m)
        throw Error(ErrorKind::Internal, "no message being processed");
    return caller_of(*m);
}

std::string BusService::CanHibernate()
{
    return std::string(to_string(d_.hibernation.state().can_hibernate));
}

std::string BusService::HibernateBlocker()
{
    return d_.hibernation.state().blocker;
}

std::string BusService::HibernateBlockerCode()
{
    return d_.hibernation.state().blocker_code;
}

std::string BusService::HibernateBlockerDevice()
{
    return d_.hibernation.state().blocker_device;
}

std::vector<std::string> BusService::Features()
{
    return broker_features();
}

std::string BusService::NoticeCode()
{
    return status_.notice_code;
}

std::string BusService::Version()
{
    return LDB_VERSION;
}

std::string BusService::KernelLockdown()
{
    return status_.kernel_lockdown;
}

std::string BusService::Mode()
{
    return to_string(d_.config.mode);
}

bool BusService::Enforcing()
{
    return status_.enforcing;
}

std::string BusService::Notice()
{
    return status_.notice;
}

ReasonRows BusService::Reasons()
{
    ReasonRows out;
    for (const auto& e : d_.policy.entries())
        out.emplace_back(e.reason.name, std::string(to_string(e.reason.level)), to_string(e.action), Extra{});
    return out;
}

ExceptionRows BusService::Exceptions()
{
    ExceptionRows out;
    for (const auto& [id, e] : d_.exceptions.all())
        out.emplace_back(id, e.reasons, std::string(to_string(e.scope_kind)), e.scope, e.holder_uid, e.holder_session,
                         e.expires_realtime_usec, std::string(to_string(e.origin)),
                         std::map<std::string, sdbus::Variant>{{"cgroups", sdbus::Variant(e.cgroups)},
                                                               {"narrowed", sdbus::Variant(e.narrowed)}});
    return out;
}

void BusService::exception_granted(const Exception& e)
{
    emitExceptionGranted(e.id, e.reasons, std::string(to_string(e.scope_kind)), e.scope);
    getObject().emitPropertiesChangedSignal(kIface, {"Exceptions"});
}

void BusService::exception_revoked(const Exception& e, RevokeWhy why)
{
    emitExceptionRevoked(e.id, std::string(to_string(why)));
    getObject().emitPropertiesChangedSignal(kIface, {"Exceptions"});
}

void BusService::exception_narrowed(const Exception& e)
{
    emitExceptionNarrowed(e.id, e.cgroups, e.narrowed);
    getObject().emitPropertiesChangedSignal(kIface, {"Exceptions"});
}

void BusService::denied(const DeniedNotice& n)
{
    emitDenied(n.reason, n.pid, n.comm, n.unit, n.count, n.uid, n.session);
}

void BusService::hibernation_changed()
{
    getObject().emitPropertiesChangedSignal(
        kIface, {"CanHibernate", "HibernateBlocker", "HibernateBlockerCode", "HibernateBlockerDevice"});
}

void BusService::refresh_status()
{
    const ServiceStatus now = d_.probe_status();
    std::vector<std::string> changed;
    if (now.kernel_lockdown != status_.kernel_lockdown)
        changed.push_back("KernelLockdown");
    if (now.enforcing != status_.enforcing)
        changed.push_back("Enforcing");
    if (now.notice != status_.notice)
        changed.push_back("Notice");
    if (now.notice_code != status_.notice_code)
        changed.push_back("NoticeCode");
    status_ = now;
    if (!changed.empty())
        getObject().emitPropertiesChangedSignal(kIface, changed);
}

void BusService::policy_changed(bool mode, bool reasons)
{
    std::vector<std::string> changed;
    if (mode)
        changed.push_back("Mode");
    if (reasons)
        changed.push_back("Reasons");
    if (!changed.empty())
        getObject().emitPropertiesChangedSignal(kIface, changed);
}

} // namespace ldb
