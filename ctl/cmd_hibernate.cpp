// SPDX-License-Identifier: LGPL-2.1-or-later
// lockdownctl hibernate [--check]

#include <cstdio>
#include <string>

#include "broker_client.hpp"
#include "base/i18n.hpp"
#include "base/json.hpp"
#include "lockdownctl.hpp"
#include "output.hpp"

namespace ldctl {

int cmd_hibernate(const Options& o)
{
    auto conn = connect_system_bus();
    BrokerClient broker(*conn, o.ask_password);
    if (o.check) {
        const std::string can = broker.CanHibernate();
        const std::string blocker = broker.HibernateBlocker();
        if (o.json)
            std::printf("%s\n", ldb::JsonObject().str("can_hibernate", can).str("blocker", blocker).text().c_str());
        else if (can == "yes")
            std::printf("%s\n", _("Hibernation: possible"));
        else
            // TRANSLATORS: %s is the broker's reason (English).
            std::printf("%s\n", ldb::fill(_("Hibernation: not possible: %s"), {blocker}).c_str());
        return can == "yes" ? ExitOk : ExitRefused;
    }
    broker.hibernate();
    std::printf("%s\n", _("Hibernating."));
    return ExitOk;
}

} // namespace ldctl
