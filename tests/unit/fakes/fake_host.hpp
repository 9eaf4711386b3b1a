// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// logind and systemd in memory, for tests of what asks SessionDirectory and
// UnitDirectory.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "host/sessions.hpp"
#include "host/systemd_units.hpp"

namespace ldb_test {

class FakeSessions : public ldb::SessionDirectory {
public:
    std::optional<ldb::SessionInfo> session_of_pid(uint32_t pid) override
    {
        auto it = pids.find(pid);
        return it == pids.end() ? std::nullopt : session(it->second);
    }
    std::optional<ldb::SessionInfo> session(const std::string& id) override
    {
        for (const auto& s : list)
            if (s.id == id)
                return s;
        return std::nullopt;
    }
    std::vector<ldb::SessionInfo> all() override
    {
        if (fail)
            throw ldb::Error(ldb::ErrorKind::Internal, "logind is not answering");
        return list;
    }
    std::optional<ldb::SessionInfo> display_session(uint32_t uid) override
    {
        auto it = displays.find(uid);
        return it == displays.end() ? std::nullopt : session(it->second);
    }
    std::vector<ldb::SessionInfo> list;
    std::map<uint32_t, std::string> pids;     // pid -> session id
    std::map<uint32_t, std::string> displays; // uid -> display session id
    bool fail = false;
};

class FakeUnits : public ldb::UnitDirectory {
public:
    ldb::UnitState unit(const std::string& name) override
    {
        auto it = units.find(name);
        if (it == units.end())
            throw ldb::Error(ldb::ErrorKind::NotFound, "no unit " + name);
        return it->second;
    }
    std::map<std::string, ldb::UnitState> units;
};

// An active, local user session of uid 1000 on seat0.
inline ldb::SessionInfo seat_session(bool active = true, bool remote = false, bool locked = false)
{
    ldb::SessionInfo s;
    s.id = "2";
    s.uid = 1000;
    s.active = active;
    s.remote = remote;
    s.locked = locked;
    s.seat = "seat0";
    s.session_class = "user";
    s.scope_unit = "session-2.scope";
    return s;
}

} // namespace ldb_test
