#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Raw syscalls for e2e-root.sh: what root tries against lockdown-broker.

Each subcommand makes one attempt and prints one line
    result=ok|<ERRNO NAME> [key=value...]
then exits 0 if the attempt succeeded, 1 if the kernel refused it with
EPERM or EACCES, 2 for any other error (bad usage: 3). The shell compares
the printed result; nothing here decides what the outcome should be.

Attempts never leave anything behind when they succeed: a map write puts
back the bytes it read, a ptrace is detached, a loaded kexec image is
unloaded, a moved mount is moved back, a pivot_root happens in a child
whose root is a private tmpfs, /dev/snapshot is only opened and closed.

x86-64 only (syscall numbers), Debian 12's /usr/bin/python3 (ctypes).
"""
import ctypes
import errno
import json
import os
import struct
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

SYS_BPF = 321
SYS_KEXEC_FILE_LOAD = 320
SYS_PROCESS_VM_READV = 310
SYS_PIVOT_ROOT = 155
SYS_OPEN_TREE = 428
SYS_MOVE_MOUNT = 429
SYS_PIDFD_GETFD = 438

# enum bpf_cmd
BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM, BPF_MAP_DELETE_ELEM = 1, 2, 3
BPF_OBJ_GET = 7
BPF_PROG_GET_NEXT_ID, BPF_MAP_GET_NEXT_ID = 11, 12
BPF_PROG_GET_FD_BY_ID, BPF_MAP_GET_FD_BY_ID = 13, 14
BPF_OBJ_GET_INFO_BY_FD = 15
BPF_LINK_GET_FD_BY_ID, BPF_LINK_GET_NEXT_ID = 30, 31
BPF_LINK_DETACH = 34
BPF_F_RDONLY, BPF_F_WRONLY = 1 << 3, 1 << 4
BPF_MAP_TYPE_RINGBUF = 27

PTRACE_ATTACH, PTRACE_DETACH, PTRACE_SEIZE, PTRACE_INTERRUPT = 16, 17, 0x4206, 0x4207
OPEN_TREE_CLOEXEC = os.O_CLOEXEC
MOVE_MOUNT_F_EMPTY_PATH = 0x4
KEXEC_FILE_UNLOAD, KEXEC_FILE_NO_INITRAMFS = 0x1, 0x4
MS_MOVE = 8192


class Refused(Exception):
    def __init__(self, err, what=""):
        super().__init__(err)
        self.err = err
        self.what = what


def sys_call(nr, *args):
    r = libc.syscall(ctypes.c_long(nr), *args)
    if r < 0:
        raise Refused(ctypes.get_errno())
    return r


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(bytes(attr), 128)
    r = sys_call(SYS_BPF, ctypes.c_int(cmd), buf, ctypes.c_uint(128))
    return r, buf.raw


def errname(e):
    return errno.errorcode.get(e, str(e))


def report(result, **kv):
    extra = "".join(f" {k}={v}" for k, v in kv.items())
    print(f"result={result}{extra}", flush=True)


# --- BPF objects ---------------------------------------------------------

def obj_get(path, flags=0):
    p = ctypes.create_string_buffer(path.encode())
    fd, _ = bpf(BPF_OBJ_GET, struct.pack("=QII", ctypes.addressof(p), 0, flags))
    return fd


def fd_by_id(kind, ident, flags=0):
    cmd = {"map": BPF_MAP_GET_FD_BY_ID, "prog": BPF_PROG_GET_FD_BY_ID, "link": BPF_LINK_GET_FD_BY_ID}[kind]
    fd, _ = bpf(cmd, struct.pack("=III", ident, 0, flags))
    return fd


def next_ids(kind):
    cmd = {"map": BPF_MAP_GET_NEXT_ID, "prog": BPF_PROG_GET_NEXT_ID, "link": BPF_LINK_GET_NEXT_ID}[kind]
    ident = 0
    while True:
        try:
            _, raw = bpf(cmd, struct.pack("=II", ident, 0))
        except Refused as e:
            if e.err == errno.ENOENT:
                return
            raise
        ident = struct.unpack_from("=I", raw, 4)[0]
        yield ident


def info(fd):
    out = ctypes.create_string_buffer(256)
    bpf(BPF_OBJ_GET_INFO_BY_FD, struct.pack("=IIQ", fd, 256, ctypes.addressof(out)))
    return out.raw


def cstr(b):
    return b.split(b"\0", 1)[0].decode(errors="replace")


def map_info(fd):
    raw = info(fd)
    typ, ident, ksz, vsz, maxe, _ = struct.unpack_from("=6I", raw, 0)
    return {"id": ident, "type": typ, "name": cstr(raw[24:40]), "key_size": ksz, "value_size": vsz,
            "max_entries": maxe}


def prog_info(fd):
    raw = info(fd)
    typ, ident = struct.unpack_from("=II", raw, 0)
    return {"id": ident, "type": typ, "name": cstr(raw[64:80])}


def link_info(fd):
    raw = info(fd)
    typ, ident, prog = struct.unpack_from("=III", raw, 0)
    return {"id": ident, "type": typ, "prog_id": prog}


def open_flags(mode):
    return {"rw": 0, "ro": BPF_F_RDONLY, "wo": BPF_F_WRONLY}[mode]


def cmd_ids(args):
    """Every map, program and link id, with what a fresh fd says about it
    (maps read-only, which stays allowed for our maps except the ring), and
    the objects behind our pins: JSON on one line."""
    pin_dir = args[0] if args else "/sys/fs/bpf/lockdown-broker"
    out = {"maps": [], "progs": [], "links": [], "pins": {}}
    for kind, key, flags, decode in (("map", "maps", BPF_F_RDONLY, map_info), ("prog", "progs", 0, prog_info),
                                     ("link", "links", 0, link_info)):
        for ident in next_ids(kind):
            row = {"id": ident}
            try:
                fd = fd_by_id(kind, ident, flags)
                row.update(decode(fd))
                os.close(fd)
                row["open"] = "ok"
            except Refused as e:
                row["open"] = errname(e.err)
            out[key].append(row)
    try:
        pins = sorted(os.listdir(pin_dir))
    except OSError as e:
        pins, out["pins"] = [], {"error": errname(e.errno)}
    for name in pins:
        path = os.path.join(pin_dir, name)
        decode = link_info if name.startswith("link_") else map_info
        for flags in (BPF_F_RDONLY, 0):
            try:
                fd = obj_get(path, flags)
                out["pins"][name] = decode(fd)
                os.close(fd)
                break
            except Refused as e:
                out["pins"][name] = {"open": errname(e.err)}
    print(json.dumps(out, sort_keys=True))
    return 0


def get_fd(target, mode):
    """target: a pin path or map:ID / prog:ID / link:ID."""
    kind, _, ident = target.partition(":")
    if kind in ("map", "prog", "link") and ident.isdigit():
        return fd_by_id(kind, int(ident), open_flags(mode) if kind == "map" else 0)
    return obj_get(target, open_flags(mode))


def cmd_open(args):
    """open TARGET rw|ro|wo: one fd, by pin or by id."""
    target, mode = args
    fd = get_fd(target, mode)
    kind = target.partition(":")[0]
    if kind not in ("map", "prog", "link"):
        kind = "link" if os.path.basename(target).startswith("link_") else "map"
    try:
        desc = {"map": map_info, "prog": prog_info, "link": link_info}[kind](fd)
    except Refused:
        desc = {}
    os.close(fd)
    report("ok", fd="yes", **{k: v for k, v in desc.items() if k in ("id", "name")})
    return 0


def cmd_rewrite_same(args):
    """rewrite-same TARGET HEXKEY: open rw, read the value of HEXKEY and
    write the same bytes back (what a policy rewrite needs, without
    changing anything)."""
    target, hexkey = args
    fd = get_fd(target, "rw")
    mi = map_info(fd)
    key = ctypes.create_string_buffer(bytes.fromhex(hexkey), mi["key_size"])
    val = ctypes.create_string_buffer(mi["value_size"])
    bpf(BPF_MAP_LOOKUP_ELEM, struct.pack("=IIQQQ", fd, 0, ctypes.addressof(key), ctypes.addressof(val), 0))
    bpf(BPF_MAP_UPDATE_ELEM, struct.pack("=IIQQQ", fd, 0, ctypes.addressof(key), ctypes.addressof(val), 0))
    os.close(fd)
    report("ok", wrote="same-bytes", map=mi["name"])
    return 0


def cmd_read_elem(args):
    """read-elem TARGET HEXKEY: through a read-only fd; prints the value."""
    target, hexkey = args
    fd = get_fd(target, "ro")
    mi = map_info(fd)
    key = ctypes.create_string_buffer(bytes.fromhex(hexkey), mi["key_size"])
    val = ctypes.create_string_buffer(mi["value_size"])
    bpf(BPF_MAP_LOOKUP_ELEM, struct.pack("=IIQQQ", fd, 0, ctypes.addressof(key), ctypes.addressof(val), 0))
    os.close(fd)
    report("ok", value=val.raw.hex())
    return 0


def cmd_link_detach(args):
    """link-detach TARGET: BPF_LINK_DETACH through a fresh fd."""
    fd = get_fd(args[0], "rw")
    try:
        bpf(BPF_LINK_DETACH, struct.pack("=I", fd))
    except Refused as e:
        raise Refused(e.err, "detach (the fd itself was given)")
    report("ok", detached="yes")
    return 0


# --- the broker and PID 1 ------------------------------------------------

def first_mapping(pid):
    """The start of the first readable mapping, or None if maps is closed."""
    try:
        with open(f"/proc/{pid}/maps") as f:
            for line in f:
                addr, perms = line.split()[:2]
                if perms.startswith("r"):
                    return int(addr.split("-")[0], 16)
    except OSError:
        return None
    return None


def cmd_ptrace(args):
    """ptrace attach|seize PID: detached again at once if it worked."""
    how, pid = args[0], int(args[1])
    req = PTRACE_ATTACH if how == "attach" else PTRACE_SEIZE
    libc.ptrace.restype = ctypes.c_long
    if libc.ptrace(ctypes.c_long(req), pid, None, None) < 0:
        raise Refused(ctypes.get_errno())
    if how == "seize":
        libc.ptrace(ctypes.c_long(PTRACE_INTERRUPT), pid, None, None)
    # Wait (briefly) for the stop, then let it go on.
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG | 0x40000000)[0] == pid:  # __WALL
                break
        except ChildProcessError:
            break
        time.sleep(0.02)
    libc.ptrace(ctypes.c_long(PTRACE_DETACH), pid, None, None)
    report("ok", traced="yes-then-detached")
    return 0


def cmd_proc_mem(args):
    pid = int(args[0])
    fd = os.open(f"/proc/{pid}/mem", os.O_RDONLY)
    addr = first_mapping(pid)
    got = "not-tried(no maps)"
    if addr is not None:
        try:
            got = f"{len(os.pread(fd, 8, addr))}-bytes"
        except OSError as e:
            got = errname(e.errno)
    os.close(fd)
    report("ok", opened="yes", read=got)
    return 0


class IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


def cmd_vm_readv(args):
    pid = int(args[0])
    addr = first_mapping(pid) or 0  # 0: EFAULT comes only after the permission check
    buf = ctypes.create_string_buffer(8)
    local, remote = IoVec(ctypes.addressof(buf), 8), IoVec(addr, 8)
    try:
        n = sys_call(SYS_PROCESS_VM_READV, ctypes.c_int(pid), ctypes.byref(local), ctypes.c_ulong(1),
                     ctypes.byref(remote), ctypes.c_ulong(1), ctypes.c_ulong(0))
    except Refused as e:
        if e.err == errno.EFAULT:
            report("ok", read="EFAULT(address 0: the permission check passed)")
            return 0
        raise
    report("ok", read=f"{n}-bytes")
    return 0


def broker_fds(pid):
    """(fd, what) of PID's fds, bpf maps first, or None if fd/ is closed."""
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None
    fds = []
    for n in names:
        try:
            fds.append((int(n), os.readlink(f"/proc/{pid}/fd/{n}")))
        except OSError:
            pass
    return sorted(fds, key=lambda t: (t[1] != "anon_inode:bpf-map", t[0]))


