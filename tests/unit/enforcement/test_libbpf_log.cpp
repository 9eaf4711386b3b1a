// SPDX-License-Identifier: LGPL-2.1-or-later
// Why a BPF load failed, as read from libbpf's log: the line that matters,
// not the last one libbpf printed.
#include <gtest/gtest.h>

#include "enforcement/libbpf_log.hpp"

using ldb::libbpf_cause_of;

TEST(LibbpfCause, CoreRelocationFirst)
{
    const std::string log = "libbpf: loading object\n"
                            "libbpf: prog 'ld_locked_down': relo #3: failed to resolve CO-RE relocation <byte_off> "
                            "[12] struct task_struct.nope\n"
                            "libbpf: BPF program load failed: Invalid argument\n"
                            "libbpf: failed to load object\n";
    EXPECT_EQ(libbpf_cause_of(log), "libbpf: prog 'ld_locked_down': relo #3: failed to resolve CO-RE relocation "
                                    "<byte_off> [12] struct task_struct.nope");
    EXPECT_EQ(libbpf_cause_of("libbpf: failed to find kernel BTF type ID of 'bpf_lsm_x': -3\nlibbpf: end\n"),
              "libbpf: failed to find kernel BTF type ID of 'bpf_lsm_x': -3");
}

TEST(LibbpfCause, VerifierComplaintBeforeItsStatistics)
{
    const std::string log = "libbpf: prog 'ld_dyndbg_open': BPF program load failed: Permission denied\n"
                            "libbpf: prog 'ld_dyndbg_open': -- BEGIN PROG LOAD LOG --\n"
                            "0: R1=ctx() R10=fp0\n"
                            "R2 invalid mem access 'scalar'\n"
                            "\n"
                            "processed 12 insns (limit 1000000) max_states_per_insn 0\n"
                            "stack depth 8\n"
                            "verification time 42 usec\n"
                            "-- END PROG LOAD LOG --\n"
                            "libbpf: failed to load object 'lockdown'\n";
    EXPECT_EQ(libbpf_cause_of(log), "libbpf: prog 'ld_dyndbg_open': BPF program load failed: Permission denied; "
                                    "verifier: R2 invalid mem access 'scalar'");
    // Without the verifier's log, the load failure alone.
    EXPECT_EQ(libbpf_cause_of("libbpf: prog 'p': BPF program load failed: Operation not permitted\nlibbpf: x\n"),
              "libbpf: prog 'p': BPF program load failed: Operation not permitted");
}

TEST(LibbpfCause, OtherwiseTheLastLine)
{
    EXPECT_EQ(libbpf_cause_of("libbpf: one\nlibbpf: two\n\n"), "libbpf: two");
    EXPECT_EQ(libbpf_cause_of("only"), "only");
    EXPECT_EQ(libbpf_cause_of(""), "");
}
