// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Builds BTF in memory that holds an `enum lockdown_reason` with whatever
// layout a test wants, so that the reason catalogue can be tested against
// the layouts of many kernels without those kernels. Shared by the unit
// tests and the fuzzers; no test framework in here.

#include <bpf/btf.h>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "enforcement/reasons.hpp"

namespace ldb_test {

struct EnumValue {
    std::string name;
    int64_t value;
};

struct BtfFree {
    void operator()(struct btf* b) const noexcept { btf__free(b); }
};
using BtfPtr = std::unique_ptr<struct btf, BtfFree>;

// An `int` first, so the enum is not type 1, then the enum itself with the
// values in the order given (BTF keeps declaration order).
inline BtfPtr make_enum_btf(const std::vector<EnumValue>& values, const char* enum_name = "lockdown_reason")
{
    BtfPtr b(btf__new_empty());
    if (!b)
        throw std::runtime_error("btf__new_empty failed");
    if (btf__add_int(b.get(), "int", 4, BTF_INT_SIGNED) < 0)
        throw std::runtime_error("btf__add_int failed");
    if (btf__add_enum(b.get(), enum_name, 4) < 0)
        throw std::runtime_error("btf__add_enum failed");
    for (const auto& v : values)
        if (btf__add_enum_value(b.get(), v.name.c_str(), v.value) < 0)
            throw std::runtime_error("btf__add_enum_value failed for " + v.name);
    return b;
}

// Linux 6.1 before 6.1.168: no LOCKDOWN_XEN_USER_ACTIONS, INTEGRITY_MAX == 20.
inline std::vector<EnumValue> layout_6_1()
{
    return {
        {"LOCKDOWN_NONE", 0},
        {"LOCKDOWN_MODULE_SIGNATURE", 1},
        {"LOCKDOWN_DEV_MEM", 2},
        {"LOCKDOWN_EFI_TEST", 3},
        {"LOCKDOWN_KEXEC", 4},
        {"LOCKDOWN_HIBERNATION", 5},
        {"LOCKDOWN_PCI_ACCESS", 6},
        {"LOCKDOWN_IOPORT", 7},
        {"LOCKDOWN_MSR", 8},
        {"LOCKDOWN_ACPI_TABLES", 9},
        {"LOCKDOWN_DEVICE_TREE", 10},
        {"LOCKDOWN_PCMCIA_CIS", 11},
        {"LOCKDOWN_TIOCSSERIAL", 12},
        {"LOCKDOWN_MODULE_PARAMETERS", 13},
        {"LOCKDOWN_MMIOTRACE", 14},
        {"LOCKDOWN_DEBUGFS", 15},
        {"LOCKDOWN_XMON_WR", 16},
        {"LOCKDOWN_BPF_WRITE_USER", 17},
        {"LOCKDOWN_DBG_WRITE_KERNEL", 18},
        {"LOCKDOWN_RTAS_ERROR_INJECTION", 19},
        {"LOCKDOWN_INTEGRITY_MAX", 20},
        {"LOCKDOWN_KCORE", 21},
        {"LOCKDOWN_KPROBES", 22},
        {"LOCKDOWN_BPF_READ_KERNEL", 23},
        {"LOCKDOWN_DBG_READ_KERNEL", 24},
        {"LOCKDOWN_PERF", 25},
        {"LOCKDOWN_TRACEFS", 26},
        {"LOCKDOWN_XMON_RW", 27},
        {"LOCKDOWN_XFRM_SECRET", 28},
        {"LOCKDOWN_CONFIDENTIALITY_MAX", 29},
    };
}

// A kernel that does not exist (yet): declared out of order, with gaps,
// XEN_USER_ACTIONS, a reason nobody knows today in each level, and a value
// past CONFIDENTIALITY_MAX that must not become a reason.
inline std::vector<EnumValue> layout_shuffled()
{
    return {
        {"LOCKDOWN_CONFIDENTIALITY_MAX", 30},
        {"LOCKDOWN_KCORE", 22},
        {"LOCKDOWN_NONE", 0},
        {"LOCKDOWN_XMON_WR", 17},
        {"LOCKDOWN_DEV_MEM", 3},
        {"LOCKDOWN_MODULE_SIGNATURE", 1},
        {"LOCKDOWN_DEVICE_TREE", 2},
        {"LOCKDOWN_HIBERNATION", 9},
        {"LOCKDOWN_FUTURE_INTEGRITY_THING", 20},
        {"LOCKDOWN_INTEGRITY_MAX", 21},
        {"LOCKDOWN_XEN_USER_ACTIONS", 5},
        {"LOCKDOWN_PERF", 26},
        {"LOCKDOWN_FUTURE_SECRET", 29},
        {"LOCKDOWN_XFRM_SECRET", 23},
        {"LOCKDOWN_NOT_A_REASON", 31},
    };
}

// The reason catalogue of the 6.1 layout above, built once.
inline const ldb::ReasonCatalog& catalog_6_1()
{
    static const ldb::ReasonCatalog c = [] {
        auto b = make_enum_btf(layout_6_1());
        return ldb::ReasonCatalog::from_btf(b.get());
    }();
    return c;
}

} // namespace ldb_test
