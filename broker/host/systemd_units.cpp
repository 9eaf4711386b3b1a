// SPDX-License-Identifier: LGPL-2.1-or-later
#include "host/systemd_units.hpp"

#include <sdbus-c++/sdbus-c++.h>

#include "base/bus_names.hpp"
#include "base/error.hpp"
#include "base/log.hpp"

namespace ldb {

namespace {

constexpr const char* kSystemd = bus_names::systemd::kName;
constexpr const char* kManagerPath = bus_names::systemd::kPath;
constexpr const char* kManagerIface = bus_names::systemd::kManager;
constexpr const char* kUnitIface = "org.freedesktop.systemd1.Unit";
constexpr const char* kPropsIface = "org.freedesktop.DBus.Properties";
constexpr auto kTimeout = std::chrono::seconds(10);

bool running_state(const std::string& s)
{
    return s == "active" || s == "activating" || s == "reloading";
}

// The interface that carries ControlGroup for this unit type.
std::string cgroup_iface(const std::string& unit)
{
    static const std::pair<const char*, const char*> kTypes[] = {
        {".service", "Service"}, {".scope", "Scope"}, {".slice", "Slice"},
        {".socket", "Socket"},   {".mount", "Mount"}, {".swap", "Swap"},
    };
    for (const auto& [suffix, iface] : kTypes)
        if (unit.ends_with(suffix))
            return std::string("org.freedesktop.systemd1.") + iface;
    return {};
}

} // namespace

SystemdUnits::SystemdUnits(sdbus::IConnection& bus, Handlers handlers)
    : bus_(bus), handlers_(std::move(handlers)), manager_(sdbus::createProxy(bus, kSystemd, kManagerPath))
{
    const std::string base = std::string("type='signal',sender='") + kSystemd + "',";
    matches_.push_back(bus_.addMatch(
        base + "interface='" + kPropsIface + "',member='PropertiesChanged',arg0='" + kUnitIface + "'",
        [this](sdbus::Message& m) {
            auto it = path_to_unit_.find(m.getPath());
            if (it == path_to_unit_.end())
                return;
            std::string iface;
            std::map<std::string, sdbus::Variant> changed;
            std::vector<std::string> invalidated;
            m >> iface >> changed >> invalidated;
            auto st = changed.find("ActiveState");
            if (st == changed.end() || !st->second.containsValueOfType<std::string>())
                return;
            if (handlers_.on_running_changed)
                handlers_.on_running_changed(it->second, running_state(st->second.get<std::string>()));
        }));
    matches_.push_back(bus_.addMatch(
        base + "interface='" + kManagerIface + "',member='JobRemoved'", [this](sdbus::Message& m) {
            uint32_t id = 0;
            sdbus::ObjectPath job;
            std::string unit, result;
            m >> id >> job >> unit >> result;
            if (handlers_.on_job_done)
                handlers_.on_job_done(unit);
        }));
    // systemd sends unit signals only to subscribed clients.
    try {
        manager_->callMethod("Subscribe").onInterface(kManagerIface).withTimeout(kTimeout);
    } catch (const sdbus::Error& e) {
        log_warning("cannot subscribe to systemd's unit signals (%s): exceptions for units will not end when they stop",
                    e.getMessage().c_str());
    }
}

SystemdUnits::~SystemdUnits() = default;

UnitState SystemdUnits::unit(const std::string& name)
{
    sdbus::ObjectPath path;
    try {
        manager_->callMethod("GetUnit").onInterface(kManagerIface).withTimeout(kTimeout).withArguments(name).storeResultsTo(path);
    } catch (const sdbus::Error& e) {
        if (e.getName() == "org.freedesktop.systemd1.NoSuchUnit")
            throw Error(ErrorKind::NotFound, "unit " + name + " is not loaded", "start the unit first");
        throw Error(ErrorKind::Internal, "asking systemd for unit " + name + ": " + e.getMessage());
    }
    path_to_unit_[path] = name;
    UnitState st;
    auto proxy = sdbus::createProxy(bus_, kSystemd, path);
    try {
        sdbus::Variant v;
        proxy->callMethod("Get").onInterface(kPropsIface).withTimeout(kTimeout).withArguments(std::string(kUnitIface), std::string("ActiveState")).storeResultsTo(v);
        st.running = v.containsValueOfType<std::string>() && running_state(v.get<std::string>());
        const std::string iface = cgroup_iface(name);
        if (!iface.empty()) {
            // A fresh Variant: one that was filled once is sealed.
            sdbus::Variant cg;
            proxy->callMethod("Get").onInterface(kPropsIface).withTimeout(kTimeout).withArguments(iface, std::string("ControlGroup")).storeResultsTo(cg);
            if (cg.containsValueOfType<std::string>())
                st.control_group = cg.get<std::string>();
        }
    } catch (const sdbus::Error& e) {
        throw Error(ErrorKind::Internal, "reading unit " + name + " from systemd: " + e.getMessage());
    }
    return st;
}

} // namespace ldb