def cmd_pidfd_getfd(args):
    """pidfd-getfd PID [FD]: default a bpf map fd of PID, else fds 3..31."""
    pid = int(args[0])
    pidfd = os.pidfd_open(pid)
    if len(args) > 1:
        candidates = [(int(args[1]), "given")]
    else:
        listed = broker_fds(pid)
        candidates = listed if listed else [(n, "unlisted") for n in range(3, 32)]
    last = None
    for fd, what in candidates:
        try:
            got = sys_call(SYS_PIDFD_GETFD, ctypes.c_int(pidfd), ctypes.c_int(fd), ctypes.c_uint(0))
        except Refused as e:
            if e.err == errno.EBADF:
                continue
            raise Refused(e.err, f"fd {fd} ({what})")
        try:
            desc = map_info(got)
            what = f"bpf-map:{desc['name']}"
        except Refused:
            pass
        os.close(got)
        report("ok", fd=fd, target=what.replace(" ", "_"))
        return 0
    raise Refused(last or errno.EBADF, "no fd found")


def cmd_proc_fd_reopen(args):
    """proc-fd-reopen PID: open /proc/PID/fd/N of a bpf map fd of PID, and
    say whether the result is a usable map fd."""
    pid = int(args[0])
    listed = broker_fds(pid)
    if listed is None:
        raise Refused(errno.EACCES, f"/proc/{pid}/fd is not listable")
    maps = [fd for fd, what in listed if what == "anon_inode:bpf-map"]
    if not maps:
        report("none", detail="no bpf-map fd listed")
        return 2
    fd = maps[0]
    nfd = os.open(f"/proc/{pid}/fd/{fd}", os.O_RDONLY)
    try:
        desc = map_info(nfd)
        usable = f"yes:{desc['name']}"
    except Refused as e:
        usable = f"no({errname(e.err)})"
    os.close(nfd)
    report("ok", fd=fd, map_fd=usable)
    return 0


