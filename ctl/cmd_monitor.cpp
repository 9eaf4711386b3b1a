// SPDX-License-Identifier: LGPL-2.1-or-later
// lockdownctl monitor: one line per Denied, ExceptionGranted and
// ExceptionRevoked (and ExceptionNarrowed) signal until SIGINT or SIGTERM.

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <poll.h>
#include <string>
#include <sys/signalfd.h>
#include <unistd.h>

#include "broker_client.hpp"
#include "base/i18n.hpp"
#include "base/json.hpp"
#include "lockdownctl.hpp"
#include "output.hpp"

namespace ldctl {

namespace {

using ldb::json_str;

void emit(const std::string& line)
{
    std::printf("%s\n", line.c_str());
    // One event per line as it happens, also into a pipe.
    if (std::fflush(stdout) != 0)
        throw Failure(ExitFailure, ldb::fill(_("cannot write the output: %s"), {std::strerror(errno)}));
}

// Milliseconds until an absolute CLOCK_MONOTONIC time in usec, for poll().
int poll_timeout(uint64_t deadline_usec)
{
    if (deadline_usec == UINT64_MAX)
        return -1;
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    const uint64_t now = uint64_t(ts.tv_sec) * 1000000 + uint64_t(ts.tv_nsec) / 1000;
    if (deadline_usec <= now)
        return 0;
    const uint64_t ms = (deadline_usec - now + 999) / 1000;
    return ms > INT32_MAX ? INT32_MAX : int(ms);
}

// One line (or JSON object) per signal of the broker.
void print_events(BrokerClient& broker, const Options& o)
{
    broker.denied = [&o](const std::string& reason, uint32_t pid, const std::string& comm, const std::string& unit,
                        uint64_t count) {
        const uint64_t now = realtime_now_usec();
        if (o.json) {
            emit("{\"event\":\"denied\",\"time_usec\":" + std::to_string(now) + ",\"reason\":" + json_str(reason) +
                 ",\"pid\":" + std::to_string(pid) + ",\"comm\":" + json_str(comm) + ",\"unit\":" + json_str(unit) +
                 ",\"count\":" + std::to_string(count) + "}");
            return;
        }
        std::string line = format_local(now) + " denied  " + reason + " to " + comm + "[" + std::to_string(pid) + "]";
        if (!unit.empty())
            line += " in " + unit;
        if (count > 1)
            line += " (" + std::to_string(count) + " times)";
        emit(line);
    };
    broker.granted = [&o](uint64_t id, const std::vector<std::string>& reasons, const std::string& kind,
                         const std::string& scope) {
        const uint64_t now = realtime_now_usec();
        if (o.json) {
            emit("{\"event\":\"granted\",\"time_usec\":" + std::to_string(now) + ",\"id\":" +
                 json_str(format_id(id)) + ",\"reasons\":" + json_array(reasons) + ",\"scope_kind\":" +
                 json_str(kind) + ",\"scope\":" + json_str(scope) + "}");
            return;
        }
        emit(format_local(now) + " granted " + format_id(id) + " " + join(reasons, ",") + " to " + kind + " " +
             scope);
    };
    broker.revoked = [&o](uint64_t id, const std::string& why) {
        const uint64_t now = realtime_now_usec();
        if (o.json) {
            emit("{\"event\":\"revoked\",\"time_usec\":" + std::to_string(now) + ",\"id\":" +
                 json_str(format_id(id)) + ",\"why\":" + json_str(why) + "}");
            return;
        }
        emit(format_local(now) + " revoked " + format_id(id) + " (" + why + ")");
    };
    broker.narrowed = [&o](uint64_t id, const std::vector<std::string>& cgroups, const std::string& why) {
        const uint64_t now = realtime_now_usec();
        if (o.json) {
            emit("{\"event\":\"narrowed\",\"time_usec\":" + std::to_string(now) + ",\"id\":" +
                 json_str(format_id(id)) + ",\"cgroups\":" + json_array(cgroups) + ",\"why\":" + json_str(why) +
                 "}");
            return;
        }
        emit(format_local(now) + " narrowed " + format_id(id) + " to " + join(cgroups, " ") + " (" + why + ")");
    };
}

} // namespace

int cmd_monitor(const Options& o)
{
    // The signals are read from a signalfd, so that the loop below can end
    // cleanly and exit 0.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &stop, nullptr) < 0)
        throw Failure(ExitFailure, ldb::fill(_("cannot block SIGINT and SIGTERM: %s"), {std::strerror(errno)}));
    const int sfd = signalfd(-1, &stop, SFD_CLOEXEC);
    if (sfd < 0)
        throw Failure(ExitFailure, ldb::fill(_("cannot create a signalfd: %s"), {std::strerror(errno)}));

    auto conn = connect_system_bus();
    BrokerClient broker(*conn, o.ask_password);

    print_events(broker, o);
    broker.subscribe();

    // Fail now, with the usual hint, rather than wait in silence for a
    // broker that is not there. (This also starts it if it is activatable.)
    const std::string version = broker.Version();
    if (!o.json && isatty(STDERR_FILENO))
        std::fprintf(stderr, "%s\n",
                     ldb::fill(_("Monitoring lockdown-brokerd %s; press Ctrl+C to stop."), {version}).c_str());

    while (true) {
        while (conn->processPendingRequest()) {
        }
        const auto pd = conn->getEventLoopPollData();
        pollfd fds[2] = {{pd.fd, pd.events, 0}, {sfd, POLLIN, 0}};
        if (poll(fds, 2, poll_timeout(pd.timeout_usec)) < 0) {
            if (errno == EINTR)
                continue;
            throw Failure(ExitFailure, ldb::fill(_("poll failed: %s"), {std::strerror(errno)}));
        }
        if (fds[1].revents & POLLIN)
            break;
    }
    close(sfd);
    return ExitOk;
}

} // namespace ldctl
