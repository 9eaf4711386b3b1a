// SPDX-License-Identifier: LGPL-2.1-or-later
#include "daemon/daemon.hpp"
#include "daemon/handles.hpp"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <sdbus-c++/sdbus-c++.h>

#include "host/authority.hpp"
#include "bus/service.hpp"
#include "host/cgroup.hpp"
#include "host/cgroup_watch.hpp"
#include "host/file_watch.hpp"
#include "config/config.hpp"
#include "dyndbg/runtime.hpp"
#include "base/error.hpp"
#include "base/event_loop.hpp"
#include "enforcement/event_reader.hpp"
#include "enforcement/events.hpp"
#include "exceptions/scopes.hpp"
#include "exceptions/table.hpp"
#include "hibernation/gate.hpp"
#include "hibernation/check.hpp"
#include "hibernation/crypt_inspect.hpp"
#include "base/journal.hpp"
#include "enforcement/kernel_env.hpp"
#include "base/log.hpp"
#include "base/message_ids.hpp"
#include "enforcement/policy.hpp"
#include "enforcement/reasons.hpp"
#include "base/files.hpp"
#include "exceptions/checks.hpp"
#include "host/sessions.hpp"
#include "exceptions/standing.hpp"
#include "host/systemd_units.hpp"
#include "base/unique_fd.hpp"
#include "base/text.hpp"
#include "base/clock.hpp"
#include "daemon/policy_reload.hpp"
#include "daemon/reload_record.hpp"
#include "daemon/service_watchdog.hpp"

namespace ldb {

namespace {

// WatchdogSec= of the unit; zero without one.
std::chrono::microseconds watchdog_timeout()
{
    uint64_t usec = 0;
    return sd_watchdog_enabled(0, &usec) > 0 ? std::chrono::microseconds(usec) : std::chrono::microseconds{0};
}

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
                {"LOCKDOWN_UNIT", e.scope_kind == ScopeKind::Unit ? e.scope : std::string()},
                {"LOCKDOWN_SCOPE", std::string(to_string(e.scope_kind)) + ":" + e.scope},
                {"LOCKDOWN_ORIGIN", std::string(to_string(e.origin))},
                {"LOCKDOWN_WHY", why}};
    journal_send(r);
}

// The narrowing of `e` because session `appeared` of its user exists;
// LOCKDOWN_SESSION names that session, LOCKDOWN_HOLDER_SESSION the holder's.
void journal_narrowed(const Exception& e, const std::string& appeared)
{
    JournalRecord r;
    r.message_id = message_id::kExceptionNarrowed;
    r.priority = 5;
    r.message = "Lockdown exception " + hex_id(e.id) + " narrowed (" + e.narrowed + "): session " + appeared +
                " of uid " + std::to_string(e.holder_uid) + " appeared; it now covers only " + join(e.cgroups, " ");
    r.fields = {{"LOCKDOWN_EXCEPTION_ID", hex_id(e.id)},
                {"LOCKDOWN_REASON", join(e.reasons, ",")},
                {"LOCKDOWN_UID", std::to_string(e.holder_uid)},
                {"LOCKDOWN_SESSION", appeared},
                {"LOCKDOWN_HOLDER_SESSION", e.holder_session},
                {"LOCKDOWN_SCOPE", std::string(to_string(e.scope_kind)) + ":" + e.scope},
                {"LOCKDOWN_CGROUPS", join(e.cgroups, " ")},
                {"LOCKDOWN_ORIGIN", std::string(to_string(e.origin))},
                {"LOCKDOWN_WHY", e.narrowed}};
    journal_send(r);
}

// A scope=caller exception: its cgroup is watched until it empties.
bool ends_with_its_scope(const Exception& e)
{
    return e.origin == Origin::Request && e.scope_kind == ScopeKind::Cgroup;
}

std::string describe(const Exception& e)
{
    return hex_id(e.id) + " (" + join(e.reasons, ",") + " for " + std::string(to_string(e.scope_kind)) + " " + e.scope +
           ", uid " + std::to_string(e.holder_uid) + ", " + std::string(to_string(e.origin)) + ")";
}

