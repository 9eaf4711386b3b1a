// RESEARCH RECORD, not the product. lockdown-broker's image writer is
// broker/hibernation/writer/snapshot_writer.cpp (lockdown-hibernate). This
// file is the experiment's writer, kept so that the measurements in
// tests/vm/hibernate/README.md can be re-run: hib-experiment builds it
// (static) and guest-init.sh runs it for the configurations uswsusp,
// uswsusp-noflush, uswsusp-reset, uswsusp-reopen and uswsusp-reload. No
// meson target builds it and no `meson test` suite runs it.
//
// hib-snapshot-writer: hibernate through /dev/snapshot and write the image to
// the swap device from userspace, in the kernel's own on-disk format, with an
// explicit cache flush before and after the resume signature.
//
// Why: the in-kernel writer (kernel/power/swap.c) submits every page, the
// swap map and the signature with REQ_SYNC only and then powers off. Nothing
// ever sends a REQ_PREFLUSH/REQ_FUA, so a dm-integrity device underneath
// (LUKS2 --integrity) still holds the last writes in its in-memory journal
// (mode J) or its dirty tag buffers (mode D/B) when the power goes. Here
// fsync() on the block device sends the flush, which makes dm-integrity commit
// (dm_integrity_map: REQ_PREFLUSH -> submit_flush_bio -> integrity_commit).
//
// Format written (read back unchanged by the kernel's own resume path,
// swsusp_check / get_swap_reader / load_image with SF_NOCOMPRESS_MODE):
//   page 0 (the swap header) ends with struct swsusp_header:
//     ... u32 hw_sig @4056, u32 crc32 @4060, u64 image @4064,
//     u32 flags @4072, char orig_sig[10] @4076, char sig[10] @4086
//   image = swap page offset of the first swap_map_page; each map page holds
//   511 u64 page offsets followed by u64 next_swap (0 ends the chain); the
//   pages are the /dev/snapshot read stream (swsusp_info header first).
//
// Usage: hib-snapshot-writer [--no-flush|--reset-after-resume] SWAPDEV
//   (as root, SWAPDEV an active swap)
//   --no-flush skips both fsync() calls. It exists only as the experiment's
//   control (cfg uswsusp-noflush): same writer, same timing, no flushes.
//   --reset-after-resume: after the resume, write the SWAPSPACE2 header back
//   and flush it from the resumed system (cfg uswsusp-reset). Experimental
//   and NOT a fix: the resumed kernel's dm-integrity instance is the one
//   from before the snapshot, its view of the journal is stale, and on 6.1
//   this write undid the boot kernel's committed reset (see README.md).
// Exit 0 after a resume (this process continues in the restored image);
// on any failure before power-off the header is left or put back as it was,
// the system is thawed, and the exit status is 1.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <linux/reboot.h>
#include <linux/suspend_ioctls.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

enum { PG = 4096, MAP_ENTRIES = PG / 8 - 1, RUN_MAX = 256 };
enum { SF_NOCOMPRESS_MODE = 2 };
static const char hib_sig[10] = "S1SUSPEND";

static int snap = -1, dev = -1;
static int do_flush = 1, reset_after_resume = 0;
static const char *reload_dif, *reload_crypt; // --reload-off
static uint8_t *orig_hdr;

static void fail(const char *what)
{
    // dm-crypt reports an authentication (AEAD) failure as EILSEQ.
    fprintf(stderr, "hib-snapshot-writer: %s: %s\n", what,
            errno == EILSEQ ? "integrity check failed (EILSEQ)" : strerror(errno));
}

static int pwrite_all(const void *buf, size_t len, uint64_t off)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = pwrite(dev, p, len, (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n, len -= (size_t)n, off += (uint64_t)n;
    }
    return 0;
}

