// SPDX-License-Identifier: LGPL-2.1-or-later
#include "user_scope.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <map>
#include <memory>
#include <optional>
#include <poll.h>
#include <random>
#include <unistd.h>

#include <sdbus-c++/sdbus-c++.h>

#include "base/bus_names.hpp"
#include "base/i18n.hpp"
#include "lockdownctl.hpp"

namespace ldctl {

namespace {

constexpr const char* kSystemd = ldb::bus_names::systemd::kName;
constexpr const char* kSystemdPath = ldb::bus_names::systemd::kPath;
constexpr const char* kManagerIface = ldb::bus_names::systemd::kManager;
constexpr auto kJobTimeout = std::chrono::seconds(30);
const char* const kNoManagerHint =
    N_("lockdownctl run starts the command in a scope of your service manager (systemd --user); run it as the "
       "logged-in user, from a session that has one (XDG_RUNTIME_DIR and DBUS_SESSION_BUS_ADDRESS set)");

std::unique_ptr<sdbus::IConnection> connect_user_bus()
{
    try {
        return sdbus::createSessionBusConnection();
    } catch (const sdbus::Error& e) {
        throw Failure(ExitUnreachable, ldb::fill(_("cannot connect to the user bus: %s"), {e.getMessage()}),
                      _(kNoManagerHint));
    }
}

std::string random_scope_name()
{
    std::random_device rd;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%08x%08x", rd(), rd());
    return std::string("lockdown-run-") + buf + ".scope";
}

// Runs the connection until `done()` or the deadline.
void wait_until(sdbus::IConnection& bus, const std::function<bool()>& done)
{
    const auto deadline = std::chrono::steady_clock::now() + kJobTimeout;
    while (!done()) {
        if (bus.processPendingRequest())
            continue;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                                 std::chrono::steady_clock::now());
        if (left.count() <= 0)
            throw Failure(ExitFailure, _("the user manager did not finish starting the scope within 30 s"));
        const auto pd = bus.getEventLoopPollData();
        pollfd p{pd.fd, static_cast<short>(pd.events), 0};
        ::poll(&p, 1, static_cast<int>(left.count()));
    }
}

} // namespace

std::string own_cgroup_leaf(const std::string& text)
{
    size_t start = 0;
    while (start < text.size()) {
        size_t nl = text.find('\n', start);
        if (nl == std::string::npos)
            nl = text.size();
        const std::string line = text.substr(start, nl - start);
        if (line.starts_with("0::"))
            return line.substr(line.rfind('/') + 1);
        start = nl + 1;
    }
    return {};
}

std::string enter_new_user_scope(const std::string& description)
{
    auto bus = connect_user_bus();
    auto manager = sdbus::createProxy(*bus, kSystemd, kSystemdPath);
    // JobRemoved first, so that the job's end cannot pass unseen.
    std::map<std::string, std::string> finished; // job path -> result
    manager->uponSignal("JobRemoved")
        .onInterface(kManagerIface)
        .call([&](uint32_t, const sdbus::ObjectPath& job, const std::string&, const std::string& result) {
            finished[job] = result;
        });
    manager->finishRegistration();
    const std::string name = random_scope_name();
    using Props = std::vector<sdbus::Struct<std::string, sdbus::Variant>>;
    Props props{{"PIDs", sdbus::Variant(std::vector<uint32_t>{static_cast<uint32_t>(::getpid())})},
                {"Description", sdbus::Variant(description)},
                {"CollectMode", sdbus::Variant(std::string("inactive-or-failed"))}};
    sdbus::ObjectPath job;
    try {
        manager->callMethod("Subscribe").onInterface(kManagerIface);
        manager->callMethod("StartTransientUnit")
            .onInterface(kManagerIface)
            .withArguments(name, std::string("fail"), props, std::vector<sdbus::Struct<std::string, Props>>{})
            .storeResultsTo(job);
    } catch (const sdbus::Error& e) {
        if (e.getName() == "org.freedesktop.DBus.Error.ServiceUnknown" ||
            e.getName() == "org.freedesktop.DBus.Error.NameHasNoOwner")
            throw Failure(ExitUnreachable, ldb::fill(_("no service manager on the user bus: %s"), {e.getMessage()}),
                          _(kNoManagerHint));
        throw Failure(ExitFailure, ldb::fill(_("the user manager refused to start %s: %s"), {name, e.getMessage()}));
    }
    wait_until(*bus, [&] { return finished.contains(job); });
    if (finished[job] != "done")
        throw Failure(ExitFailure, ldb::fill(_("starting %s failed (job result '%s')"), {name, finished[job]}),
                      "journalctl --user -u " + name);
    std::ostringstream text;
    text << std::ifstream("/proc/self/cgroup").rdbuf();
    const std::string leaf = own_cgroup_leaf(text.str());
    if (leaf != name)
        throw Failure(ExitFailure,
                      ldb::fill(_("this process is in '%s', not in %s as the user manager said"), {leaf, name}));
    return name;
}

} // namespace ldctl
