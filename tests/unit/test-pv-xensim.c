/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The real xendm binary serving qdisk disks on xensim: xensim's
 * hypervisor services (tests/unit/hv-harness.c, as the daemon hosts
 * them) and its xenstored (`xensim start`) in a private temp dir, a PV
 * domain created through the control connection, xendm started with
 * libxl's argv for a PV guest, and this program playing libxl (the
 * backend and frontend directories, as xensim's toolstack layout
 * writes them) and the guest's blkfront: its own memory, grant table
 * and event channels through xensim's guest connection, real
 * libxenstore through xen/store.h.
 * Covers: readiness and backends advertised, connect, data integrity
 * with random sizes and alignments on two disks, hostile requests and
 * a broken ring on one disk while the other keeps verifying, an event
 * flood, frontend close and reconnect (the restore path) with data
 * intact, query-blockstats over QMP, removal.  Skips (TAP SKIP) when
 * the xensim binary is not built.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/tap.h"
#include "tests/unit/blk-harness.h"
#include "tests/unit/hv-harness.h"
#include "tests/unit/pvsim-harness.h"
#include "xen/store.h"
#include "xensim/hvclient.h"

#define DISK_BYTES (4u << 20)

static uint32_t rnd(struct env *e)
{
    e->seed = e->seed * 1103515245u + 12345u;
    return e->seed >> 8;
}

/* One random write then read back of up to 11 segments. */
static bool disk_roundtrip(struct env *e, struct disk *d)
{
    struct blkif_seg segs[11];
    uint32_t nseg = 1 + rnd(e) % 11, secs = 0;
    uint64_t sector, pos;
    int16_t st[1];

    for (uint32_t i = 0; i < nseg; i++) {
        uint8_t a = (uint8_t)(rnd(e) % 8), b = (uint8_t)(rnd(e) % 8);

        segs[i] = (struct blkif_seg){d->data_ref0 + i, a < b ? a : b,
                                     a < b ? b : a};
        secs += (uint32_t)(segs[i].last_sect - segs[i].first_sect + 1);
    }
    sector = rnd(e) % (DISK_BYTES / 512 - secs);
    pos = sector * 512;
    for (uint32_t i = 0; i < nseg; i++) {
        uint8_t *p = gpage(e, d->data_gfn0 + i) + segs[i].first_sect * 512;
        size_t len = (size_t)(segs[i].last_sect - segs[i].first_sect + 1) *
                     512;

        for (size_t j = 0; j < len; j++) {
            p[j] = (uint8_t)rnd(e);
        }
        memcpy(d->shadow + pos, p, len);
        pos += len;
    }
    fring_put_rw(&d->f, BLKIF_OP_WRITE, 1, sector, (uint8_t)nseg, segs);
    if (disk_wait(e, d, 1, st) != 1 || st[0] != BLKIF_RSP_OKAY) {
        return false;
    }
    for (uint32_t i = 0; i < nseg; i++) {
        memset(gpage(e, d->data_gfn0 + i), 0, 4096);
    }
    fring_put_rw(&d->f, BLKIF_OP_READ, 2, sector, (uint8_t)nseg, segs);
    if (disk_wait(e, d, 1, st) != 1 || st[0] != BLKIF_RSP_OKAY) {
        return false;
    }
    pos = sector * 512;
    for (uint32_t i = 0; i < nseg; i++) {
        uint8_t *p = gpage(e, d->data_gfn0 + i) + segs[i].first_sect * 512;
        size_t len = (size_t)(segs[i].last_sect - segs[i].first_sect + 1) *
                     512;

        if (memcmp(p, d->shadow + pos, len) != 0) {
            return false;
        }
        pos += len;
    }
    return true;
}

static bool file_matches(struct disk *d)
{
    uint8_t *buf = malloc(DISK_BYTES);
    int fd = open(d->img, O_RDONLY);
    bool same = buf && fd >= 0 &&
                pread(fd, buf, DISK_BYTES, 0) == (ssize_t)DISK_BYTES &&
                memcmp(buf, d->shadow, DISK_BYTES) == 0;

    if (fd >= 0) {
        close(fd);
    }
    free(buf);
    return same;
}

