// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// lockdownctl's view of lockdown-brokerd: the generated proxy, plus the
// calls that may need polkit, sent with the interactive-authorization flag.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "base/bus_names.hpp"
#include "lockdown-broker1-proxy.h"

namespace ldctl {

inline constexpr const char* broker_name = ldb::bus_names::kName;
inline constexpr const char* broker_path = ldb::bus_names::kPath;

// The a{sv} that ends each record: lockdownctl reads none of its keys yet,
// and must ignore the ones it does not know.
using Extra = std::map<std::string, sdbus::Variant>;
// Reasons: (name, level, action, extra).
using ReasonRows = std::vector<sdbus::Struct<std::string, std::string, std::string, Extra>>;
// SetDebug, ResetDebug: (file, line, module, function, flags, flags, extra).
using DebugChanges =
    std::vector<sdbus::Struct<std::string, uint32_t, std::string, std::string, std::string, std::string, Extra>>;

class BrokerClient final : public sdbus::ProxyInterfaces<org::freedesktop::LockdownBroker1_proxy> {
public:
    // `interactive`: allow polkit to ask the user (the header flag
    // ALLOW_INTERACTIVE_AUTHORIZATION), as systemctl does.
    BrokerClient(sdbus::IConnection& conn, bool interactive);
    ~BrokerClient();

    // Starts delivering signals to the handlers below (adds the match rules).
    void subscribe();
    std::function<void(uint64_t, const std::vector<std::string>&, const std::string&, const std::string&)> granted;
    std::function<void(uint64_t, const std::string&)> revoked;
    std::function<void(uint64_t, const std::vector<std::string>&, const std::string&)> narrowed;
    std::function<void(const std::string&, uint32_t, const std::string&, const std::string&, uint64_t)> denied;

    // The methods that polkit may guard.
    uint64_t request(const std::vector<std::string>& reasons, uint64_t seconds,
                     const std::map<std::string, sdbus::Variant>& options = {});
    uint64_t grant(const std::vector<std::string>& reasons, const std::string& scope_kind, const std::string& scope,
                   uint64_t seconds);
    void release(uint64_t id);
    void revoke(uint64_t id);
    void hibernate();
    // SetDebug: (file, line, module, function, old_flags, new_flags, extra) changed.
    DebugChanges set_debug(const std::string& query);

private:
    sdbus::MethodReply call_authorizing(sdbus::MethodCall& call);

    void onExceptionGranted(const uint64_t& id, const std::vector<std::string>& reasons, const std::string& scope_kind,
                            const std::string& scope) override;
    void onExceptionRevoked(const uint64_t& id, const std::string& why) override;
    void onExceptionNarrowed(const uint64_t& id, const std::vector<std::string>& cgroups,
                             const std::string& why) override;
    void onDenied(const std::string& reason, const uint32_t& pid, const std::string& comm, const std::string& unit,
                  const uint64_t& count, const uint32_t& uid, const std::string& session) override;

    bool interactive_;
};

} // namespace ldctl
