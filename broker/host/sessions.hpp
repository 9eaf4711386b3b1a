// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// logind sessions: who a caller is, whether their session may hold an
// exception, and the signals that end one (Lock, LockedHint, Active,
// SessionRemoved, PrepareForSleep). The grant logic sees only the narrow
// SessionDirectory interface, so tests can give it a fake.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sdbus-c++/TypeTraits.h>

#include "host/session_change.hpp"

namespace sdbus {
class IConnection;
class IProxy;
} // namespace sdbus

namespace ldb {

struct SessionInfo {
    std::string id;
    uint32_t uid = 0;
    bool active = false;
    bool locked = false; // LockedHint
    bool remote = false;
    std::string seat;
    std::string session_class; // "user", "greeter", ...
    std::string scope_unit;    // "session-3.scope"
    std::string user_service;  // "user@1000.service", may be empty
};

// Why this session may not hold a session-bound exception, in words a panel
// can show; empty if it may.
std::string session_ineligibility(const SessionInfo& s);


class SessionDirectory {
public:
    virtual ~SessionDirectory() = default;
    // The session `pid` belongs to, as it is now, or nullopt if none.
    virtual std::optional<SessionInfo> session_of_pid(uint32_t pid) = 0;
    // Current state, or nullopt if the session is gone.
    virtual std::optional<SessionInfo> session(const std::string& id) = 0;
    // Every session logind knows, as it is now.
    virtual std::vector<SessionInfo> all() = 0;
    // The user's display session (logind User.Display): the session that
    // polkit and logind attribute the user's processes outside any session
    // to (those in user@UID.service). nullopt if the user has none.
    virtual std::optional<SessionInfo> display_session(uint32_t uid) = 0;
};

class LogindSessions final : public SessionDirectory {
public:
    struct Handlers {
        std::function<void(const std::string& session_id, SessionChange)> on_change;
        std::function<void(bool going_to_sleep)> on_sleep;
        // Any session came, went, or changed Active or LockedHint.
        std::function<void()> on_any;
        // A new session (SessionNew), as logind describes it now.
        std::function<void(const SessionInfo&)> on_new;
    };
    LogindSessions(sdbus::IConnection& bus, Handlers handlers);
    ~LogindSessions() override;

    std::optional<SessionInfo> session_of_pid(uint32_t pid) override;
    std::optional<SessionInfo> session(const std::string& id) override;
    std::vector<SessionInfo> all() override;
    std::optional<SessionInfo> display_session(uint32_t uid) override;

    // Manager.Hibernate(false), asynchronously; `done` gets "" or the error.
    void hibernate(std::function<void(const std::string& error)> done);

private:
    std::optional<SessionInfo> read_session(const std::string& path);
    void on_properties_changed(const std::string& path, const std::map<std::string, bool>& changed);
    std::string id_for_path(const std::string& path) const;

    sdbus::IConnection& bus_;
    Handlers handlers_;
    std::unique_ptr<sdbus::IProxy> manager_;
    std::vector<sdbus::Slot> matches_;
    std::map<std::string, std::string> path_to_id_; // sessions we have looked at
};

} // namespace ldb
