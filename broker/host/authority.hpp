// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// polkit, asynchronously: an interactive prompt can take minutes and must
// never block the loop. The subject is always the caller's bus name
// ("system-bus-name"), never a pid, so it cannot be forged or reused.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "base/bus_names.hpp"

namespace sdbus {
class IConnection;
class IProxy;
} // namespace sdbus

namespace ldb {

enum class AuthResult {
    Authorized,
    NotAuthorized,  // polkit said no (or a challenge was needed and not allowed)
    Failed,         // polkit could not be asked; `detail` says why
};

namespace action = bus_names::action; // polkit action ids: base/bus_names.hpp

class Authority {
public:
    using Callback = std::function<void(AuthResult, const std::string& detail)>;
    using Handle = uint64_t;
    virtual ~Authority() = default;
    // Starts a check; `done` runs later on the loop, exactly once, unless
    // cancel() came first.
    virtual Handle check(const std::string& bus_name, const std::string& action_id,
                         const std::map<std::string, std::string>& details, bool interactive, Callback done) = 0;
    // Asks polkit to drop the check (closing any prompt); `done` never runs.
    virtual void cancel(Handle h) = 0;
};

class PolkitAuthority final : public Authority {
public:
    explicit PolkitAuthority(sdbus::IConnection& bus);
    ~PolkitAuthority() override;
    Handle check(const std::string& bus_name, const std::string& action_id,
                 const std::map<std::string, std::string>& details, bool interactive, Callback done) override;
    void cancel(Handle h) override;

private:
    struct Pending;
    std::unique_ptr<sdbus::IProxy> proxy_;
    std::map<Handle, std::shared_ptr<Pending>> pending_;
    Handle next_ = 1;
};

} // namespace ldb