// Why an exception found after a restart no longer holds, or nullopt.
std::optional<RevokeWhy> still_valid(const Exception& e, SessionDirectory& sessions, UnitDirectory& units,
                                     const std::string& cgroup_root)
{
    if (!e.holder_session.empty()) {
        const auto s = sessions.session(e.holder_session);
        if (const auto change = ending_change(s))
            return revoke_why(*change);
        if (!session_ineligibility(*s).empty())
            return RevokeWhy::Invalid;
    }
    if (e.scope_kind == ScopeKind::Unit) {
        try {
            if (!units.unit(e.scope).running)
                return RevokeWhy::UnitStopped;
        } catch (const Error& err) {
            if (err.kind() != ErrorKind::NotFound)
                throw;
            return RevokeWhy::UnitStopped;
        }
    }
    for (const auto& cg : e.cgroups) {
        struct stat st{};
        if (::stat((cgroup_root + cg).c_str(), &st) < 0)
            return RevokeWhy::Invalid;
    }
    return std::nullopt;
}

// A signalfd for SIGTERM and SIGINT (exit) and SIGHUP (reload), blocked for
// normal delivery.
UniqueFd signal_fd()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
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

// What the files and the kernel say, read before the bus is touched: a
// mistake in them stops the start with nothing half-done.
struct Inputs {
    ReasonCatalog catalog;
    Config config;
    Policy policy;
    std::vector<StandingRule> rules;
};

Config read_config(const DaemonOptions& o)
{
    return o.config_file.empty() ? load_config() : load_config_file(o.config_file);
}

Inputs read_inputs(const DaemonOptions& o)
{
    auto catalog = ReasonCatalog::from_running_kernel();
    Config cfg = read_config(o);
    Policy policy = Policy::build(catalog, cfg);
    std::vector<std::string> bad;
    auto rules = load_standing_rules(o.exceptions_dir, catalog, bad);
    for (const auto& b : bad)
        log_error("ignoring a standing exception: %s", b.c_str());
    return Inputs{std::move(catalog), std::move(cfg), std::move(policy), std::move(rules)};
}

ExceptionStore open_store(const std::string& runtime_dir)
{
    if (::mkdir(runtime_dir.c_str(), 0700) < 0 && errno != EEXIST)
        throw errno_error(errno, "creating " + runtime_dir);
    ExceptionStore store(runtime_dir + "/exceptions");
    store.open();
    return store;
}

constexpr auto kEventPause = std::chrono::milliseconds(50);

uint64_t monotonic_ms()
{
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(EventLoop::Clock::now().time_since_epoch()).count());
}

// The service's parts, declared in the order they are built: each uses only
// those above it, except callbacks, which run only once the loop does.
class Daemon {
public:
    Daemon(const DaemonOptions& o, Inputs in);
    int run();

private:
    void granted(const Exception& e);
    void revoked(const Exception& e, RevokeWhy why);
    void narrowed(const Exception& e);
    void session_new(const SessionInfo& s);
    void narrow_after_restore();
    ServiceStatus probe_status() const;
    void watch_events();
    void watch_signals();
    void check_policy_at_start();
    void reload(pid_t from);
    void adopt(ReloadPlan& plan);
    void answer_reload(const ReloadPlan& plan, uint32_t generation, pid_t from);
    void watch_swaps();
    void tick();
    void arm_expiry();
    void notify_status();
    bool sleep_unit_still_running();

    const DaemonOptions& o_;
    // Not const: a reload replaces the policy and the policy part of the
    // configuration in place (the bus service and the standing exceptions
    // hold references to them).
    Inputs in_;
    Enforcer enforcer_;
    EnforcerGrants kernel_;
    ExceptionStore store_;
    std::unique_ptr<sdbus::IConnection> bus_;
    EventLoop loop_;
    ServiceWatchdog watchdog_;
    ExceptionTable exceptions_;
    LogindSessions sessions_;
    SystemdUnits units_;
    std::unique_ptr<CryptInspector> crypt_;
    HibernationGate hibernation_;
    PolkitAuthority authority_;
    dyndbg::Runtime debug_;
    BusService service_;
    StandingExceptions standing_;
    CgroupNames cgroup_names_;
    EventSink sink_;
    EventReader reader_;
    UniqueFd sigfd_;
    UniqueFd swaps_fd_;
    bool flush_armed_ = false;
    std::optional<EventLoop::TimerId> expiry_timer_;
    CgroupWatch scope_watch_;
    // What KernelLockdown, Enforcing and Notice are read from.
    std::unique_ptr<FileWatch> status_watch_;
    // The session whose appearance is narrowing exceptions right now.
    std::string appeared_session_;
};

