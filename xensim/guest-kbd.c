/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vkbd frontend (io/kbdif.h; Linux xen-kbdfront), which the idle
 * workload runs on every device/vkbd/<n>: wait for the backend's
 * InitWait, read feature-abs-pointer, grant one page (struct
 * xenkbd_page: the in ring of 40-byte events at 1024, the out ring at
 * 3072), bind an unbound event channel, write page-ref (the frame),
 * page-gref, event-channel and request-abs-pointer, go Initialised,
 * and Connected once the backend is.  Events the backend sends are
 * counted; in_prod is untrusted (a producer more than a ring ahead is
 * ignored and the ring abandoned).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include <stdint.h>
#include <xen/xen.h>
#include <xen/io/kbdif.h>
#include <xen/io/xenbus.h>

#include "xensim/guest.h"
#include "xensim/hvclient.h"

#define KBD_MAX 4
#define KBD_TIMEOUT_MS 60000

struct kbd {
    char fe[48], be[160];
    struct xenkbd_page *page;
    int port;
    bool broken;
};

static struct kbd kbds[KBD_MAX];
static unsigned nkbds;

static int kbd_wait(struct guest *g, struct kbd *k, long lo, long hi)
{
    int waited;

    for (waited = 0; waited < KBD_TIMEOUT_MS; waited += 50) {
        long st = guest_xs_read_long(g, k->be, "state");
        if (st >= lo && st <= hi) {
            return 0;
        }
        if (guest_control(g, 50) == GUEST_CTL_SUSPEND) {
            guest_suspend(g);
        }
    }
    return -ETIMEDOUT;
}

static int kbd_connect(struct guest *g, struct kbd *k)
{
    char path[80], *v;
    unsigned len;
    uint64_t gfn;
    long abs;
    int ref, rc;

    snprintf(path, sizeof(path), "%s/backend", k->fe);
    if ((v = xs_read(g->xs, XBT_NULL, path, &len)) == NULL) {
        return -ENOENT;
    }
    snprintf(k->be, sizeof(k->be), "%s", v);
    free(v);
    if ((rc = kbd_wait(g, k, XenbusStateInitWait, XenbusStateConnected)) < 0) {
        return rc;
    }
    abs = guest_xs_read_long(g, k->be, "feature-abs-pointer");
    if ((k->page = guest_page_alloc(g, &gfn)) == NULL ||
        (ref = guest_grant(g, 0, gfn, false)) < 0 ||
        (k->port = hvc_evtchn_alloc_unbound(g->hv, 0)) < 0) {
        return -ENOMEM;
    }
    if ((rc = guest_xs_write_ulong(g, k->fe,
                                   "page-ref", (unsigned long)gfn)) < 0 ||
        (rc = guest_xs_write_ulong(g, k->fe,
                                   "page-gref", (unsigned)ref)) < 0 ||
        (rc = guest_xs_write_ulong(g, k->fe,
                                   "event-channel", (unsigned)k->port)) < 0 ||
        (rc = guest_xs_write_ulong(g, k->fe,
                                   "request-abs-pointer", abs == 1)) < 0 ||
        (rc = guest_xs_write_ulong(g, k->fe,
                                   "state", XenbusStateInitialised)) < 0 ||
        (rc = kbd_wait(g, k, XenbusStateConnected, XenbusStateConnected)) < 0) {
        return rc;
    }
    return guest_xs_write_ulong(g, k->fe, "state", XenbusStateConnected);
}

/* Connects every vkbd; returns how many, or -errno for the first failure. */
int guest_vkbd_connect_all(struct guest *g)
{
    unsigned n, i;
    char **ids = xs_directory(g->xs, XBT_NULL, "device/vkbd", &n);
    int rc = 0;

    for (i = 0; ids != NULL && i < n && nkbds < KBD_MAX; i++) {
        struct kbd *k = &kbds[nkbds];
        memset(k, 0, sizeof(*k));
        snprintf(k->fe, sizeof(k->fe), "device/vkbd/%.20s", ids[i]);
        if ((rc = kbd_connect(g, k)) < 0) {
            fprintf(stderr, "vkbd %s: connect failed: %s\n", k->fe,
                    strerror(-rc));
            break;
        }
        printf("vkbd %s connected\n", k->fe);
        nkbds++;
    }
    free(ids);
    fflush(stdout);
    return rc < 0 ? rc : (int)nkbds;
}

/* Consumes pending input events, each shown to fn; returns how many. */
unsigned guest_vkbd_drain(struct guest *g,
                          void (*fn)(const union xenkbd_in_event *ev,
                                     void *opaque),
                          void *opaque)
{
    unsigned i, got = 0;

    for (i = 0; i < nkbds; i++) {
        struct kbd *k = &kbds[i];
        uint32_t cons, prod;

        if (k->broken) {
            continue;
        }
        cons = k->page->in_cons;
        prod = __atomic_load_n(&k->page->in_prod, __ATOMIC_ACQUIRE);
        if (prod - cons > XENKBD_IN_RING_LEN) {
            fprintf(stderr, "vkbd %s: backend broke the ring\n", k->fe);
            k->broken = true;
            continue;
        }
        got += prod - cons;
        for (uint32_t c = cons; fn != NULL && c != prod; c++) {
            union xenkbd_in_event ev;

            memcpy(&ev, &XENKBD_IN_RING_REF(k->page, c), sizeof(ev));
            fn(&ev, opaque);
        }
        __atomic_store_n(&k->page->in_cons, prod, __ATOMIC_RELEASE);
        if (prod != cons) {
            hvc_evtchn_notify(g->hv, (uint32_t)k->port);
        }
    }
    return got;
}

unsigned guest_vkbd_poll(struct guest *g)
{
    return guest_vkbd_drain(g, NULL, NULL);
}
