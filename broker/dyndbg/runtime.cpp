// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dyndbg/runtime.hpp"

#include <algorithm>

#include "host/cgroup.hpp"
#include "base/error.hpp"
#include "base/log.hpp"
#include "base/clock.hpp"
#include "base/files.hpp"
#include "exceptions/exception.hpp"
#include "host/session_change.hpp"

namespace ldb::dyndbg {

namespace {

// The broker's own cgroup, which its momentary grant covers. Never the root:
// a grant there would cover every process on the machine.
uint64_t own_cgroup_id(const std::string& root)
{
    const std::string path = own_cgroup();
    if (path.empty() || path == "/")
        throw Error(ErrorKind::Permission,
                    "lockdown-brokerd runs in the root cgroup: granting itself dynamic-debug there would open the "
                    "control file to every process",
                    "run it as lockdown-broker.service (a cgroup of its own)");
    return cgroup_id_of(path, root);
}

} // namespace

Runtime::Runtime(const Options& o, const Config& cfg, Enforcer& enforcer, KernelGrants& kernel,
                 SessionDirectory& sessions, EventLoop& loop, std::function<void(const JournalRecord&)> journal)
    : o_(o), enforcer_(enforcer), sessions_(sessions), loop_(loop),
      allow_global_(cfg.dyndbg.allow_global_queries),
      opener_(kernel,
              {[this] {
                   // Only when our enforcement would refuse the broker too.
                   return Enforcer::link_pinned(o_.pins, LD_PIN_LINK_DYNDBG) &&
                          enforcer_.active_policy().action[LD_REASON_DYNAMIC_DEBUG] != LD_ACTION_ALLOW;
               },
               [root = o.cgroup_root] { return own_cgroup_id(root); }, [] { return boot_time_ns(); }}),
      port_(o.control_path, [this](const std::string& p) { return opener_.open(p); }),
      store_(o.runtime_dir + "/dynamic-debug")
{
    store_.open();
    changes_ = std::make_unique<SessionChanges>(port_, store_, Grammar{kAllLetters, allow_global_}, cfg.dyndbg,
                                                Clocks::system(),
                                                SessionChanges::Hooks{journal, [this] { arm_expiry(); }});
    foreign_ = std::make_unique<ForeignWatch>(
        port_, Grammar{kAllLetters, allow_global_},
        ForeignWatch::Hooks{[this]() -> const std::map<uint64_t, ChangeRecord>& { return changes_->records(); },
                            std::move(journal),
                            [] { return proc_modules(read_file("/proc/modules", {.max_bytes = kMaxControlBytes})); }});
}

Query Runtime::precheck(const std::string& text) const
{
    return parse_query(text, Grammar{kAllLetters, allow_global_});
}

Query Runtime::check(const std::string& text)
{
    if (!kernel_letters_) {
        kernel_letters_ = probe_flags(port_, kAllLetters);
        log_info("dynamic debug: the running kernel knows the flags '%s'", kernel_letters_->c_str());
    }
    return parse_query(text, Grammar{*kernel_letters_, allow_global_});
}

std::string Runtime::gone_why(const ChangeRecord& r)
{
    if (r.holder.session.empty())
        return "invalid";
    try {
        if (const auto change = ending_change(sessions_.session(r.holder.session)))
            return std::string(to_string(revoke_why(*change)));
        return {};
    } catch (const Error& e) {
        log_warning("dynamic debug: cannot ask logind about session %s (%s); keeping its changes for now",
                    r.holder.session.c_str(), e.what());
        return {};
    }
}

void Runtime::start()
{
    changes_->restore([this](const ChangeRecord& r) { return gone_why(r); });
    arm_expiry();
    // After restore(): the ledger must hold what sessions changed before
    // this start, or their changes would look foreign.
    check_foreign("start");
}

void Runtime::module_loaded()
{
    schedule_.loaded(EventLoop::Clock::now());
    arm_check();
}

void Runtime::check_foreign(const std::string& trigger)
{
    // Only while the control file is closed: where policy lets people write
    // it, what they wrote is theirs to keep.
    if (!Enforcer::link_pinned(o_.pins, LD_PIN_LINK_DYNDBG) ||
        enforcer_.active_policy().action[LD_REASON_DYNAMIC_DEBUG] != LD_ACTION_DENY) {
        log_debug("dynamic debug: the control file is not closed; not checking for changes made without the broker");
        return;
    }
    try {
        if (const size_t n = foreign_->check(trigger))
            log_debug("dynamic debug: %zu callsite(s) changed without the broker put back (%s)", n, trigger.c_str());
    } catch (const Error& e) {
        log_error("dynamic debug: cannot check for changes made without the broker (%s): %s", trigger.c_str(),
                  e.what());
    }
}

// One timer, at the schedule's next check; re-armed only when that moved.
void Runtime::arm_check()
{
    const auto next = schedule_.next();
    if (check_timer_ && next && *next == check_at_)
        return;
    if (check_timer_)
        loop_.cancel_timer(*check_timer_);
    check_timer_.reset();
    if (!next)
        return;
    check_at_ = *next;
    const auto wait = std::max(EventLoop::Clock::duration::zero(), *next - EventLoop::Clock::now());
    check_timer_ = loop_.add_timer(std::chrono::ceil<std::chrono::milliseconds>(wait), [this] {
        check_timer_.reset();
        if (schedule_.take(EventLoop::Clock::now()))
            check_foreign("module-load");
        arm_check();
    });
}

void Runtime::end_session(const std::string& session, const std::string& why)
{
    changes_->end_session(session, why);
}

void Runtime::end_all_sessions(const std::string& why)
{
    changes_->end_all_sessions(why);
}

void Runtime::tick()
{
    if (!changes_->records().empty())
        changes_->sweep([this](const ChangeRecord& r) { return gone_why(r); });
}

void Runtime::arm_expiry()
{
    if (timer_)
        loop_.cancel_timer(*timer_);
    timer_.reset();
    const auto next = changes_->next_expiry();
    if (!next)
        return;
    const uint64_t now = boot_time_ns();
    const auto wait = std::chrono::nanoseconds(*next > now ? *next - now : 0);
    timer_ = loop_.add_timer(std::chrono::ceil<std::chrono::milliseconds>(wait), [this] {
        timer_.reset();
        changes_->expire();
        arm_expiry();
    });
}

} // namespace ldb::dyndbg
