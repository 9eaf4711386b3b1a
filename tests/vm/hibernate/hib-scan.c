// RESEARCH RECORD, not the product (see hib-snapshot-writer.c). Built static
// by hib-experiment; guest-init.sh runs it in boot C with hib.scan=1.
//
// hib-scan SWAPDEV: which pages of the swap fail to authenticate, and whose
// they are. Reads every 4 KiB page of SWAPDEV with O_DIRECT (in 64-page
// chunks, page by page inside a chunk that fails), walks the hibernation
// image's swap map chain from the header (struct swsusp_header: u64 image
// @4064, sig @4086; each map page: 511 u64 page offsets, then u64 next), and
// prints one line:
//   HIB-SCAN sig=S pages=N bad=B bad_header=H bad_map=M bad_image=I
//            bad_other=O image_pages=P bad_ranges=a-b,c,...
// dm-crypt reports an authentication failure as EILSEQ; any read error
// counts as bad.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <unistd.h>

enum { PG = 4096, CHUNK = 64, MAP_ENTRIES = PG / 8 - 1 };

static int page_ok(int fd, uint8_t *buf, uint64_t page, unsigned n)
{
    return pread(fd, buf, (size_t)n * PG, (off_t)(page * PG)) == (ssize_t)n * PG;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: hib-scan SWAPDEV\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY | O_DIRECT);
    uint64_t bytes = 0;
    if (fd < 0 || ioctl(fd, BLKGETSIZE64, &bytes) < 0) {
        perror(argv[1]);
        return 1;
    }
    const uint64_t pages = bytes / PG;
    uint8_t *buf, *bad = calloc(pages, 1), *kind = calloc(pages, 1); // kind: 1 map, 2 image
    if (posix_memalign((void **)&buf, PG, CHUNK * PG) || !bad || !kind)
        return 1;
    for (uint64_t p = 0; p < pages; p += CHUNK) {
        unsigned n = pages - p < CHUNK ? (unsigned)(pages - p) : CHUNK;
        if (page_ok(fd, buf, p, n))
            continue;
        for (unsigned i = 0; i < n; i++)
            bad[p + i] = !page_ok(fd, buf, p + i, 1);
    }
    char sig[11] = "IOERROR";
    uint64_t image_pages = 0;
    if (page_ok(fd, buf, 0, 1)) {
        memcpy(sig, buf + 4086, 10);
        sig[10] = 0;
        for (char *c = sig; *c; c++)
            if (*c < '0' || *c > 'z')
                *c = '.';
        uint64_t map;
        memcpy(&map, buf + 4064, 8);
        // Follow the chain only for an image signature, and never loop.
        for (unsigned hops = 0; !strncmp(sig, "S1SUSPEND", 9) && map && map < pages && hops < pages; hops++) {
            kind[map] = 1;
            if (bad[map] || !page_ok(fd, buf, map, 1))
                break;
            uint64_t e[MAP_ENTRIES + 1];
            memcpy(e, buf, sizeof e);
            for (int i = 0; i < MAP_ENTRIES && e[i]; i++)
                if (e[i] < pages) {
                    kind[e[i]] = 2;
                    image_pages++;
                }
            map = e[MAP_ENTRIES];
        }
    }
    uint64_t nbad = 0, bh = 0, bm = 0, bi = 0, bo = 0;
    char ranges[2048] = "";
    size_t used = 0;
    for (uint64_t p = 0; p < pages; p++) {
        if (!bad[p])
            continue;
        nbad++;
        if (p == 0)
            bh++;
        else if (kind[p] == 1)
            bm++;
        else if (kind[p] == 2)
            bi++;
        else
            bo++;
        if (p > 0 && bad[p - 1])
            continue;
        uint64_t q = p;
        while (q + 1 < pages && bad[q + 1])
            q++;
        if (used < sizeof ranges - 64)
            used += (size_t)snprintf(ranges + used, sizeof ranges - used, q > p ? "%s%llu-%llu" : "%s%llu",
                                     used ? "," : "", (unsigned long long)p, (unsigned long long)q);
    }
    printf("HIB-SCAN sig=%s pages=%llu bad=%llu bad_header=%llu bad_map=%llu bad_image=%llu bad_other=%llu "
           "image_pages=%llu bad_ranges=%s\n",
           sig, (unsigned long long)pages, (unsigned long long)nbad, (unsigned long long)bh, (unsigned long long)bm,
           (unsigned long long)bi, (unsigned long long)bo, (unsigned long long)image_pages, used ? ranges : "-");
    return 0;
}
