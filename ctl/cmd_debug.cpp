// SPDX-License-Identifier: LGPL-2.1-or-later
// lockdownctl debug enable|disable|set|list|reset: dynamic debug through
// the broker, which checks the query, asks polkit, writes it, and puts it
// back when the session ends.

#include <cstdio>
#include <string>
#include <vector>

#include "broker_client.hpp"
#include "base/i18n.hpp"
#include "base/json.hpp"
#include "lockdownctl.hpp"
#include "output.hpp"

namespace ldctl {

namespace {

using ldb::json_str;

constexpr const char* kUsage =
    N_("usage: lockdownctl debug enable MATCH... [--flags LETTERS] | disable MATCH... [--flags LETTERS] | "
       "set QUERY | list [MATCH...] | reset");

// The words as one query. A single word is the whole query (or match spec)
// as typed: "debug set 'module m =pf'". Of several, a word with a space in
// it (a format) is quoted unless it already is.
std::string join_words(const std::vector<std::string>& words, size_t from)
{
    if (words.size() == from + 1)
        return words[from];
    std::string out;
    for (size_t i = from; i < words.size(); i++) {
        std::string w = words[i];
        const bool quoted = !w.empty() && (w.front() == '"' || w.front() == '\'');
        if (!quoted && w.find(' ') != std::string::npos)
            w = (w.find('"') == std::string::npos ? "\"" + w + "\"" : "'" + w + "'");
        out += (out.empty() ? "" : " ") + w;
    }
    return out;
}

// SetDebug's (file, line, module, function, old, new), or with `restored`
// ResetDebug's (file, line, module, function, now, replaced).
template <typename List>
void print_changes(const Options& o, const List& list, bool restored, const char* none)
{
    const char* key = restored ? "restored" : "changed";
    if (o.json) {
        std::string out = std::string("{\"") + key + "\":[";
        for (size_t i = 0; i < list.size(); i++) {
            const auto& c = list[i];
            const std::string& before = restored ? c.template get<5>() : c.template get<4>();
            const std::string& after = restored ? c.template get<4>() : c.template get<5>();
            out += std::string(i ? "," : "") + "{\"file\":" + json_str(c.template get<0>()) +
                   ",\"line\":" + std::to_string(c.template get<1>()) + ",\"module\":" + json_str(c.template get<2>()) +
                   ",\"function\":" + json_str(c.template get<3>()) + ",\"old_flags\":" + json_str(before) +
                   ",\"new_flags\":" + json_str(after) + "}";
        }
        std::printf("%s]}\n", out.c_str());
        return;
    }
    if (list.empty()) {
        std::printf("%s\n", none);
        return;
    }
    Table t({{_("CALLSITE"), true}, {_("MODULE")}, {_("FUNCTION"), true}, {_("FLAGS")}});
    for (const auto& c : list) {
        const std::string& before = restored ? c.template get<5>() : c.template get<4>();
        const std::string& after = restored ? c.template get<4>() : c.template get<5>();
        t.add_row({c.template get<0>() + ":" + std::to_string(c.template get<1>()), c.template get<2>(),
                   c.template get<3>(), before + " -> " + after});
    }
    t.print();
}

int list(const Options& o, BrokerClient& broker)
{
    const auto sites = broker.ListDebug(join_words(o.args, 1));
    if (o.json) {
        std::string out = "{\"callsites\":[";
        for (size_t i = 0; i < sites.size(); i++) {
            const auto& c = sites[i];
            out += std::string(i ? "," : "") + "{\"file\":" + json_str(c.get<0>()) +
                   ",\"line\":" + std::to_string(c.get<1>()) + ",\"module\":" + json_str(c.get<2>()) +
                   ",\"function\":" + json_str(c.get<3>()) + ",\"flags\":" + json_str(c.get<4>()) +
                   ",\"format\":" + json_str(c.get<5>()) + ",\"class\":" + json_str(c.get<6>()) +
                   ",\"session\":" + json_str(c.get<7>()) + "}";
        }
        std::printf("%s]}\n", out.c_str());
        return ExitOk;
    }
    if (sites.empty()) {
        std::printf("%s\n", _("No callsite matches."));
        return ExitOk;
    }
    Table t({{_("CALLSITE"), true}, {_("MODULE")}, {_("FUNCTION"), true}, {_("FLAGS")}, {_("SESSION")},
             {_("FORMAT"), true}});
    for (const auto& c : sites) {
        std::string flags = c.get<4>();
        if (!c.get<6>().empty())
            flags += " class:" + c.get<6>();
        t.add_row({c.get<0>() + ":" + std::to_string(c.get<1>()), c.get<2>(), c.get<3>(), flags,
                   c.get<7>().empty() ? "-" : c.get<7>(), "\"" + c.get<5>() + "\""});
    }
    t.print();
    return ExitOk;
}

} // namespace

int cmd_debug(const Options& o)
{
    if (o.args.empty())
        throw UsageError(_("'debug' needs a subcommand: enable, disable, set, list or reset"), _(kUsage));
    const std::string& sub = o.args[0];
    const bool changes = sub == "enable" || sub == "disable" || sub == "set";
    if (!changes && sub != "list" && sub != "reset")
        throw UsageError(ldb::fill(_("unknown debug subcommand '%s'"), {sub}), _(kUsage));
    if (!o.debug_flags.empty() && sub != "enable" && sub != "disable")
        throw UsageError(_("--flags only applies to debug enable and debug disable"), _(kUsage));
    if (changes && o.args.size() < 2)
        throw UsageError(ldb::fill(sub == "set" ? _("'debug %s' needs a query, e.g. 'module virtio_net =pf'")
                                                : _("'debug %s' needs what to match, e.g. 'module virtio_net'"),
                                   {sub}),
                         _(kUsage));
    if (sub == "reset" && o.args.size() > 1)
        throw UsageError(ldb::fill(_("unexpected argument '%s'"), {o.args[1]}), _(kUsage));
    auto conn = connect_system_bus();
    BrokerClient broker(*conn, o.ask_password);
    if (sub == "list")
        return list(o, broker);
    if (sub == "reset") {
        print_changes(o, broker.ResetDebug(), true, _("Nothing to put back."));
        return ExitOk;
    }
    std::string query = join_words(o.args, 1);
    if (sub != "set") {
        const std::string letters = o.debug_flags.empty() ? "p" : o.debug_flags;
        query += std::string(" ") + (sub == "enable" ? "+" : "-") + letters;
    }
    print_changes(o, broker.set_debug(query), false, _("No callsite changed."));
    return ExitOk;
}

} // namespace ldctl