Daemon::Daemon(const DaemonOptions& o, Inputs in)
    : o_(o), in_(std::move(in)), enforcer_(take_handles(o.pins)), kernel_(enforcer_),
      store_(open_store(o.runtime_dir)), bus_(sdbus::createSystemBusConnection()),
      watchdog_(watchdog_timeout(), [](const std::string& text) { sd_notify(0, text.c_str()); }),
      exceptions_(kernel_, in_.catalog, store_,
              {in_.config.exceptions.lease_seconds,
               [root = o.cgroup_root](const std::string& p) { return cgroup_id_of(p, root); }},
              Clocks::system(),
              {[this](const Exception& e) { granted(e); },
               [this](const Exception& e, RevokeWhy why) { revoked(e, why); },
               [this](const Exception& e) { narrowed(e); }}),
      sessions_(*bus_, {[this](const std::string& id, SessionChange c) {
                            exceptions_.end_session(id, revoke_why(c));
                            debug_.end_session(id, std::string(to_string(revoke_why(c))));
                        },
                        [this](bool going_to_sleep) {
                            watchdog_.logind_sleeping(going_to_sleep);
                            if (going_to_sleep)
                                return;
                            exceptions_.end_all_sessions(RevokeWhy::Resumed);
                            debug_.end_all_sessions(std::string(to_string(RevokeWhy::Resumed)));
                            hibernation_.resumed();
                            hibernation_.refresh();
                        },
                        [this] { hibernation_.refresh(); },
                        [this](const SessionInfo& s) { session_new(s); }}),
      units_(*bus_, {[this](const std::string& unit, bool running) {
                         if (!running) {
                             exceptions_.end_unit(unit);
                             if (unit == kHibernateUnit)
                                 watchdog_.sleep_unit_running(sleep_unit_still_running());
                         } else
                             standing_.unit_changed(unit);
                     },
                     [this](const std::string& unit) { standing_.unit_changed(unit); }}),
      crypt_(make_libcryptsetup_inspector()),
      hibernation_({exceptions_, sessions_, units_,
                    [this] {
                        return classify_hibernation(
                            gather_hibernation_facts(*crypt_),
                            {in_.config.hibernation.require_authenticated_image});
                    },
                    [this](const HibernationState&) { service_.hibernation_changed(); },
                    [this] { watchdog_.sleep_unit_running(true); }}),
      authority_(*bus_),
      debug_({o.dynamic_debug_control, o.runtime_dir, o.pins, o.cgroup_root}, in_.config, enforcer_, kernel_, sessions_,
             loop_, journal_send),
      service_(*bus_, BusService::Deps{exceptions_, sessions_, units_, authority_, in_.catalog, in_.policy, in_.config,
                                       [this] { return probe_status(); }, hibernation_,
                                       [this](std::function<void(const std::string&)> done) {
                                           sessions_.hibernate(std::move(done));
                                       },
                                       debug_}),
      standing_(in_.rules, exceptions_, units_, in_.policy),
      cgroup_names_(o.cgroup_root), sink_(in_.catalog, {journal_send, [this](const DeniedNotice& n) { service_.denied(n); }, monotonic_ms,
                          [this](uint64_t id, uint32_t pid) { return cgroup_names_.path_of(id, pid); }}),
      reader_(enforcer_.events_fd(),
              [this](const ld_event& ev) {
                  if (ev.kind == LD_EVENT_DECISION)
                      sink_.handle(ev);
                  else if (ev.kind == LD_EVENT_MODULE_LOAD)
                      debug_.module_loaded();
              }), sigfd_(signal_fd()),
      scope_watch_(loop_, o.cgroup_root, [this](const std::string& cgroup) {
          exceptions_.remove_if([&](const Exception& e) { return ends_with_its_scope(e) && e.scope == cgroup; },
                                RevokeWhy::ScopeEmpty);
      })
{
    loop_.attach_bus(*bus_);
}

