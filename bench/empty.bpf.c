// SPDX-License-Identifier: GPL-2.0-only
/* The reference for the hook benchmark: an LSM program on the same hook that
 * does nothing but keep an earlier refusal. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("lsm/locked_down")
int BPF_PROG(bench_empty, int what, int ret)
{
    return ret;
}