static void hostile(struct env *e, struct disk *bad, struct disk *good)
{
    static const struct {
        const char *what;
        uint8_t op, nseg;
        uint64_t sector;
        struct blkif_seg seg;
        int16_t want;
    } cases[] = {
        {"ungranted gref", BLKIF_OP_WRITE, 1, 0, {4000, 0, 7},
         BLKIF_RSP_ERROR},
        {"sector past the end", BLKIF_OP_READ, 1, DISK_BYTES / 512,
         {0, 0, 0}, BLKIF_RSP_ERROR},
        {"nr_segments 12", BLKIF_OP_READ, 12, 0, {0, 0, 0},
         BLKIF_RSP_ERROR},
        {"last_sect < first_sect", BLKIF_OP_READ, 1, 0, {0, 6, 1},
         BLKIF_RSP_ERROR},
        {"unknown operation 9", 9, 1, 0, {0, 0, 0}, BLKIF_RSP_EOPNOTSUPP},
    };
    int16_t st[1];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct blkif_seg segs[12];

        for (int j = 0; j < 12; j++) {
            segs[j] = cases[i].seg;
            if (segs[j].gref == 0) {
                segs[j].gref = bad->data_ref0;
            }
        }
        fring_put_rw(&bad->f, cases[i].op, 7, cases[i].sector,
                     cases[i].nseg, segs);
        ok(disk_wait(e, bad, 1, st) == 1 && st[0] == cases[i].want,
           "xensim: %s answered %d", cases[i].what, cases[i].want);
        ok(disk_roundtrip(e, good), "xensim: other disk verifies meanwhile");
    }
    /* Event flood from the bad frontend. */
    for (int i = 0; i < 20000; i++) {
        hvc_evtchn_notify(e->guest, bad->port);
    }
    ok(disk_roundtrip(e, good) && disk_roundtrip(e, good),
       "xensim: other disk verifies during an event flood");
    /* Ring-index game: req_prod a ring and more ahead. */
    __atomic_store_n((uint32_t *)bad->f.sring, bad->f.req_prod_pvt + 100,
                     __ATOMIC_RELEASE);
    hvc_evtchn_notify(e->guest, bad->port);
    msleep(50);
    ok(disk_roundtrip(e, good), "xensim: broken ring on one disk, the other"
       " keeps serving");
}

