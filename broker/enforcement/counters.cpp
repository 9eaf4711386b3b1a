// SPDX-License-Identifier: LGPL-2.1-or-later
// What the kernel decided, counted: per reason and decision in the per-CPU
// ld_counters map, except allows, which the control map counts.
#include "enforcement/enforcer.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cerrno>

#include "base/error.hpp"
#include "enforcement/control_map.hpp"

namespace ldb {

std::string decision_name(uint32_t decision)
{
    switch (decision) {
    case LD_DECISION_ALLOW:
        return "allow";
    case LD_DECISION_DENY:
        return "deny";
    case LD_DECISION_AUDIT:
        return "audit";
    case LD_DECISION_GRANTED:
        return "granted";
    case LD_DECISION_EXPIRED:
        return "expired";
    }
    return "decision-" + std::to_string(decision);
}

Counters Enforcer::counters() const
{
    const int ncpu = libbpf_num_possible_cpus();
    if (ncpu <= 0)
        throw errno_error(-ncpu, "counting possible CPUs");
    std::vector<uint64_t> vals(static_cast<size_t>(ncpu));
    auto sum = [&](uint32_t slot) {
        if (bpf_map_lookup_elem(counters_.get(), &slot, vals.data()) < 0)
            throw errno_error(errno, "reading the counters map");
        uint64_t s = 0;
        for (uint64_t v : vals)
            s += v;
        return s;
    };
    Counters c;
    const ld_control ctl = read_control(control_.get());
    for (uint32_t r = 0; r < LD_MAX_REASONS; r++) {
        ReasonCounters rc;
        rc.reason = r;
        bool any = false;
        for (uint32_t d = 0; d < LD_DECISION__COUNT; d++) {
            rc.by_decision[d] = d == LD_DECISION_ALLOW ? ctl.allowed[r]
                                                       : sum(r * LD_DECISION__COUNT + d);
            any = any || rc.by_decision[d] != 0;
        }
        if (any)
            c.reasons.push_back(rc);
    }
    c.dropped_events = sum(LD_COUNTER_DROPPED);
    c.kexec_file_refused = sum(LD_COUNTER_KEXEC_FILE);
    c.seal_refused = sum(LD_COUNTER_SEALED);
    c.ptrace_refused = sum(LD_COUNTER_PTRACE);
    c.mounts_refused = sum(LD_COUNTER_MOUNTS);
    c.fence_move_refused = sum(LD_COUNTER_FENCE_MOVE);
    c.fence_trace_refused = sum(LD_COUNTER_FENCE_TRACE);
    c.fence_clones_marked = sum(LD_COUNTER_FENCE_CLONE);
    return c;
}

} // namespace ldb
