// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// systemd units: the cgroup a unit runs in, whether it runs, and when that
// changes. Grant logic sees only UnitDirectory.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <sdbus-c++/TypeTraits.h>

namespace sdbus {
class IConnection;
class IProxy;
} // namespace sdbus

namespace ldb {

struct UnitState {
    std::string control_group; // "/system.slice/foo.service", "" if it has none
    bool running = false;      // ActiveState is active, activating or reloading
};

class UnitDirectory {
public:
    virtual ~UnitDirectory() = default;
    // Throws ErrorKind::NotFound if systemd has no such unit loaded.
    virtual UnitState unit(const std::string& name) = 0;
};

class SystemdUnits final : public UnitDirectory {
public:
    struct Handlers {
        // A unit we looked at stopped (or started) running.
        std::function<void(const std::string& unit, bool running)> on_running_changed;
        // A job finished for `unit`: a unit we never saw may now be running.
        std::function<void(const std::string& unit)> on_job_done;
    };
    SystemdUnits(sdbus::IConnection& bus, Handlers handlers);
    ~SystemdUnits() override;

    UnitState unit(const std::string& name) override;

private:
    sdbus::IConnection& bus_;
    Handlers handlers_;
    std::unique_ptr<sdbus::IProxy> manager_;
    std::vector<sdbus::Slot> matches_;
    std::map<std::string, std::string> path_to_unit_;
};

} // namespace ldb
