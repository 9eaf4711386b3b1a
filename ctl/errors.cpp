// SPDX-License-Identifier: LGPL-2.1-or-later
#include "errors.hpp"

#include <string_view>
#include <unistd.h>

#include <sdbus-c++/IConnection.h>

#include "base/bus_names.hpp"
#include "base/i18n.hpp"

namespace ldctl {

namespace {

constexpr std::string_view broker_error = ldb::bus_names::kErrorPrefix;
constexpr std::string_view dbus_error = "org.freedesktop.DBus.Error.";
constexpr const char* start_hint = N_("start it: systemctl start lockdown-broker.service");

bool starts_with(const std::string& s, std::string_view prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

std::string auth_hint(const Options& o)
{
    if (!o.ask_password)
        return _("an interactive authentication was not allowed (--no-ask-password); run without it to be asked");
    if (!isatty(STDIN_FILENO))
        return _("an interactive authentication was not possible: standard input is not a terminal and no "
                 "graphical polkit agent answered; run it from a terminal");
    return {};
}

} // namespace

Failure bus_failure(const sdbus::Error& e, const Options& o)
{
    const std::string& name = e.getName();
    const std::string msg = e.getMessage().empty() ? name : e.getMessage();

    if (starts_with(name, broker_error)) {
        const std::string kind = name.substr(broker_error.size());
        if (kind == "InvalidArgument") {
            std::string hint;
            if (o.command == "request" || o.command == "grant")
                hint = _("'lockdownctl reasons' lists the reasons this kernel knows");
            return {ExitUsage, msg, hint};
        }
        if (kind == "NotAuthorized") {
            // release asks no one: only the holder may release.
            if (o.command == "release")
                return {ExitNotAuthorized, msg, _("an administrator can end it with 'lockdownctl revoke'")};
            return {ExitNotAuthorized, msg, auth_hint(o)};
        }
        if (kind == "NoSession" && o.command == "debug")
            return {ExitNotAuthorized, msg,
                    _("dynamic debug changes belong to a login session: run this from a local, logged-in "
                      "session")};
        if (kind == "NoSession")
            return {ExitNotAuthorized, msg,
                    _("an exception belongs to a login session: run this from a local, logged-in session, "
                      "or have an administrator use 'lockdownctl grant'")};
        if (kind == "SessionNotEligible")
            return {ExitNotAuthorized, msg, _("only an active, unlocked, local session may ask for an exception")};
        if (kind == "NotFound")
            return {ExitNotFound, msg, _("'lockdownctl exceptions' lists the active exceptions")};
        if (kind == "Cancelled")
            return {ExitCancelled, msg};
        if (kind == "Refused")
            return {ExitRefused, msg,
                    _("'lockdownctl hibernate --check' says why; README.md shows how to set up an authenticated "
                      "swap")};
        if (kind == "NotEnforcing")
            return {ExitFailure, msg, _("load enforcement first: systemctl start lockdown-enforce.service")};
        return {ExitFailure, msg};
    }

    if (name == "org.freedesktop.DBus.Error.ServiceUnknown" || name == "org.freedesktop.DBus.Error.NameHasNoOwner" ||
        starts_with(name, "org.freedesktop.DBus.Error.Spawn.") || starts_with(name, "org.freedesktop.systemd1."))
        return {ExitUnreachable, ldb::fill(_("lockdown-brokerd is not reachable on the system bus: %s"), {msg}),
                _(start_hint)};
    if (name == "org.freedesktop.DBus.Error.NoReply" || name == "org.freedesktop.DBus.Error.Timeout" ||
        name == "org.freedesktop.DBus.Error.TimedOut")
        return {ExitUnreachable, ldb::fill(_("lockdown-brokerd is not reachable: it did not answer: %s"), {msg}),
                _("check it: systemctl status lockdown-broker.service")};
    if (name == "org.freedesktop.DBus.Error.Disconnected" || name == "System.Error.ECONNRESET" ||
        name == "System.Error.ENOTCONN" || name == "System.Error.EPIPE")
        return {ExitUnreachable, ldb::fill(_("lost the connection to the system bus: %s"), {msg})};
    if (name == "org.freedesktop.DBus.Error.AccessDenied")
        return {ExitNotAuthorized, msg, _("the D-Bus policy of the system bus refused the call")};
    if (name == "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired")
        return {ExitNotAuthorized, msg, auth_hint(o)};
    if (starts_with(name, dbus_error) &&
        (name.ends_with(".UnknownMethod") || name.ends_with(".UnknownProperty") ||
         name.ends_with(".UnknownInterface") || name.ends_with(".UnknownObject") ||
         name.ends_with(".InvalidArgs")))
        return {ExitFailure, msg,
                _("lockdown-brokerd does not speak this version of its API; lockdownctl and the broker must "
                  "come from the same release")};
    return {ExitFailure, msg};
}

std::unique_ptr<sdbus::IConnection> connect_system_bus()
{
    try {
        return sdbus::createSystemBusConnection();
    } catch (const sdbus::Error& e) {
        throw Failure(ExitUnreachable, ldb::fill(_("cannot connect to the system bus: %s"), {e.getMessage()}),
                      _("is dbus running? (systemctl status dbus.service)"));
    }
}

} // namespace ldctl