static int alloc_page_off(uint64_t *page)
{
    loff_t off;
    if (ioctl(snap, SNAPSHOT_ALLOC_SWAP_PAGE, &off) < 0)
        return -1;
    *page = (uint64_t)off / PG;
    return 0;
}

// Contiguous image pages are gathered and written with one pwrite.
static uint8_t *run_buf;
static uint64_t run_start;
static unsigned run_len;

static int run_flush(void)
{
    if (run_len && pwrite_all(run_buf, (size_t)run_len * PG, run_start * PG) < 0)
        return -1;
    run_len = 0;
    return 0;
}

static int put_page(const uint8_t *data, uint64_t page)
{
    if (run_len && (page != run_start + run_len || run_len == RUN_MAX))
        if (run_flush() < 0)
            return -1;
    if (!run_len)
        run_start = page;
    memcpy(run_buf + (size_t)run_len * PG, data, PG);
    run_len++;
    return 0;
}

static void *page_alloc(size_t n)
{
    void *p = NULL;
    if (posix_memalign(&p, PG, n * PG))
        return NULL;
    memset(p, 0, n * PG);
    return p;
}

// Undo after a failure: header back, swap pages freed, tasks thawed.
static int give_up(const char *what)
{
    fail(what);
    if (orig_hdr && pwrite_all(orig_hdr, PG, 0) == 0)
        fsync(dev);
    ioctl(snap, SNAPSHOT_FREE_SWAP_PAGES);
    ioctl(snap, SNAPSHOT_FREE);
    ioctl(snap, SNAPSHOT_UNFREEZE);
    return 1;
}

// --reload-off: the first half of lockdown-hibernate's renewal, done the
// same way (device-mapper ioctls, tasks frozen, this process mlocked):
// suspend the crypt mapping, suspend the integrity mapping, load its own
// table again, resume both. Then power off, as a crash after the reload
// does. Returns 0 or -1 (errno set).
static _Alignas(8) char dmbuf[16384];

static struct dm_ioctl *dm_init(const char *name, uint32_t flags)
{
    struct dm_ioctl *io = (struct dm_ioctl *)dmbuf;
    memset(dmbuf, 0, sizeof dmbuf);
    io->version[0] = DM_VERSION_MAJOR;
    io->data_size = sizeof dmbuf;
    io->data_start = sizeof *io;
    io->flags = flags;
    snprintf(io->name, sizeof io->name, "%s", name);
    return io;
}

static int dm_call(int ctl, unsigned long cmd, const char *name, uint32_t flags)
{
    return ioctl(ctl, cmd, dm_init(name, flags));
}

