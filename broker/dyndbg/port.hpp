// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The real dynamic_debug control file (/proc/dynamic_debug/control), and
// how the broker opens it for writing past its own enforcement: under a
// grant of the dynamic-debug pseudo-reason to its own cgroup that lives
// only around the open() (the kernel checks at open, not at each write).
#include <functional>
#include <string>

#include "dyndbg/ledger.hpp"
#include "exceptions/table.hpp"
#include "base/unique_fd.hpp"

namespace ldb::dyndbg {

inline constexpr const char* kProcControl = "/proc/dynamic_debug/control";

// Opens `path` for writing. With `needed()` true, first grants the
// dynamic-debug pseudo-reason to the cgroup `own_cgroup_id()` returns, for
// at most a few seconds of lease, and removes that grant again before
// returning, whatever happened.
class GrantedOpener {
public:
    struct Settings {
        std::function<bool()> needed;             // is dynamic-debug enforced for us right now?
        std::function<uint64_t()> own_cgroup_id;  // throws when the broker must not grant itself
        std::function<uint64_t()> boot_ns;        // CLOCK_BOOTTIME
    };
    GrantedOpener(KernelGrants& kernel, Settings s) : kernel_(kernel), s_(std::move(s)) {}
    UniqueFd open(const std::string& path);

private:
    KernelGrants& kernel_;
    Settings s_;
};

class ProcControl final : public ControlPort {
public:
    ProcControl(std::string path, std::function<UniqueFd(const std::string&)> open_for_write)
        : path_(std::move(path)), open_for_write_(std::move(open_for_write)) {}
    const std::string& path() const noexcept { return path_; }
    std::string read() override;
    std::vector<int> write(const std::vector<std::string>& queries) override;

private:
    std::string path_;
    std::function<UniqueFd(const std::string&)> open_for_write_;
};

// The flag letters the running kernel accepts, learnt by writing, for each
// candidate letter, a query that names a module no kernel can have
// ("module ldb.probe =X"): the kernel refuses an unknown letter with EINVAL
// and matches nothing otherwise. `candidates` in the kernel's print order.
std::string probe_flags(ControlPort& port, const std::string& candidates = "pmfslt_");

} // namespace ldb::dyndbg