void Daemon::granted(const Exception& e)
{
    if (!log_is_journal())
        log_info("exception %s granted", describe(e).c_str());
    journal_exception(e, message_id::kExceptionGranted, "Lockdown exception granted: " + describe(e), "");
    service_.exception_granted(e);
    arm_expiry();
    if (ends_with_its_scope(e))
        scope_watch_.watch(e.scope);
}

void Daemon::revoked(const Exception& e, RevokeWhy why)
{
    const std::string word(to_string(why));
    if (!log_is_journal())
        log_info("exception %s ended: %s", describe(e).c_str(), word.c_str());
    journal_exception(e, message_id::kExceptionRevoked, "Lockdown exception ended (" + word + "): " + describe(e), word);
    service_.exception_revoked(e, why);
    if (ends_with_its_scope(e))
        scope_watch_.unwatch(e.scope);
}

void Daemon::narrowed(const Exception& e)
{
    const std::string appeared = appeared_session_.empty() ? "?" : appeared_session_;
    if (!log_is_journal())
        log_info("exception %s narrowed (%s, session %s): now %s", describe(e).c_str(), e.narrowed.c_str(),
                 appeared.c_str(), join(e.cgroups, " ").c_str());
    journal_narrowed(e, appeared);
    service_.exception_narrowed(e);
}

// Every session exception of the new session's user gives up the user's
// manager, before anything else is served.
void Daemon::session_new(const SessionInfo& s)
{
    appeared_session_ = s.id;
    try {
        withdraw_user_manager(exceptions_, s);
    } catch (const Error& e) {
        // The kernel refused to drop a key: end them instead, never leave the
        // manager covered.
        log_error("narrowing the exceptions of uid %u failed (%s); ending them", s.uid, e.what());
        exceptions_.remove_if(
            [&](const Exception& x) {
                return x.scope_kind == ScopeKind::Session && x.holder_uid == s.uid && x.holder_session != s.id &&
                       !user_manager_cgroups(x).empty();
            },
            RevokeWhy::Invalid);
    }
    appeared_session_.clear();
}

// After a restart: what a session appeared meanwhile (or before a crash
// between kernel and record) would have narrowed is narrowed now; the
// cgroups of scope=caller exceptions are watched again.
void Daemon::narrow_after_restore()
{
    for (const auto& s : sessions_.all())
        session_new(s);
    for (const auto& [id, e] : exceptions_.all())
        if (ends_with_its_scope(e))
            scope_watch_.watch(e.scope);
}

ServiceStatus Daemon::probe_status() const
{
    auto env = KernelEnv::probe();
    env.kernel_lockdown = read_kernel_lockdown(o_.kernel_lockdown_file);
    ServiceStatus s;
    s.kernel_lockdown = env.kernel_lockdown ? to_string(*env.kernel_lockdown) : "unknown";
    s.enforcing = Enforcer::link_pinned(o_.pins);
    // The pins say what runs; --enforce-only's record says why a part is not.
    std::vector<PartState> record;
    try {
        record = parse_enforcement_record(read_file(enforcement_record_path(o_.runtime_dir), {.max_bytes = 8192}));
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::NotFound)
            log_debug("no enforcement record: %s", e.what());
    }
    const auto missing = missing_parts(
        [this](const char* link) { return Enforcer::link_pinned(o_.pins, link); },
        in_.config.protect_pins, record);
    // Not enforcing comes first; a missing optional part comes after the
    // kernel's own lockdown.
    const std::string parts = enforcement_notice(missing);
    const std::string kernel = kernel_lockdown_notice(env);
    const std::string& first = s.enforcing ? kernel : parts;
    const std::string& second = s.enforcing ? parts : kernel;
    s.notice = first.empty() ? second : second.empty() ? first : first + " " + second;
    // NoticeCode names the first sentence, the one that matters most.
    const std::string parts_code = enforcement_notice_code(missing);
    const std::string kernel_code = kernel_lockdown_notice_code(env);
    s.notice_code = s.enforcing ? (kernel_code.empty() ? parts_code : kernel_code)
                                : (parts_code.empty() ? kernel_code : parts_code);
    return s;
}

