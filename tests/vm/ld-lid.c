// SPDX-License-Identifier: GPL-2.0
/*
 * ld-lid: a laptop lid switch made with /dev/uinput (EV_SW, SW_LID), for
 * e2e-hibernate.sh. udev tags it power-switch (ID_INPUT_SWITCH=1), so logind
 * opens it as it opens a real lid.
 *
 *   ld-lid NAME
 *
 * Creates the device (open lid), prints "device /dev/input/eventN" once it
 * exists, then reads lines from stdin: "close" and "open" report that state
 * of the switch (each with a SYN_REPORT). The device goes away at EOF.
 * Exit 0 at EOF, 1 with the reason on stderr if a step fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/uinput.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int fail(const char *what)
{
    fprintf(stderr, "ld-lid: %s: %s\n", what, strerror(errno));
    return 1;
}

static int emit(int fd, unsigned short type, unsigned short code, int value)
{
    struct input_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    ev.code = code;
    ev.value = value;
    return write(fd, &ev, sizeof(ev)) == (ssize_t)sizeof(ev) ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: ld-lid NAME\n");
        return 2;
    }
    int fd = open("/dev/uinput", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return fail("open /dev/uinput");
    if (ioctl(fd, UI_SET_EVBIT, EV_SW) < 0 || ioctl(fd, UI_SET_SWBIT, SW_LID) < 0)
        return fail("UI_SET_EVBIT/UI_SET_SWBIT");
    struct uinput_setup setup;
    memset(&setup, 0, sizeof(setup));
    setup.id.bustype = BUS_HOST;
    setup.id.vendor = 0x1d6b;
    setup.id.product = 0x1d;
    snprintf(setup.name, sizeof(setup.name), "%s", argv[1]);
    if (ioctl(fd, UI_DEV_SETUP, &setup) < 0 || ioctl(fd, UI_DEV_CREATE) < 0)
        return fail("UI_DEV_SETUP/UI_DEV_CREATE");
    char sysname[64] = "";
    if (ioctl(fd, UI_GET_SYSNAME(sizeof(sysname)), sysname) < 0)
        return fail("UI_GET_SYSNAME");
    /* The event node is the input device's only eventN child. */
    char path[160];
    snprintf(path, sizeof(path), "/sys/devices/virtual/input/%s", sysname);
    char node[64] = "";
    for (int n = 0; n < 1024 && !node[0]; n++) {
        char p[200];
        snprintf(p, sizeof(p), "%s/event%d", path, n);
        if (access(p, F_OK) == 0)
            snprintf(node, sizeof(node), "/dev/input/event%d", n);
    }
    if (!node[0]) {
        errno = ENOENT;
        return fail("no event node under the new input device");
    }
    printf("device %s\n", node);
    fflush(stdout);
    char line[64];
    while (fgets(line, sizeof(line), stdin)) {
        int value;
        if (strcmp(line, "close\n") == 0)
            value = 1;
        else if (strcmp(line, "open\n") == 0)
            value = 0;
        else {
            fprintf(stderr, "ld-lid: unknown command: %s", line);
            return 2;
        }
        if (emit(fd, EV_SW, SW_LID, value) < 0 || emit(fd, EV_SYN, SYN_REPORT, 0) < 0)
            return fail("writing the switch event");
        printf("%s\n", value ? "closed" : "opened");
        fflush(stdout);
    }
    ioctl(fd, UI_DEV_DESTROY);
    close(fd);
    return 0;
}
