// SPDX-License-Identifier: GPL-2.0-only
/*
 * lockdown-broker: kernel lockdown enforced per reason, with leased grants.
 *
 * Attached to the locked_down LSM hook. The kernel's own lockdown LSM runs
 * before us and the chain stops at the first refusal, so we only ever see
 * calls the kernel itself let through.
 *
 * This program must never call bpf_probe_read_kernel() (nor BPF_CORE_READ,
 * which uses it): the helper is lockdown-checked when a program is *loaded*,
 * in the loader's context, and under a confidentiality policy our own loader
 * would be refused on the next reload.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "lockdown-broker.h"

#define EPERM 1

char LICENSE[] SEC("license") = "GPL";

/*
 * Pin protection. Removing the last pin of an LSM link detaches it, and
 * unmounting the BPF file system drops every pin at once; bpflock could be
 * switched off with `rm -r`. The hooks below refuse, to everyone, unlink,
 * rename and rmdir in our pin directory and unmounting its file system.
 * What to protect is set before load and lives in .rodata, which libbpf
 * freezes: nobody can rewrite it afterwards.
 */
const volatile __u64 protect_dir_ino = 0; /* 0: protection off */
const volatile __u32 protect_dev = 0;     /* st_dev of the bpffs, kernel encoding */

/* Only the fields we read; CO-RE relocates them against the running kernel. */
struct super_block {
    __u32 s_dev;
    unsigned long s_magic;
} __attribute__((preserve_access_index));

struct inode {
    unsigned long i_ino;
    struct super_block *i_sb;
} __attribute__((preserve_access_index));

/* A dentry keeps names shorter than DNAME_INLINE_LEN inline: 32 bytes on
 * 6.1, 40 on 6.12 (64-bit). We compare names far shorter than either. */
#define LD_DNAME_INLINE 32

struct dentry {
    struct inode *d_inode;
    struct dentry *d_parent;
    struct super_block *d_sb;
    unsigned char d_iname[LD_DNAME_INLINE]; /* up to 6.13 */
} __attribute__((preserve_access_index));

/* 6.14 renamed the inline name to d_shortname and made it a union
 * (shortname_store: string[] and words[]). A flavour of struct dentry names
 * the new field; CO-RE matches "dentry___ld614" to the kernel's dentry. */
union shortname_store___ld614 {
    unsigned char string[LD_DNAME_INLINE];
};

struct dentry___ld614 {
    union shortname_store___ld614 d_shortname;
} __attribute__((preserve_access_index));

struct path {
    struct vfsmount *mnt;
    struct dentry *dentry;
} __attribute__((preserve_access_index));

struct file {
    unsigned int f_mode;
    struct path f_path;
} __attribute__((preserve_access_index));

struct vfsmount {
    struct super_block *mnt_sb;
} __attribute__((preserve_access_index));

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(map_flags, BPF_F_MMAPABLE);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct ld_control);
} ld_control SEC(".maps");

/* Preallocated: lookups in the hook never allocate. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, LD_MAX_GRANTS);
    __type(key, struct ld_grant_key);
    __type(value, struct ld_grant_value);
} ld_grants SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, LD_EVENTS_BYTES);
} ld_events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, LD_COUNTER_SLOTS);
    __type(key, __u32);
    __type(value, __u64);
} ld_counters SEC(".maps");

static __always_inline void count(__u32 slot)
{
    __u64 *c = bpf_map_lookup_elem(&ld_counters, &slot);

    if (c)
        *c += 1;
}

static __always_inline void emit(__u32 reason, __u32 decision, __u64 grant_id)
{
    struct ld_event *e = bpf_ringbuf_reserve(&ld_events, sizeof(*e), 0);
    __u64 pid_tgid, uid_gid;

    if (!e) {
        /* Never silent: a full ring is counted and reported by userspace. */
        count(LD_COUNTER_DROPPED);
        return;
    }
    pid_tgid = bpf_get_current_pid_tgid();
    uid_gid = bpf_get_current_uid_gid();
    e->boot_ns = bpf_ktime_get_boot_ns();
    e->cgroup_id = bpf_get_current_cgroup_id();
    e->grant_id = grant_id;
    e->pid = pid_tgid >> 32;
    e->tid = (__u32)pid_tgid;
    e->uid = (__u32)uid_gid;
    e->reason = reason;
    e->decision = decision;
    e->kind = LD_EVENT_DECISION;
    bpf_get_current_comm(e->comm, sizeof(e->comm));
    bpf_ringbuf_submit(e, 0);
}