# --- files, kexec, mounts ------------------------------------------------

def cmd_open_file(args):
    """open-file PATH r|w [VALUE]: open, and write VALUE if given and the open
    worked. Never used to write 'disk' to /sys/power/state."""
    path, mode = args[0], args[1]
    fd = os.open(path, os.O_RDONLY if mode == "r" else os.O_WRONLY)
    if len(args) > 2:
        try:
            os.write(fd, args[2].encode())
        except OSError as e:
            os.close(fd)
            if e.errno in (errno.EPERM, errno.EACCES):
                raise Refused(e.errno, "the open worked, the write was refused")
            report("ok", opened="yes", write=errname(e.errno) + "(after the open)")
            return 0
        os.close(fd)
        report("ok", opened="yes", wrote=args[2])
        return 0
    os.close(fd)
    report("ok", opened="yes")
    return 0


def cmd_kexec_file(args):
    """kexec-file IMAGE: kexec_file_load without an initramfs; unloaded at
    once if it loaded. Never executed."""
    kfd = os.open(args[0], os.O_RDONLY)
    cmdline = ctypes.create_string_buffer(b"lsm=lockdown,capability console=ttyS0")
    try:
        sys_call(SYS_KEXEC_FILE_LOAD, ctypes.c_int(kfd), ctypes.c_int(-1), ctypes.c_ulong(len(cmdline)),
                 cmdline, ctypes.c_ulong(KEXEC_FILE_NO_INITRAMFS))
    finally:
        os.close(kfd)
    sys_call(SYS_KEXEC_FILE_LOAD, ctypes.c_int(-1), ctypes.c_int(-1), ctypes.c_ulong(0), None,
             ctypes.c_ulong(KEXEC_FILE_UNLOAD))
    report("ok", loaded="yes-then-unloaded")
    return 0


