// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dyndbg/port.hpp"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include "base/error.hpp"
#include "base/files.hpp"
#include "base/log.hpp"

namespace ldb::dyndbg {

namespace {

// Long enough for one open() on a loaded machine; the grant is removed
// right after the open anyway, and the kernel refuses it after this even if
// we die in between.
constexpr uint64_t kOpenLeaseNs = 5'000'000'000ull;

UniqueFd open_plain(const std::string& path)
{
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd) {
        const int err = errno;
        if (err == ENOENT)
            throw Error(ErrorKind::Kernel, path + " does not exist: this kernel has no dynamic debug",
                        "it needs CONFIG_DYNAMIC_DEBUG (or CONFIG_DYNAMIC_DEBUG_CORE)");
        if (err == EPERM)
            throw errno_error(err, "opening " + path + " for writing",
                              "enforcement refused the broker itself: lockdown-brokerd must run in a cgroup of "
                              "its own (as lockdown-broker.service does) to grant itself the open");
        throw errno_error(err, "opening " + path + " for writing");
    }
    return fd;
}

} // namespace

UniqueFd GrantedOpener::open(const std::string& path)
{
    if (!s_.needed())
        return open_plain(path);
    GrantRequest req;
    req.reasons = {LD_REASON_DYNAMIC_DEBUG};
    req.cgroup_ids = {s_.own_cgroup_id()};
    req.expires_boot_ns = s_.boot_ns() + kOpenLeaseNs;
    req.holder_uid = static_cast<uint32_t>(::geteuid());
    const uint64_t id = kernel_.add(req);
    struct Remove {
        KernelGrants& k;
        uint64_t id;
        ~Remove()
        {
            try {
                k.remove(id);
            } catch (const Error& e) {
                // The lease ends it within seconds anyway; say so.
                log_error("removing the broker's own dynamic-debug grant: %s", e.what());
            }
        }
    } remove{kernel_, id};
    return open_plain(path);
}

std::string ProcControl::read()
{
    if (::access(path_.c_str(), F_OK) < 0 && errno == ENOENT)
        throw Error(ErrorKind::Kernel, path_ + " does not exist: this kernel has no dynamic debug",
                    "it needs CONFIG_DYNAMIC_DEBUG (or CONFIG_DYNAMIC_DEBUG_CORE)");
    return read_file(path_, {.max_bytes = kMaxControlBytes, .too_big = ErrorKind::Kernel});
}

std::vector<int> ProcControl::write(const std::vector<std::string>& queries)
{
    UniqueFd fd = open_for_write_(path_);
    std::vector<int> out;
    for (const auto& q : queries) {
        ssize_t n;
        do
            n = ::write(fd.get(), q.data(), q.size());
        while (n < 0 && errno == EINTR);
        out.push_back(n < 0 ? errno : static_cast<size_t>(n) == q.size() ? 0 : EIO);
    }
    return out;
}

std::string probe_flags(ControlPort& port, const std::string& candidates)
{
    std::vector<std::string> queries;
    for (char c : candidates)
        queries.push_back(std::string("module ldb.probe =") + c);
    const auto errs = port.write(queries);
    std::string known;
    for (size_t i = 0; i < candidates.size() && i < errs.size(); i++) {
        if (errs[i] == 0)
            known.push_back(candidates[i]);
        else if (errs[i] != EINVAL)
            throw errno_error(errs[i], std::string("probing the dynamic debug flag '") + candidates[i] + "'");
    }
    if (known.find('p') == std::string::npos)
        throw Error(ErrorKind::Kernel, "the dynamic_debug control file refused even the flag 'p'");
    return known;
}

} // namespace ldb::dyndbg
