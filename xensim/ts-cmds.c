/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The xl-like commands that are not save/restore: create, list,
 * pause, unpause, destroy, wait and io.  Each parses its arguments,
 * finds the domain, and calls the shared steps (ts-build.c, ts-dm.c,
 * ts-guest.c).  Output follows xl where xl prints something.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <stdint.h>
#include <xen/hvm/ioreq.h>
#include <xenstore.h>

#include "xensim/hvclient.h"
#include "xensim/ts.h"
#include "xensim/tslayout.h"
#include "xensim/tsxs.h"

int ts_cmd_create(struct ts *ts, int argc, char **argv)
{
    struct ts_build b = { 0 };
    const char *file = NULL;
    uint32_t domid;
    char *text;
    int i, rc;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-p") == 0) {
            b.paused = true;
        } else if (file == NULL && argv[i][0] != '-') {
            file = argv[i];
        } else {
            return -EINVAL;
        }
    }
    if (file == NULL) {
        return -EINVAL;
    }
    fprintf(stderr, "Parsing config from %s\n", file);
    text = ts_file_read(file, XLCFG_MAX_BYTES + 1);
    if (text == NULL) {
        ts_errx("%s: %s", file, strerror(errno));
        return 1;
    }
    b.cfgtext = text;
    b.cfglen = strlen(text);
    rc = ts_build_domain(ts, &b, &domid);
    free(text);
    return rc < 0 ? 1 : 0;
}

static int find(struct ts *ts, const char *name, uint32_t *domid)
{
    if (ts_dom_find(ts, name, domid) < 0) {
        ts_errx("domain '%s' does not exist", name);
        return -ENOENT;
    }
    return 0;
}

static char state_char(const struct hvc_domain_info *i, bool running)
{
    if (i->dying) {
        return 'd';
    }
    if (i->shutdown) {
        return i->shutdown_reason == 3 ? 'c' : 's';
    }
    if (i->paused) {
        return 'p';
    }
    return running ? 'r' : 'b';
}

/* The guest program's CPU time (its "vCPUs"), from /proc. */
static double guest_cpu_seconds(struct ts *ts, uint32_t domid)
{
    int pid = ts_pid_read(ts, domid, "guest.pid");
    unsigned long ut = 0, st = 0;
    char path[64], *s, *p;
    double secs = 0.0;

    if (pid <= 0) {
        return 0.0;
    }
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    if ((s = ts_file_read(path, 1023)) == NULL) {
        return 0.0;
    }
    /* Fields after the ")" closing comm: state is 3rd, utime 14th. */
    p = strrchr(s, ')');
    if (p != NULL && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u "
                            "%*u %*u %lu %lu", &ut, &st) == 2) {
        secs = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
    }
    free(s);
    return secs;
}

int ts_cmd_list(struct ts *ts, int argc, char **argv)
{
    struct hvc_domain_info info[64];
    uint32_t next = 0;
    int n, i;

    (void)argv;
    if (argc > 1) {
        return -EINVAL;
    }
    printf("%-40s %5s %5s %5s\t%s\t%s\n", "Name", "ID", "Mem", "VCPUs",
           "State", "Time(s)");
    do {
        n = hvc_domain_list(ts->hv, next, info, 64);
        if (n < 0) {
            ts_errx("cannot list domains: %s", strerror(-n));
            return 1;
        }
        for (i = 0; i < n; i++) {
            char path[64], *name;
            bool running;
            snprintf(path, sizeof(path), "/local/domain/%u/name",
                     info[i].domid);
            name = tsxs_read(ts->xs, path);
            running = ts_pid_read(ts, info[i].domid, "guest.pid") > 0 &&
                      ts_guest_signal(ts, info[i].domid, 0) == 0;
            printf("%-40s %5u %5llu %5u     %c-----  %8.1f\n",
                   name != NULL ? name : "(null)", info[i].domid,
                   (unsigned long long)(info[i].mem_pages / 256),
                   info[i].vcpus, state_char(&info[i], running),
                   guest_cpu_seconds(ts, info[i].domid));
            free(name);
            next = info[i].domid + 1;
        }
    } while (n == 64);
    return 0;
}

int ts_cmd_pause(struct ts *ts, int argc, char **argv)
{
    uint32_t domid;
    int rc;

    if (argc != 2) {
        return -EINVAL;
    }
    if (find(ts, argv[1], &domid) < 0) {
        return 1;
    }
    ts_guest_signal(ts, domid, SIGSTOP);    /* its vCPUs stop */
    rc = hvc_domain_pause(ts->hv, domid);
    if (rc < 0) {
        ts_errx("pause %s: %s", argv[1], strerror(-rc));
    }
    return rc < 0 ? 1 : 0;
}

int ts_cmd_unpause(struct ts *ts, int argc, char **argv)
{
    struct ts_dom d;
    uint32_t domid;
    int rc;

    if (argc != 2) {
        return -EINVAL;
    }
    if (find(ts, argv[1], &domid) < 0 || ts_dom_load(ts, domid, &d) < 0) {
        return 1;
    }
    rc = ts_unpause(ts, &d);
    ts_dom_free(&d);
    return rc < 0 ? 1 : 0;
}

