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
    unsigned short i_mode;
    unsigned long i_ino;
    unsigned int i_rdev;
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
    struct inode *f_inode;
} __attribute__((preserve_access_index));

struct bpf_map {
    __u32 id;
} __attribute__((preserve_access_index));

struct bpf_prog_aux {
    __u32 id;
} __attribute__((preserve_access_index));

struct bpf_prog {
    struct bpf_prog_aux *aux;
} __attribute__((preserve_access_index));

struct mnt_namespace; /* only its address is compared */

struct nsproxy {
    struct mnt_namespace *mnt_ns;
} __attribute__((preserve_access_index));

struct kernfs_node {
    __u64 id; /* a cgroup's id: what bpf_get_current_cgroup_id() returns */
} __attribute__((preserve_access_index));

struct cgroup;

struct cgroup_subsys_state {
    struct cgroup *cgroup;
    struct cgroup_subsys_state *parent; /* NULL at the root */
} __attribute__((preserve_access_index));

struct cgroup {
    struct cgroup_subsys_state self;
    int level; /* the root is 0 */
    struct kernfs_node *kn;
} __attribute__((preserve_access_index));

struct css_set {
    struct cgroup *dfl_cgrp; /* the task's cgroup on cgroup2 */
} __attribute__((preserve_access_index));

struct task_struct {
    int tgid;
    struct nsproxy *nsproxy;
    struct css_set *cgroups;
} __attribute__((preserve_access_index));

/* Names only: every use goes through bpf_core_enum_value(), which libbpf
 * relocates to the running kernel's value from its BTF at load (a kernel
 * without the name fails that part's load, loudly). The implicit values of
 * these declarations are never used. */
enum lockdown_reason { LOCKDOWN_KEXEC, LOCKDOWN_HIBERNATION };
enum kernel_read_file_id { READING_MODULE, READING_KEXEC_IMAGE, READING_KEXEC_INITRAMFS };
enum kernel_load_data_id { LOADING_MODULE };

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

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct ld_guard);
} ld_guard SEC(".maps");

/* The cgroup-fence part: fenced cgroups by id (struct ld_fence), written by
 * the Enforcer for every cgroup a grant names. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, LD_MAX_GRANTS);
    __type(key, __u64);
    __type(value, struct ld_fence);
} ld_fences SEC(".maps");

/* A process started with clone3(CLONE_INTO_CGROUP) by anyone but PID 1, and
 * its descendants, carry a mark: the cgroup ids of the cloning parent at
 * levels 0..LD_MAX_CGROUP_DEPTH (0 past its own level). A grant counts for a
 * marked task only on a cgroup the mark names at the same level, so the
 * clone gains nothing it did not have. A migration through cgroup.procs
 * (which the fence checked) drops the mark. */
struct ld_mark {
    __u64 anc[LD_MAX_CGROUP_DEPTH + 1];
};

struct {
    __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, struct ld_mark);
} ld_marks SEC(".maps");

static __always_inline struct ld_mark *mark_of(struct task_struct *t)
{
    return bpf_task_storage_get(&ld_marks, t, 0, 0);
}

static __always_inline struct ld_guard *guard(void)
{
    __u32 zero = 0;

    return bpf_map_lookup_elem(&ld_guard, &zero);
}

static __always_inline void count(__u32 slot)
{
    __u64 *c = bpf_map_lookup_elem(&ld_counters, &slot);

    if (c)
        *c += 1;
}

/* A refusal of the self-protection programs: counted in its slot. (The
 * helper call also keeps clang from turning `cond ? -EPERM : 0` into
 * arithmetic whose range older verifiers cannot see.) */
