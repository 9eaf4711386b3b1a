// SPDX-License-Identifier: LGPL-2.1-or-later
#include "host/sessions.hpp"

#include <sdbus-c++/sdbus-c++.h>

#include "base/error.hpp"
#include "base/log.hpp"

namespace ldb {

namespace {

constexpr const char* kLogind = "org.freedesktop.login1";
constexpr const char* kManagerPath = "/org/freedesktop/login1";
constexpr const char* kManagerIface = "org.freedesktop.login1.Manager";
constexpr const char* kSessionIface = "org.freedesktop.login1.Session";
constexpr const char* kUserIface = "org.freedesktop.login1.User";
constexpr const char* kPropsIface = "org.freedesktop.DBus.Properties";
constexpr auto kTimeout = std::chrono::seconds(10);

using Props = std::map<std::string, sdbus::Variant>;

template <typename T>
T prop(const Props& p, const char* name, T fallback = {})
{
    auto it = p.find(name);
    if (it == p.end() || !it->second.containsValueOfType<T>())
        return fallback;
    return it->second.get<T>();
}

} // namespace

std::string session_ineligibility(const SessionInfo& s)
{
    if (s.remote)
        return "session " + s.id + " is a remote session; exceptions are only for local sessions";
    if (!s.active)
        return "session " + s.id + " is not the active session on its seat";
    if (s.locked)
        return "session " + s.id + " is locked";
    if (s.session_class != "user")
        return "session " + s.id + " is a '" + s.session_class + "' session, not a user session";
    if (s.scope_unit.empty())
        return "session " + s.id + " has no scope unit";
    return {};
}

std::optional<SessionChange> ending_change(const std::optional<SessionInfo>& now)
{
    if (!now)
        return SessionChange::Removed;
    if (now->locked)
        return SessionChange::Locked;
    if (!now->active)
        return SessionChange::Inactive;
    return std::nullopt;
}

LogindSessions::LogindSessions(sdbus::IConnection& bus, Handlers handlers)
    : bus_(bus), handlers_(std::move(handlers)), manager_(sdbus::createProxy(bus, kLogind, kManagerPath))
{
    const std::string base = std::string("type='signal',sender='") + kLogind + "',";
    matches_.push_back(bus_.addMatch(
        base + "interface='" + kSessionIface + "',member='Lock'", [this](sdbus::Message& m) {
            const std::string id = id_for_path(m.getPath());
            if (!id.empty() && handlers_.on_change)
                handlers_.on_change(id, SessionChange::Locked);
        }));
    matches_.push_back(bus_.addMatch(
        base + "interface='" + kPropsIface + "',member='PropertiesChanged',arg0='" + kSessionIface + "'",
        [this](sdbus::Message& m) {
            std::string iface;
            Props changed;
            std::vector<std::string> invalidated;
            m >> iface >> changed >> invalidated;
            std::map<std::string, bool> flags;
            for (const char* name : {"Active", "LockedHint"}) {
                auto it = changed.find(name);
                if (it != changed.end() && it->second.containsValueOfType<bool>())
                    flags[name] = it->second.get<bool>();
            }
            const bool stale = std::any_of(invalidated.begin(), invalidated.end(), [](const std::string& n) {
                return n == "Active" || n == "LockedHint";
            });
            if (stale) {
                // Values not sent: read them.
                if (auto s = read_session(m.getPath())) {
                    flags["Active"] = s->active;
                    flags["LockedHint"] = s->locked;
                }
            }
            if (!flags.empty())
                on_properties_changed(m.getPath(), flags);
            if (!flags.empty() && handlers_.on_any)
                handlers_.on_any();
        }));
    matches_.push_back(bus_.addMatch(
        base + "interface='" + kManagerIface + "',member='SessionNew'", [this](sdbus::Message& m) {
            std::string id;
            sdbus::ObjectPath path;
            m >> id >> path;
            if (handlers_.on_new) {
                std::optional<SessionInfo> s;
                try {
                    s = read_session(path);
                } catch (const Error& e) {
                    log_error("new session %s: %s", id.c_str(), e.what());
                }
                // Gone already: its SessionRemoved follows. Unreadable: the
                // uid is unknown, so nothing can be narrowed for it.
                if (s)
                    handlers_.on_new(*s);
            }
            if (handlers_.on_any)
                handlers_.on_any();
        }));
    matches_.push_back(bus_.addMatch(
        base + "interface='" + kManagerIface + "',member='SessionRemoved'", [this](sdbus::Message& m) {
            std::string id;
            sdbus::ObjectPath path;
            m >> id >> path;
            path_to_id_.erase(path);
            if (handlers_.on_change)
                handlers_.on_change(id, SessionChange::Removed);
            if (handlers_.on_any)
                handlers_.on_any();
        }));
    matches_.push_back(bus_.addMatch(
        base + "interface='" + kManagerIface + "',member='PrepareForSleep'", [this](sdbus::Message& m) {
            bool start = false;
            m >> start;
            if (handlers_.on_sleep)
                handlers_.on_sleep(start);
        }));
}

LogindSessions::~LogindSessions() = default;

std::string LogindSessions::id_for_path(const std::string& path) const
{
    auto it = path_to_id_.find(path);
    return it == path_to_id_.end() ? std::string() : it->second;
}

void LogindSessions::on_properties_changed(const std::string& path, const std::map<std::string, bool>& changed)
{
    const std::string id = id_for_path(path);
    if (id.empty() || !handlers_.on_change)
        return;
    // Only what changed counts: a property not in `changed` keeps the
    // session as it was, which held its exceptions.
    SessionInfo s;
    s.active = !changed.contains("Active") || changed.at("Active");
    s.locked = changed.contains("LockedHint") && changed.at("LockedHint");
    if (const auto c = ending_change(s))
        handlers_.on_change(id, *c);
}

std::optional<SessionInfo> LogindSessions::session_of_pid(uint32_t pid)
{
    sdbus::ObjectPath path;
    try {
        manager_->callMethod("GetSessionByPID").onInterface(kManagerIface).withTimeout(kTimeout).withArguments(pid).storeResultsTo(path);
    } catch (const sdbus::Error& e) {
        if (e.getName() == "org.freedesktop.login1.NoSessionForPID")
            return std::nullopt;
        throw Error(ErrorKind::Internal, "asking logind for the session of pid " + std::to_string(pid) + ": " + e.getMessage());
    }
    return read_session(path);
}

std::optional<SessionInfo> LogindSessions::session(const std::string& id)
{
    sdbus::ObjectPath path;
    try {
        manager_->callMethod("GetSession").onInterface(kManagerIface).withTimeout(kTimeout).withArguments(id).storeResultsTo(path);
    } catch (const sdbus::Error& e) {
        if (e.getName() == "org.freedesktop.login1.NoSuchSession")
            return std::nullopt;
        throw Error(ErrorKind::Internal, "asking logind for session " + id + ": " + e.getMessage());
    }
    return read_session(path);
}

void LogindSessions::hibernate(std::function<void(const std::string& error)> done)
{
    // Not interactive: the broker has asked polkit for its caller already,
    // and logind lets root hibernate without asking.
    manager_->callMethodAsync("Hibernate")
        .onInterface(kManagerIface)
        .withTimeout(kTimeout)
        .withArguments(false)
        .uponReplyInvoke([done = std::move(done)](const sdbus::Error* err) {
            done(err ? err->getName() + ": " + err->getMessage() : std::string());
        });
}

std::vector<SessionInfo> LogindSessions::all()
{
    std::vector<sdbus::Struct<std::string, uint32_t, std::string, std::string, sdbus::ObjectPath>> list;
    try {
        manager_->callMethod("ListSessions").onInterface(kManagerIface).withTimeout(kTimeout).storeResultsTo(list);
    } catch (const sdbus::Error& e) {
        throw Error(ErrorKind::Internal, "asking logind for its sessions: " + e.getMessage());
    }
    std::vector<SessionInfo> out;
    for (const auto& entry : list)
        if (auto s = read_session(entry.get<4>()))
            out.push_back(std::move(*s));
    return out;
}

std::optional<SessionInfo> LogindSessions::display_session(uint32_t uid)
{
    sdbus::ObjectPath user_path;
    try {
        manager_->callMethod("GetUser").onInterface(kManagerIface).withTimeout(kTimeout).withArguments(uid).storeResultsTo(user_path);
    } catch (const sdbus::Error& e) {
        if (e.getName() == "org.freedesktop.login1.NoSuchUser")
            return std::nullopt;
        throw Error(ErrorKind::Internal, "asking logind for uid " + std::to_string(uid) + ": " + e.getMessage());
    }
    sdbus::Variant v;
    try {
        auto up = sdbus::createProxy(bus_, kLogind, user_path);
        up->callMethod("Get").onInterface(kPropsIface).withTimeout(kTimeout).withArguments(std::string(kUserIface), std::string("Display")).storeResultsTo(v);
    } catch (const sdbus::Error& e) {
        throw Error(ErrorKind::Internal, "reading the display session of uid " + std::to_string(uid) + ": " + e.getMessage());
    }
    if (!v.containsValueOfType<sdbus::Struct<std::string, sdbus::ObjectPath>>())
        return std::nullopt;
    const auto display = v.get<sdbus::Struct<std::string, sdbus::ObjectPath>>();
    const std::string path = std::get<1>(display);
    if (std::get<0>(display).empty() || path.empty() || path == "/")
        return std::nullopt;
    return read_session(path);
}

std::optional<SessionInfo> LogindSessions::read_session(const std::string& path)
{
    Props p;
    try {
        auto proxy = sdbus::createProxy(bus_, kLogind, path);
        proxy->callMethod("GetAll").onInterface(kPropsIface).withTimeout(kTimeout).withArguments(std::string(kSessionIface)).storeResultsTo(p);
    } catch (const sdbus::Error& e) {
        // The object vanishes with the session.
        if (e.getName() == "org.freedesktop.DBus.Error.UnknownObject" ||
            e.getName() == "org.freedesktop.DBus.Error.UnknownMethod" ||
            e.getName() == "org.freedesktop.login1.NoSuchSession")
            return std::nullopt;
        throw Error(ErrorKind::Internal, "reading session " + path + " from logind: " + e.getMessage());
    }
    SessionInfo s;
    s.id = prop<std::string>(p, "Id");
    if (s.id.empty())
        return std::nullopt;
    s.active = prop<bool>(p, "Active");
    s.locked = prop<bool>(p, "LockedHint");
    s.remote = prop<bool>(p, "Remote");
    s.session_class = prop<std::string>(p, "Class");
    s.scope_unit = prop<std::string>(p, "Scope");
    const auto seat = prop<sdbus::Struct<std::string, sdbus::ObjectPath>>(p, "Seat");
    s.seat = std::get<0>(seat);
    const auto user = prop<sdbus::Struct<uint32_t, sdbus::ObjectPath>>(p, "User");
    s.uid = std::get<0>(user);
    const std::string user_path = std::get<1>(user);
    if (!user_path.empty() && user_path != "/") {
        try {
            auto up = sdbus::createProxy(bus_, kLogind, user_path);
            sdbus::Variant v;
            up->callMethod("Get").onInterface(kPropsIface).withTimeout(kTimeout).withArguments(std::string(kUserIface), std::string("Service")).storeResultsTo(v);
            if (v.containsValueOfType<std::string>())
                s.user_service = v.get<std::string>();
        } catch (const sdbus::Error& e) {
            log_warning("cannot read the user service of uid %u from logind: %s", s.uid, e.getMessage().c_str());
        }
    }
    path_to_id_[path] = s.id;
    return s;
}

} // namespace ldb
