// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// What the running kernel offers us, read from securityfs, sysfs and efivars,
// and the checks that turn a missing piece into an actionable message.

#include <optional>
#include <string>

#include "config/config.hpp"

namespace ldb {

struct KernelEnv {
    std::string lsm_list;                  // /sys/kernel/security/lsm
    bool bpf_lsm = false;                  // "bpf" is in that list
    std::optional<Mode> kernel_lockdown;   // the kernel's own lockdown, if readable
    bool has_btf = false;                  // /sys/kernel/btf/vmlinux
    std::optional<bool> secure_boot;       // from the SecureBoot EFI variable
    bool securityfs = false;               // /sys/kernel/security readable

    // `root` lets tests point at a fake tree; "/" means the real system,
    // where a missing securityfs is mounted first (early boot).
    static KernelEnv probe(const std::string& root = "/");
};

// Parses "none [integrity] confidentiality".
std::optional<Mode> parse_kernel_lockdown(std::string_view text);
// Reads and parses such a file; nullopt when it is absent or unreadable.
std::optional<Mode> read_kernel_lockdown(const std::string& path);

// Throws when enforcement cannot work at all: no BTF, no BPF LSM.
void require_enforceable(const KernelEnv& env);

// Empty when the kernel's own lockdown is none; otherwise a plain-words
// explanation of what that means for exceptions and what to do.
std::string kernel_lockdown_notice(const KernelEnv& env);
// Its NoticeCode: "kernel-lockdown-raised", or "" when there is no notice.
std::string kernel_lockdown_notice_code(const KernelEnv& env);

} // namespace ldb