/* libxl__destroy_domid: devices, device model, domain, store, files. */
int ts_destroy_domain(struct ts *ts, uint32_t domid)
{
    struct ts_dom d;
    char **trees;
    int pid, i;

    if (ts_dom_load(ts, domid, &d) < 0) {
        memset(&d, 0, sizeof(d));
        d.domid = domid;
        snprintf(d.name, sizeof(d.name), "domain %u", domid);
    }
    pid = ts_pid_read(ts, domid, "guest.pid");
    if (pid > 0) {
        kill(pid, SIGCONT);
        kill(pid, SIGKILL);
    }
    /* The monitor records the guest's end; then it is gone too. */
    if (pid > 0) {
        char st[32];
        ts_guest_wait(ts, domid, 5000, st, sizeof(st));
    }
    ts_dm_stop(ts, &d);
    trees = tsl_destroy_paths(&d.cfg, domid, d.uuid[0] ? d.uuid : "-");
    if (trees != NULL) {
        tsxs_rm_trees(ts->xs, trees);
        tsl_free_paths(trees);
    }
    /* Empty parents go too, as libxl__xs_path_cleanup leaves none. */
    for (i = 0; i < 4; i++) {
        static const char *const kinds[] = { "qdisk", "vfb", "vkbd",
                                             "console" };
        char path[96];
        snprintf(path, sizeof(path), "/local/domain/0/backend/%s", kinds[i]);
        tsxs_rm_if_empty(ts->xs, path);
    }
    tsxs_rm_if_empty(ts->xs, "/local/domain/0/backend");
    hvc_domain_destroy(ts->hv, domid);
    if (xs_is_domain_introduced(ts->xs, domid)) {
        xs_release_domain(ts->xs, domid);
    }
    ts_dom_forget(ts, domid);
    ts_dom_free(&d);
    return 0;
}

int ts_cmd_destroy(struct ts *ts, int argc, char **argv)
{
    uint32_t domid;

    if (argc != 2) {
        return -EINVAL;
    }
    if (find(ts, argv[1], &domid) < 0) {
        return 1;
    }
    return ts_destroy_domain(ts, domid) < 0 ? 1 : 0;
}

int ts_cmd_wait(struct ts *ts, int argc, char **argv)
{
    char status[32], *end;
    uint32_t domid;
    long secs = -1;
    int rc;

    if (argc < 2 || argc > 3) {
        return -EINVAL;
    }
    if (argc == 3) {
        secs = strtol(argv[2], &end, 10);
        if (*end != '\0' || secs < 0 || secs > 86400) {
            return -EINVAL;
        }
    }
    if (find(ts, argv[1], &domid) < 0) {
        return 1;
    }
    rc = ts_guest_wait(ts, domid, secs < 0 ? -1 : (int)secs * 1000, status,
                       sizeof(status));
    if (rc == -ETIMEDOUT) {
        ts_errx("%s: the guest program is still running after %ld s",
                argv[1], secs);
        return 124;
    }
    if (strncmp(status, "signal ", 7) == 0) {
        return 128 + atoi(status + 7);
    }
    if (strcmp(status, "suspended") == 0) {
        return TS_GUEST_SUSPENDED;
    }
    return atoi(status);
}

static int parse_io(const char *op, bool *write, uint32_t *size)
{
    static const struct {
        char c;
        uint32_t size;
    } sizes[] = { { 'b', 1 }, { 'w', 2 }, { 'l', 4 } };
    size_t i, n = strlen(op);

    if (n != 3 && n != 4) {
        return -EINVAL;
    }
    if (strncmp(op, "in", 2) == 0 && n == 3) {
        *write = false;
    } else if (strncmp(op, "out", 3) == 0 && n == 4) {
        *write = true;
    } else {
        return -EINVAL;
    }
    for (i = 0; i < 3; i++) {
        if (op[n - 1] == sizes[i].c) {
            *size = sizes[i].size;
            return 0;
        }
    }
    return -EINVAL;
}

int ts_cmd_io(struct ts *ts, int argc, char **argv)
{
    struct hvc_io io = { 0 };
    struct hvc_domain_info info;
    unsigned long port, value = 0;
    uint32_t domid, size;
    bool write;
    char *end;
    int rc;

    if (argc < 4 || argc > 5 || parse_io(argv[2], &write, &size) < 0 ||
        (write != (argc == 5))) {
        return -EINVAL;
    }
    port = strtoul(argv[3], &end, 0);
    if (*end != '\0' || port > 0xffff) {
        return -EINVAL;
    }
    if (write) {
        value = strtoul(argv[4], &end, 0);
        if (*end != '\0' || (size < 4 && value >> (size * 8) != 0) ||
            value > 0xffffffffUL) {
            return -EINVAL;
        }
    }
    if (find(ts, argv[1], &domid) < 0) {
        return 1;
    }
    if ((rc = hvc_domain_info(ts->hv, domid, &info)) < 0 ||
        info.type != HVC_DOM_HVM) {
        ts_errx("%s: not an HVM domain", argv[1]);
        return 1;
    }
    io.type = IOREQ_TYPE_PIO;
    io.dir = write ? IOREQ_WRITE : IOREQ_READ;
    io.size = size;
    io.count = 1;
    io.addr = port;
    io.data = value;
    rc = hvc_vcpu_io(ts->hv, domid, 0, &io);
    if (rc < 0) {
        ts_errx("%s: port access failed: %s", argv[1], strerror(-rc));
        return 1;
    }
    if (!write) {
        printf("0x%0*llx\n", (int)size * 2,
               (unsigned long long)(io.data &
                                    (size == 4 ? 0xffffffffull
                                               : (1ull << (size * 8)) - 1)));
    }
    return 0;
}
