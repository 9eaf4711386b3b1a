// SPDX-License-Identifier: LGPL-2.1-or-later
// ld-testctl: drives the enforcer's internal grant API and reads its maps,
// for the VM suite and benchmarks until the D-Bus API exists. Not installed.
//
//   ld-testctl grant --reason NAME... --cgroup PATH... --seconds N [--uid U] [--strict]
//   ld-testctl revoke ID
//   ld-testctl grants | fences | counters | policy
//   ld-testctl events [--wait MS]
//   ld-testctl create-maps          (maps only, no program: for hosts that
//                                    cannot load BPF LSM programs)
//   ld-testctl set-policy CONFFILE  (write that file's policy into the
//                                    control map, as --enforce-only would)
// Every command accepts a leading --pin-dir DIR.

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "host/cgroup.hpp"
#include "enforcement/enforcer.hpp"
#include "base/error.hpp"
#include "enforcement/event_reader.hpp"
#include "enforcement/policy.hpp"
#include "enforcement/reasons.hpp"
#include "base/clock.hpp"

using namespace ldb;

namespace {

int usage()
{
    std::fprintf(stderr, "usage: ld-testctl grant --reason NAME... --cgroup PATH... --seconds N [--uid U] [--strict]\n"
                         "       ld-testctl revoke ID | grants | fences | counters | policy | events [--wait MS]\n"
                         "       ld-testctl create-maps | set-policy CONFFILE\n");
    return 2;
}

std::string cg_name(uint64_t id)
{
    auto p = cgroup_path_of(id);
    return p ? *p : "cgroup-" + std::to_string(id);
}

PinLayout g_pins;

int cmd_grant(const ReasonCatalog& cat, int argc, char** argv)
{
    GrantRequest req;
    double seconds = -1;
    for (int i = 0; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--strict") {
            req.flags |= LD_GRANT_FENCE_STRICT;
            continue;
        }
        if (i + 1 >= argc)
            return usage();
        std::string v = argv[++i];
        if (a == "--reason") {
            const Reason* r = cat.find(v);
            if (!r)
                throw Error(ErrorKind::InvalidArgument, "unknown reason '" + v + "'");
            req.reasons.push_back(r->value);
        } else if (a == "--cgroup") {
            req.cgroup_ids.push_back(cgroup_id_of(v));
        } else if (a == "--seconds") {
            seconds = std::strtod(v.c_str(), nullptr);
        } else if (a == "--uid") {
            req.holder_uid = static_cast<uint32_t>(std::strtoul(v.c_str(), nullptr, 10));
        } else {
            return usage();
        }
    }
    if (seconds <= 0)
        return usage();
    req.expires_boot_ns = boot_time_ns() + static_cast<uint64_t>(seconds * 1e9);
    auto e = Enforcer::open_pinned(g_pins);
    std::printf("%" PRIu64 "\n", e.add_grant(req));
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc >= 3 && std::strcmp(argv[1], "--pin-dir") == 0) {
        g_pins.dir = argv[2];
        argc -= 2;
        argv += 2;
    }
    if (argc < 2)
        return usage();
    const std::string cmd = argv[1];
    try {
        const auto cat = ReasonCatalog::from_running_kernel();
        if (cmd == "grant")
            return cmd_grant(cat, argc - 2, argv + 2);
        if (cmd == "create-maps") {
            Enforcer::create_maps_only(g_pins);
            return 0;
        }
        // Reading works after the seal; changing needs a writable fd,
        // which only an unsealed enforcement gives.
        const bool reads = cmd == "grants" || cmd == "fences" || cmd == "counters" || cmd == "policy";
        auto e = Enforcer::open_pinned(g_pins, reads ? Enforcer::Access::ReadOnly : Enforcer::Access::ReadWrite);
        if (cmd == "set-policy" && argc == 3) {
            const auto gen = e.apply_policy(Policy::build(cat, load_config_file(argv[2])), cat.confidentiality_max());
            std::printf("generation=%u\n", gen);
            return 0;
        }
        if (cmd == "revoke" && argc == 3) {
            const size_t n = e.remove_grant(std::strtoull(argv[2], nullptr, 10));
            std::printf("removed %zu\n", n);
            return n ? 0 : 1;
        }
        if (cmd == "grants") {
            const uint64_t now = boot_time_ns();
            for (const auto& g : e.grants())
                std::printf("grant=%" PRIu64 " reason=%s cgroup_id=%" PRIu64 " cgroup=%s uid=%u remaining_ms=%" PRId64
                            " flags=%u\n",
                            g.grant_id, cat.name_of(g.reason).c_str(), g.cgroup_id,
                            g_pins.dir == LD_PIN_DIR ? cg_name(g.cgroup_id).c_str() : "-", g.holder_uid,
                            (static_cast<int64_t>(g.expires_boot_ns) - static_cast<int64_t>(now)) / 1000000, g.flags);
            return 0;
        }
        if (cmd == "fences") {
            for (const auto& f : e.fences())
                std::printf("fence cgroup_id=%" PRIu64 " cgroup=%s strict=%s\n", f.cgroup_id,
                            g_pins.dir == LD_PIN_DIR ? cg_name(f.cgroup_id).c_str() : "-",
                            (f.flags & LD_GRANT_FENCE_STRICT) ? "yes" : "no");
            return 0;
        }
        if (cmd == "counters") {
            const auto c = e.counters();
            for (const auto& rc : c.reasons) {
                std::printf("reason=%s", cat.name_of(rc.reason).c_str());
                for (uint32_t d = 0; d < LD_DECISION__COUNT; d++)
                    std::printf(" %s=%" PRIu64, decision_name(d).c_str(), rc.by_decision[d]);
                std::printf("\n");
            }
            std::printf("dropped=%" PRIu64 "\n", c.dropped_events);
            std::printf("kexec_file_refused=%" PRIu64 "\nseal_refused=%" PRIu64 "\nptrace_refused=%" PRIu64
                        "\nmounts_refused=%" PRIu64 "\nfence_move_refused=%" PRIu64 "\nfence_trace_refused=%" PRIu64
                        "\nfence_clones_marked=%" PRIu64 "\n",
                        c.kexec_file_refused, c.seal_refused, c.ptrace_refused, c.mounts_refused, c.fence_move_refused,
                        c.fence_trace_refused, c.fence_clones_marked);
            return 0;
        }
        if (cmd == "policy") {
            const auto ap = e.active_policy();
            std::printf("generation=%u slot=%u reason_count=%u\n", ap.generation, ap.slot, ap.reason_count);
            for (const auto& r : cat.all()) {
                const unsigned a = ap.action[r.value];
                std::printf("%s=%s\n", r.name.c_str(), a == LD_ACTION_ALLOW ? "allow" : a == LD_ACTION_AUDIT ? "audit" : "deny");
            }
            return 0;
        }
        if (cmd == "events") {
            int wait_ms = 0;
            if (argc == 4 && std::strcmp(argv[2], "--wait") == 0)
                wait_ms = std::atoi(argv[3]);
            EventReader rd(e.events_fd(), [&](const ld_event& ev) {
                char comm[LD_COMM_LEN + 1] = {};
                std::memcpy(comm, ev.comm, LD_COMM_LEN);
                std::printf("decision=%s reason=%s pid=%u tid=%u uid=%u comm=%s cgroup=%s grant=%" PRIu64 "\n",
                            decision_name(ev.decision).c_str(), cat.name_of(ev.reason).c_str(), ev.pid, ev.tid, ev.uid,
                            comm, cg_name(ev.cgroup_id).c_str(), static_cast<uint64_t>(ev.grant_id));
            });
            if (wait_ms > 0)
                rd.poll(wait_ms);
            rd.consume();
            return 0;
        }
        return usage();
    } catch (const Error& err) {
        std::fprintf(stderr, "ld-testctl: %s\n", err.what());
        if (!err.hint().empty())
            std::fprintf(stderr, "  hint: %s\n", err.hint().c_str());
        return 1;
    }
}
