// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dyndbg/runtime.hpp"

#include "host/cgroup.hpp"
#include "base/error.hpp"
#include "base/log.hpp"
#include "base/clock.hpp"

namespace ldb {

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

DebugRuntime::DebugRuntime(const Options& o, const Config& cfg, Enforcer& enforcer, KernelGrants& kernel,
                           SessionDirectory& sessions, EventLoop& loop,
                           std::function<void(const JournalRecord&)> journal)
    : o_(o), enforcer_(enforcer), sessions_(sessions), loop_(loop),
      allow_global_(cfg.dynamic_debug.allow_global_queries),
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
    DebugSettings s;
    s.max_seconds = cfg.dynamic_debug.max_duration_seconds;
    s.allow_global = cfg.dynamic_debug.allow_global_queries;
    debug_ = std::make_unique<DynamicDebug>(port_, store_, dyndbg::Grammar{kDebugAllLetters, s.allow_global}, s,
                                            Clocks::system(),
                                            DynamicDebug::Hooks{std::move(journal), [this] { arm_expiry(); }});
}

dyndbg::Query DebugRuntime::precheck(const std::string& text) const
{
    return dyndbg::parse_query(text, dyndbg::Grammar{kDebugAllLetters, allow_global_});
}

dyndbg::Query DebugRuntime::check(const std::string& text)
{
    if (!kernel_letters_) {
        kernel_letters_ = dyndbg::probe_flags(port_, kDebugAllLetters);
        log_info("dynamic debug: the running kernel knows the flags '%s'", kernel_letters_->c_str());
    }
    return dyndbg::parse_query(text, dyndbg::Grammar{*kernel_letters_, allow_global_});
}

std::string DebugRuntime::gone_why(const dyndbg::ChangeRecord& r)
{
    if (r.holder.session.empty())
        return "invalid";
    try {
        const auto s = sessions_.session(r.holder.session);
        if (!s)
            return "session-removed";
        if (s->locked)
            return "session-locked";
        if (!s->active)
            return "session-inactive";
        return {};
    } catch (const Error& e) {
        log_warning("dynamic debug: cannot ask logind about session %s (%s); keeping its changes for now",
                    r.holder.session.c_str(), e.what());
        return {};
    }
}

void DebugRuntime::start()
{
    debug_->restore([this](const dyndbg::ChangeRecord& r) { return gone_why(r); });
    arm_expiry();
}

void DebugRuntime::end_session(const std::string& session, const std::string& why)
{
    debug_->end_session(session, why);
}

void DebugRuntime::end_all_sessions(const std::string& why)
{
    debug_->end_all_sessions(why);
}

void DebugRuntime::tick()
{
    if (!debug_->records().empty())
        debug_->sweep([this](const dyndbg::ChangeRecord& r) { return gone_why(r); });
}

void DebugRuntime::arm_expiry()
{
    if (timer_)
        loop_.cancel_timer(*timer_);
    timer_.reset();
    const auto next = debug_->next_expiry();
    if (!next)
        return;
    const uint64_t now = boot_time_ns();
    const auto wait = std::chrono::nanoseconds(*next > now ? *next - now : 0);
    timer_ = loop_.add_timer(std::chrono::ceil<std::chrono::milliseconds>(wait), [this] {
        timer_.reset();
        debug_->expire();
        arm_expiry();
    });
}

} // namespace ldb
