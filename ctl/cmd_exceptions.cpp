// SPDX-License-Identifier: LGPL-2.1-or-later
// lockdownctl exceptions, request, grant, release, revoke

#include <cstdio>
#include <map>
#include <string>
#include <unistd.h>

#include "broker_client.hpp"
#include "base/i18n.hpp"
#include "base/json.hpp"
#include "lockdownctl.hpp"
#include "output.hpp"

namespace ldctl {

namespace {

using ldb::json_str;

struct Row {
    uint64_t id;
    std::vector<std::string> reasons;
    std::string kind, scope;
    uint32_t uid;
    std::string session;
    uint64_t expires;
    std::string origin;
    std::vector<std::string> cgroups; // extra "cgroups": what the kernel grant covers now
    std::string narrowed;             // extra "narrowed": "" or why it covers less
};

template <typename T>
T extra_value(const std::map<std::string, sdbus::Variant>& extra, const char* key)
{
    auto it = extra.find(key);
    return it != extra.end() && it->second.containsValueOfType<T>() ? it->second.get<T>() : T{};
}

template <typename List>
std::vector<Row> rows_of(const List& list)
{
    std::vector<Row> rows;
    for (const auto& e : list) {
        const auto& extra = e.template get<8>();
        rows.push_back({e.template get<0>(), e.template get<1>(), e.template get<2>(), e.template get<3>(),
                        e.template get<4>(), e.template get<5>(), e.template get<6>(), e.template get<7>(),
                        extra_value<std::vector<std::string>>(extra, "cgroups"),
                        extra_value<std::string>(extra, "narrowed")});
    }
    return rows;
}

bool covers_user_manager(const Row& r)
{
    const std::string manager = "/user@" + std::to_string(r.uid) + ".service";
    for (const auto& cg : r.cgroups)
        if (cg.ends_with(manager))
            return true;
    return false;
}

// "session 3 + user manager", "session 3 (scope only: another session of
// the user appeared)", "cgroup /user.slice/...".
std::string scope_text(const Row& r)
{
    // The kind (session, unit, cgroup) is the broker's word: untranslated.
    std::string out = r.kind + " " + r.scope;
    if (r.narrowed == "other-session")
        return out + " " + _("(scope only: another session of the user appeared)");
    if (!r.narrowed.empty())
        return out + " " + ldb::fill(_("(narrowed: %s)"), {r.narrowed});
    if (r.kind == "session" && covers_user_manager(r))
        out += std::string(" ") + _("+ user manager");
    return out;
}

// Prints the id of a new exception: bare for scripts, as JSON with --json.
void print_new_id(const Options& o, uint64_t id)
{
    if (o.json)
        std::printf("%s\n", ldb::JsonObject().str("id", format_id(id)).text().c_str());
    else
        std::printf("%s\n", format_id(id).c_str());
    if (!o.json && isatty(STDOUT_FILENO) && isatty(STDERR_FILENO))
        // TRANSLATORS: %1$s is a duration ("15min"); %2$s and %3$s are a command (release or revoke) and an id.
        std::fprintf(stderr, "%s\n",
                     ldb::fill(_("Exception granted for %1$s; end it early with: lockdownctl %2$s %3$s"),
                               {format_duration(o.seconds), o.command == "request" ? "release" : "revoke",
                                format_id(id)})
                         .c_str());
}

} // namespace

int cmd_exceptions(const Options& o)
{
    auto conn = connect_system_bus();
    BrokerClient broker(*conn, o.ask_password);
    const auto list = rows_of(broker.ListExceptions());
    const uint64_t now = realtime_now_usec();

    if (o.ids_only) {
        for (const auto& e : list)
            std::printf("%s\n", format_id(e.id).c_str());
        return ExitOk;
    }
    if (o.json) {
        std::string out = "{\"exceptions\":[";
        for (size_t i = 0; i < list.size(); i++) {
            const auto& [id, reasons, kind, scope, uid, session, expires, origin, cgroups, narrowed] = list[i];
            const std::string utc = format_utc(expires);
            out += std::string(i ? "," : "") + "{\"id\":" + json_str(format_id(id)) +
                   ",\"reasons\":" + json_array(reasons) + ",\"scope_kind\":" + json_str(kind) +
                   ",\"scope\":" + json_str(scope) + ",\"holder_uid\":" + std::to_string(uid) +
                   ",\"holder_user\":" + json_str(user_name(uid)) + ",\"holder_session\":" + json_str(session) +
                   ",\"expires_usec\":" + std::to_string(expires) +
                   ",\"expires\":" + (utc.empty() ? "null" : json_str(utc)) + ",\"origin\":" + json_str(origin) +
                   ",\"cgroups\":" + json_array(cgroups) + ",\"narrowed\":" + json_str(narrowed) + "}";
        }
        std::printf("%s]}\n", out.c_str());
        return ExitOk;
    }
    if (list.empty()) {
        std::printf("%s\n", _("No active exceptions."));
        return ExitOk;
    }
    // The ORIGIN cells (request, grant, standing) are the broker's words: untranslated.
    Table t({{_("ID")}, {_("REASONS"), true}, {_("SCOPE"), true}, {_("HOLDER"), true}, {_("EXPIRES")},
             {_("ORIGIN")}});
    for (const auto& r : list) {
        std::string holder = user_name(r.uid);
        if (!r.session.empty())
            holder += "/" + r.session;
        t.add_row({format_id(r.id), join(r.reasons, ","), scope_text(r), holder, format_expiry(r.expires, now),
                   r.origin});
    }
    t.print();
    return ExitOk;
}

int cmd_request(const Options& o)
{
    const auto reasons = reason_args(o.args);
    auto conn = connect_system_bus();
    BrokerClient broker(*conn, o.ask_password);
    print_new_id(o, broker.request(reasons, o.seconds));
    return ExitOk;
}

int cmd_grant(const Options& o)
{
    const auto reasons = reason_args(o.args);
    auto conn = connect_system_bus();
    BrokerClient broker(*conn, o.ask_password);
    print_new_id(o, broker.grant(reasons, o.scope_kind, o.scope, o.seconds));
    return ExitOk;
}

int cmd_release(const Options& o)
{
    const uint64_t id = id_arg(o.args.at(0));
    auto conn = connect_system_bus();
    BrokerClient broker(*conn, o.ask_password);
    if (o.command == "release")
        broker.release(id);
    else
        broker.revoke(id);
    return ExitOk;
}

} // namespace ldctl
