// SPDX-License-Identifier: LGPL-2.1-or-later
#include "bus/caller.hpp"

#include <systemd/sd-bus.h>

#include <sdbus-c++/Message.h>

#include "base/error.hpp"
#include "exceptions/exception.hpp"
#include "host/cgroup.hpp"
#include "host/sessions.hpp"

namespace ldb {

namespace {

// sdbus-c++ 1.2 does not expose the message header's
// ALLOW_INTERACTIVE_AUTHORIZATION flag. A pointer to the protected member,
// formed inside a derived class, reaches the underlying sd_bus_message
// legally.
struct MessagePeek : sdbus::Message {
    static sd_bus_message* raw(const sdbus::Message& m) { return static_cast<sd_bus_message*>(m.*(&MessagePeek::msg_)); }
};

} // namespace

Caller caller_of(const sdbus::Message& m)
{
    Caller c;
    c.sender = m.getSender();
    c.uid = m.getCredsUid();
    c.pid = static_cast<uint32_t>(m.getCredsPid());
    c.interactive = sd_bus_message_get_allow_interactive_authorization(MessagePeek::raw(m)) > 0;
    return c;
}

SessionInfo own_session(const Caller& c, SessionDirectory& sessions, const SessionHints& hints)
{
    const auto s = sessions.session_of_pid(c.pid);
    if (!s)
        throw Error(ErrorKind::NoSession,
                    "the calling process (pid " + std::to_string(c.pid) + ") is not part of a login session",
                    hints.no_session);
    if (s->uid != c.uid)
        throw Error(ErrorKind::NoSession, "the calling process runs as uid " + std::to_string(c.uid) +
                                              " inside session " + s->id + " of uid " + std::to_string(s->uid),
                    hints.other_uid);
    return *s;
}

namespace {

// The session a process outside any session acts for: the user's display
// session, as polkit attributes it.
SessionInfo display_session_of(const Caller& c, SessionDirectory& sessions)
{
    const auto s = sessions.display_session(c.uid);
    if (!s)
        throw Error(ErrorKind::NoSession,
                    "the calling process (pid " + std::to_string(c.pid) +
                        ") is not part of a login session, and uid " + std::to_string(c.uid) +
                        " has no display session",
                    kAskHints.no_session);
    return *s;
}

} // namespace

SessionInfo eligible_session(const Caller& c, SessionDirectory& sessions, bool display_fallback)
{
    const bool outside = display_fallback && !sessions.session_of_pid(c.pid);
    SessionInfo s = outside ? display_session_of(c, sessions) : own_session(c, sessions, kAskHints);
    if (const auto why = session_ineligibility(s); !why.empty())
        throw Error(ErrorKind::SessionNotEligible, why);
    return s;
}

bool holds(const Caller& c, const Exception& e, SessionDirectory& sessions)
{
    if (c.uid != e.holder_uid)
        return false;
    if (e.holder_session.empty())
        return true;
    auto s = sessions.session_of_pid(c.pid);
    if (!s)
        s = sessions.display_session(c.uid);
    return s && s->id == e.holder_session;
}

std::string cgroup_of(const Caller& c)
{
    const auto cg = cgroup_of_pid(c.pid);
    if (!cg)
        throw Error(ErrorKind::NoSession, "the cgroup of the calling process (pid " + std::to_string(c.pid) +
                                              ") cannot be read: it is gone, or has no cgroup2 entry");
    return *cg;
}

std::string unit_of(const Caller& c)
{
    const auto cg = cgroup_of_pid(c.pid);
    return cg ? unit_of_cgroup(*cg) : std::string();
}

} // namespace ldb
