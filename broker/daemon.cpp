// SPDX-License-Identifier: LGPL-2.1-or-later
#include "daemon.hpp"

#include <csignal>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <sdbus-c++/sdbus-c++.h>

#include "authority.hpp"
#include "bus_service.hpp"
#include "cgroup.hpp"
#include "config.hpp"
#include "error.hpp"
#include "event_loop.hpp"
#include "event_reader.hpp"
#include "events.hpp"
#include "grants.hpp"
#include "journal.hpp"
#include "kernel_env.hpp"
#include "log.hpp"
#include "message_ids.hpp"
#include "policy.hpp"
#include "reasons.hpp"
#include "request_checks.hpp"
#include "sessions.hpp"
#include "standing_exceptions.hpp"
#include "systemd_units.hpp"
#include "unique_fd.hpp"

namespace ldb {

namespace {

void journal_exception(const Exception& e, const char* message_id, const std::string& message, const std::string& why)
{
    JournalRecord r;
    r.message_id = message_id;
    r.priority = 5;
    r.message = message;
    r.fields = {{"LOCKDOWN_EXCEPTION_ID", hex_id(e.id)},
                {"LOCKDOWN_REASON", join(e.reasons, ",")},
                {"LOCKDOWN_UID", std::to_string(e.holder_uid)},
                {"LOCKDOWN_SESSION", e.holder_session},
                {"LOCKDOWN_UNIT", e.scope_kind == "unit" ? e.scope : std::string()},
                {"LOCKDOWN_SCOPE", e.scope_kind + ":" + e.scope},
                {"LOCKDOWN_ORIGIN", e.origin},
                {"LOCKDOWN_WHY", why}};
    journal_send(r);
}

std::string describe(const Exception& e)
{
    return hex_id(e.id) + " (" + join(e.reasons, ",") + " for " + e.scope_kind + " " + e.scope + ", uid " +
           std::to_string(e.holder_uid) + ", " + e.origin + ")";
}

// Why an exception found after a restart no longer holds, or "".
std::string still_valid(const Exception& e, SessionDirectory& sessions, UnitDirectory& units,
                        const std::string& cgroup_root)
{
    if (!e.holder_session.empty()) {
        const auto s = sessions.session(e.holder_session);
        if (!s)
            return "session-removed";
        if (s->locked)
            return "session-locked";
        if (!s->active)
            return "session-inactive";
        if (!session_ineligibility(*s).empty())
            return "invalid";
    }
    if (e.scope_kind == "unit") {
        try {
            if (!units.unit(e.scope).running)
                return "unit-stopped";
        } catch (const Error& err) {
            if (err.kind() != ErrorKind::NotFound)
                throw;
            return "unit-stopped";
        }
    }
    for (const auto& cg : e.cgroups) {
        struct stat st{};
        if (::stat((cgroup_root + cg).c_str(), &st) < 0)
            return "invalid";
    }
    return {};
}

// A signalfd for SIGTERM and SIGINT, blocked for normal delivery.
UniqueFd termination_fd()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (sigprocmask(SIG_BLOCK, &set, nullptr) < 0)
        throw errno_error(errno, "blocking signals");
    UniqueFd fd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd)
        throw errno_error(errno, "creating a signalfd");
    return fd;
}

// Runs `fn` every `period`, starting after one period.
void every(EventLoop& loop, std::chrono::milliseconds period, std::function<void()> fn)
{
    loop.add_timer(period, [&loop, period, fn]() {
        fn();
        every(loop, period, fn);
    });
}

} // namespace

