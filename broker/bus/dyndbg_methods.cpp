// SPDX-License-Identifier: LGPL-2.1-or-later
// The dynamic debug methods of org.freedesktop.LockdownBroker1: the cheap
// checks (the query's grammar, the caller's session, the per-session limit)
// before polkit is asked, the session looked at again after it answered
// (bus/authorize), and the query applied by DynamicDebug.
#include <map>

#include "base/error.hpp"
#include "bus/authorize.hpp"
#include "bus/replying.hpp"
#include "bus/service.hpp"
#include "dyndbg/runtime.hpp"

namespace ldb {

namespace {

DebugSites sites_of(const std::vector<dyndbg::FlagChange>& changes)
{
    DebugSites out;
    for (const auto& c : changes)
        out.emplace_back(c.site.file, c.site.line, c.site.module, c.site.function, c.old_flags, c.site.flags, Extra{});
    return out;
}

} // namespace

void BusService::SetDebug(sdbus::Result<DebugSites>&& result, std::string query)
{
    replying(result, [&] {
        const std::string text = d_.debug.precheck(query).text();
        authorizer_->run<sdbus::Result<DebugSites>>(
            std::move(result), {Guarded::SetDebug, caller(), {}},
            [&] { return PolkitDetails{{"query", text}}; },
            [this](Stage stage, const GuardedCall& call) {
                if (stage == Stage::BeforePolkit)
                    d_.debug.changes().check_room(call.session->id);
            },
            [this, text](sdbus::Result<DebugSites>& r, const GuardedCall& call) {
                const dyndbg::Query q = d_.debug.check(text);
                const dyndbg::Holder holder{call.caller.uid, call.session->id, call.session->scope_unit};
                r.returnResults(sites_of(d_.debug.changes().set(q, holder)));
            });
    });
}

DebugCallsites BusService::ListDebug(const std::string& filter)
{
    return sync_replying([&] {
        const dyndbg::MatchSpec m = dyndbg::parse_filter(filter);
        // Which session's change each callsite carries: the newest record wins.
        std::map<dyndbg::SiteKey, std::pair<uint64_t, std::string>> owner;
        for (const auto& [id, r] : d_.debug.changes().records())
            for (const auto& s : r.sites) {
                auto& o = owner[s.key];
                if (r.seq >= o.first)
                    o = {r.seq, r.holder.session};
            }
        DebugCallsites out;
        for (const auto& c : d_.debug.changes().list(m)) {
            auto it = owner.find(dyndbg::key_of(c));
            out.emplace_back(c.file, c.line, c.module, c.function, c.flags, c.format,
                             c.class_unknown ? "?" + std::to_string(c.class_id) : c.cls,
                             it == owner.end() ? std::string() : it->second.second, Extra{});
        }
        return out;
    });
}

DebugSites BusService::ResetDebug()
{
    return sync_replying([&] {
        const SessionInfo s = own_session(caller(), d_.sessions, {"reset from the session that made the changes", ""});
        const auto out = d_.debug.changes().reset(s.id, "reset");
        DebugSites sites;
        for (const auto& r : out.restored)
            sites.emplace_back(r.key.file, r.key.line, r.key.module, r.key.function, r.old_flags, r.new_flags, Extra{});
        return sites;
    });
}

} // namespace ldb
