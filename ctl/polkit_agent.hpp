// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// A text-mode polkit agent for the duration of one call, as systemctl does:
// when standard input is a terminal, pkttyagent registers itself as the
// agent for our process (falling back to the session's own agent if there
// is one) and asks for the password on the terminal.

#include <sys/types.h>

namespace ldctl {

class PolkitAgent {
public:
    PolkitAgent() = default;
    PolkitAgent(const PolkitAgent&) = delete;
    PolkitAgent& operator=(const PolkitAgent&) = delete;
    // Stops the agent.
    ~PolkitAgent();

    // Does nothing unless stdin is a terminal. Returns once the agent has
    // registered with polkit (or has failed to start, which it reports on
    // standard error; the call then goes on without it).
    void start_if_tty();

private:
    pid_t pid_ = -1;
};

} // namespace ldctl