int run_daemon(const DaemonOptions& o)
{
    log_set_max_level(o.verbose ? LogLevel::Debug : LogLevel::Info);

    // Everything that can be wrong in the files is found before the bus.
    const auto catalog = ReasonCatalog::from_running_kernel();
    const Config cfg = o.config_file.empty() ? load_config() : load_config_file(o.config_file);
    const Policy policy = Policy::build(catalog, cfg);
    std::vector<std::string> bad;
    auto rules = load_standing_rules(o.exceptions_dir, catalog, bad);
    for (const auto& b : bad)
        log_error("ignoring a standing exception: %s", b.c_str());

    Enforcer enforcer = Enforcer::open_pinned(o.pins);
    EnforcerGrants kernel(enforcer);
    if (::mkdir(o.runtime_dir.c_str(), 0700) < 0 && errno != EEXIST)
        throw errno_error(errno, "creating " + o.runtime_dir);
    GrantStore store(o.runtime_dir + "/exceptions");
    store.open();

    auto bus = sdbus::createSystemBusConnection();
    EventLoop loop;
    loop.attach_bus(*bus);

    BusService* service = nullptr; // exists once grants are restored
    const std::string cgroup_root = o.cgroup_root;
    GrantTable grants(kernel, catalog, store,
                      {cfg.exceptions.lease_seconds, [cgroup_root](const std::string& p) { return cgroup_id_of(p, cgroup_root); }},
                      Clocks::system(),
                      {
                          [&](const Exception& e) {
                              if (!log_is_journal())
                                  log_info("exception %s granted", describe(e).c_str());
                              journal_exception(e, message_id::kExceptionGranted,
                                                "Lockdown exception granted: " + describe(e), "");
                              if (service)
                                  service->exception_granted(e);
                          },
                          [&](const Exception& e, const std::string& why) {
                              if (!log_is_journal())
                                  log_info("exception %s ended: %s", describe(e).c_str(), why.c_str());
                              journal_exception(e, message_id::kExceptionRevoked,
                                                "Lockdown exception ended (" + why + "): " + describe(e), why);
                              if (service)
                                  service->exception_revoked(e, why);
                          },
                      });

    StandingExceptions* standing = nullptr;
    LogindSessions sessions(*bus, {
                                      [&](const std::string& id, SessionChange c) { grants.end_session(id, to_string(c)); },
                                      [&](bool going_to_sleep) {
                                          if (!going_to_sleep)
                                              grants.end_all_sessions("resumed");
                                      },
                                  });
    SystemdUnits units(*bus, {
                                 [&](const std::string& unit, bool running) {
                                     if (!running)
                                         grants.end_unit(unit);
                                     else if (standing)
                                         standing->unit_changed(unit);
                                 },
                                 [&](const std::string& unit) {
                                     if (standing)
                                         standing->unit_changed(unit);
                                 },
                             });
    PolkitAuthority authority(*bus);

    auto probe = [&] {
        const auto env = KernelEnv::probe();
        ServiceStatus s;
        s.kernel_lockdown = env.kernel_lockdown ? to_string(*env.kernel_lockdown) : "unknown";
        s.enforcing = Enforcer::link_pinned(o.pins);
        s.notice = kernel_lockdown_notice(env);
        if (!s.enforcing && s.notice.empty())
            s.notice = "Lockdown enforcement is not loaded, so nothing is locked: start lockdown-enforce.service "
                       "(lockdown-brokerd --enforce-only).";
        return s;
    };
    BusService svc(*bus, BusService::Deps{grants, sessions, units, authority, catalog, policy, cfg, probe});
    service = &svc;

    StandingExceptions standing_ex(std::move(rules), grants, units, policy);
    standing = &standing_ex;

    // Own the name before restoring, so that clients (which match on it)
    // hear ExceptionRevoked for what no longer holds. Nothing is served
    // until the loop runs.
    bus->requestName(kBusName);
    grants.restore([&](const Exception& e) { return still_valid(e, sessions, units, o.cgroup_root); });
    log_info("%zu exception(s) still valid after start", grants.all().size());
    standing_ex.apply_all();

    EventSink sink(catalog, {
                                journal_send,
                                [&](const DeniedNotice& n) { svc.denied(n); },
                                [] {
                                    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                                     EventLoop::Clock::now().time_since_epoch())
                                                                     .count());
                                },
                                [](uint32_t pid) { return cgroup_of_pid(pid).value_or(""); },
                            });
    EventReader reader(enforcer.events_fd(), [&](const ld_event& ev) { sink.handle(ev); });
    bool flush_armed = false;
    loop.add_fd(reader.fd(), [&] {
        reader.consume();
        if (sink.pending() && !flush_armed) {
            flush_armed = true;
            loop.add_timer(std::chrono::milliseconds(sink.window_ms()), [&] {
                flush_armed = false;
                sink.flush();
            });
        }
    });

    UniqueFd sigfd = termination_fd();
    loop.add_fd(sigfd.get(), [&] {
        signalfd_siginfo si{};
        if (::read(sigfd.get(), &si, sizeof(si)) == sizeof(si))
            log_info("received %s, exiting; enforcement and exceptions stay in the kernel",
                     si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
        loop.quit();
    });

    auto notify_status = [&] {
        const auto& st = svc.status();
        const std::string text = std::string(st.enforcing ? "Enforcing" : "Not enforcing") + " Mode=" +
                                 to_string(cfg.mode) + ", " + std::to_string(grants.all().size()) + " exception(s)";
        sd_notifyf(0, "STATUS=%s", text.c_str());
    };

    every(loop, grants.renew_interval(), [&] {
        grants.renew();
        standing_ex.apply_all();
        svc.refresh_status();
        sink.note_kernel_drops(enforcer.counters().dropped_events);
        notify_status();
    });
    uint64_t watchdog_usec = 0;
    if (sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec > 0)
        every(loop, std::chrono::milliseconds(watchdog_usec / 2000), [] { sd_notify(0, "WATCHDOG=1"); });

    notify_status();
    sd_notify(0, "READY=1");
    log_info("serving %s: Mode=%s, %zu reasons, %zu standing rule(s)", kBusName, to_string(cfg.mode).c_str(),
             policy.entries().size(), standing_ex.rules().size());
    loop.run();
    sd_notify(0, "STOPPING=1");
    service = nullptr;
    standing = nullptr;
    return 0;
}

} // namespace ldb