/* A PV console channel (type ioemu) on -chardev socket libxl-channel1. */
static void console_channel(struct env *e)
{
    char fe[96], be[96], p[160], v[16];
    uint32_t gfn = 200, ref = 600, prod;
    uint8_t *pg = gpage(e, gfn);
    int port, fd;
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    char buf[64];
    size_t got = 0;

    snprintf(fe, sizeof(fe), "/local/domain/%u/device/console/1", e->domid);
    snprintf(be, sizeof(be), "/local/domain/0/backend/console/%u/1",
             e->domid);
    snprintf(v, sizeof(v), "%u", e->domid);
    put(e, "%s/type", "ioemu", fe);
    put(e, "%s/name", "channel1", fe);
    put(e, "%s/state", "1", fe);
    put(e, "%s/frontend", fe, be);
    put(e, "%s/frontend-id", v, be);
    put(e, "%s/protocol", "vt100", be);
    put(e, "%s/output", "chardev:libxl-channel1", fe); /* QEMU reads the frontend's */
    put(e, "%s/online", "1", be);
    put(e, "%s/state", "1", be);
    snprintf(p, sizeof(p), "%s/state", be);
    ok(wait_key(e, p, "2", 3000), "console channel: backend InitWait");
    memset(pg, 0, 4096);
    hvc_grant_access(e->guest, ref, 0, gfn, false);
    port = hvc_evtchn_alloc_unbound(e->guest, 0);
    snprintf(v, sizeof(v), "%u", ref);
    put(e, "%s/ring-ref", v, fe);
    snprintf(v, sizeof(v), "%d", port);
    put(e, "%s/port", v, fe);
    put(e, "%s/state", "4", fe);
    ok(wait_key(e, p, "4", 3000), "console channel: Connected");

    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    memcpy(a.sun_path, e->h.dir, strlen(e->h.dir));
    memcpy(a.sun_path + strlen(e->h.dir), "/chan1", 7);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        ok(0, "console channel: connect to the chardev socket");
        return;
    }
    msleep(100); /* let xendm accept the client */
    memcpy(pg + 1024, "hello", 5);
    prod = 5;
    __atomic_store_n((uint32_t *)(pg + 3084), prod, __ATOMIC_RELEASE);
    hvc_evtchn_notify(e->guest, (uint32_t)port);
    {
        struct timeval tv = {3, 0};

        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    }
    while (got < 5) {
        ssize_t n = read(fd, buf + got, sizeof(buf) - got);

        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    ok(got == 5 && memcmp(buf, "hello", 5) == 0,
       "console channel: guest output comes out of the chardev socket");
    if (write(fd, "typed", 5) != 5) {
        ok(0, "console channel: write to the socket");
    } else {
        uint32_t in_prod = 0;

        for (int i = 0; i < 300 && in_prod < 5; i++) {
            msleep(10);
            in_prod = __atomic_load_n((uint32_t *)(pg + 3076),
                                      __ATOMIC_ACQUIRE);
        }
        ok(in_prod == 5 && memcmp(pg, "typed", 5) == 0,
           "console channel: socket input reaches the guest's ring");
    }
    close(fd);
}

/* vkbd connects (input comes from VNC, which is not there yet). */
static void vkbd_connect(struct env *e)
{
    char fe[96], be[96], p[160], v[16];
    uint32_t gfn = 201, ref = 601;
    int port;

    snprintf(fe, sizeof(fe), "/local/domain/%u/device/vkbd/0", e->domid);
    snprintf(be, sizeof(be), "/local/domain/0/backend/vkbd/%u/0", e->domid);
    snprintf(v, sizeof(v), "%u", e->domid);
    put(e, "%s/state", "1", fe);
    put(e, "%s/frontend", fe, be);
    put(e, "%s/frontend-id", v, be);
    put(e, "%s/online", "1", be);
    put(e, "%s/state", "1", be);
    snprintf(p, sizeof(p), "%s/feature-abs-pointer", be);
    ok(wait_key(e, p, "1", 3000), "vkbd: feature-abs-pointer written");
    memset(gpage(e, gfn), 0, 4096);
    hvc_grant_access(e->guest, ref, 0, gfn, false);
    port = hvc_evtchn_alloc_unbound(e->guest, 0);
    snprintf(v, sizeof(v), "%u", ref);
    put(e, "%s/page-gref", v, fe);
    snprintf(v, sizeof(v), "%d", port);
    put(e, "%s/event-channel", v, fe);
    put(e, "%s/request-abs-pointer", "1", fe);
    put(e, "%s/state", "4", fe);
    snprintf(p, sizeof(p), "%s/state", be);
    ok(wait_key(e, p, "4", 3000), "vkbd: Connected");
}

static bool qmp_blockstats(struct env *e, uint64_t *wr_ops)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    char buf[16384], *p;
    size_t len = 0;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    const char *cmds = "{\"execute\":\"qmp_capabilities\"}\r\n"
                       "{\"execute\":\"query-blockstats\"}\r\n";

    if (strlen(e->h.dir) + 12 > sizeof(a.sun_path)) {
        return false;
    }
    memcpy(a.sun_path, e->h.dir, strlen(e->h.dir));
    memcpy(a.sun_path + strlen(e->h.dir), "/qmp-libxl", 11);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        write(fd, cmds, strlen(cmds)) != (ssize_t)strlen(cmds)) {
        return false;
    }
    for (int i = 0; i < 100 && len < sizeof(buf) - 1; i++) {
        ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);

        if (n <= 0) {
            break;
        }
        len += (size_t)n;
        buf[len] = '\0';
        if (strstr(buf, "wr_operations")) {
            break;
        }
    }
    close(fd);
    buf[len] = '\0';
    /* The busiest disk's count (the order of disks is not specified). */
    *wr_ops = 0;
    for (p = strstr(buf, "\"wr_operations\":"); p != NULL;
         p = strstr(p + 1, "\"wr_operations\":")) {
        uint64_t v = strtoull(p + 16, NULL, 10);

        *wr_ops = v > *wr_ops ? v : *wr_ops;
    }
    if (*wr_ops == 0) {
        printf("# qmp said: %.300s\n", buf);
    }
    return *wr_ops > 0;
}

