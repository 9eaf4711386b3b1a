// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Who is calling: the identity the bus daemon saw when the caller connected
// (never what the caller says), the login session it may act for, and the
// unit it runs in.
#include <cstdint>
#include <string>

namespace sdbus {
class Message;
}

namespace ldb {

class SessionDirectory;
struct SessionInfo;
struct Exception;

struct Caller {
    std::string sender; // unique bus name, ":1.42"
    uint32_t uid = 0;
    uint32_t pid = 0;
    bool interactive = false; // ALLOW_INTERACTIVE_AUTHORIZATION was set
};

Caller caller_of(const sdbus::Message& m);

// What to tell a caller whose process is outside a session, or inside
// another uid's.
struct SessionHints {
    std::string no_session;
    std::string other_uid;
};
inline const SessionHints kAskHints{"ask from a terminal or application inside your desktop session",
                                    "ask as the user who owns the session"};

// The session the calling process is in, if the caller's uid owns it;
// throws ldb::Error (NoSession) otherwise.
SessionInfo own_session(const Caller& c, SessionDirectory& sessions, const SessionHints& hints);
// own_session(), and eligible to hold an exception (SessionNotEligible).
// `display_fallback`: a calling process outside any session (one in
// user@UID.service) acts for the user's display session instead, the
// session polkit attributes it to.
SessionInfo eligible_session(const Caller& c, SessionDirectory& sessions, bool display_fallback = false);

// Whether the caller holds `e`: its uid, and its session when `e` is bound
// to one (for a process outside any session, the user's display session).
bool holds(const Caller& c, const Exception& e, SessionDirectory& sessions);

// The cgroup the calling process runs in ("/user.slice/..."); throws
// ldb::Error (NoSession) if it cannot be read (the process is gone).
std::string cgroup_of(const Caller& c);

// The systemd unit the calling process runs in, "" if none.
std::string unit_of(const Caller& c);

} // namespace ldb
