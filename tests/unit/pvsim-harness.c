/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim + xendm environment for PV tests and benches: see
 * pvsim-harness.h.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/pvsim-harness.h"
#include "xen/store.h"
#include "xensim/hvclient.h"

void msleep(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

bool env_dm_alive(struct env *e)
{
    int status;

    if (e->dm <= 0) {
        return false;
    }
    if (waitpid(e->dm, &status, WNOHANG) == e->dm) {
        printf("# xendm exited (%s %d)\n",
               WIFSIGNALED(status) ? "signal" : "status",
               WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        e->dm = -1;
        return false;
    }
    return true;
}

bool wait_key(struct env *e, const char *path, const char *want,
                     int ms)
{
    for (int i = 0; i < ms / 10; i++) {
        char *v = store_read(e->st, path, NULL);
        bool same = v && strcmp(v, want) == 0;

        free(v);
        if (same) {
            return true;
        }
        msleep(10);
    }
    return false;
}

int put(struct env *e, const char *fmt, const char *val, ...)
{
    char path[256];
    va_list ap;

    va_start(ap, val);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    return store_write_str(e->st, path, val);
}

static int run(const char *const argv[])
{
    pid_t p = fork();
    int status;

    if (p == 0) {
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (p < 0 || waitpid(p, &status, 0) < 0) {
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int env_start(struct env *e)
{
    const char *bd = getenv("top_builddir");
    char sock[400], qmp[400], chan[400], dom[16];
    struct hvc_domain_config cfg = {.type = HVC_DOM_PV, .vcpus = 1,
                                    .mem_kib = e->mem_kib ? e->mem_kib
                                                          : 16384};

    snprintf(e->xensim, sizeof(e->xensim), "%s/xensim/xensim", bd ? bd : ".");
    snprintf(e->xendm, sizeof(e->xendm), "%s/xendm", bd ? bd : ".");
    if (access(e->xensim, X_OK) != 0 || access(e->xendm, X_OK) != 0) {
        return -ENOENT;
    }
    if (harness_start(&e->h) < 0) {
        return -EIO;
    }
    {
        const char *argv[] = {e->xensim, "start", "--dir", e->h.dir, NULL};

        if (run(argv) != 0) {
            return -EIO;
        }
    }
    {
        char pidf[300];
        FILE *f;

        snprintf(pidf, sizeof(pidf), "%s/xensim.pid", e->h.dir);
        f = fopen(pidf, "r");
        if (f) {
            if (fscanf(f, "%d", &e->xs_pid) != 1) {
                e->xs_pid = 0;
            }
            fclose(f);
        }
    }
    snprintf(sock, sizeof(sock), "%s/xenstored.sock", e->h.dir);
    setenv("XENSTORED_PATH", sock, 1);
    setenv("XENSIM_DIR", e->h.dir, 1);
    e->st = store_open(sock, sizeof(sock));
    e->ctl = hvc_open(e->h.dir, HVC_CONTROL);
    if (e->st == NULL || e->ctl == NULL ||
        hvc_domain_create(e->ctl, &cfg, &e->domid) < 0) {
        return -EIO;
    }
    e->guest = hvc_open(e->h.dir, e->domid);
    e->mem = e->guest ? hvc_memory(e->guest, &e->pages) : NULL;
    if (e->mem == NULL) {
        return -EIO;
    }
    put(e, "/local/domain/%u/name", "pv1", e->domid);
    snprintf(dom, sizeof(dom), "%u", e->domid);
    snprintf(qmp, sizeof(qmp),
             "socket,id=libxl-cmd,path=%s/qmp-libxl,server=on,wait=off",
             e->h.dir);
    snprintf(chan, sizeof(chan),
             "socket,id=libxl-channel1,path=%s/chan1,server=on,wait=off",
             e->h.dir);
    e->dm = fork();
    if (e->dm == 0) {
        char log[400];
        int fd;

        snprintf(log, sizeof(log), "%s/xendm.log", e->h.dir);
        fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 2);
        }
        execl(e->xendm, e->xendm, "-xen-domid", dom, "-no-shutdown",
              "-chardev", qmp, "-mon", "chardev=libxl-cmd,mode=control",
              "-nodefaults", "-no-user-config", "-xen-attach", "-name",
              "pv1", "-chardev", chan, "-vnc", "none", "-display", "none",
              "-machine", "xenpv",
              "-m", "16", (char *)NULL);
        _exit(127);
    }
    return e->dm > 0 ? 0 : -errno;
}

void env_stop(struct env *e)
{
    if (env_dm_alive(e)) {
        kill(e->dm, SIGHUP);
        for (int i = 0; i < 200 && waitpid(e->dm, NULL, WNOHANG) == 0; i++) {
            msleep(10);
        }
        kill(e->dm, SIGKILL);
        waitpid(e->dm, NULL, 0);
    }
    if (e->guest) {
        hvc_close(e->guest);
    }
    if (e->ctl) {
        hvc_close(e->ctl);
    }
    store_close(e->st);
    {
        const char *argv[] = {e->xensim, "stop", "--dir", e->h.dir, NULL};

        run(argv);
    }
    harness_stop(&e->h);
}

uint8_t *gpage(struct env *e, uint32_t gfn)
{
    return e->mem + (size_t)gfn * 4096;
}

/* libxl's backend dir and the frontend's initial dir for one disk. */
void disk_add(struct env *e, struct disk *d, unsigned devid, uint32_t gfn0,
              uint64_t bytes, uint32_t ndata)
{
    char be[128], fe[128], params[340], dom[16];
    int fd;

    d->devid = devid;
    snprintf(d->img, sizeof(d->img), "%s/disk-%u.img", e->h.dir, devid);
    fd = open(d->img, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
        if (ftruncate(fd, (off_t)bytes) < 0) {
            /* the test below fails */
        }
        close(fd);
    }
    d->bytes = bytes;
    d->ndata = ndata;
    d->ring_ref = gfn0 - RING_GFN + 1;
    d->data_gfn0 = gfn0 + 1;
    d->data_ref0 = d->ring_ref + 1;
    snprintf(be, sizeof(be), "/local/domain/0/backend/qdisk/%u/%u", e->domid,
             devid);
    snprintf(fe, sizeof(fe), "/local/domain/%u/device/vbd/%u", e->domid,
             devid);
    snprintf(params, sizeof(params), "aio:%s", d->img);
    snprintf(dom, sizeof(dom), "%u", e->domid);
    put(e, "%s/state", "1", fe);
    put(e, "%s/backend", be, fe);
    put(e, "%s/backend-id", "0", fe);
    put(e, "%s/virtual-device", "51712", fe);
    put(e, "%s/device-type", "disk", fe);
    put(e, "%s/frontend", fe, be);
    put(e, "%s/params", params, be);
    put(e, "%s/frontend-id", dom, be);
    put(e, "%s/removable", "0", be);
    put(e, "%s/bootable", "1", be);
    put(e, "%s/dev", "xvda", be);
    put(e, "%s/type", "qdisk", be);
    put(e, "%s/mode", d->mode ? d->mode : "w", be);
    put(e, "%s/device-type", "disk", be);
    put(e, "%s/discard-enable", "1", be);
    put(e, "%s/online", "1", be);
    put(e, "%s/state", "1", be);
}

void disk_queue_add(struct disk *qs, unsigned i, uint32_t gfn0)
{
    struct disk *q = &qs[i];

    *q = qs[0];
    q->ring_ref = gfn0 - RING_GFN + 1;
    q->data_gfn0 = gfn0 + 1;
    q->data_ref0 = q->ring_ref + 1;
}

/* Grants queue i's ring and data pages and binds its port. */
static bool queue_setup(struct env *e, struct disk *d)
{
    int port;

    fring_init(&d->f, BLKIF_PROTO_X86_64, gpage(e, d->data_gfn0 - 1), 4096);
    hvc_grant_access(e->guest, d->ring_ref, 0, d->data_gfn0 - 1, false);
    for (uint32_t i = 0; i < d->ndata; i++) {
        hvc_grant_access(e->guest, d->data_ref0 + i, 0, d->data_gfn0 + i,
                         false);
    }
    port = hvc_evtchn_alloc_unbound(e->guest, 0);
    d->port = (uint32_t)port;
    return port >= 0;
}

/*
 * The guest's blkfront: grant each queue's ring and data pages and
 * connect, with Linux blkfront's keys (queue-<i>/ when n > 1).
 */
bool disk_connect_mq(struct env *e, struct disk *qs, unsigned n)
{
    char fe[128], be[160], v[16], dir[160];

    snprintf(fe, sizeof(fe), "/local/domain/%u/device/vbd/%u", e->domid,
             qs[0].devid);
    snprintf(be, sizeof(be), "/local/domain/0/backend/qdisk/%u/%u/state",
             e->domid, qs[0].devid);
    if (!wait_key(e, be, "2", 5000)) {
        return false;
    }
    for (unsigned i = 0; i < n; i++) {
        if (!queue_setup(e, &qs[i])) {
            return false;
        }
        if (n > 1) {
            snprintf(dir, sizeof(dir), "%s/queue-%u", fe, i);
        } else {
            snprintf(dir, sizeof(dir), "%s", fe);
        }
        snprintf(v, sizeof(v), "%u", qs[i].ring_ref);
        put(e, "%s/ring-ref", v, dir);
        snprintf(v, sizeof(v), "%u", qs[i].port);
        put(e, "%s/event-channel", v, dir);
    }
    if (n > 1) {
        snprintf(v, sizeof(v), "%u", n);
        put(e, "%s/multi-queue-num-queues", v, fe);
    }
    put(e, "%s/protocol", "x86_64-abi", fe);
    put(e, "%s/feature-persistent", "1", fe);
    put(e, "%s/state", "4", fe);
    return wait_key(e, be, "4", 5000);
}

bool disk_connect(struct env *e, struct disk *d)
{
    return disk_connect_mq(e, d, 1);
}

static uint32_t rnd(struct env *e)
{
    e->seed = e->seed * 1103515245u + 12345u;
    return e->seed >> 8;
}

/* Fills the segments' sectors with random bytes, recorded in shadow. */
static void fill_random(struct env *e, struct disk *d,
                        const struct blkif_seg *segs, uint32_t nseg,
                        uint64_t pos)
{
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
}

bool disk_roundtrip(struct env *e, struct disk *d)
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
    sector = rnd(e) % (d->bytes / 512 - secs);
    fill_random(e, d, segs, nseg, sector * 512);
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

bool disk_file_matches(const struct disk *d)
{
    uint8_t *buf = malloc(d->bytes);
    int fd = open(d->img, O_RDONLY);
    bool same = buf && fd >= 0 &&
                pread(fd, buf, d->bytes, 0) == (ssize_t)d->bytes &&
                memcmp(buf, d->shadow, d->bytes) == 0;

    if (fd >= 0) {
        close(fd);
    }
    free(buf);
    return same;
}

/* Pushes what is queued, notifies, waits for n responses. */
int disk_wait(struct env *e, struct disk *d, unsigned n,
                     int16_t *st)
{
    unsigned got = 0;
    uint64_t id;
    uint8_t op;

    fring_push(&d->f);
    hvc_evtchn_notify(e->guest, d->port);
    /* At most 5 s, and none at all once xendm is gone. */
    for (int i = 0; i < 50 && got < n && env_dm_alive(e); i++) {
        int16_t s;

        while (got < n && fring_get_rsp(&d->f, &id, &op, &s) == 1) {
            st[got++] = s;
        }
        if (got < n) {
            int p = hvc_evtchn_wait(e->guest, 100);

            /* wait hands back a pending port, masked: unmask it too. */
            if (p >= 0) {
                hvc_evtchn_unmask(e->guest, (uint32_t)p);
            }
            while ((p = hvc_evtchn_pending(e->guest)) >= 0) {
                hvc_evtchn_unmask(e->guest, (uint32_t)p);
            }
        }
    }
    return (int)got;
}


long env_dm_rss_kb(struct env *e)
{
    char path[64], line[128];
    FILE *f;
    long kb = -1;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)e->dm);
    f = fopen(path, "r");
    while (f && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kb = strtol(line + 6, NULL, 10);
        }
    }
    if (f) {
        fclose(f);
    }
    return kb;
}
