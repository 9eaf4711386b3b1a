/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one header shared by the BPF programs and userspace: map key and value
 * layouts and the event record. Plain C, fixed-width types only, so that the
 * BPF object and the C++ daemon agree byte for byte.
 *
 * Reason *values* never appear here: they come from the running kernel's BTF
 * (enum lockdown_reason) and differ between kernels.
 */
#ifndef LOCKDOWN_BROKER_BPF_SHARED_H
#define LOCKDOWN_BROKER_BPF_SHARED_H

#include <linux/types.h>

/* Upper bound on enum lockdown_reason values we can hold a policy for.
 * 6.18 ends at LOCKDOWN_CONFIDENTIALITY_MAX == 30; a reason value at or above
 * this bound is always denied (fail closed). */
#define LD_MAX_REASONS 64

/* Cgroup ancestors checked for a grant, from the root down. systemd puts a
 * session scope at depth 3 (user.slice/user-1000.slice/session-2.scope);
 * 16 leaves room for nested slices and containers while keeping the walk
 * O(depth) with a small fixed bound. */
#define LD_MAX_CGROUP_DEPTH 16

#define LD_MAX_GRANTS 4096
#define LD_EVENTS_BYTES (256 * 1024)

/* Per-reason action. DENY is 0 on purpose: a policy slot that userspace never
 * filled (all zeroes) denies. */
enum ld_action {
    LD_ACTION_DENY = 0,
    LD_ACTION_ALLOW = 1,
    LD_ACTION_AUDIT = 2, /* allow and emit an event */
};

/* What the program decided for one call; also the index into ld_counters. */
enum ld_decision {
    LD_DECISION_ALLOW = 0,   /* policy allow (counted, no event) */
    LD_DECISION_DENY = 1,    /* refused: -EPERM */
    LD_DECISION_AUDIT = 2,   /* policy audit: allowed, event emitted */
    LD_DECISION_GRANTED = 3, /* policy deny, but a live grant covered it */
    LD_DECISION_EXPIRED = 4, /* a grant matched but its lease had run out: refused */
    LD_DECISION__COUNT = 5,
};

/* The policy is double-buffered: userspace fills the inactive slot and then
 * flips active_slot with one release store (through an mmap of the map), so
 * a policy change is atomic and no call ever sees half of the old and half
 * of the new. */
#define LD_POLICY_SLOTS 2

struct ld_policy {
    __u8 action[LD_MAX_REASONS]; /* enum ld_action, indexed by reason value */
    __u32 generation;            /* bumped by userspace on every apply */
    __u32 reason_count;          /* LOCKDOWN_CONFIDENTIALITY_MAX of this kernel */
};

/* The single value of the ld_control map (BPF_F_MMAPABLE). The hot path is
 * one inlined array lookup: policy, active slot and the allow counters all
 * live here. */
struct ld_control {
    struct ld_policy slot[LD_POLICY_SLOTS];
    __u32 active_slot; /* 0 or 1; written last, with release semantics */
    /* Allowed calls per reason. Plain increments from every CPU: cheap on
     * the hot path, approximate under contention (documented). Aligned so
     * the counters stay off the policy's cache lines. */
    __u64 allowed[LD_MAX_REASONS] __attribute__((aligned(64)));
};

struct ld_grant_key {
    __u64 cgroup_id;
    __u32 reason;
    __u32 pad; /* must be zero */
};

struct ld_grant_value {
    __u64 grant_id;          /* random, never 0; one grant spans several keys */
    __u64 expires_boot_ns;   /* CLOCK_BOOTTIME; the kernel refuses after this */
    __u32 holder_uid;
    __u32 flags;             /* LD_GRANT_* */
};

/* A hibernation grant that answers the kernel's question "is hibernation
 * available?" (so logind shows Hibernate) but opens none of the files that
 * hibernate or restore: /dev/snapshot, and writes to /sys/power/{state,disk,
 * resume,resume_offset,image_size}. Those need a grant without this flag:
 * the sleep unit's own. */
#define LD_GRANT_VIEW_ONLY 0x1u

/* Who may still move a process into a granted cgroup from outside it (the
 * cgroup-fence part). Without this flag, PID 1 may (it starts a service's
 * processes there: a unit's grant, the sleep unit's); with it, nobody may:
 * session scopes, the user's manager, and scopes of `lockdownctl run`. */
#define LD_GRANT_FENCE_STRICT 0x2u

/* The fence of a granted cgroup (the cgroup-fence part), in ld_fences under
 * the cgroup's id: a process outside it may not move a process into it or
 * into any cgroup below it, nor trace one inside it. Kept by the Enforcer:
 * a fence exists for every cgroup that some grant key names, written before
 * the keys; `flags` is LD_GRANT_FENCE_STRICT when any of those keys has it. */
struct ld_fence {
    __u32 flags; /* LD_GRANT_FENCE_STRICT or 0 */
    __u32 pad;   /* must be zero */
};

/*
 * The guard: what the self-protection programs need to know at run time.
 * One entry of an array map, written by the loader (the mounts) and by the
 * broker (the rest) before `sealed` is set. Once sealed, no process gets a
 * new fd to a map, program or link listed here (read-only fds to maps other
 * than the ring buffer excepted), so nobody but the broker, which holds its
 * fds, can change this entry again.
 */
#define LD_GUARD_MAX_MAPS 8
#define LD_GUARD_MAX_PROGS 24
#define LD_GUARD_MAX_LINKS 24
#define LD_GUARD_MAX_MOUNTS 8

