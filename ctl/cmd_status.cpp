// SPDX-License-Identifier: LGPL-2.1-or-later
// lockdownctl status, lockdownctl reasons

#include <cerrno>
#include <cstdio>
#include <unistd.h>
#include <map>
#include <string>

#include "broker_client.hpp"
#include "errors.hpp"
#include "base/json.hpp"
#include "lockdownctl.hpp"
#include "output.hpp"

namespace ldctl {

namespace {

using ldb::json_str;

struct ActionCounts {
    unsigned deny = 0, audit = 0, allow = 0, other = 0;
};

ActionCounts count_actions(const std::vector<sdbus::Struct<std::string, std::string, std::string>>& reasons)
{
    ActionCounts n;
    for (const auto& r : reasons) {
        const std::string& action = r.get<2>();
        // An action this lockdownctl does not know yet is "other", not an error.
        (action == "deny" ? n.deny : action == "audit" ? n.audit : action == "allow" ? n.allow : n.other)++;
    }
    return n;
}

// Word-wraps `text` to `width` columns, every line after the first
// indented by `indent` spaces.
std::string wrap(const std::string& text, size_t indent, size_t width)
{
    std::string out, line;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find(' ', pos);
        if (end == std::string::npos)
            end = text.size();
        const std::string word = text.substr(pos, end - pos);
        pos = end + 1;
        if (word.empty())
            continue;
        const size_t room = width - indent;
        if (!line.empty() && line.size() + 1 + word.size() > room) {
            out += line + "\n" + std::string(indent, ' ');
            line.clear();
        }
        line += (line.empty() ? "" : " ") + word;
    }
    return out + line;
}

// The broker is not on the bus (it does not start when enforcement failed
// to load): say what the kernel side shows, as far as we may read it, then
// fail as unreachable. The
// record is --enforce-only's: "part<TAB>loaded|missing<TAB>cause" lines.
[[noreturn]] void offline_status(const Options& o, const Failure& why)
{
    const char* const record_path = "/run/lockdown-broker/enforcement";
    const char* const link_pin = "/sys/fs/bpf/lockdown-broker/link_locked_down";
    std::string enforcing = "unknown";
    std::string cause;
    if (::access(link_pin, F_OK) == 0) {
        enforcing = "yes";
    } else if (errno == ENOENT) {
        enforcing = "no";
    }
    if (FILE* f = std::fopen(record_path, "re")) {
        char line[1024];
        while (std::fgets(line, sizeof(line), f)) {
            std::string l(line);
            if (!l.empty() && l.back() == '\n')
                l.pop_back();
            if (l.rfind("locked-down\tmissing\t", 0) == 0)
                cause = l.substr(std::string("locked-down\tmissing\t").size());
        }
        std::fclose(f);
    }
    std::string notice = enforcing == "no" ? "Lockdown is not enforcing: nothing is locked." : "";
    if (enforcing == "no")
        notice += cause.empty() ? " lockdown-enforce.service has not loaded enforcement."
                                : " The locked_down program did not load: " + cause + ".";
    if (o.json) {
        ldb::JsonObject j;
        j.str("broker", "not running");
        if (enforcing == "unknown")
            j.null("enforcing");
        else
            j.boolean("enforcing", enforcing == "yes");
        std::printf("%s\n", j.str("cause", cause).str("notice", notice).text().c_str());
    } else {
        if (!notice.empty())
            std::printf("Notice: %s\n\n", wrap(notice, 8, 80).c_str());
        std::printf("      Enforcing: %s%s\n"
                    "         Broker: not running (%s)\n",
                    enforcing.c_str(),
                    enforcing == "unknown" ? " (only root can read the pins; see systemctl status "
                                             "lockdown-enforce.service)"
                                           : "",
                    why.what());
    }
    std::fflush(stdout);
    // The failure itself goes where every failure goes: standard error, with
    // its hint, and exit status 5.
    throw why;
}

} // namespace

int cmd_status(const Options& o)
{
    auto conn = connect_system_bus();
    BrokerClient broker(*conn, o.ask_password);
    std::string version;
    try {
        version = broker.Version();
    } catch (const sdbus::Error& e) {
        const Failure f = bus_failure(e, o);
        if (f.exit_code() != ExitUnreachable)
            throw;
        offline_status(o, f);
    }
    const std::string kernel = broker.KernelLockdown();
    const std::string mode = broker.Mode();
    const bool enforcing = broker.Enforcing();
    const std::string notice = broker.Notice();
    const ActionCounts n = count_actions(broker.Reasons());
    const size_t exceptions = broker.Exceptions().size();
    const std::string can_hibernate = broker.CanHibernate();
    const std::string blocker = broker.HibernateBlocker();

    if (o.json) {
        const auto reasons = ldb::JsonObject().num("deny", n.deny).num("audit", n.audit).num("allow", n.allow).num(
            "other", n.other);
        std::printf("%s\n", ldb::JsonObject()
                                 .str("version", version)
                                 .str("kernel_lockdown", kernel)
                                 .str("mode", mode)
                                 .boolean("enforcing", enforcing)
                                 .str("notice", notice)
                                 .object("reasons", reasons)
                                 .num("exceptions", exceptions)
                                 .str("can_hibernate", can_hibernate)
                                 .str("hibernate_blocker", blocker)
                                 .text()
                                 .c_str());
        return ExitOk;
    }

    if (!notice.empty())
        std::printf("Notice: %s\n\n", wrap(notice, 8, 80).c_str());
    std::string counts = std::to_string(n.deny) + " deny, " + std::to_string(n.audit) + " audit, " +
                         std::to_string(n.allow) + " allow";
    if (n.other)
        counts += ", " + std::to_string(n.other) + " other";
    std::printf("        Version: %s\n"
                "      Enforcing: %s\n"
                "Kernel lockdown: %s\n"
                "           Mode: %s\n"
                "        Reasons: %s\n"
                "     Exceptions: %zu active\n"
                "  Can hibernate: %s\n",
                version.c_str(), enforcing ? "yes" : "no", kernel.c_str(), mode.c_str(), counts.c_str(),
                exceptions, can_hibernate.c_str());
    if (!blocker.empty())
        std::printf("                 %s\n", wrap(blocker, 17, 80).c_str());
    return ExitOk;
}

int cmd_reasons(const Options& o)
{
    auto conn = connect_system_bus();
    BrokerClient broker(*conn, o.ask_password);
    const auto reasons = broker.Reasons();

    if (o.names_only) {
        for (const auto& r : reasons)
            std::printf("%s\n", r.get<0>().c_str());
        return ExitOk;
    }
    if (o.json) {
        std::string out = "{\"reasons\":[";
        for (size_t i = 0; i < reasons.size(); i++) {
            const auto& r = reasons[i];
            out += std::string(i ? "," : "") + "{\"name\":" + json_str(r.get<0>()) + ",\"level\":" +
                   json_str(r.get<1>()) + ",\"action\":" + json_str(r.get<2>()) + "}";
        }
        std::printf("%s]}\n", out.c_str());
        return ExitOk;
    }
    Table t({{"NAME"}, {"LEVEL"}, {"ACTION"}});
    for (const auto& r : reasons)
        t.add_row({r.get<0>(), r.get<1>(), r.get<2>()});
    t.print();
    return ExitOk;
}

} // namespace ldctl
