// SPDX-License-Identifier: LGPL-2.1-or-later
#include "exceptions/checks.hpp"

#include "host/cgroup.hpp"
#include "base/error.hpp"

namespace ldb {

namespace {

// Keeps a hostile value from flooding a message or the journal.
std::string shown(const std::string& s)
{
    std::string out;
    for (char c : s.substr(0, 64)) {
        const auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? '?' : c;
    }
    return s.size() > 64 ? out + "..." : out;
}

bool is_session_id(const std::string& s)
{
    if (s.empty() || s.size() > 64)
        return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    return true;
}

} // namespace

bool is_valid_unit_name(std::string_view name)
{
    if (name.empty() || name.size() > 255)
        return false;
    const size_t dot = name.rfind('.');
    if (dot == 0 || dot == std::string_view::npos || dot + 1 == name.size())
        return false;
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == ':' || c == '-' || c == '_' || c == '.' || c == '\\' || c == '@';
        if (!ok)
            return false;
    }
    return true;
}

void check_reasons(const std::vector<std::string>& reasons, const ReasonCatalog& catalog, const Policy& policy)
{
    if (reasons.empty())
        throw Error(ErrorKind::InvalidArgument, "no lockdown reason given", "name at least one, e.g. dev-mem");
    if (reasons.size() > kMaxReasonsPerCall)
        throw Error(ErrorKind::InvalidArgument, "too many reasons (" + std::to_string(reasons.size()) + ")");
    std::set<std::string> seen;
    for (const auto& r : reasons) {
        if (r.size() > kMaxNameLength || !catalog.find(r))
            throw Error(ErrorKind::InvalidArgument, "unknown lockdown reason '" + shown(r) + "'",
                        "lockdownctl reasons lists the reasons of this kernel");
        if (!seen.insert(r).second)
            throw Error(ErrorKind::InvalidArgument, "reason '" + r + "' is listed twice");
        if (policy.action_for(r) == Action::Allow)
            throw Error(ErrorKind::InvalidArgument, "reason '" + r + "' is not locked: the policy already allows it");
    }
}

void check_requestable(const std::vector<std::string>& reasons, const ReasonCatalog& catalog)
{
    for (const auto& r : reasons) {
        const Reason* reason = catalog.find(r);
        if (reason && reason->pseudo)
            throw Error(ErrorKind::InvalidArgument,
                        "'" + r + "' cannot be requested for a session: the broker applies dynamic debug queries "
                        "itself, checks them and puts them back",
                        "use SetDebug (lockdownctl debug enable ...)");
    }
}

void check_seconds(uint64_t seconds, uint64_t max_seconds)
{
    if (seconds == 0)
        throw Error(ErrorKind::InvalidArgument, "an exception needs a duration of at least one second");
    if (seconds > max_seconds)
        throw Error(ErrorKind::InvalidArgument,
                    "an exception may last at most " + std::to_string(max_seconds) + " seconds, not " +
                        std::to_string(seconds),
                    "MaxSeconds= in [Exceptions] of broker.conf sets the limit");
}

void check_option_keys(const std::vector<std::string>& keys, const std::set<std::string>& known)
{
    for (const auto& k : keys)
        if (!known.count(k))
            throw Error(ErrorKind::InvalidArgument, "unknown option '" + shown(k) + "'",
                        known.empty() ? "this method takes no options yet; pass an empty dictionary" : "");
}

void check_caller_scope(const std::string& cgroup, uint32_t uid)
{
    const std::string hint =
        "run the command in a scope of its own: lockdownctl run REASON -- COMMAND, or systemd-run --user --scope";
    if (!is_safe_cgroup_path(cgroup) || cgroup == "/")
        throw Error(ErrorKind::InvalidArgument, "the calling process's cgroup '" + shown(cgroup) + "' is not usable",
                    hint);
    const std::string last = cgroup.substr(cgroup.rfind('/') + 1);
    if (last.size() <= 6 || !last.ends_with(".scope"))
        throw Error(ErrorKind::InvalidArgument,
                    "the calling process is not in a scope of its own ('" + shown(last) + "' is not a .scope)", hint);
    if (last.starts_with("session-") || last == "init.scope")
        throw Error(ErrorKind::InvalidArgument,
                    "the calling process runs in " + shown(last) +
                        ", a login session's or a service manager's own scope, not a scope of its own",
                    hint + "; or ask for the whole session with scope=session");
    const std::string slice = "/user.slice/user-" + std::to_string(uid) + ".slice/";
    if (!cgroup.starts_with(slice))
        throw Error(ErrorKind::InvalidArgument,
                    "the calling process's cgroup '" + shown(cgroup) + "' is not below " + slice +
                        ": scope=caller is for scopes of the caller's own user",
                    hint);
}

bool in_user_manager(const std::string& cgroup, uint32_t uid)
{
    const std::string u = std::to_string(uid);
    const std::string manager = "/user.slice/user-" + u + ".slice/user@" + u + ".service/";
    return is_safe_cgroup_path(cgroup) && cgroup.starts_with(manager) && cgroup.size() > manager.size();
}

RequestScope parse_request_scope(const std::string& value)
{
    if (value == "session")
        return RequestScope::Session;
    if (value == "caller")
        return RequestScope::Caller;
    throw Error(ErrorKind::InvalidArgument, "unknown value '" + shown(value) + "' for the option \"scope\"",
                "use \"session\" (the default) or \"caller\"");
}

ScopeKind check_scope(const std::string& kind, const std::string& scope)
{
    const auto k = parse_scope_kind(kind);
    if (!k)
        throw Error(ErrorKind::InvalidArgument, "unknown scope kind '" + shown(kind) + "'",
                    "use one of: unit, cgroup, session");
    switch (*k) {
    case ScopeKind::Unit:
        if (!is_valid_unit_name(scope))
            throw Error(ErrorKind::InvalidArgument, "'" + shown(scope) + "' is not a valid unit name");
        break;
    case ScopeKind::Cgroup:
        if (!is_safe_cgroup_path(scope))
            throw Error(ErrorKind::InvalidArgument,
                        "'" + shown(scope) + "' is not a cgroup path",
                        "give an absolute path below the cgroup2 root, without '.' or '..' components");
        if (scope == "/")
            throw Error(ErrorKind::InvalidArgument, "the root cgroup covers every process",
                        "to lift a reason for everyone, use Allow= in broker.conf");
        break;
    case ScopeKind::Session:
        if (!is_session_id(scope))
            throw Error(ErrorKind::InvalidArgument, "'" + shown(scope) + "' is not a session id");
        break;
    }
    return *k;
}

} // namespace ldb
