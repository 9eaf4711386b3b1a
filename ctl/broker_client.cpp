// SPDX-License-Identifier: LGPL-2.1-or-later
#include "broker_client.hpp"

#include <chrono>
#include <map>
#include <systemd/sd-bus.h>

#include "polkit_agent.hpp"

namespace ldctl {

namespace {

// A polkit prompt waits for a human, so these calls get a long timeout.
constexpr std::chrono::minutes authorizing_timeout{10};

// sdbus-c++ 1.2 cannot set ALLOW_INTERACTIVE_AUTHORIZATION on a call. Its
// Message keeps the sd_bus_message* in the protected member msg_. Naming
// that member through a derived class is allowed and yields a plain
// pointer-to-member of Message (void* sdbus::Message::*), which may then be
// applied to any Message. MessagePeek is never instantiated.
struct MessagePeek : sdbus::Message {
    static sd_bus_message* raw(sdbus::Message& m)
    {
        void* sdbus::Message::*msg = &MessagePeek::msg_;
        return static_cast<sd_bus_message*>(m.*msg);
    }
};

} // namespace

BrokerClient::BrokerClient(sdbus::IConnection& conn, bool interactive)
    : ProxyInterfaces(conn, broker_name, broker_path), interactive_(interactive)
{
}

BrokerClient::~BrokerClient() { unregisterProxy(); }

void BrokerClient::subscribe() { registerProxy(); }

sdbus::MethodReply BrokerClient::call_authorizing(sdbus::MethodCall& call)
{
    if (interactive_) {
        const int r = sd_bus_message_set_allow_interactive_authorization(MessagePeek::raw(call), 1);
        if (r < 0)
            throw sdbus::createError(-r, "Failed to allow interactive authorization on the call");
    }
    // pkttyagent answers polkit's prompt on our terminal; it lives for
    // exactly this call.
    PolkitAgent agent;
    if (interactive_)
        agent.start_if_tty();
    return getProxy().callMethod(call, authorizing_timeout);
}

uint64_t BrokerClient::request(const std::vector<std::string>& reasons, uint64_t seconds,
                              const std::map<std::string, sdbus::Variant>& options)
{
    auto call = getProxy().createMethodCall(INTERFACE_NAME, "RequestException");
    call << reasons << seconds << options;
    auto reply = call_authorizing(call);
    uint64_t id = 0;
    reply >> id;
    return id;
}

uint64_t BrokerClient::grant(const std::vector<std::string>& reasons, const std::string& scope_kind,
                             const std::string& scope, uint64_t seconds)
{
    auto call = getProxy().createMethodCall(INTERFACE_NAME, "GrantException");
    call << reasons << scope_kind << scope << seconds << std::map<std::string, sdbus::Variant>{};
    auto reply = call_authorizing(call);
    uint64_t id = 0;
    reply >> id;
    return id;
}

void BrokerClient::release(uint64_t id)
{
    auto call = getProxy().createMethodCall(INTERFACE_NAME, "ReleaseException");
    call << id;
    call_authorizing(call);
}

void BrokerClient::revoke(uint64_t id)
{
    auto call = getProxy().createMethodCall(INTERFACE_NAME, "RevokeException");
    call << id;
    call_authorizing(call);
}

void BrokerClient::hibernate()
{
    auto call = getProxy().createMethodCall(INTERFACE_NAME, "Hibernate");
    call << std::map<std::string, sdbus::Variant>{};
    call_authorizing(call);
}

DebugChanges BrokerClient::set_debug(const std::string& query)
{
    auto call = getProxy().createMethodCall(INTERFACE_NAME, "SetDebug");
    call << query;
    auto reply = call_authorizing(call);
    DebugChanges out;
    reply >> out;
    return out;
}

void BrokerClient::onExceptionGranted(const uint64_t& id, const std::vector<std::string>& reasons,
                                      const std::string& scope_kind, const std::string& scope)
{
    if (granted)
        granted(id, reasons, scope_kind, scope);
}

void BrokerClient::onExceptionRevoked(const uint64_t& id, const std::string& why)
{
    if (revoked)
        revoked(id, why);
}

void BrokerClient::onExceptionNarrowed(const uint64_t& id, const std::vector<std::string>& cgroups,
                                       const std::string& why)
{
    if (narrowed)
        narrowed(id, cgroups, why);
}

void BrokerClient::onDenied(const std::string& reason, const uint32_t& pid, const std::string& comm,
                            const std::string& unit, const uint64_t& count, const uint32_t& /*uid*/,
                            const std::string& /*session*/)
{
    if (denied)
        denied(reason, pid, comm, unit, count);
}

} // namespace ldctl
