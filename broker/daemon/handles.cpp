// SPDX-License-Identifier: LGPL-2.1-or-later
#include "daemon/handles.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <vector>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "base/error.hpp"
#include "base/log.hpp"
#include "enforcement/seal.hpp"

namespace ldb {

namespace {

constexpr const char* kStoreName = "ld_handles";
// The map fds travel with their names, one per line, in this order.
constexpr size_t kMaxHandles = 8;

// The socket systemd kept for us (LISTEN_FDS, named kStoreName), if any.
UniqueFd stored_socket()
{
    char** names = nullptr;
    const int n = sd_listen_fds_with_names(1, &names);
    if (n < 0)
        throw errno_error(-n, "reading the fds passed by systemd");
    UniqueFd out;
    for (int i = 0; i < n; i++) {
        UniqueFd fd(SD_LISTEN_FDS_START + i);
        if (names && names[i] && std::string(names[i]) == kStoreName)
            out = std::move(fd);
        else
            log_warning("ignoring an fd passed by systemd under the name '%s'", names && names[i] ? names[i] : "");
    }
    if (names) {
        for (int i = 0; i < n; i++)
            std::free(names[i]);
        std::free(names);
    }
    return out;
}

Enforcer::NamedFds peek_handles(int sock)
{
    char text[256] = {};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxHandles)] = {};
    iovec iov{text, sizeof(text) - 1};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    const ssize_t got = ::recvmsg(sock, &msg, MSG_PEEK | MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (got < 0)
        throw errno_error(errno, "reading the map fds kept in systemd's fd store");
    std::vector<int> fds;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
            for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
                int fd = -1;
                std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                fds.push_back(fd);
            }
    Enforcer::NamedFds out;
    std::string_view names(text, static_cast<size_t>(got));
    for (int fd : fds) {
        const size_t nl = names.find('\n');
        out.emplace_back(std::string(names.substr(0, nl)), UniqueFd(fd));
        names = nl == std::string_view::npos ? std::string_view{} : names.substr(nl + 1);
    }
    if ((msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) != 0)
        throw Error(ErrorKind::Internal, "the message with the map fds in systemd's fd store was truncated");
    return out;
}

void store_handles(const Enforcer& e)
{
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair) < 0)
        throw errno_error(errno, "creating the socket that keeps the map fds");
    UniqueFd keep(pair[0]), send_end(pair[1]);
    std::string names;
    std::vector<int> fds;
    for (const auto& [name, fd] : e.fds()) {
        names += name + "\n";
        fds.push_back(fd);
    }
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxHandles)] = {};
    iovec iov{names.data(), names.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    if (::sendmsg(send_end.get(), &msg, 0) < 0)
        throw errno_error(errno, "queueing the map fds on their socket");
    int raw = keep.get();
    const std::string state = std::string("FDSTORE=1\nFDNAME=") + kStoreName;
    const int r = sd_pid_notify_with_fds(0, 0, state.c_str(), &raw, 1);
    if (r < 0)
        throw errno_error(-r, "storing the map fds in systemd's fd store");
    if (r == 0)
        log_warning("not run by systemd: the map fds are not kept anywhere, so once the broker exits a new one "
                    "cannot open the sealed maps until the next boot");
}

Enforcer open_pins(const PinLayout& pins)
{
    try {
        return Enforcer::open_pinned(pins);
    } catch (const Error& e) {
        // EPERM for root: the seal (skeleton's sealed_error), or another LSM.
        if (e.kind() != ErrorKind::Permission && e.kind() != ErrorKind::Refused)
            throw;
        // Read-only opens work after the seal: they tell why this one failed.
        if (!Enforcer::open_pinned(pins, Enforcer::Access::ReadOnly).sealed())
            throw;
    }
    throw Error(ErrorKind::Refused,
                "the lockdown maps are sealed and this broker did not get their fds from systemd's fd store: an "
                "earlier broker of this boot held them, and its unit was stopped rather than restarted",
                "exceptions are unavailable until the next boot; enforcement itself is unaffected. "
                "`systemctl restart lockdown-broker` keeps the fds, `systemctl stop` gives them up");
}

} // namespace

Enforcer take_handles(const PinLayout& pins)
{
    const UniqueFd stored = stored_socket();
    const bool from_store = static_cast<bool>(stored);
    Enforcer e = from_store ? Enforcer::from_fds(peek_handles(stored.get())) : open_pins(pins);
    if (!from_store)
        store_handles(e);
    e.seal(static_cast<uint32_t>(::getpid()), pins);
    log_info("enforcement sealed: the broker holds the map fds%s", from_store ? " (from systemd's fd store)" : "");
    return e;
}

} // namespace ldb
