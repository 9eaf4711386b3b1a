// SPDX-License-Identifier: LGPL-2.1-or-later
#include "exceptions/exception.hpp"

#include <array>
#include <utility>

namespace ldb {

namespace {

template <typename E, size_t N>
using Table = std::array<std::pair<E, std::string_view>, N>;

constexpr Table<ScopeKind, 3> kScopeKinds{{
    {ScopeKind::Session, "session"},
    {ScopeKind::Unit, "unit"},
    {ScopeKind::Cgroup, "cgroup"},
}};

constexpr Table<Origin, 4> kOrigins{{
    {Origin::Request, "request"},
    {Origin::Admin, "admin"},
    {Origin::Standing, "standing"},
    {Origin::Hibernation, "hibernation"},
}};

constexpr Table<RevokeWhy, 11> kRevokeWhys{{
    {RevokeWhy::SessionLocked, "session-locked"},
    {RevokeWhy::SessionInactive, "session-inactive"},
    {RevokeWhy::SessionRemoved, "session-removed"},
    {RevokeWhy::Expired, "expired"},
    {RevokeWhy::Released, "released"},
    {RevokeWhy::Revoked, "revoked"},
    {RevokeWhy::Resumed, "resumed"},
    {RevokeWhy::UnitStopped, "unit-stopped"},
    {RevokeWhy::Invalid, "invalid"},
    {RevokeWhy::HibernationBlocked, "hibernation-blocked"},
    {RevokeWhy::ScopeEmpty, "scope-empty"},
}};

template <typename E, size_t N>
std::string_view name_in(const Table<E, N>& t, E v)
{
    for (const auto& [e, s] : t)
        if (e == v)
            return s;
    return "?"; // unreachable while each table lists every value (see test_exception.cpp)
}

template <typename E, size_t N>
std::optional<E> value_in(const Table<E, N>& t, std::string_view s)
{
    for (const auto& [e, name] : t)
        if (name == s)
            return e;
    return std::nullopt;
}

} // namespace

std::string_view to_string(ScopeKind k)
{
    return name_in(kScopeKinds, k);
}

std::optional<ScopeKind> parse_scope_kind(std::string_view s)
{
    return value_in(kScopeKinds, s);
}

std::string_view to_string(Origin o)
{
    return name_in(kOrigins, o);
}

std::optional<Origin> parse_origin(std::string_view s)
{
    return value_in(kOrigins, s);
}

std::string_view to_string(RevokeWhy w)
{
    return name_in(kRevokeWhys, w);
}

std::optional<RevokeWhy> parse_revoke_why(std::string_view s)
{
    return value_in(kRevokeWhys, s);
}

namespace {

std::string_view last_component(std::string_view path)
{
    const size_t slash = path.rfind('/');
    if (slash != std::string_view::npos)
        path.remove_prefix(slash + 1);
    return path;
}

bool ends_in_scope(std::string_view name)
{
    name = last_component(name);
    return name.size() > 6 && name.ends_with(".scope");
}

} // namespace

bool fence_strict(const Exception& e)
{
    switch (e.scope_kind) {
    case ScopeKind::Session:
        return true;
    case ScopeKind::Unit:
    case ScopeKind::Cgroup:
        return ends_in_scope(e.scope);
    }
    return false;
}

bool fence_admits_pid1(const Exception& e, std::string_view cgroup)
{
    if (!fence_strict(e))
        return true;
    const auto name = last_component(cgroup);
    return e.scope_kind == ScopeKind::Session && name.starts_with("user@") && name.ends_with(".service");
}

RevokeWhy revoke_why(SessionChange c)
{
    switch (c) {
    case SessionChange::Locked:
        return RevokeWhy::SessionLocked;
    case SessionChange::Inactive:
        return RevokeWhy::SessionInactive;
    case SessionChange::Removed:
        return RevokeWhy::SessionRemoved;
    }
    return RevokeWhy::Invalid;
}

} // namespace ldb
