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

/* The guest's blkfront: grant the ring and 11 data pages, connect. */
bool disk_connect(struct env *e, struct disk *d)
{
    char fe[128], be[160], v[16];
    int port;

    snprintf(fe, sizeof(fe), "/local/domain/%u/device/vbd/%u", e->domid,
             d->devid);
    snprintf(be, sizeof(be), "/local/domain/0/backend/qdisk/%u/%u/state",
             e->domid, d->devid);
    if (!wait_key(e, be, "2", 5000)) {
        return false;
    }
    fring_init(&d->f, BLKIF_PROTO_X86_64, gpage(e, d->data_gfn0 - 1), 4096);
    hvc_grant_access(e->guest, d->ring_ref, 0, d->data_gfn0 - 1, false);
    for (uint32_t i = 0; i < d->ndata; i++) {
        hvc_grant_access(e->guest, d->data_ref0 + i, 0, d->data_gfn0 + i,
                         false);
    }
    port = hvc_evtchn_alloc_unbound(e->guest, 0);
    if (port < 0) {
        return false;
    }
    d->port = (uint32_t)port;
    snprintf(v, sizeof(v), "%u", d->ring_ref);
    put(e, "%s/ring-ref", v, fe);
    snprintf(v, sizeof(v), "%u", d->port);
    put(e, "%s/event-channel", v, fe);
    put(e, "%s/protocol", "x86_64-abi", fe);
    put(e, "%s/feature-persistent", "1", fe);
    put(e, "%s/state", "4", fe);
    return wait_key(e, be, "4", 5000);
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
