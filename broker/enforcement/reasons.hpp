// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The catalogue of lockdown reasons the running kernel knows, read from BTF
// (enum lockdown_reason). Reason values differ between kernels, even within
// one stable series, so they are never hard-coded anywhere in the project.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct btf;

namespace ldb {

enum class Level { Integrity, Confidentiality };

std::string_view to_string(Level l);

struct Reason {
    std::string name;        // "dev-mem"
    std::string kernel_name; // "LOCKDOWN_DEV_MEM"
    uint32_t value = 0;      // this kernel's enum value
    Level level = Level::Integrity;
    // Not a value of the kernel's enum but one of lockdown-broker's own
    // (LD_PSEUDO_REASON_FIRST and up, see bpf/lockdown-broker.h); kernel_name
    // is empty.
    bool pseudo = false;
};

// The pseudo-reasons every catalogue ends with.
inline constexpr const char* kDynamicDebugReason = "dynamic-debug";

class ReasonCatalog {
public:
    // From an already parsed BTF object (the caller keeps ownership).
    static ReasonCatalog from_btf(const struct btf* btf);
    // From a BTF file: raw BTF (like /sys/kernel/btf/vmlinux) or an ELF with .BTF.
    static ReasonCatalog from_file(const std::string& path);
    // From the running kernel.
    static ReasonCatalog from_running_kernel();

    // "LOCKDOWN_DEV_MEM" -> "dev-mem"
    static std::string name_from_kernel(std::string_view kernel_name);

    const std::vector<Reason>& all() const noexcept { return reasons_; }
    const Reason* find(std::string_view name) const noexcept;
    const Reason* by_value(uint32_t value) const noexcept;
    // Printable name for any value, also one this kernel does not know.
    std::string name_of(uint32_t value) const;

    uint32_t integrity_max() const noexcept { return integrity_max_; }
    uint32_t confidentiality_max() const noexcept { return confidentiality_max_; }

private:
    std::vector<Reason> reasons_; // sorted by value
    uint32_t integrity_max_ = 0;
    uint32_t confidentiality_max_ = 0;
};

} // namespace ldb
