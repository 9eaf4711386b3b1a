// SPDX-License-Identifier: LGPL-2.1-or-later
// lockdownctl status, lockdownctl reasons

#include <cerrno>
#include <cstdio>
#include <unistd.h>
#include <algorithm>
#include <map>
#include <utility>
#include <vector>
#include <string>

#include "broker_client.hpp"
#include "errors.hpp"
#include "base/i18n.hpp"
#include "base/json.hpp"
#include "lockdownctl.hpp"
#include "output.hpp"

namespace ldctl {

namespace {

using ldb::json_str;

struct ActionCounts {
    unsigned deny = 0, audit = 0, allow = 0, other = 0;
};

ActionCounts count_actions(const ReasonRows& reasons)
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
        if (!line.empty() && display_width(line) + 1 + display_width(word) > room) {
            out += line + "\n" + std::string(indent, ' ');
            line.clear();
        }
        line += (line.empty() ? "" : " ") + word;
    }
    return out + line;
}

// "Notice: <sentence>", wrapped under itself, then a blank line.
void print_notice(const std::string& notice)
{
    if (notice.empty())
        return;
    // TRANSLATORS: a label; the sentence that follows is the broker's (English).
    const std::string label = _("Notice:");
    std::printf("%s %s\n\n", label.c_str(), wrap(notice, display_width(label) + 1, 80).c_str());
}

// The labels of status, online and offline: one column for all of them.
const char* const kLabels[] = {N_("Version"), N_("Enforcing"), N_("Kernel lockdown"), N_("Mode"),
                               N_("Reasons"), N_("Exceptions"), N_("Can hibernate"), N_("Broker")};

// Labelled lines, the labels right-aligned on their colons ("      Enforcing:
// yes"); `more` is printed under the last value, wrapped at its column.
void print_fields(const std::vector<std::pair<std::string, std::string>>& fields, const std::string& more = {})
{
    size_t width = 0;
    for (const char* label : kLabels)
        width = std::max(width, display_width(_(label)));
    for (const auto& [label, value] : fields)
        width = std::max(width, display_width(label));
    for (const auto& [label, value] : fields)
        std::printf("%s%s: %s\n", std::string(width - display_width(label), ' ').c_str(), label.c_str(),
                    value.c_str());
    if (!more.empty())
        std::printf("%s%s\n", std::string(width + 2, ' ').c_str(), wrap(more, width + 2, 80).c_str());
}

const char* yes_no(bool b) { return b ? _("yes") : _("no"); }

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
    // English in --json (a client matches it, as it does the broker's Notice);
    // translated on the terminal.
    const auto offline_notice = [&](bool translate) -> std::string {
        if (enforcing != "no")
            return {};
        const auto tr = [translate](const char* s) { return translate ? _(s) : s; };
        return std::string(tr(N_("Lockdown is not enforcing: nothing is locked."))) + " " +
               (cause.empty() ? tr(N_("lockdown-enforce.service has not loaded enforcement."))
                              : ldb::fill(tr(N_("The locked_down program did not load: %s.")), {cause}));
    };
    if (o.json) {
        ldb::JsonObject j;
        j.str("broker", "not running");
        if (enforcing == "unknown")
            j.null("enforcing");
        else
            j.boolean("enforcing", enforcing == "yes");
        std::printf("%s\n", j.str("cause", cause).str("notice", offline_notice(false)).text().c_str());
    } else {
        print_notice(offline_notice(true));
        const std::string shown = enforcing == "unknown"
                                      ? _("unknown (only root can read the pins; see systemctl status "
                                          "lockdown-enforce.service)")
                                      : yes_no(enforcing == "yes");
        print_fields({{_("Enforcing"), shown},
                      // TRANSLATORS: %s says why, e.g. "lockdown-brokerd is not reachable ...".
                      {_("Broker"), ldb::fill(_("not running (%s)"), {why.what()})}});
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

    print_notice(notice);
    // TRANSLATORS: counts of the reasons per action; deny, audit and allow are the
    // action names of broker.conf (Deny=, Audit=, Allow=): keep them.
    std::string counts = ldb::fill(_("%s deny, %s audit, %s allow"),
                                   {std::to_string(n.deny), std::to_string(n.audit), std::to_string(n.allow)});
    if (n.other)
        counts += ldb::fill(_(", %s other"), {std::to_string(n.other)});
    // Kernel lockdown, Mode and Can hibernate show the broker's words as they are.
    print_fields({{_("Version"), version},
                  {_("Enforcing"), yes_no(enforcing)},
                  {_("Kernel lockdown"), kernel},
                  {_("Mode"), mode},
                  {_("Reasons"), counts},
                  {_("Exceptions"), ldb::fill(_("%s active"), {std::to_string(exceptions)})},
                  {_("Can hibernate"), can_hibernate}},
                 blocker);
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
    // The cells are the broker's names (dev-mem, integrity, deny): untranslated.
    Table t({{_("NAME")}, {_("LEVEL")}, {_("ACTION")}});
    for (const auto& r : reasons)
        t.add_row({r.get<0>(), r.get<1>(), r.get<2>()});
    t.print();
    return ExitOk;
}

} // namespace ldctl
