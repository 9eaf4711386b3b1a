// SPDX-License-Identifier: LGPL-2.1-or-later
// lockdownctl exceptions, request, grant, release, revoke

#include <cstdio>
#include <string>
#include <unistd.h>

#include "broker_client.hpp"
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
};

template <typename List>
std::vector<Row> rows_of(const List& list)
{
    std::vector<Row> rows;
    for (const auto& e : list)
        rows.push_back({e.template get<0>(), e.template get<1>(), e.template get<2>(), e.template get<3>(),
                        e.template get<4>(), e.template get<5>(), e.template get<6>(), e.template get<7>()});
    return rows;
}

std::string scope_text(const std::string& kind, const std::string& scope)
{
    return kind + " " + scope;
}

// Prints the id of a new exception: bare for scripts, as JSON with --json.
void print_new_id(const Options& o, uint64_t id)
{
    if (o.json)
        std::printf("%s\n", ldb::JsonObject().str("id", format_id(id)).text().c_str());
    else
        std::printf("%s\n", format_id(id).c_str());
    if (!o.json && isatty(STDOUT_FILENO) && isatty(STDERR_FILENO))
        std::fprintf(stderr, "Exception granted for %s; end it early with: lockdownctl %s %s\n",
                     format_duration(o.seconds).c_str(), o.command == "request" ? "release" : "revoke",
                     format_id(id).c_str());
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
            const auto& [id, reasons, kind, scope, uid, session, expires, origin] = list[i];
            const std::string utc = format_utc(expires);
            out += std::string(i ? "," : "") + "{\"id\":" + json_str(format_id(id)) +
                   ",\"reasons\":" + json_array(reasons) + ",\"scope_kind\":" + json_str(kind) +
                   ",\"scope\":" + json_str(scope) + ",\"holder_uid\":" + std::to_string(uid) +
                   ",\"holder_user\":" + json_str(user_name(uid)) + ",\"holder_session\":" + json_str(session) +
                   ",\"expires_usec\":" + std::to_string(expires) +
                   ",\"expires\":" + (utc.empty() ? "null" : json_str(utc)) + ",\"origin\":" + json_str(origin) +
                   "}";
        }
        std::printf("%s]}\n", out.c_str());
        return ExitOk;
    }
    if (list.empty()) {
        std::printf("No active exceptions.\n");
        return ExitOk;
    }
    Table t({{"ID"}, {"REASONS", true}, {"SCOPE", true}, {"HOLDER", true}, {"EXPIRES"}, {"ORIGIN"}});
    for (const auto& [id, reasons, kind, scope, uid, session, expires, origin] : list) {
        std::string holder = user_name(uid);
        if (!session.empty())
            holder += "/" + session;
        t.add_row({format_id(id), join(reasons, ","), scope_text(kind, scope), holder, format_expiry(expires, now),
                   origin});
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
