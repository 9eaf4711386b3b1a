// SPDX-License-Identifier: LGPL-2.1-or-later
#include "enforcement/reasons.hpp"

#include <algorithm>
#include <bpf/btf.h>
#include <cerrno>
#include <memory>

#include "lockdown-broker.h"
#include "base/error.hpp"

namespace ldb {

namespace {

constexpr std::string_view kPrefix = "LOCKDOWN_";
constexpr const char* kBtfHint =
    "lockdown-broker learns the reason numbers from the kernel's BTF "
    "(CONFIG_DEBUG_INFO_BTF=y, /sys/kernel/btf/vmlinux); Debian's kernels have it";

struct BtfDeleter {
    void operator()(struct btf* b) const noexcept { btf__free(b); }
};
using BtfPtr = std::unique_ptr<struct btf, BtfDeleter>;

} // namespace

std::string_view to_string(Level l)
{
    return l == Level::Integrity ? "integrity" : "confidentiality";
}

std::string ReasonCatalog::name_from_kernel(std::string_view kernel_name)
{
    if (kernel_name.starts_with(kPrefix))
        kernel_name.remove_prefix(kPrefix.size());
    std::string out;
    out.reserve(kernel_name.size());
    // ASCII only, not std::tolower: lockdown-brokerd's terminal commands run
    // in the user's LC_CTYPE (base/i18n.hpp), and a Turkish 8-bit locale
    // lowers 'I' to a dotless i.
    for (char c : kernel_name)
        out.push_back(c == '_' ? '-' : c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    return out;
}

ReasonCatalog ReasonCatalog::from_btf(const struct btf* btf)
{
    if (!btf)
        throw Error(ErrorKind::Kernel, "no BTF to read lockdown reasons from", kBtfHint);

    // Older kernels use BTF_KIND_ENUM; ENUM64 cannot hold this small enum.
    const int id = btf__find_by_name_kind(btf, "lockdown_reason", BTF_KIND_ENUM);
    if (id < 0)
        throw Error(ErrorKind::Kernel,
                    "the kernel's BTF has no 'enum lockdown_reason'",
                    "the kernel was built without the lockdown LSM (CONFIG_SECURITY_LOCKDOWN_LSM)");

    const struct btf_type* t = btf__type_by_id(btf, static_cast<uint32_t>(id));
    const struct btf_enum* e = btf_enum(t);
    const uint16_t n = btf_vlen(t);

    std::optional<uint32_t> imax, cmax;
    std::vector<std::pair<std::string, uint32_t>> entries;
    for (uint16_t i = 0; i < n; i++) {
        const char* nm = btf__name_by_offset(btf, e[i].name_off);
        if (!nm)
            throw Error(ErrorKind::Kernel, "corrupt BTF: enum lockdown_reason entry without a name");
        const std::string_view name(nm);
        const auto val = static_cast<uint32_t>(e[i].val);
        if (name == "LOCKDOWN_INTEGRITY_MAX")
            imax = val;
        else if (name == "LOCKDOWN_CONFIDENTIALITY_MAX")
            cmax = val;
        else if (name != "LOCKDOWN_NONE")
            entries.emplace_back(std::string(name), val);
    }
    if (!imax || !cmax)
        throw Error(ErrorKind::Kernel,
                    "enum lockdown_reason in BTF lacks LOCKDOWN_INTEGRITY_MAX or "
                    "LOCKDOWN_CONFIDENTIALITY_MAX");
    if (*imax > *cmax)
        throw Error(ErrorKind::Kernel, "enum lockdown_reason: INTEGRITY_MAX above CONFIDENTIALITY_MAX");
    if (*cmax > LD_PSEUDO_REASON_FIRST)
        throw Error(ErrorKind::Kernel,
                    "this kernel has " + std::to_string(*cmax) +
                        " lockdown reasons, more than this build can hold (" +
                        std::to_string(LD_PSEUDO_REASON_FIRST) + ", below its own pseudo-reasons)",
                    "update lockdown-broker");

    ReasonCatalog cat;
    cat.integrity_max_ = *imax;
    cat.confidentiality_max_ = *cmax;
    for (auto& [kname, val] : entries) {
        // Values between the markers are real reasons; anything past
        // CONFIDENTIALITY_MAX is not a reason the kernel ever checks.
        if (val >= *cmax || val == 0 || val == *imax)
            continue;
        Reason r;
        r.name = name_from_kernel(kname);
        r.kernel_name = std::move(kname);
        r.value = val;
        r.level = val < *imax ? Level::Integrity : Level::Confidentiality;
        cat.reasons_.push_back(std::move(r));
    }
    // lockdown-broker's own, above every kernel value (checked above).
    Reason dyndbg;
    dyndbg.name = kDynamicDebugReason;
    dyndbg.value = LD_REASON_DYNAMIC_DEBUG;
    dyndbg.level = Level::Integrity;
    dyndbg.pseudo = true;
    cat.reasons_.push_back(std::move(dyndbg));
    std::sort(cat.reasons_.begin(), cat.reasons_.end(),
              [](const Reason& a, const Reason& b) { return a.value < b.value; });
    for (size_t i = 1; i < cat.reasons_.size(); i++)
        if (cat.reasons_[i].value == cat.reasons_[i - 1].value)
            throw Error(ErrorKind::Kernel, "enum lockdown_reason: " + cat.reasons_[i].kernel_name +
                                               " and " + cat.reasons_[i - 1].kernel_name +
                                               " share one value");
    return cat;
}

ReasonCatalog ReasonCatalog::from_file(const std::string& path)
{
    // btf__parse() accepts raw BTF and ELF files; it returns NULL and sets errno.
    BtfPtr b(btf__parse(path.c_str(), nullptr));
    if (!b) {
        const int err = errno;
        if (err == ENOENT)
            throw Error(ErrorKind::Kernel, "no BTF at " + path, kBtfHint);
        throw errno_error(err, "reading BTF from " + path);
    }
    return from_btf(b.get());
}

ReasonCatalog ReasonCatalog::from_running_kernel()
{
    return from_file("/sys/kernel/btf/vmlinux");
}

const Reason* ReasonCatalog::find(std::string_view name) const noexcept
{
    for (const auto& r : reasons_)
        if (r.name == name)
            return &r;
    return nullptr;
}

const Reason* ReasonCatalog::by_value(uint32_t value) const noexcept
{
    for (const auto& r : reasons_)
        if (r.value == value)
            return &r;
    return nullptr;
}

std::string ReasonCatalog::name_of(uint32_t value) const
{
    if (const Reason* r = by_value(value))
        return r->name;
    return "reason-" + std::to_string(value);
}

} // namespace ldb
