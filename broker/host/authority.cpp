// SPDX-License-Identifier: LGPL-2.1-or-later
#include "host/authority.hpp"

#include <sdbus-c++/sdbus-c++.h>
#include <unistd.h>

#include "base/log.hpp"

namespace ldb {

namespace {
constexpr const char* kPolkit = "org.freedesktop.PolicyKit1";
constexpr const char* kPath = "/org/freedesktop/PolicyKit1/Authority";
constexpr const char* kIface = "org.freedesktop.PolicyKit1.Authority";
// A person may take a while to type a password.
constexpr auto kInteractiveTimeout = std::chrono::minutes(10);
constexpr auto kTimeout = std::chrono::seconds(25);
constexpr uint32_t kAllowUserInteraction = 1;
} // namespace

struct PolkitAuthority::Pending {
    Callback done;
    std::string cancellation_id;
    sdbus::PendingAsyncCall call;
};

PolkitAuthority::PolkitAuthority(sdbus::IConnection& bus) : proxy_(sdbus::createProxy(bus, kPolkit, kPath)) {}

PolkitAuthority::~PolkitAuthority() = default;

Authority::Handle PolkitAuthority::check(const std::string& bus_name, const std::string& action_id,
                                         const std::map<std::string, std::string>& details, bool interactive,
                                         Callback done)
{
    const Handle h = next_++;
    auto p = std::make_shared<Pending>();
    p->done = std::move(done);
    p->cancellation_id = "lockdown-brokerd-" + std::to_string(::getpid()) + "-" + std::to_string(h);
    pending_[h] = p;

    const sdbus::Struct<std::string, std::map<std::string, sdbus::Variant>> subject{
        "system-bus-name", std::map<std::string, sdbus::Variant>{{"name", sdbus::Variant(bus_name)}}};
    const uint32_t flags = interactive ? kAllowUserInteraction : 0;
    std::weak_ptr<Pending> weak = p;
    p->call = proxy_->callMethodAsync("CheckAuthorization")
                  .onInterface(kIface)
                  .withTimeout(interactive ? std::chrono::duration_cast<std::chrono::microseconds>(kInteractiveTimeout)
                                           : std::chrono::duration_cast<std::chrono::microseconds>(kTimeout))
                  .withArguments(subject, action_id, details, flags, p->cancellation_id)
                  .uponReplyInvoke([this, h, weak, action_id](const sdbus::Error* err,
                                                               sdbus::Struct<bool, bool, std::map<std::string, std::string>> r) {
                      auto self = weak.lock();
                      if (!self)
                          return; // cancelled
                      pending_.erase(h);
                      if (err) {
                          self->done(AuthResult::Failed, "polkit could not decide on " + action_id + ": " + err->getMessage());
                          return;
                      }
                      const bool authorized = std::get<0>(r);
                      const bool challenge = std::get<1>(r);
                      std::string detail;
                      if (!authorized)
                          detail = challenge ? "authentication is required, and interactive authorization was not allowed"
                                             : "not authorized by polkit";
                      self->done(authorized ? AuthResult::Authorized : AuthResult::NotAuthorized, detail);
                  });
    return h;
}

void PolkitAuthority::cancel(Handle h)
{
    auto it = pending_.find(h);
    if (it == pending_.end())
        return;
    const std::string cid = it->second->cancellation_id;
    it->second->call.cancel();
    pending_.erase(it);
    // Closes an open prompt; the answer no longer matters.
    proxy_->callMethodAsync("CancelCheckAuthorization")
        .onInterface(kIface)
        .withArguments(cid)
        .uponReplyInvoke([cid](const sdbus::Error* err) {
            if (err)
                log_debug("polkit did not cancel %s: %s", cid.c_str(), err->getMessage().c_str());
        });
}

} // namespace ldb