void Daemon::watch_events()
{
    loop_.add_fd(reader_.fd(), [this] {
        reader_.consume();
        if (sink_.pending() && !flush_armed_) {
            flush_armed_ = true;
            loop_.add_timer(std::chrono::milliseconds(sink_.window_ms()), [this] {
                flush_armed_ = false;
                sink_.flush();
            });
        }
        // The kernel wakes us for every record. Under a flood that costs more
        // than the records, so look again only after a pause, and take
        // everything that queued up meanwhile in one go (the ring holds
        // thousands; what overflows is counted by the kernel).
        loop_.remove_fd(reader_.fd());
        loop_.add_timer(kEventPause, [this] { watch_events(); });
    });
}

void Daemon::watch_signals()
{
    loop_.add_fd(sigfd_.get(), [this] {
        signalfd_siginfo si{};
        if (::read(sigfd_.get(), &si, sizeof(si)) != sizeof(si))
            return;
        if (si.ssi_signo == SIGHUP) {
            reload(static_cast<pid_t>(si.ssi_pid));
            return;
        }
        log_info("received %s, exiting; enforcement and exceptions stay in the kernel",
                 si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
        loop_.quit();
    });
}

// /proc/swaps signals every swapon and swapoff with POLLPRI (and POLLERR)
// once it has been read to its end: CanHibernate follows at once, not at
// the next tick.
void Daemon::watch_swaps()
{
    swaps_fd_ = UniqueFd(::open("/proc/swaps", O_RDONLY | O_CLOEXEC));
    if (!swaps_fd_) {
        log_error("cannot watch /proc/swaps (%s); CanHibernate follows swap changes every %lld s",
                  std::strerror(errno), static_cast<long long>(exceptions_.renew_interval().count() / 1000));
        return;
    }
    const auto drain = [this] {
        char buf[4096];
        ::lseek(swaps_fd_.get(), 0, SEEK_SET);
        while (::read(swaps_fd_.get(), buf, sizeof buf) > 0) {
        }
    };
    drain();
    loop_.add_fd(
        swaps_fd_.get(),
        [this, drain] {
            drain();
            hibernation_.refresh();
        },
        POLLPRI);
}

// A unit signal can be stale (systemd sends the failed state of the last
// run when a new start job is queued): ask for the state now.
bool Daemon::sleep_unit_still_running()
{
    try {
        return units_.unit(kHibernateUnit).running;
    } catch (const Error& e) {
        log_warning("watchdog: cannot read the state of %s (%s): taking its signal, the sleep is over", kHibernateUnit,
                    e.what());
        return false;
    }
}

void Daemon::notify_status()
{
    const auto& st = service_.status();
    const std::string text = std::string(st.enforcing ? "Enforcing" : "Not enforcing") + " Mode=" +
                             to_string(in_.config.mode) + ", " + std::to_string(exceptions_.all().size()) +
                             " exception(s)";
    sd_notifyf(0, "STATUS=%s", text.c_str());
}

// Ends the next exception to run out at its moment, not at the next tick:
// the kernel refuses it then anyway, and clients should hear so.
void Daemon::arm_expiry()
{
    if (expiry_timer_)
        loop_.cancel_timer(*expiry_timer_);
    expiry_timer_.reset();
    uint64_t first = UINT64_MAX;
    for (const auto& [id, e] : exceptions_.all())
        first = std::min(first, e.expires_boot_ns);
    if (first == UINT64_MAX)
        return;
    const uint64_t now = boot_time_ns();
    const auto wait = std::chrono::nanoseconds(first > now ? first - now : 0);
    expiry_timer_ = loop_.add_timer(std::chrono::ceil<std::chrono::milliseconds>(wait), [this] {
        expiry_timer_.reset();
        exceptions_.renew();
        arm_expiry();
    });
}

// The kernel's policy may only tighten after boot. A configuration tighter
// than what the kernel runs applies now, so that Mode and Reasons never show
// more than is enforced; a looser one waits for the next boot.
void Daemon::check_policy_at_start()
{
    try {
        const ActivePolicy active = enforcer_.active_policy();
        ReloadPlan plan = plan_reload(in_.catalog, in_.config, active.action, [this] { return in_.config; });
        if (plan.result == ReloadResult::Refused) {
            log_warning("the configuration is looser than the policy the kernel enforces for %s: that takes effect "
                        "at the next boot; until then the kernel keeps its policy",
                        reason_names(plan.comparison.looser, in_.catalog).c_str());
        } else if (plan.result == ReloadResult::Applied) {
            plan.message = "at start: " + plan.message;
            const uint32_t generation = enforcer_.apply_policy(in_.policy, in_.catalog.confidentiality_max());
            answer_reload(plan, generation, 0);
        }
    } catch (const Error& e) {
        log_error("cannot compare the configuration with the kernel's policy: %s", e.what());
    }
}

// SIGHUP: re-read the files; apply the policy if it loosens nothing, else
// change nothing. `from` gets the answer (lockdown-brokerd --reload).
void Daemon::reload(pid_t from)
{
    log_info("received SIGHUP from pid %d: reloading the configuration", static_cast<int>(from));
    ReloadPlan plan;
    uint32_t generation = 0;
    try {
        const ActivePolicy active = enforcer_.active_policy();
        generation = active.generation;
        plan = plan_reload(in_.catalog, in_.config, active.action, [this] { return read_config(o_); });
        if (plan.result == ReloadResult::Applied)
            generation = enforcer_.apply_policy(*plan.policy, in_.catalog.confidentiality_max());
    } catch (const Error& e) {
        plan = failed_reload(std::string("the kernel's policy could not be read or written: ") + e.what());
    }
    if (plan.policy)
        adopt(plan);
    answer_reload(plan, generation, from);
}

void Daemon::adopt(ReloadPlan& plan)
{
    const bool mode_changed = plan.config->mode != in_.config.mode;
    const bool reasons_changed = plan.policy->action_table() != in_.policy.action_table();
    in_.config = std::move(*plan.config);
    in_.policy = std::move(*plan.policy);
    service_.policy_changed(mode_changed, reasons_changed);
    standing_.apply_all();
    notify_status();
}

void Daemon::answer_reload(const ReloadPlan& plan, uint32_t generation, pid_t from)
{
    const JournalRecord rec = reload_journal_record(plan, in_.catalog, generation, from);
    if (!log_is_journal())
        log_printf(static_cast<LogLevel>(rec.priority), "%s", rec.message.c_str());
    journal_send(rec);
    if (from <= 0)
        return;
    try {
        write_record(reload_record_path(o_.runtime_dir), format_reload_record({from, plan.result, plan.message}));
    } catch (const Error& e) {
        log_error("cannot record the answer to the reload: %s", e.what());
    }
}

void Daemon::tick()
{
    exceptions_.renew();
    arm_expiry();
    standing_.apply_all();
    hibernation_.refresh();
    debug_.tick();
    service_.refresh_status();
    sink_.note_kernel_drops(enforcer_.counters().dropped_events);
    notify_status();
}

int Daemon::run()
{
    // Own the name before restoring, so that clients (which match on it)
    // hear ExceptionRevoked for what no longer holds. Nothing is served
    // until the loop runs.
    bus_->requestName(kBusName);
    exceptions_.restore([this](const Exception& e) { return still_valid(e, sessions_, units_, o_.cgroup_root); });
    narrow_after_restore();
    log_info("%zu exception(s) still valid after start", exceptions_.all().size());
    debug_.start();
    arm_expiry();
    standing_.apply_all();
    hibernation_.refresh();

    check_policy_at_start();
    watch_events();
    watch_signals();
    watch_swaps();
    status_watch_ = std::make_unique<FileWatch>(
        loop_, std::vector<std::string>{o_.kernel_lockdown_file, o_.pins.dir, o_.runtime_dir}, [this] {
            service_.refresh_status();
            notify_status();
        });
    every(loop_, exceptions_.renew_interval(), [this] { tick(); });
    if (watchdog_.enabled())
        every(loop_, watchdog_.ping_interval(), [this] { watchdog_.ping(); });

    notify_status();
    sd_notify(0, "READY=1");
    log_info("serving %s: Mode=%s, %zu reasons, %zu standing rule(s)", kBusName, to_string(in_.config.mode).c_str(),
             in_.policy.entries().size(), standing_.rules().size());
    loop_.run();
    sd_notify(0, "STOPPING=1");
    return 0;
}

} // namespace

int run_daemon(const DaemonOptions& o)
{
    log_set_max_level(o.verbose ? LogLevel::Debug : LogLevel::Info);
    Daemon d(o, read_inputs(o));
    return d.run();
}

} // namespace ldb