static __always_inline int refuse(__u32 slot)
{
    count(slot);
    return -EPERM;
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

static __always_inline void check_cgroup(__u64 cgid, __u32 reason, __u64 now, __u32 skip_flags,
                                         struct grant_match *m)
{
    struct ld_grant_key key = { .cgroup_id = cgid, .reason = reason, .pad = 0 };
    struct ld_grant_value *g = bpf_map_lookup_elem(&ld_grants, &key);

    if (!g || (g->flags & skip_flags))
        return;
    if (now < g->expires_boot_ns)
        m->live_id = g->grant_id;
    else
        m->expired_id = g->grant_id;
}

/* A grant on a cgroup covers its descendants: look the caller's ancestors up,
 * root first, at most LD_MAX_CGROUP_DEPTH + 1 lookups. */
static __always_inline void find_grant(__u32 reason, __u32 skip_flags, struct grant_match *m)
{
    /* A marked caller (see ld_marks) is covered only where its mark agrees. */
    struct ld_mark *mk = mark_of(bpf_get_current_task_btf());
    __u64 now = bpf_ktime_get_boot_ns();
    int level;

    for (level = 0; level <= LD_MAX_CGROUP_DEPTH; level++) {
        __u64 cgid = bpf_get_current_ancestor_cgroup_id(level);

        if (!cgid)
            return; /* past the caller's own level */
        if (mk && mk->anc[level] != cgid)
            return; /* below here the cgroups are not the marked ones */
        check_cgroup(cgid, reason, now, skip_flags, m);
        if (m->live_id)
            return;
    }
    /* Deeper than the bound: still honour a grant on the caller's own cgroup. */
    if (!mk)
        check_cgroup(bpf_get_current_cgroup_id(), reason, now, skip_flags, m);
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

    find_grant(reason, 0, &m);
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

/* Whether `mnt` holds our BPF file system in the initial mount namespace
 * (see ld_protect_record). Until the loader recorded them, every mount of our
 * BPF file system counts, in any namespace. */
static __always_inline int is_guarded_mount(struct vfsmount *mnt)
{
    struct ld_guard *g = guard();
    __u64 addr = (__u64)mnt;
    int i;

    if (!protect_dir_ino || !mnt)
        return 0;
    if (!g || !g->mount_count)
        return mnt->mnt_sb->s_dev == protect_dev;
    for (i = 0; i < LD_GUARD_MAX_MOUNTS; i++)
        if (g->mounts[i] && g->mounts[i] == addr)
            return 1;
    return 0;
}

static __always_inline int in_initial_mount_ns(void)
{
    struct ld_guard *g = guard();
    struct task_struct *t = bpf_get_current_task_btf();

    return g && g->init_mnt_ns && t->nsproxy && (__u64)t->nsproxy->mnt_ns == g->init_mnt_ns;
}

/* Unmounting our BPF file system, or any mount above it (/sys, /), in the
 * initial namespace: a lazy unmount of /sys would drop every pin with it.
 * Copies in other mount namespaces (bubblewrap, nspawn, PrivateTmp=) are
 * other vfsmounts: unmounting them there detaches nothing of ours. */
SEC("lsm/sb_umount")
int BPF_PROG(ld_protect_umount, struct vfsmount *mnt, int flags, int ret)
{
    if (ret != 0)
        return ret;
    if (is_guarded_mount(mnt))
        return refuse(LD_COUNTER_MOUNTS);
    return 0;
}

/* move_mount(2): moving a guarded mount under one we do not guard would let
 * a lazy unmount of that one take ours along. */
SEC("lsm/move_mount")
int BPF_PROG(ld_protect_move, const struct path *from_path, const struct path *to_path, int ret)
{
    if (ret != 0)
        return ret;
    if (is_guarded_mount(from_path->mnt))
        return refuse(LD_COUNTER_MOUNTS);
    return 0;
}

#define LD_MS_MOVE 8192
/* mount(2) with MS_MOVE names its source only as a string, which no hook
 * resolves; so in the initial namespace, once mounts are recorded, every
 * MS_MOVE is refused. Other namespaces are not affected. */
SEC("lsm/sb_mount")
int BPF_PROG(ld_protect_mount, const char *dev_name, const struct path *path, const char *type,
             unsigned long flags, void *data, int ret)
{
    if (ret != 0)
        return ret;
    if ((flags & LD_MS_MOVE) && in_initial_mount_ns())
        return refuse(LD_COUNTER_MOUNTS);
    return 0;
}

/* pivot_root(2) in the initial namespace would put an unguarded mount above
 * all of ours. Inside a new namespace (bubblewrap, nspawn) it is theirs. */
SEC("lsm/sb_pivotroot")
int BPF_PROG(ld_protect_pivot, const struct path *old_path, const struct path *new_path, int ret)
{
    if (ret != 0)
        return ret;
    if (in_initial_mount_ns())
        return refuse(LD_COUNTER_MOUNTS);
    return 0;
}

/* Recording the mounts to guard: while recorder_tgid is set (by the loader,
 * before the seal), each flock() of that process records the mount of the
 * locked file and the caller's mount namespace. The loader locks each
 * directory from the pin directory up to /, so the list is our BPF file
 * system and every mount above it. flock() is a rare call, and the first
 * test keeps it one map lookup for everyone else. */
SEC("lsm/file_lock")
int BPF_PROG(ld_protect_record, struct file *file, unsigned int cmd, int ret)
{
    struct ld_guard *g = guard();
    struct task_struct *t;
    __u64 addr;
    __u32 n;
    int i;

    if (ret != 0 || !g || !g->recorder_tgid)
        return ret;
    if ((bpf_get_current_pid_tgid() >> 32) != g->recorder_tgid)
        return 0;
    addr = (__u64)file->f_path.mnt;
    for (i = 0; i < LD_GUARD_MAX_MOUNTS; i++)
        if (g->mounts[i] == addr)
            return 0;
    n = g->mount_count;
    if (n >= LD_GUARD_MAX_MOUNTS)
        return 0;
    g->mounts[n] = addr;
    g->mount_count = n + 1;
    t = bpf_get_current_task_btf();
    g->init_mnt_ns = t->nsproxy ? (__u64)t->nsproxy->mnt_ns : 0;
    return 0;
}

/*
 * Self-protection, once the broker sealed: no new fd to our maps (read-only
 * ones excepted, but never the ring buffer, whose reader would take the
 * broker's events), programs or links. A program fd is what an extension
 * program (freplace) or a tracing program on ours needs; a writable map fd
 * is a grant for anyone. The broker keeps its fds in systemd's fd store.
 */
static __always_inline int id_listed(const __u32 *ids, int n, __u32 id)
{
    int i;

    if (!id)
        return 0;
    for (i = 0; i < n; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

SEC("lsm/bpf_map")
int BPF_PROG(ld_seal_map, struct bpf_map *map, unsigned int fmode, int ret)
{
    struct ld_guard *g = guard();
    __u32 id;

    if (ret != 0)
        return ret;
    if (!g || !g->sealed)
        return 0;
    id = map->id;
    if (!id_listed(g->map_ids, LD_GUARD_MAX_MAPS, id))
        return 0;
    if (id == g->events_map_id || (fmode & LD_FMODE_WRITE))
        return refuse(LD_COUNTER_SEALED);
    return 0;
}

SEC("lsm/bpf_prog")
int BPF_PROG(ld_seal_prog, struct bpf_prog *prog, int ret)
{
    struct ld_guard *g = guard();

    if (ret != 0)
        return ret;
    if (!g || !g->sealed)
        return 0;
    if (id_listed(g->prog_ids, LD_GUARD_MAX_PROGS, prog->aux->id))
        return refuse(LD_COUNTER_SEALED);
    return 0;
}

/* Links get their fds with no hook of their own: refuse the one command that
 * reaches them by id. Only the first three arguments are read, which every
 * kernel has; 6.15 added a fourth, and with it moved the return-value slot,
 * which this program therefore never reads (a BPF LSM program only runs when
 * the ones before it returned 0). */
SEC("lsm/bpf")
int BPF_PROG(ld_seal_bpf, int cmd, union bpf_attr *attr, unsigned int size)
{
    struct ld_guard *g;

    if (cmd != BPF_LINK_GET_FD_BY_ID)
        return 0;
    g = guard();
    if (!g || !g->sealed)
        return 0;
    if (id_listed(g->link_ids, LD_GUARD_MAX_LINKS, attr->link_id))
        return refuse(LD_COUNTER_SEALED);
    return 0;
}

/* ptrace, /proc/PID/mem, process_vm_*, pidfd_getfd: all ask for ATTACH access.
 * PID 1 holds the broker's fds in its fd store, the broker holds them too. */
#define LD_PTRACE_MODE_ATTACH 0x02

SEC("lsm/ptrace_access_check")
int BPF_PROG(ld_guard_ptrace, struct task_struct *child, unsigned int mode, int ret)
{
    struct ld_guard *g;
    int tgid;

    if (ret != 0)
        return ret;
    if (!(mode & LD_PTRACE_MODE_ATTACH))
        return 0;
    tgid = child->tgid;
    if (tgid == 1)
        return refuse(LD_COUNTER_PTRACE);
    g = guard();
    if (g && g->sealed && g->broker_tgid && (__u32)tgid == g->broker_tgid)
        return refuse(LD_COUNTER_PTRACE);
    return 0;
}

/*
 * kexec_file_load: the kernel lets an image with a valid signature by
 * without asking locked_down, and the new kernel would run without us. So
 * reading a kexec image or initramfs is decided like the kexec reason.
 * Module loads are only reported: their parameters (dyndbg=) reach no hook,
 * and the broker checks the dynamic_debug callsites afterwards.
 */
static __always_inline void notice_module_load(void)
{
    struct ld_event *e = bpf_ringbuf_reserve(&ld_events, sizeof(*e), 0);
    __u64 pid_tgid;

    if (!e) {
        count(LD_COUNTER_DROPPED);
        return;
    }
    pid_tgid = bpf_get_current_pid_tgid();
    e->boot_ns = bpf_ktime_get_boot_ns();
    e->cgroup_id = bpf_get_current_cgroup_id();
    e->grant_id = 0;
    e->pid = pid_tgid >> 32;
    e->tid = (__u32)pid_tgid;
    e->uid = (__u32)bpf_get_current_uid_gid();
    e->reason = 0;
    e->decision = 0;
    e->kind = LD_EVENT_MODULE_LOAD;
    bpf_get_current_comm(e->comm, sizeof(e->comm));
    bpf_ringbuf_submit(e, 0);
}

SEC("lsm/kernel_read_file")
int BPF_PROG(ld_kernel_read_file, struct file *file, enum kernel_read_file_id id, _Bool contents, int ret)
{
    int r;

    if (ret != 0)
        return ret;
    if (id == bpf_core_enum_value(enum kernel_read_file_id, READING_MODULE)) {
        notice_module_load();
        return 0;
    }
    if (id != bpf_core_enum_value(enum kernel_read_file_id, READING_KEXEC_IMAGE) &&
        id != bpf_core_enum_value(enum kernel_read_file_id, READING_KEXEC_INITRAMFS))
        return 0;
    r = decide(bpf_core_enum_value(enum lockdown_reason, LOCKDOWN_KEXEC));
    if (r)
        count(LD_COUNTER_KEXEC_FILE);
    return r;
}

SEC("lsm/kernel_load_data")
int BPF_PROG(ld_kernel_load_data, enum kernel_load_data_id id, _Bool contents, int ret)
{
    if (ret != 0)
        return ret;
    /* kexec_load(2) (LOADING_KEXEC_IMAGE) asks locked_down itself. */
    if (id == bpf_core_enum_value(enum kernel_load_data_id, LOADING_MODULE))
        notice_module_load();
    return 0;
}

/*
 * The files that hibernate and restore. A view-only hibernation grant
 * (logind's: LD_GRANT_VIEW_ONLY) lets the kernel say hibernation is
 * available, but opens none of them; a full one (the sleep unit's) opens
 * all. Without any grant the kernel's own check (locked_down) refuses
 * /dev/snapshot, "disk" in /sys/power/state and the restore that a write of
 * /sys/power/resume starts; disk, resume_offset and image_size are settings
 * that do nothing without those, and suspend keeps working.
 */
#define LD_SYSFS_MAGIC 0x62656572
#define LD_S_IFMT 00170000
#define LD_S_IFCHR 0020000
#define LD_SNAPSHOT_RDEV ((10u << 20) | 231u) /* misc 10:231, kernel dev_t encoding */

enum hib_file { HIB_NONE = 0, HIB_SNAPSHOT, HIB_SETTING };

static __always_inline int hib_file_of(struct file *file)
{
    struct inode *inode = file->f_inode;
    struct dentry *d, *parent, *top;

    if (!inode)
        return HIB_NONE;
    if ((inode->i_mode & LD_S_IFMT) == LD_S_IFCHR)
        return inode->i_rdev == LD_SNAPSHOT_RDEV ? HIB_SNAPSHOT : HIB_NONE;
    if (!(file->f_mode & LD_FMODE_WRITE))
        return HIB_NONE;
    d = file->f_path.dentry;
    if (!d || d->d_sb->s_magic != LD_SYSFS_MAGIC)
        return HIB_NONE;
    parent = d->d_parent;
    if (!parent || !dname_is(parent, "power", sizeof("power")))
        return HIB_NONE;
    top = parent->d_parent; /* /sys/power: its parent is the root of sysfs */
    if (!top || top->d_parent != top)
        return HIB_NONE;
    if (dname_is(d, "state", sizeof("state")) || dname_is(d, "disk", sizeof("disk")) || dname_is(d, "resume", sizeof("resume")) ||
        dname_is(d, "resume_offset", sizeof("resume_offset")) || dname_is(d, "image_size", sizeof("image_size")))
        return HIB_SETTING;
    return HIB_NONE;
}

static __noinline int hib_file_decision(__u32 reason)
{
    struct grant_match full = {}, any = {};
    struct ld_control *ctl;
    __u32 zero = 0;

    ctl = bpf_map_lookup_elem(&ld_control, &zero);
    if (!ctl || reason >= LD_MAX_REASONS)
        return -EPERM;
    if (ctl->slot[ctl->active_slot & 1].action[reason] != LD_ACTION_DENY)
        return 0; /* hibernation is not locked: the kernel decides */
    find_grant(reason, LD_GRANT_VIEW_ONLY, &full);
    if (full.live_id)
        return 0;
    find_grant(reason, 0, &any);
    if (!any.live_id)
        return 0; /* no grant: the kernel asks locked_down (see above) */
    count(reason * LD_DECISION__COUNT + LD_DECISION_DENY);
    emit(reason, LD_DECISION_DENY, any.live_id);
    return -EPERM;
}

SEC("lsm/file_open")
int BPF_PROG(ld_hibernation_open, struct file *file, int ret)
{
    int kind;

    if (ret != 0)
        return ret;
    kind = hib_file_of(file);
    if (kind == HIB_NONE)
        return 0;
    return hib_file_decision(bpf_core_enum_value(enum lockdown_reason, LOCKDOWN_HIBERNATION));
}

/*
 * The cgroup-fence part: no way into a granted cgroup from outside it. A
 * grant covers its cgroup's descendants, so a process moved (or started, or
 * taken over) inside one would use the exception. The Enforcer fences every
 * cgroup a grant names (ld_fences); these programs refuse:
 *  - a write of cgroup.procs or cgroup.threads whose target lies in or below
 *    a fenced cgroup, unless the writer is inside that cgroup (or, for a
 *    fence that is not strict, is PID 1 or an unmarked process of its own
 *    cgroup: PID 1 starts a unit's processes that way). The write is checked,
 *    not the open: an fd opened before the grant does not help;
 *  - ptrace-class access (ATTACH) to a process inside a fenced cgroup from
 *    outside it, and PTRACE_TRACEME towards a parent outside it;
 * and mark what clone3(CLONE_INTO_CGROUP) starts (no hook sees its target;
 * see ld_marks), so that the clone gains no grant.
 * "Inside" a cgroup A at level L: the task's ancestor at level L is A, read
 * from its mark if it has one.
 */
#define LD_CGROUP2_SUPER_MAGIC 0x63677270
#define LD_MAY_WRITE 0x2
#define LD_CLONE_INTO_CGROUP 0x200000000ULL
#define LD_ENOMEM 12

static __always_inline int is_pid1(void)
{
    return (bpf_get_current_pid_tgid() >> 32) == 1;
}

/* Whether the caller is inside cgroup `id` at `level` (see above). */
static __always_inline int current_inside(__u32 level, __u64 id, const struct ld_mark *mk)
{
    if (level > LD_MAX_CGROUP_DEPTH)
        return 0;
    if (mk)
        return mk->anc[level] == id;
    return bpf_get_current_ancestor_cgroup_id(level) == id;
}

/* The target directory's cgroup ids, itself first, up to the root of the
 * hierarchy (a directory's inode number is its cgroup id). Returns how many
 * were collected, or 0 if the root was not reached within the bound. */
static __always_inline int target_ancestry(struct dentry *dir, __u64 *ids)
{
    struct dentry *t = dir;
    int i;

    for (i = 0; i <= LD_MAX_CGROUP_DEPTH; i++) {
        struct dentry *up = t->d_parent;

        ids[i] = t->d_inode->i_ino;
        if (!up || up == t)
            return i + 1;
        t = up;
    }
    return 0;
}

/* A write of cgroup.procs or cgroup.threads (the caller checked the file
 * system): 0 or -EPERM. */
static __noinline int fence_move(struct dentry *d)
{
    __u64 ids[LD_MAX_CGROUP_DEPTH + 1] = {};
    struct ld_guard *g;
    struct ld_mark *mk;
    __u64 init_cg;
    int n, k, pid1_kind;

    if (!dname_is(d, "cgroup.procs", sizeof("cgroup.procs")) &&
        !dname_is(d, "cgroup.threads", sizeof("cgroup.threads")))
        return 0;
    n = target_ancestry(d->d_parent, ids);
    if (!n) /* deeper than grants are looked up: fail closed */
        return is_pid1() ? 0 : refuse(LD_COUNTER_FENCE_MOVE);
    g = guard();
    init_cg = g ? g->init_cgroup_id : 0;
    /* PID 1's own cgroup: who gets in there passes as PID 1 below. */
    if (init_cg && ids[0] == init_cg && !is_pid1())
        return refuse(LD_COUNTER_FENCE_MOVE);
    mk = mark_of(bpf_get_current_task_btf());
    pid1_kind = is_pid1() || (!mk && init_cg && bpf_get_current_cgroup_id() == init_cg);
    for (k = 0; k <= LD_MAX_CGROUP_DEPTH; k++) {
        struct ld_fence *f;
        __u64 id;

        if (k >= n)
            break;
        id = ids[k];
        f = bpf_map_lookup_elem(&ld_fences, &id);
        if (!f)
            continue;
        if (current_inside(n - 1 - k, id, mk))
            continue;
        if (!(f->flags & LD_GRANT_FENCE_STRICT) && pid1_kind)
            continue;
        return refuse(LD_COUNTER_FENCE_MOVE);
    }
    return 0;
}

/* Runs on every read and write of every file: the early outs come first and
 * cost two loads; everything else is in fence_move. */
SEC("lsm/file_permission")
int BPF_PROG(ld_fence_write, struct file *file, int mask, int ret)
{
    if (ret != 0)
        return ret;
    if (!(mask & LD_MAY_WRITE))
        return 0;
    if (file->f_inode->i_sb->s_magic != LD_CGROUP2_SUPER_MAGIC)
        return 0;
    return fence_move(file->f_path.dentry);
}

/* A new task (process or thread): a marked parent passes its mark on; a
 * clone into a cgroup by anyone but PID 1 gets one with the parent's
 * cgroups. Without room for the mark the clone fails: fail closed. */
SEC("lsm/task_alloc")
int BPF_PROG(ld_fence_clone, struct task_struct *task, unsigned long clone_flags, int ret)
{
    struct ld_mark init = {}, *mk, *nm;
    int level;

    if (ret != 0)
        return ret;
    mk = mark_of(bpf_get_current_task_btf());
    if (mk) {
        init = *mk;
    } else {
        if (!(clone_flags & LD_CLONE_INTO_CGROUP) || is_pid1())
            return 0;
        for (level = 0; level <= LD_MAX_CGROUP_DEPTH; level++)
            init.anc[level] = bpf_get_current_ancestor_cgroup_id(level);
        count(LD_COUNTER_FENCE_CLONE);
    }
    nm = bpf_task_storage_get(&ld_marks, task, &init, BPF_LOCAL_STORAGE_GET_F_CREATE);
    return nm ? 0 : -LD_ENOMEM;
}

/* A migration through cgroup.procs or cgroup.threads, which ld_fence_write
 * allowed: the task is where it was put, its mark goes. (Called once per
 * migration, with the thread group leader.) */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(ld_fence_attached, struct cgroup *dst_cgrp, const char *path, struct task_struct *task, _Bool threadgroup)
{
    bpf_task_storage_delete(&ld_marks, task);
    return 0;
}

/* Whether `tracer` may reach into `tracee`: for each fenced cgroup the
 * tracee is in, the tracer must be inside it too. No exception for PID 1. */
static __noinline int fence_trace(struct task_struct *tracee, struct task_struct *tracer)
{
    __u64 anc[LD_MAX_CGROUP_DEPTH + 1] = {};
    struct ld_mark *mk = mark_of(tracer);
    struct cgroup *cg;
    int i;

    if (!mk) {
        cg = tracer->cgroups->dfl_cgrp;
        for (i = 0; i <= LD_MAX_CGROUP_DEPTH + 1 && cg; i++) {
            __u32 level = cg->level;

            if (level <= LD_MAX_CGROUP_DEPTH)
                anc[level] = cg->kn->id;
            cg = cg->self.parent->cgroup;
        }
    }
    cg = tracee->cgroups->dfl_cgrp;
    for (i = 0; i <= LD_MAX_CGROUP_DEPTH; i++) {
        __u32 level;
        __u64 id, have;

        if (!cg)
            return 0;
        level = cg->level;
        id = cg->kn->id;
        if (level > LD_MAX_CGROUP_DEPTH) /* deeper than grants are looked up */
            return refuse(LD_COUNTER_FENCE_TRACE);
        if (bpf_map_lookup_elem(&ld_fences, &id)) {
            have = mk ? mk->anc[level] : anc[level];
            if (have != id)
                return refuse(LD_COUNTER_FENCE_TRACE);
        }
        cg = cg->self.parent->cgroup;
    }
    return 0;
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(ld_fence_ptrace, struct task_struct *child, unsigned int mode, int ret)
{
    if (ret != 0)
        return ret;
    if (!(mode & LD_PTRACE_MODE_ATTACH))
        return 0;
    return fence_trace(child, bpf_get_current_task_btf());
}

SEC("lsm/ptrace_traceme")
int BPF_PROG(ld_fence_traceme, struct task_struct *parent, int ret)
{
    if (ret != 0)
        return ret;
    return fence_trace(bpf_get_current_task_btf(), parent);
}