static pid_t alarm_pids[3];

/* The whole test must never hang a suite: kill what we started. */
static void on_alarm(int sig)
{
    static const char msg[] = "Bail out! test-pv-xensim timed out\n";

    for (int i = 0; i < 3; i++) {
        if (alarm_pids[i] > 0) {
            kill(alarm_pids[i], SIGKILL);
        }
    }
    if (write(1, msg, sizeof(msg) - 1) < 0) {
        /* nothing more to do */
    }
    _exit(1);
}

int main(void)
{
    struct env e;
    struct disk d1, d2;
    char path[200];
    bool all = true;
    int rc;

    memset(&e, 0, sizeof(e));
    memset(&d1, 0, sizeof(d1));
    memset(&d2, 0, sizeof(d2));
    e.seed = 99;
    rc = env_start(&e);
    if (rc == -ENOENT) {
        printf("1..0 # SKIP xensim or xendm not built\n");
        return 0;
    }
    alarm_pids[0] = e.dm;
    alarm_pids[1] = e.h.pid;
    alarm_pids[2] = e.xs_pid;
    signal(SIGALRM, on_alarm);
    alarm(240);
    ok(rc == 0, "xensim host, PV domain %u and xendm started", e.domid);
    if (rc != 0) {
        env_stop(&e);
        return tap_done();
    }
    snprintf(path, sizeof(path), "/local/domain/0/device-model/%u/state",
             e.domid);
    ok(wait_key(&e, path, "running", 10000), "xendm reports running");
    snprintf(path, sizeof(path),
             "/local/domain/0/device-model/%u/backends/qdisk", e.domid);
    ok(wait_key(&e, path, "", 100), "backends/qdisk advertised");

    disk_add(&e, &d1, 51712, RING_GFN, DISK_BYTES, 11);
    disk_add(&e, &d2, 51728, RING_GFN + 32, DISK_BYTES, 11);
    d1.shadow = calloc(1, DISK_BYTES);
    d2.shadow = calloc(1, DISK_BYTES);
    ok(disk_connect(&e, &d1), "disk 1: backend InitWait, then Connected");
    ok(disk_connect(&e, &d2), "disk 2: Connected");
    for (int i = 0; i < 40; i++) {
        all &= disk_roundtrip(&e, i % 2 ? &d1 : &d2);
    }
    ok(all, "40 random write/read round trips over grant copy");
    ok(file_matches(&d1) && file_matches(&d2),
       "image files hold exactly what the guest wrote");

    hostile(&e, &d2, &d1);
    if (!env_dm_alive(&e)) {
        ok(0, "xendm survived the hostile frontend");
        env_stop(&e);
        return tap_done();
    }

    /* State-machine abuse on the disk whose ring is broken, then a clean
     * reconnect brings it back. */
    {
        static const char *const junk[] = {"7", "-1", "", "4x",
                                           "99999999999999999999", "3"};
        char fe[128], be[160];

        snprintf(fe, sizeof(fe), "/local/domain/%u/device/vbd/51728",
                 e.domid);
        snprintf(be, sizeof(be), "/local/domain/0/backend/qdisk/%u/51728/"
                 "state", e.domid);
        for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
            put(&e, "%s/state", junk[i], fe);
            msleep(20);
            ok(disk_roundtrip(&e, &d1), "frontend state '%s' on disk 2:"
               " disk 1 unaffected", junk[i]);
        }
        put(&e, "%s/state", "6", fe);
        ok(wait_key(&e, be, "6", 3000), "disk 2 Closed after the abuse");
        put(&e, "%s/state", "1", fe);
        memset(gpage(&e, d2.data_gfn0 - 1), 0, 4096);
        ok(disk_connect(&e, &d2), "disk 2 reconnects with a fresh ring");
        ok(disk_roundtrip(&e, &d2) && disk_roundtrip(&e, &d2),
           "disk 2 serves again after its broken ring");
    }

    /* Frontend close and come back (what a restored guest does). */
    {
        char fe[128], be[160];

        snprintf(fe, sizeof(fe), "/local/domain/%u/device/vbd/51712",
                 e.domid);
        snprintf(be, sizeof(be), "/local/domain/0/backend/qdisk/%u/51712/"
                 "state", e.domid);
        put(&e, "%s/state", "5", fe);
        ok(wait_key(&e, be, "5", 3000), "frontend Closing: backend Closing");
        put(&e, "%s/state", "6", fe);
        ok(wait_key(&e, be, "6", 3000), "frontend Closed: backend Closed");
        put(&e, "%s/state", "1", fe);
        memset(gpage(&e, d1.data_gfn0 - 1), 0, 4096);
        ok(disk_connect(&e, &d1), "frontend back: reconnected");
        all = true;
        for (int i = 0; i < 10; i++) {
            all &= disk_roundtrip(&e, &d1);
        }
        ok(all && file_matches(&d1), "after reconnect: data intact and"
           " new I/O verifies");
    }
    /* A read-only disk (xl access=ro): writes fail, reads work. */
    {
        struct disk d3;
        struct blkif_seg seg;
        int16_t st[1] = {99};
        char p[160];

        memset(&d3, 0, sizeof(d3));
        d3.mode = "r";
        disk_add(&e, &d3, 51744, RING_GFN + 96, DISK_BYTES, 11);
        ok(disk_connect(&e, &d3), "read-only disk connects");
        snprintf(p, sizeof(p), "/local/domain/0/backend/qdisk/%u/51744/info",
                 e.domid);
        ok(wait_key(&e, p, "4", 1000), "read-only disk: info = VDISK_READONLY");
        seg = (struct blkif_seg){d3.data_ref0, 0, 7};
        fring_put_rw(&d3.f, BLKIF_OP_WRITE, 1, 0, 1, &seg);
        ok(disk_wait(&e, &d3, 1, st) == 1 && st[0] == BLKIF_RSP_ERROR,
           "read-only disk: write refused");
        fring_put_rw(&d3.f, BLKIF_OP_READ, 2, 0, 1, &seg);
        ok(disk_wait(&e, &d3, 1, st) == 1 && st[0] == BLKIF_RSP_OKAY,
           "read-only disk: read works");
    }
    {
        uint64_t wr = 0;
        bool got = qmp_blockstats(&e, &wr);

        ok(got && wr > 0,
           "query-blockstats over QMP reports the writes (%llu on the busiest disk)",
           (unsigned long long)wr);
    }
    {
        snprintf(path, sizeof(path),
                 "/local/domain/0/backend/qdisk/%u/51728/online", e.domid);
        store_write_str(e.st, path, "0");
        snprintf(path, sizeof(path),
                 "/local/domain/%u/device/vbd/51728/state", e.domid);
        store_write_str(e.st, path, "6");
        snprintf(path, sizeof(path),
                 "/local/domain/0/backend/qdisk/%u/51728/state", e.domid);
        ok(wait_key(&e, path, "6", 3000), "online=0: disk 2 removed");
    }
    console_channel(&e);
    vkbd_connect(&e);
    printf("# xendm VmRSS while serving: %ld KiB\n", env_dm_rss_kb(&e));
    ok(kill(e.dm, 0) == 0, "xendm still alive at the end");
    env_stop(&e);
    free(d1.shadow);
    free(d2.shadow);
    return tap_done();
}
