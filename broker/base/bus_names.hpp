// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The broker's names on the bus and in polkit, written once: the daemon,
// lockdownctl and lockdown-hibernate all use these. They match
// dbus/org.freedesktop.LockdownBroker1.xml and the polkit policy.
#include <string_view>

namespace ldb::bus_names {

inline constexpr const char* kName = "org.freedesktop.LockdownBroker1";
inline constexpr const char* kPath = "/org/freedesktop/LockdownBroker1";
inline constexpr const char* kInterface = "org.freedesktop.LockdownBroker1";
// Error names are kErrorPrefix + NotAuthorized, InvalidArgument, ...
inline constexpr std::string_view kErrorPrefix = "org.freedesktop.LockdownBroker1.Error.";

// polkit action ids.
namespace action {
inline constexpr const char* kRequestException = "org.freedesktop.LockdownBroker1.request-exception";
inline constexpr const char* kManage = "org.freedesktop.LockdownBroker1.manage";
inline constexpr const char* kHibernate = "org.freedesktop.LockdownBroker1.hibernate";
inline constexpr const char* kDynamicDebug = "org.freedesktop.LockdownBroker1.dynamic-debug";
} // namespace action

// systemd's manager, system or user (the broker watches units; lockdownctl
// run starts its scope through the user's).
namespace systemd {
inline constexpr const char* kName = "org.freedesktop.systemd1";
inline constexpr const char* kPath = "/org/freedesktop/systemd1";
inline constexpr const char* kManager = "org.freedesktop.systemd1.Manager";
} // namespace systemd

} // namespace ldb::bus_names