/* Result of the grant walk: a live grant wins over an expired one found at
 * another level. */
struct grant_match {
    __u64 live_id;
    __u64 expired_id;
};

static __always_inline void check_cgroup(__u64 cgid, __u32 reason, __u64 now,
                                         struct grant_match *m)
{
    struct ld_grant_key key = { .cgroup_id = cgid, .reason = reason, .pad = 0 };
    struct ld_grant_value *g = bpf_map_lookup_elem(&ld_grants, &key);

    if (!g)
        return;
    if (now < g->expires_boot_ns)
        m->live_id = g->grant_id;
    else
        m->expired_id = g->grant_id;
}

/* A grant on a cgroup covers its descendants: look the caller's ancestors up,
 * root first, at most LD_MAX_CGROUP_DEPTH + 1 lookups. */
static __always_inline void find_grant(__u32 reason, struct grant_match *m)
{
    __u64 now = bpf_ktime_get_boot_ns();
    int level;

    for (level = 0; level <= LD_MAX_CGROUP_DEPTH; level++) {
        __u64 cgid = bpf_get_current_ancestor_cgroup_id(level);

        if (!cgid)
            return; /* past the caller's own level */
        check_cgroup(cgid, reason, now, m);
        if (m->live_id)
            return;
    }
    /* Deeper than the bound: still honour a grant on the caller's own cgroup. */
    check_cgroup(bpf_get_current_cgroup_id(), reason, now, m);
}

/* Everything but a policy allow: audit, the grant walk, refusals, and reasons
 * this build cannot index. A BPF subprogram, not inlined: the JIT gives it an
 * image of its own, so the allow path below stays short (no grant_match to
 * zero, no callee-saved registers for the walk, a small image). `action` is
 * the one read decide() made of the active policy slot. */
static __noinline int decide_slow(__u32 reason, __u32 action)
{
    struct grant_match m = {};

    if (reason >= LD_MAX_REASONS) {
        /* A reason this build cannot even index: refuse, fail closed. */
        emit(reason, LD_DECISION_DENY, 0);
        return -EPERM;
    }
    if (action == LD_ACTION_AUDIT) {
        count(reason * LD_DECISION__COUNT + LD_DECISION_AUDIT);
        emit(reason, LD_DECISION_AUDIT, 0);
        return 0;
    }

    find_grant(reason, &m);
    if (m.live_id) {
        count(reason * LD_DECISION__COUNT + LD_DECISION_GRANTED);
        emit(reason, LD_DECISION_GRANTED, m.live_id);
        return 0;
    }
    if (m.expired_id) {
        count(reason * LD_DECISION__COUNT + LD_DECISION_EXPIRED);
        emit(reason, LD_DECISION_EXPIRED, m.expired_id);
        return -EPERM;
    }
    count(reason * LD_DECISION__COUNT + LD_DECISION_DENY);
    emit(reason, LD_DECISION_DENY, 0);
    return -EPERM;
}

/* The decision for one reason (or pseudo-reason) in the caller's context:
 * policy first, then the caller's grants. 0 or -EPERM. Inline here is only the
 * hot path, a policy allow: one inlined array lookup, one read of the active
 * slot, one counter increment. */
static __always_inline int decide(__u32 reason)
{
    struct ld_control *ctl;
    __u32 zero = 0;
    __u8 action;

    ctl = bpf_map_lookup_elem(&ld_control, &zero);
    if (!ctl)
        return -EPERM;
    if (reason >= LD_MAX_REASONS)
        return decide_slow(reason, LD_ACTION_DENY);

    action = ctl->slot[ctl->active_slot & 1].action[reason];
    if (action == LD_ACTION_ALLOW) {
        ctl->allowed[reason] += 1;
        return 0;
    }
    return decide_slow(reason, action);
}

SEC("lsm/locked_down")
int BPF_PROG(ld_locked_down, int what, int ret)
{
    /* An earlier LSM already refused: keep its answer. */
    if (ret != 0)
        return ret;
    return decide((__u32)what);
}