struct ld_guard {
    __u32 sealed;        /* 1: new fds to our objects are refused */
    __u32 broker_tgid;   /* ptrace-class access to it is refused (as to PID 1) */
    __u32 events_map_id; /* the ring buffer: no new fd at all, not even read-only */
    __u32 recorder_tgid; /* while non-zero, this process's flock() records mounts */
    __u32 map_ids[LD_GUARD_MAX_MAPS];
    __u32 prog_ids[LD_GUARD_MAX_PROGS];
    __u32 link_ids[LD_GUARD_MAX_LINKS];
    /* The mounts that hold our BPF file system in the initial mount
     * namespace (it and every mount above it, up to /), as vfsmount
     * addresses, and that namespace's address. Recorded by the loader, which
     * runs in the initial namespace: unmounting or moving them is refused. */
    __u32 mount_count;
    __u32 pad;
    __u64 init_mnt_ns;
    __u64 mounts[LD_GUARD_MAX_MOUNTS];
    /* The cgroup id of PID 1's own cgroup (init.scope), recorded by the
     * loader: its processes may move a process into a cgroup with a fence
     * that is not strict (PID 1 starts a unit's processes that way), and
     * nobody but PID 1 may move a process into it. 0: not recorded. */
    __u64 init_cgroup_id;
};

/* Counters per reason value and decision, in a per-CPU array: index
 * reason * LD_DECISION__COUNT + decision (the ALLOW column stays 0 here:
 * allowed calls are counted in ld_control.allowed). The extra slot at
 * LD_COUNTER_DROPPED counts events lost because the ring buffer was full. */
#define LD_COUNTER_EXTRA (LD_MAX_REASONS * LD_DECISION__COUNT)
#define LD_COUNTER_DROPPED (LD_COUNTER_EXTRA + 0)
/* kexec_file_load refused at the read of its image (the kexec-file part),
 * before the kernel's own signature check could let a signed image by. */
#define LD_COUNTER_KEXEC_FILE (LD_COUNTER_EXTRA + 1)
/* New fds to our maps, programs or links refused by the seal. */
#define LD_COUNTER_SEALED (LD_COUNTER_EXTRA + 2)
/* ptrace-class access to PID 1 or the broker refused. */
#define LD_COUNTER_PTRACE (LD_COUNTER_EXTRA + 3)
/* Unmounting or moving a guarded mount, MS_MOVE or pivot_root in the
 * initial mount namespace refused. */
#define LD_COUNTER_MOUNTS (LD_COUNTER_EXTRA + 4)
/* The cgroup-fence part: a write of cgroup.procs or cgroup.threads that
 * would move a process into a fenced cgroup from outside it, refused; */
#define LD_COUNTER_FENCE_MOVE (LD_COUNTER_EXTRA + 5)
/* ptrace-class access (ATTACH) to a process inside a fenced cgroup from
 * outside it, or PTRACE_TRACEME towards a parent outside it, refused; */
#define LD_COUNTER_FENCE_TRACE (LD_COUNTER_EXTRA + 6)
/* processes started with clone3(CLONE_INTO_CGROUP) by anyone but PID 1:
 * each is marked with its parent's cgroups, and a grant counts for it (and
 * its descendants) only where those agree with its own. */
#define LD_COUNTER_FENCE_CLONE (LD_COUNTER_EXTRA + 7)
#define LD_COUNTER_SLOTS (LD_COUNTER_EXTRA + 8)

#define LD_COMM_LEN 16

/* What an event reports. Decisions are the common case; the others are
 * notices the broker acts on. */
enum ld_event_kind {
    LD_EVENT_DECISION = 0,    /* a decision on a reason or pseudo-reason */
    LD_EVENT_MODULE_LOAD = 1, /* a kernel module is being loaded (finit_module or
                               * init_module); reason and decision are 0. Its
                               * parameters (dyndbg=) are invisible to every hook,
                               * so the broker checks the dynamic_debug callsites
                               * afterwards. */
};

struct ld_event {
    __u64 boot_ns;   /* bpf_ktime_get_boot_ns() at the decision */
    __u64 cgroup_id; /* the caller's own cgroup */
    __u64 grant_id;  /* the grant used, or 0 */
    __u32 pid;       /* tgid */
    __u32 tid;
    __u32 uid;
    __u32 reason;    /* enum lockdown_reason value of the running kernel */
    __u32 decision;  /* enum ld_decision (LD_EVENT_DECISION only) */
    __u32 kind;      /* enum ld_event_kind */
    char comm[LD_COMM_LEN];
};

/* Names under the pin directory, shared by loader and tools. */
#define LD_PIN_DIR "/sys/fs/bpf/lockdown-broker"
#define LD_PIN_LINK "link_locked_down"

/* Pseudo-reasons: what lockdown-broker locks although the kernel's lockdown
 * does not check it. They take policy slots and grant keys like a reason,
 * from the top of the table down, so that they never collide with a value of
 * the kernel's enum lockdown_reason: userspace refuses a kernel whose
 * LOCKDOWN_CONFIDENTIALITY_MAX reaches LD_PSEUDO_REASON_FIRST.
 *
 * dynamic-debug: opening a dynamic_debug control file for writing, through
 * /proc/dynamic_debug/control (which the kernel never lockdown-checks) or
 * <debugfs>/dynamic_debug/control (which it checks for "debugfs" only). */
#define LD_PSEUDO_REASON_FIRST 63
#define LD_REASON_DYNAMIC_DEBUG 63
#define LD_PIN_LINK_DYNDBG "link_dyndbg_open"
#define LD_PIN_GUARD "ld_guard"

#endif
