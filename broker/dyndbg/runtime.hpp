// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Dynamic debug inside the running daemon: the real control file opened
// under the broker's own momentary grant, the records under the runtime
// directory, the lease timer on the loop, and logind's view of the sessions
// that changes are bound to. The D-Bus methods and the session signals reach
// SessionChanges through here.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "dyndbg/check_schedule.hpp"
#include "dyndbg/foreign_watch.hpp"
#include "dyndbg/session_changes.hpp"
#include "dyndbg/port.hpp"
#include "enforcement/enforcer.hpp"
#include "base/event_loop.hpp"
#include "host/sessions.hpp"

namespace ldb::dyndbg {

// Every flag letter any supported kernel knows; what the running kernel
// knows is learnt (probe_flags) the first time a query is applied.
inline constexpr const char* kAllLetters = "pmfslt_";

class Runtime {
public:
    struct Options {
        std::string control_path = kProcControl;
        std::string runtime_dir;
        PinLayout pins;
        std::string cgroup_root;
    };
    Runtime(const Options& o, const Config& cfg, Enforcer& enforcer, KernelGrants& kernel, SessionDirectory& sessions,
            EventLoop& loop, std::function<void(const JournalRecord&)> journal);

    // Checks a query before anyone is asked anything: the grammar with every
    // letter some kernel knows.
    Query precheck(const std::string& text) const;
    // Checks it again against the running kernel's letters (learnt once).
    Query check(const std::string& text);

    SessionChanges& changes() noexcept { return *changes_; }

    // Restores the records of an earlier run, then puts back what changed
    // without the broker meanwhile (modprobe.d options applied at boot
    // before the broker ran); call once the bus name is owned.
    void start();
    // A kernel module is being loaded (the BPF module-load notice): its
    // dyndbg= parameter may turn callsites on. Checks a few times once its
    // callsites have registered (CheckSchedule) and puts back what changed
    // without the broker.
    void module_loaded();
    void end_session(const std::string& session, const std::string& why);
    void end_all_sessions(const std::string& why);
    // Periodic: retries what failed, reverts what no longer holds.
    void tick();
    // Re-arms the lease timer after a change.
    void arm_expiry();

private:
    std::string gone_why(const ChangeRecord& r);
    void check_foreign(const std::string& trigger);
    void arm_check();

    Options o_;
    Enforcer& enforcer_;
    SessionDirectory& sessions_;
    EventLoop& loop_;
    bool allow_global_;
    std::optional<std::string> kernel_letters_;
    GrantedOpener opener_;
    ProcControl port_;
    ChangeStore store_;
    std::unique_ptr<SessionChanges> changes_;
    std::optional<EventLoop::TimerId> timer_;
    std::unique_ptr<ForeignWatch> foreign_;
    CheckSchedule schedule_;
    std::optional<EventLoop::TimerId> check_timer_;
    EventLoop::Clock::time_point check_at_;
};

} // namespace ldb::dyndbg