/*
 * The dynamic-debug pseudo-reason. The kernel never lockdown-checks
 * /proc/dynamic_debug/control, and checks <debugfs>/dynamic_debug/control
 * only as "debugfs". Opening either for writing is decided here like a
 * reason: policy, then grants. Reading stays open to everyone. The files are
 * recognised by name (control in dynamic_debug) on procfs or debugfs, so
 * every mount of either, bind mounts and /proc/PID/fd re-opens included,
 * and whatever is mounted when enforcement starts.
 */
#define LD_FMODE_WRITE 0x2
#define LD_PROC_SUPER_MAGIC 0x9fa0
#define LD_DEBUGFS_MAGIC 0x64626720

static __always_inline int dname_is(const struct dentry *d, const char *want, int len)
{
    /* The array's size differs between kernels, and libbpf refuses to
     * relocate a load from an array field whose size changed. So relocate
     * only its offset and read the bytes through a plain pointer into the
     * dentry (still a BTF-checked load, no bpf_probe_read_kernel). */
    __u64 off;
    const unsigned char *name;
    int i;

    /* The branch is a constant after relocation, so the relocation of the
     * field this kernel lacks is never reached. On a kernel with neither
     * field the d_iname one is, the program fails to load, and the loader
     * reports dynamic-debug protection as missing: never a silent no-match. */
    if (bpf_core_field_exists(struct dentry___ld614, d_shortname))
        off = bpf_core_field_offset(struct dentry___ld614, d_shortname);
    else
        off = bpf_core_field_offset(struct dentry, d_iname);

    /* Keep clang from folding the offset back into a relocated load. */
    asm volatile("" : "+r"(off));
    name = (const unsigned char *)d + off;

    /* len counts the terminating NUL, so "controlX" does not match. */
    for (i = 0; i < len && i < LD_DNAME_INLINE; i++)
        if (name[i] != (unsigned char)want[i])
            return 0;
    return 1;
}

SEC("lsm/file_open")
int BPF_PROG(ld_dyndbg_open, struct file *file, int ret)
{
    struct dentry *d, *parent;
    unsigned long magic;

    if (ret != 0)
        return ret;
    if (!(file->f_mode & LD_FMODE_WRITE))
        return 0;
    d = file->f_path.dentry;
    if (!d)
        return 0;
    magic = d->d_sb->s_magic;
    if (magic != LD_PROC_SUPER_MAGIC && magic != LD_DEBUGFS_MAGIC)
        return 0;
    if (!dname_is(d, "control", sizeof("control")))
        return 0;
    parent = d->d_parent;
    if (!parent || !dname_is(parent, "dynamic_debug", sizeof("dynamic_debug")))
        return 0;
    return decide(LD_REASON_DYNAMIC_DEBUG);
}

static __always_inline int is_pin_dir(struct inode *dir)
{
    /* Plain BTF pointer loads, not bpf_probe_read_kernel(): see the top. */
    return protect_dir_ino && dir && dir->i_ino == protect_dir_ino && dir->i_sb->s_dev == protect_dev;
}

SEC("lsm/inode_unlink")
int BPF_PROG(ld_protect_unlink, struct inode *dir, struct dentry *dentry, int ret)
{
    if (ret != 0)
        return ret;
    return is_pin_dir(dir) ? -EPERM : 0;
}

SEC("lsm/inode_rename")
int BPF_PROG(ld_protect_rename, struct inode *old_dir, struct dentry *old_dentry, struct inode *new_dir,
             struct dentry *new_dentry, int ret)
{
    if (ret != 0)
        return ret;
    return is_pin_dir(old_dir) || is_pin_dir(new_dir) ? -EPERM : 0;
}

SEC("lsm/inode_rmdir")
int BPF_PROG(ld_protect_rmdir, struct inode *dir, struct dentry *dentry, int ret)
{
    if (ret != 0)
        return ret;
    return is_pin_dir(dentry->d_inode) ? -EPERM : 0;
}

SEC("lsm/sb_umount")
int BPF_PROG(ld_protect_umount, struct vfsmount *mnt, int flags, int ret)
{
    if (ret != 0)
        return ret;
    return protect_dir_ino && mnt->mnt_sb->s_dev == protect_dev ? -EPERM : 0;
}
