// SPDX-License-Identifier: LGPL-2.1-or-later
#include "enforcement/kernel_env.hpp"

#include <sstream>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.hpp"
#include "base/files.hpp"
#include "base/log.hpp"

namespace ldb {

namespace {

// securityfs and efivarfs files are a line or a few bytes.
constexpr ReadLimits kAttrLimits{.max_bytes = 4096, .too_big = ErrorKind::Kernel};

// The file's bytes; nullopt when it is absent, or present but unreadable
// (the probe only learns what it can; the log says what it could not).
std::optional<std::string> read_attr(const std::string& path)
{
    try {
        return read_file_if_exists(path, kAttrLimits);
    } catch (const Error& e) {
        log_warning("probing the kernel: %s", e.what());
        return std::nullopt;
    }
}

std::optional<std::string> read_text(const std::string& path)
{
    auto s = read_attr(path);
    while (s && !s->empty() && (s->back() == '\n' || s->back() == ' '))
        s->pop_back();
    return s;
}

bool exists(const std::string& path)
{
    struct stat st{};
    return ::stat(path.c_str(), &st) == 0;
}

std::string join(const std::string& root, const std::string& path)
{
    return root == "/" ? path : root + path;
}

} // namespace

std::optional<Mode> parse_kernel_lockdown(std::string_view text)
{
    const size_t open = text.find('[');
    const size_t close = text.find(']');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open)
        return std::nullopt;
    return parse_mode(text.substr(open + 1, close - open - 1));
}

std::optional<Mode> read_kernel_lockdown(const std::string& path)
{
    const auto text = read_text(path);
    return text ? parse_kernel_lockdown(*text) : std::nullopt;
}

KernelEnv KernelEnv::probe(const std::string& root)
{
    KernelEnv env;
    const std::string secfs = join(root, "/sys/kernel/security");
    if (root == "/" && !exists(secfs + "/lsm")) {
        // Early in boot nothing may have mounted securityfs yet.
        ::mount("securityfs", secfs.c_str(), "securityfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
    }
    if (auto lsm = read_text(secfs + "/lsm")) {
        env.securityfs = true;
        env.lsm_list = *lsm;
        std::stringstream ss(*lsm);
        std::string item;
        while (std::getline(ss, item, ','))
            if (item == "bpf")
                env.bpf_lsm = true;
    }
    env.kernel_lockdown = read_kernel_lockdown(secfs + "/lockdown");
    env.has_btf = exists(join(root, "/sys/kernel/btf/vmlinux"));

    // 4 bytes of attributes, then one byte: 1 when Secure Boot is on.
    const auto sb = read_attr(join(root, "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"));
    if (sb && sb->size() >= 5)
        env.secure_boot = (*sb)[4] == 1;
    return env;
}

void require_enforceable(const KernelEnv& env)
{
    if (!env.has_btf)
        throw Error(ErrorKind::Kernel, "the running kernel has no BTF (/sys/kernel/btf/vmlinux is missing)",
                    "lockdown-broker needs a kernel built with CONFIG_DEBUG_INFO_BTF=y to learn its lockdown "
                    "reasons and to load its BPF LSM program; Debian's kernels have it");
    if (!env.securityfs)
        throw Error(ErrorKind::Kernel, "cannot read /sys/kernel/security/lsm (securityfs is not mounted)",
                    "mount it with: mount -t securityfs securityfs /sys/kernel/security");
    if (!env.bpf_lsm) {
        std::string want = env.lsm_list.empty() ? "bpf" : env.lsm_list + ",bpf";
        throw Error(ErrorKind::Kernel,
                    "the BPF LSM is not active: the kernel's LSM list is '" + env.lsm_list + "'",
                    "boot with lsm=" + want +
                        " on the kernel command line (for GRUB: add it to GRUB_CMDLINE_LINUX in "
                        "/etc/default/grub, run update-grub, reboot). The kernel also needs CONFIG_BPF_LSM=y");
    }
}

std::string kernel_lockdown_notice(const KernelEnv& env)
{
    if (!env.kernel_lockdown || *env.kernel_lockdown == Mode::None)
        return {};
    const std::string mode = to_string(*env.kernel_lockdown);
    std::string why = env.secure_boot.value_or(false)
                          ? "It was most likely raised at boot because Secure Boot is on and the kernel is built "
                            "with CONFIG_LOCK_DOWN_IN_EFI_SECURE_BOOT=y (Debian's kernels are). "
                          : "";
    std::string scope = *env.kernel_lockdown == Mode::Integrity
                            ? "every integrity reason (dev-mem, hibernation, debugfs, module-signature, ...)"
                            : "every lockdown reason";
    return "The kernel's own lockdown is '" + mode + "'. " + why +
           "lockdown-broker still enforces its policy, but the kernel's lockdown runs first and its refusal is "
           "final, so no exception can be granted for " + scope +
           ". To use exceptions, boot with lockdown=none and let lockdown-broker enforce" +
           (env.secure_boot.value_or(false)
                ? " (keep the kernel command line signed, e.g. with a unified kernel image, so that an attacker "
                  "cannot change lockdown=none)"
                : "") +
           ", or keep the kernel's lockdown and go without exceptions.";
}

std::string kernel_lockdown_notice_code(const KernelEnv& env)
{
    return kernel_lockdown_notice(env).empty() ? std::string() : std::string("kernel-lockdown-raised");
}

} // namespace ldb