def move_and_back(move, src, dst):
    """One move attempt; if it worked (the attack succeeded), undo it at once."""
    move(src, dst)
    try:
        move(dst, src)
        back = "yes"
    except Refused as e:
        back = "FAILED:" + errname(e.err)
    report("ok", moved="yes", moved_back=back)
    return 0


def cmd_move_mount(args):
    """move-mount FROM TO: the new mount API (open_tree + move_mount); moved
    back at once if it worked."""
    src, dst = args

    def move(a, b):
        fd = sys_call(SYS_OPEN_TREE, ctypes.c_int(-100), a.encode(), ctypes.c_uint(OPEN_TREE_CLOEXEC))
        try:
            sys_call(SYS_MOVE_MOUNT, ctypes.c_int(fd), b"", ctypes.c_int(-100), b.encode(),
                     ctypes.c_uint(MOVE_MOUNT_F_EMPTY_PATH))
        finally:
            os.close(fd)

    return move_and_back(move, src, dst)


def cmd_move_old(args):
    """move-old FROM TO: mount(2) with MS_MOVE, what `mount --move` does;
    moved back at once if it worked."""
    src, dst = args
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]

    def move(a, b):
        if libc.mount(a.encode(), b.encode(), None, MS_MOVE, None) < 0:
            raise Refused(ctypes.get_errno())

    return move_and_back(move, src, dst)