static int reload_integrity(void)
{
    static _Alignas(8) char table[8192];
    int ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
    if (ctl < 0)
        return -1;
    struct dm_ioctl *io = dm_init(reload_dif, DM_STATUS_TABLE_FLAG);
    if (ioctl(ctl, DM_TABLE_STATUS, io) < 0 || io->target_count != 1 || (io->flags & DM_BUFFER_FULL_FLAG)) {
        errno = errno ? errno : EINVAL;
        return -1;
    }
    struct dm_target_spec *spec = (struct dm_target_spec *)(dmbuf + io->data_start);
    size_t len = sizeof *spec + strlen((char *)(spec + 1)) + 1;
    if (len > sizeof table)
        return errno = E2BIG, -1;
    memcpy(table, spec, len);
    ((struct dm_target_spec *)table)->next = 0;
    if (dm_call(ctl, DM_DEV_SUSPEND, reload_crypt, DM_SUSPEND_FLAG) < 0)
        return -1;
    if (dm_call(ctl, DM_DEV_SUSPEND, reload_dif, DM_SUSPEND_FLAG) < 0)
        return -1;
    io = dm_init(reload_dif, 0);
    io->target_count = 1;
    memcpy(dmbuf + io->data_start, table, len);
    io->data_size = (uint32_t)((io->data_start + len + 7) & ~(size_t)7);
    if (ioctl(ctl, DM_TABLE_LOAD, io) < 0)
        return -1;
    if (dm_call(ctl, DM_DEV_SUSPEND, reload_dif, 0) < 0 || dm_call(ctl, DM_DEV_SUSPEND, reload_crypt, 0) < 0)
        return -1;
    close(ctl);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--no-flush") == 0) {
        do_flush = 0;
        argv++, argc--;
    } else if (argc == 3 && strcmp(argv[1], "--reset-after-resume") == 0) {
        reset_after_resume = 1;
        argv++, argc--;
    } else if (argc == 5 && strcmp(argv[1], "--reload-off") == 0) {
        reload_dif = argv[2], reload_crypt = argv[3];
        argv += 3, argc -= 3;
        // As lockdown-hibernate: nothing of this process may need a page
        // from swap while the stale instance serves it.
        if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0) {
            fail("mlockall");
            return 1;
        }
    }
    if (argc != 2) {
        fprintf(stderr, "usage: hib-snapshot-writer [--no-flush|--reset-after-resume|--reload-off DIF CRYPT] SWAPDEV\n");
        return 2;
    }
    dev = open(argv[1], O_RDWR | O_DIRECT | O_CLOEXEC);
    if (dev < 0) {
        fail(argv[1]);
        return 1;
    }
    struct stat st;
    if (fstat(dev, &st) < 0 || !S_ISBLK(st.st_mode)) {
        fprintf(stderr, "hib-snapshot-writer: %s is not a block device\n", argv[1]);
        return 1;
    }
    orig_hdr = page_alloc(1);
    uint8_t *hdr = page_alloc(1), *map = page_alloc(1), *pg = page_alloc(1);
    run_buf = page_alloc(RUN_MAX);
    if (!orig_hdr || !hdr || !map || !pg || !run_buf) {
        fail("memory");
        return 1;
    }
    if (pread(dev, orig_hdr, PG, 0) != PG) {
        fail("reading the swap header");
        return 1;
    }
    if (memcmp(orig_hdr + PG - 10, "SWAPSPACE2", 10) != 0) {
        fprintf(stderr, "hib-snapshot-writer: %s has no SWAPSPACE2 signature\n", argv[1]);
        return 1;
    }

    snap = open("/dev/snapshot", O_RDONLY | O_CLOEXEC);
    if (snap < 0) {
        fail("/dev/snapshot");
        return 1;
    }
    unsigned maj = major(st.st_rdev), min = minor(st.st_rdev);
    struct resume_swap_area area = {
        .offset = 0,
        // new_encode_dev(), as snapshot_set_swap_area() decodes it
        .dev = (min & 0xffu) | (maj << 8) | ((min & ~0xffu) << 12),
    };
    if (ioctl(snap, SNAPSHOT_SET_SWAP_AREA, &area) < 0) {
        fail("SNAPSHOT_SET_SWAP_AREA (is the device an active swap?)");
        return 1;
    }
    if (ioctl(snap, SNAPSHOT_FREEZE) < 0) {
        fail("SNAPSHOT_FREEZE");
        return 1;
    }
    int in_suspend = 0;
    if (ioctl(snap, SNAPSHOT_CREATE_IMAGE, &in_suspend) < 0)
        return give_up("SNAPSHOT_CREATE_IMAGE");
    if (!in_suspend) {
        // We are the restored image. The boot kernel has put the swap
        // signature back (swsusp_check, REQ_SYNC only, in its own
        // dm-integrity instance: whether that reached the disk depends on
        // its commit timer firing during the image load; see README.md).
        int ok = 1;
        if (reload_dif) {
            // Tasks still frozen: reload, then power off before any header
            // write, as lockdown-hibernate crashing after its reload did.
            int r = reload_integrity();
            printf("HIB-RELOADED-FROZEN %s\n", r == 0 ? "ok" : strerror(errno));
            fflush(stdout);
            reboot(LINUX_REBOOT_CMD_POWER_OFF);
        }
        if (reset_after_resume) {
            ok = pwrite_all(orig_hdr, PG, 0) == 0 && fsync(dev) == 0;
            if (!ok)
                fail("resetting the swap signature after resume");
        }
        ioctl(snap, SNAPSHOT_FREE);
        ioctl(snap, SNAPSHOT_UNFREEZE);
        printf("hib-snapshot-writer: resumed%s\n",
               !reset_after_resume ? "" : ok ? ", swap signature reset and flushed" : ", signature reset FAILED");
        return ok ? 0 : 1;
    }

    loff_t image_bytes = 0;
    if (ioctl(snap, SNAPSHOT_GET_IMAGE_SIZE, &image_bytes) < 0)
        return give_up("SNAPSHOT_GET_IMAGE_SIZE");
    uint64_t first_map, cur_map, npages = 0;
    unsigned k = 0;
    if (alloc_page_off(&first_map) < 0)
        return give_up("SNAPSHOT_ALLOC_SWAP_PAGE");
    cur_map = first_map;
    uint64_t *entries = (uint64_t *)map;
    for (;;) {
        ssize_t n = read(snap, pg, PG);
        if (n == 0)
            break;
        if (n != PG)
            return give_up(n < 0 ? "reading /dev/snapshot" : "short read from /dev/snapshot");
        uint64_t off;
        if (alloc_page_off(&off) < 0)
            return give_up("SNAPSHOT_ALLOC_SWAP_PAGE (swap too small?)");
        if (put_page(pg, off) < 0)
            return give_up("writing image pages");
        entries[k++] = off;
        npages++;
        if (k == MAP_ENTRIES) {
            uint64_t next;
            if (alloc_page_off(&next) < 0)
                return give_up("SNAPSHOT_ALLOC_SWAP_PAGE (swap too small?)");
            entries[MAP_ENTRIES] = next;
            if (pwrite_all(map, PG, cur_map * PG) < 0)
                return give_up("writing a swap map page");
            memset(map, 0, PG);
            cur_map = next;
            k = 0;
        }
    }
    if ((loff_t)(npages * PG) != image_bytes) {
        errno = EIO;
        return give_up("image size does not match SNAPSHOT_GET_IMAGE_SIZE");
    }
    entries[MAP_ENTRIES] = 0;
    if (run_flush() < 0 || pwrite_all(map, PG, cur_map * PG) < 0)
        return give_up("writing the image");
    // Flush 1: every image and map page is on stable storage (for
    // dm-integrity: committed) before the signature can be.
    if (do_flush && fsync(dev) < 0)
        return give_up("flushing the image");

    memcpy(hdr, orig_hdr, PG);
    uint32_t zero = 0, flags = SF_NOCOMPRESS_MODE;
    memcpy(hdr + 4056, &zero, 4);             // hw_sig
    memcpy(hdr + 4060, &zero, 4);             // crc32 (no SF_CRC32_MODE)
    memcpy(hdr + 4064, &first_map, 8);        // image
    memcpy(hdr + 4072, &flags, 4);            // flags
    memcpy(hdr + 4076, orig_hdr + 4086, 10);  // orig_sig
    memcpy(hdr + 4086, hib_sig, 10);          // sig
    if (pwrite_all(hdr, PG, 0) < 0)
        return give_up("writing the resume signature");
    // Flush 2: the signature itself is durable before the power goes.
    if (do_flush && fsync(dev) < 0)
        return give_up("flushing the resume signature");

    printf("hib-snapshot-writer: %llu pages written%s, map at page %llu; powering off\n",
           (unsigned long long)npages, do_flush ? " and flushed" : " (NOT flushed)",
           (unsigned long long)first_map);
    fflush(stdout);
    reboot(LINUX_REBOOT_CMD_POWER_OFF);
    return give_up("reboot(POWER_OFF)");
}
