// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The broker's handles on enforcement: the map fds. A restarted broker gets
// them back from systemd's fd store (FileDescriptorStoreMax= of its unit);
// the first broker of a boot opens the pins and stores them there. Then the
// BPF objects are sealed, so that no other process can get such an fd again.
//
// systemd drops a stored fd that polls EPOLLERR, and every BPF map but a ring
// buffer does. So the store holds one datagram socket instead, whose queue
// carries the map fds in flight (SCM_RIGHTS); a restarted broker peeks at
// them (MSG_PEEK duplicates the fds and leaves them queued). A datagram
// socket whose peer is closed never polls HUP or ERR.
#include "enforcement/enforcer.hpp"

namespace ldb {

Enforcer take_handles(const PinLayout& pins);

} // namespace ldb