def cmd_umount(args):
    """umount PATH [lazy]: umount2 (no util-linux retries or fallbacks)."""
    flags = 2 if len(args) > 1 and args[1] == "lazy" else 0  # MNT_DETACH
    libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
    if libc.umount2(args[0].encode(), flags) < 0:
        raise Refused(ctypes.get_errno())
    report("ok", unmounted="yes")
    return 0


def cmd_pivot_root(args):
    """pivot-root BASE: pivot_root(2) in the initial mount namespace, by a
    child whose root is a private tmpfs under BASE (so a pivot that works
    moves nobody's root but the child's). BASE/b is that root, BASE/b/new
    the new root; the caller mounts them (private tmpfs each)."""
    base = args[0]
    pid = os.fork()
    if pid == 0:
        try:
            os.chroot(f"{base}/b")
            os.chdir("/")
            sys_call(SYS_PIVOT_ROOT, b"/new", b"/new/old")
            os._exit(0)
        except Refused as e:
            os._exit(100 + e.err)
        except OSError as e:
            os._exit(100 + e.errno)
    _, status = os.waitpid(pid, 0)
    rc = os.waitstatus_to_exitcode(status)
    if rc == 0:
        report("ok", pivoted="yes(in the child only)")
        return 0
    raise Refused(rc - 100 if rc >= 100 else errno.EIO)


COMMANDS = {
    "ids": cmd_ids, "open": cmd_open, "rewrite-same": cmd_rewrite_same, "read-elem": cmd_read_elem,
    "link-detach": cmd_link_detach, "ptrace": cmd_ptrace, "proc-mem": cmd_proc_mem,
    "vm-readv": cmd_vm_readv, "pidfd-getfd": cmd_pidfd_getfd, "proc-fd-reopen": cmd_proc_fd_reopen,
    "open-file": cmd_open_file, "kexec-file": cmd_kexec_file, "move-mount": cmd_move_mount, "move-old": cmd_move_old,
    "umount": cmd_umount, "pivot-root": cmd_pivot_root,
}


def main(argv):
    if len(argv) < 2 or argv[1] not in COMMANDS:
        print(f"usage: {argv[0]} {'|'.join(COMMANDS)} ARGS...", file=sys.stderr)
        return 3
    try:
        return COMMANDS[argv[1]](argv[2:])
    except Refused as x:
        err, at = x.err, x.what
    except OSError as x:
        err, at = x.errno, str(x.filename or "")
    except (ValueError, IndexError) as x:
        print(f"{argv[1]}: bad arguments: {x}", file=sys.stderr)
        return 3
    report(errname(err), **({"at": at.replace(" ", "_")} if at else {}))
    return 1 if err in (errno.EPERM, errno.EACCES) else 2

if __name__ == "__main__":
    sys.exit(main(sys.argv))
