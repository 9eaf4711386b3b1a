// SPDX-License-Identifier: LGPL-2.1-or-later
// The dynamic debug methods of org.freedesktop.LockdownBroker1: the cheap
// checks (the query's grammar, the caller's session, the per-session limit)
// before polkit is asked, the session looked at again after it answered,
// and the query applied by DynamicDebug.
#include <map>

#include "bus/replying.hpp"
#include "bus/service.hpp"
#include "base/error.hpp"

namespace ldb {

namespace {

DebugSites sites_of(const std::vector<dyndbg::FlagChange>& changes)
{
    DebugSites out;
    for (const auto& c : changes)
        out.emplace_back(c.site.file, c.site.line, c.site.module, c.site.function, c.old_flags, c.site.flags);
    return out;
}

} // namespace

void BusService::SetDebug(sdbus::Result<DebugSites>&& result, std::string query)
{
    replying(result, [&] {
        const std::string text = d_.debug.precheck(query).text();
        const Caller c = caller();
        const SessionInfo s = caller_session(c);
        d_.debug.debug().check_room(s.id);

        const std::string session_id = s.id;
        authorize<sdbus::Result<DebugSites>>(
            std::move(result), c, action::kDynamicDebug, {{"query", text}},
            [this, text, session_id, c](sdbus::Result<DebugSites>& r) {
                // The prompt may have been open for minutes: look again.
                const auto now = d_.sessions.session(session_id);
                if (!now)
                    throw Error(ErrorKind::NoSession, "session " + session_id + " ended while authorizing");
                if (const auto why = session_ineligibility(*now); !why.empty())
                    throw Error(ErrorKind::SessionNotEligible, why + " (it changed while authorizing)");
                const dyndbg::Query q = d_.debug.check(text);
                r.returnResults(sites_of(d_.debug.debug().set(q, dyndbg::Holder{c.uid, session_id, now->scope_unit})));
            });
    });
}

DebugCallsites BusService::ListDebug(const std::string& filter)
{
    return sync_replying([&] {
        const dyndbg::MatchSpec m = dyndbg::parse_filter(filter);
        // Which session's change each callsite carries: the newest record wins.
        std::map<dyndbg::SiteKey, std::pair<uint64_t, std::string>> owner;
        for (const auto& [id, r] : d_.debug.debug().records())
            for (const auto& s : r.sites) {
                auto& o = owner[s.key];
                if (r.seq >= o.first)
                    o = {r.seq, r.holder.session};
            }
        DebugCallsites out;
        for (const auto& c : d_.debug.debug().list(m)) {
            auto it = owner.find(dyndbg::key_of(c));
            out.emplace_back(c.file, c.line, c.module, c.function, c.flags, c.format,
                             c.class_unknown ? "?" + std::to_string(c.class_id) : c.cls,
                             it == owner.end() ? std::string() : it->second.second);
        }
        return out;
    });
}

DebugSites BusService::ResetDebug()
{
    return sync_replying([&] {
        const Caller c = caller();
        const auto s = d_.sessions.session_of_pid(c.pid);
        if (!s)
            throw Error(ErrorKind::NoSession,
                        "the calling process (pid " + std::to_string(c.pid) + ") is not part of a login session",
                        "reset from the session that made the changes");
        if (s->uid != c.uid)
            throw Error(ErrorKind::NoSession, "the calling process runs as uid " + std::to_string(c.uid) +
                                                  " inside session " + s->id + " of uid " + std::to_string(s->uid));
        const auto out = d_.debug.debug().reset(s->id, "reset");
        DebugSites sites;
        for (const auto& r : out.restored)
            sites.emplace_back(r.key.file, r.key.line, r.key.module, r.key.function, r.old_flags, r.new_flags);
        return sites;
    });
}

} // namespace ldb
