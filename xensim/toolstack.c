/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim's simulated toolstack: the xl-like commands, dispatched from
 * `xensim`'s main (every subcommand that is not the host's own).  A
 * table maps each command to its handler and usage; the common work
 * -- finding the host through $XENSIM_DIR, opening the hypervisor and
 * xenstore connections as the control domain -- is done once before
 * the handler runs.  What each command does, step by step, mirrors
 * libxl (see ts-build.c, ts-dm.c, ts-save.c); docs/xensim.md lists
 * the differences.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xensim/hvclient.h"
#include "xensim/toolstack.h"
#include "xensim/ts.h"
#include "xensim/tsxs.h"


static const struct {
    const char *name;
    int (*fn)(struct ts *ts, int argc, char **argv);
    const char *usage;
} commands[] = {
    { "create", ts_cmd_create, "create CFG [-p]" },
    { "list", ts_cmd_list, "list" },
    { "pause", ts_cmd_pause, "pause NAME" },
    { "unpause", ts_cmd_unpause, "unpause NAME" },
    { "save", ts_cmd_save, "save NAME FILE [-c]" },
    { "restore", ts_cmd_restore, "restore FILE [-p]" },
    { "migrate", ts_cmd_migrate, "migrate NAME" },
    { "destroy", ts_cmd_destroy, "destroy NAME" },
    { "wait", ts_cmd_wait, "wait NAME [SECONDS]" },
    { "io", ts_cmd_io, "io NAME {in|out}{b|w|l} PORT [VALUE]" },
};

void ts_errx(const char *fmt, ...)
{
    va_list ap;

    fputs("xensim: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int ts_path(const struct ts *ts, char *buf, size_t len, uint32_t domid,
            const char *file)
{
    int n = file != NULL
                ? snprintf(buf, len, "%s/toolstack/%u/%s", ts->dir, domid, file)
                : snprintf(buf, len, "%s/toolstack/%u", ts->dir, domid);

    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int ts_open(struct ts *ts)
{
    const char *dir = getenv("XENSIM_DIR");
    char sock[300];
    ssize_t n;

    memset(ts, 0, sizeof(*ts));
    if (dir == NULL || dir[0] == '\0') {
        ts_errx("XENSIM_DIR is not set (start a host with "
                "`xensim start --dir DIR` and export XENSIM_DIR=DIR)");
        return -EINVAL;
    }
    if (strlen(dir) >= sizeof(ts->dir) - 64) {
        ts_errx("XENSIM_DIR is too long");
        return -ENAMETOOLONG;
    }
    snprintf(ts->dir, sizeof(ts->dir), "%s", dir);
    n = readlink("/proc/self/exe", ts->self, sizeof(ts->self) - 1);
    if (n <= 0) {
        return -errno;
    }
    ts->self[n] = '\0';
    snprintf(sock, sizeof(sock), "%s/xenstored.sock", ts->dir);
    setenv("XENSTORED_PATH", sock, 1);
    ts->hv = hvc_open(ts->dir, HVC_CONTROL);
    if (ts->hv == NULL) {
        ts_errx("cannot reach the simulated hypervisor in %s: %s", ts->dir,
                strerror(errno));
        return -errno;
    }
    ts->xs = tsxs_open();
    if (ts->xs == NULL) {
        ts_errx("cannot reach xenstored at %s: %s", sock, strerror(errno));
        hvc_close(ts->hv);
        ts->hv = NULL;
        return -errno;
    }
    return 0;
}

void ts_close(struct ts *ts)
{
    tsxs_close(ts->xs);
    if (ts->hv != NULL) {
        hvc_close(ts->hv);
    }
    ts->xs = NULL;
    ts->hv = NULL;
}

static void usage(void)
{
    size_t i;

    fprintf(stderr, "usage (toolstack):\n");
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        fprintf(stderr, "  xensim %s\n", commands[i].usage);
    }
}

int toolstack_main(int argc, char **argv)
{
    struct ts ts;
    size_t i;
    int rc;

    /* main() passes its own argv: argv[1] is the command. */
    if (argc > 0) {
        argc--;
        argv++;
    }
    if (argc < 1) {
        usage();
        return 2;
    }
    if (strcmp(argv[0], "guest") == 0) {
        return guest_main(argc, argv);
    }
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[0], commands[i].name) == 0) {
            break;
        }
    }
    if (i == sizeof(commands) / sizeof(commands[0])) {
        ts_errx("unknown command '%s'", argv[0]);
        usage();
        return 2;
    }
    if (ts_open(&ts) < 0) {
        return 1;
    }
    rc = commands[i].fn(&ts, argc, argv);
    ts_close(&ts);
    if (rc == -EINVAL) {
        fprintf(stderr, "usage: xensim %s\n", commands[i].usage);
    }
    return rc < 0 ? 1 : rc;
}
