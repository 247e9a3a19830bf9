/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fb-pattern workload: a vfb frontend (io/fbif.h) as Linux
 * xen-fbfront does it, plus the vkbd frontends, for the VNC tests.
 *
 *   fb-pattern [--hostile MODE]
 *
 * device/vfb/0: allocates a 320x200x32 framebuffer in guest memory,
 * a shared page and page-directory pages (64-bit entries), writes
 * page-ref (the shared page's frame), event-channel, protocol
 * x86_64-abi and feature-update = 1, goes Initialised, then Connected
 * once the backend is; draws pattern 1 (fb_pat1) and sends it as four
 * update rectangles.  Every vkbd event is printed ("vkbd: key 30 1",
 * "vkbd: pos 10 20 0"), and so is every refresh-period advice the
 * backend sends on the vfb in ring ("fb0: refresh 30", 0 for
 * XENFB_NO_REFRESH).  On the first KEY_ENTER press it sends a
 * resize to 200x150x16, stride 400, offset 8192, draws pattern 2
 * (fb_pat2) there and sends one update.  Runs until poweroff.
 *
 * device/vfb/1, when --hostile is given, is the hostile frontend:
 *   badpd   a page-directory entry outside guest memory
 *   baddir  a framebuffer frame outside guest memory
 *   stride  line_length larger than mem_length
 *   depth   depth 7
 *   zero    mem_length 0
 *   clip    width and height 100000 (the backend clips them)
 *   ring    out_prod 1000 events ahead of out_cons
 *   events  resizes beyond the framebuffer, updates with extreme
 *           rectangles, an unknown event type, a flood of notifies
 * and prints "fb1: hostile MODE sent".  Everything read back from
 * xenstore is treated as untrusted.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include <stdint.h>
#include <xen/xen.h>
#include <xen/io/fbif.h>
#include <xen/io/kbdif.h>
#include <xen/io/xenbus.h>

#include "xensim/guest.h"
#include "xensim/hvclient.h"

#define FB_TIMEOUT_MS 20000
#define FB_W1         320
#define FB_H1         200
#define FB_W2         200
#define FB_H2         150
#define FB_STRIDE2    400
#define FB_OFFSET2    8192

struct fb {
    char fe[48], be[160];
    uint8_t *page;   /* struct xenfb_page */
    uint8_t *pixels; /* contiguous guest pages */
    uint64_t *fb_gfns;
    uint64_t *dir0; /* the first page-directory page */
    size_t npages;
    int port;
};

static uint32_t fb_pat1(unsigned x, unsigned y)
{
    return ((x * 7 + y) & 0xff) << 16 | ((y * 3) & 0xff) << 8 |
           ((x ^ y) & 0xff);
}

static uint16_t fb_pat2(unsigned x, unsigned y)
{
    return (uint16_t)(((x + y) & 31) << 11 | ((x * 2) & 63) << 5 | (y & 31));
}

static int fb_wait(struct guest *g, struct fb *f, long lo, long hi)
{
    for (int waited = 0; waited < FB_TIMEOUT_MS; waited += 50) {
        long st = guest_xs_read_long(g, f->be, "state");

        if (st >= lo && st <= hi) {
            return 0;
        }
        if (st >= XenbusStateClosing) {
            return -ECONNREFUSED; /* the backend refused us */
        }
        if (guest_control(g, 50) == GUEST_CTL_SUSPEND) {
            guest_suspend(g);
        }
    }
    return -ETIMEDOUT;
}

/* Queues one out event and notifies; -EAGAIN when the ring is full. */
static int fb_send(struct guest *g, struct fb *f,
                   const union xenfb_out_event *ev)
{
    struct xenfb_page *p = (struct xenfb_page *)f->page;
    uint32_t prod = p->out_prod;

    for (int i = 0; prod - __atomic_load_n(&p->out_cons, __ATOMIC_ACQUIRE) >=
                    XENFB_OUT_RING_LEN;
         i++) {
        if (i == 200) {
            return -EAGAIN;
        }
        guest_control(g, 10);
    }
    XENFB_OUT_RING_REF(p, prod) = *ev;
    __atomic_store_n(&p->out_prod, prod + 1, __ATOMIC_RELEASE);
    hvc_evtchn_notify(g->hv, (uint32_t)f->port);
    return 0;
}

static int fb_update(struct guest *g, struct fb *f, int x, int y, int w, int h)
{
    union xenfb_out_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.type = XENFB_TYPE_UPDATE;
    ev.update.x = x;
    ev.update.y = y;
    ev.update.width = w;
    ev.update.height = h;
    return fb_send(g, f, &ev);
}

static int fb_resize(struct guest *g, struct fb *f, int w, int h, int stride,
                     int depth, int offset)
{
    union xenfb_out_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.type = XENFB_TYPE_RESIZE;
    ev.resize.width = w;
    ev.resize.height = h;
    ev.resize.stride = stride;
    ev.resize.depth = depth;
    ev.resize.offset = offset;
    return fb_send(g, f, &ev);
}

/* Allocates the framebuffer, directory and shared page; fills the page. */
static int fb_alloc(struct guest *g, struct fb *f, uint64_t *page_gfn)
{
    struct xenfb_page *p;
    size_t len = (size_t)FB_W1 * FB_H1 * 4, ndirs;
    uint64_t gfn;

    f->npages = (len + HVC_PAGE_SIZE - 1) / HVC_PAGE_SIZE;
    f->fb_gfns = calloc(f->npages, sizeof(*f->fb_gfns));
    if (f->fb_gfns == NULL ||
        (f->page = guest_page_alloc(g, page_gfn)) == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < f->npages; i++) {
        uint8_t *pg = guest_page_alloc(g, &f->fb_gfns[i]);

        if (pg == NULL || (i > 0 && f->fb_gfns[i] != f->fb_gfns[i - 1] + 1)) {
            return -ENOMEM; /* the allocator is a bump allocator */
        }
        if (i == 0) {
            f->pixels = pg;
        }
    }
    p = (struct xenfb_page *)f->page;
    ndirs = (f->npages * 8 + HVC_PAGE_SIZE - 1) / HVC_PAGE_SIZE;
    for (size_t d = 0; d < ndirs; d++) {
        uint64_t *dir = guest_page_alloc(g, &gfn);

        if (dir == NULL) {
            return -ENOMEM;
        }
        p->pd[d] = gfn;
        if (d == 0) {
            f->dir0 = dir;
        }
        for (size_t i = 0; i < 512 && d * 512 + i < f->npages; i++) {
            dir[i] = f->fb_gfns[d * 512 + i];
        }
    }
    p->width = FB_W1;
    p->height = FB_H1;
    p->depth = 32;
    p->line_length = FB_W1 * 4;
    p->mem_length = (uint32_t)(f->npages * HVC_PAGE_SIZE);
    return 0;
}

static void fb_hostile_page(struct fb *f, const char *mode)
{
    struct xenfb_page *p = (struct xenfb_page *)f->page;

    if (strcmp(mode, "badpd") == 0) {
        p->pd[0] = 1ull << 40;
    } else if (strcmp(mode, "baddir") == 0) {
        /* A valid directory page whose first entry points nowhere. */
        f->dir0[0] = 1ull << 40;
    } else if (strcmp(mode, "stride") == 0) {
        p->line_length = 0xfffffff0u;
    } else if (strcmp(mode, "depth") == 0) {
        p->depth = 7;
    } else if (strcmp(mode, "zero") == 0) {
        p->mem_length = 0;
    } else if (strcmp(mode, "clip") == 0) {
        p->width = 100000;
        p->height = 100000;
    }
}

static int fb_connect(struct guest *g, struct fb *f, const char *hostile)
{
    uint64_t page_gfn;
    char path[80], *v;
    unsigned len;
    int rc;

    snprintf(path, sizeof(path), "%s/backend", f->fe);
    if ((v = xs_read(g->xs, XBT_NULL, path, &len)) == NULL) {
        return -ENOENT;
    }
    snprintf(f->be, sizeof(f->be), "%s", v);
    free(v);
    if ((rc = fb_wait(g, f, XenbusStateInitWait, XenbusStateConnected)) < 0 ||
        (rc = fb_alloc(g, f, &page_gfn)) < 0) {
        return rc;
    }
    if (hostile != NULL) {
        fb_hostile_page(f, hostile);
    }
    if ((f->port = hvc_evtchn_alloc_unbound(g->hv, 0)) < 0) {
        return f->port;
    }
    if ((rc = guest_xs_write_ulong(g, f->fe, "page-ref", page_gfn)) < 0 ||
        (rc = guest_xs_write_ulong(g, f->fe,
                                   "event-channel", (unsigned)f->port)) < 0 ||
        (rc = guest_xs_write(g, f->fe, "protocol", "x86_64-abi")) < 0 ||
        (rc = guest_xs_write(g, f->fe, "feature-update", "1")) < 0 ||
        (rc = guest_xs_write_ulong(g, f->fe,
                                   "state", XenbusStateInitialised)) < 0 ||
        (rc = fb_wait(g, f, XenbusStateConnected, XenbusStateConnected)) < 0) {
        return rc;
    }
    return guest_xs_write_ulong(g, f->fe, "state", XenbusStateConnected);
}

static int fb_draw1(struct guest *g, struct fb *f)
{
    uint32_t *px = (uint32_t *)f->pixels;
    int rc = 0;

    for (unsigned y = 0; y < FB_H1; y++) {
        for (unsigned x = 0; x < FB_W1; x++) {
            px[y * FB_W1 + x] = fb_pat1(x, y);
        }
    }
    /* Four quadrants, as a damage-tracking frontend would. */
    for (int q = 0; q < 4 && rc == 0; q++) {
        rc = fb_update(g, f, (q & 1) * FB_W1 / 2, (q >> 1) * FB_H1 / 2,
                       FB_W1 / 2, FB_H1 / 2);
    }
    return rc;
}

static int fb_draw2(struct guest *g, struct fb *f)
{
    int rc = fb_resize(g, f, FB_W2, FB_H2, FB_STRIDE2, 16, FB_OFFSET2);

    memset(f->pixels, 0, f->npages * HVC_PAGE_SIZE);
    for (unsigned y = 0; y < FB_H2; y++) {
        uint16_t *row = (uint16_t *)(f->pixels + FB_OFFSET2 + y * FB_STRIDE2);

        for (unsigned x = 0; x < FB_W2; x++) {
            row[x] = fb_pat2(x, y);
        }
    }
    return rc < 0 ? rc : fb_update(g, f, 0, 0, FB_W2, FB_H2);
}

static int fb_hostile_events(struct guest *g, struct fb *f, const char *mode)
{
    struct xenfb_page *p = (struct xenfb_page *)f->page;
    union xenfb_out_event ev;

    if (strcmp(mode, "ring") == 0) {
        __atomic_store_n(&p->out_prod, p->out_cons + 1000, __ATOMIC_RELEASE);
        hvc_evtchn_notify(g->hv, (uint32_t)f->port);
        return 0;
    }
    if (strcmp(mode, "events") != 0) {
        return 0;
    }
    fb_resize(g, f, 100, 100, 400, 32, 0x7fffffff); /* offset */
    fb_resize(g, f, 100, 100, 0, 32, 0);            /* stride 0 */
    fb_resize(g, f, 100, 100, -4, 32, 0);           /* negative */
    fb_resize(g, f, 100, 100, 400, 7, 0);           /* depth */
    fb_resize(g, f, 0x7fffffff, 0x7fffffff, 0x7ffffff0, 32, 0);
    fb_resize(g, f, 100000, 100000, 400, 32, 4096); /* clipped */
    fb_update(g, f, -0x7fffffff, -0x7fffffff, 0x7fffffff, 0x7fffffff);
    fb_update(g, f, 0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff);
    fb_update(g, f, 10, 10, -5, -5);
    memset(&ev, 0, sizeof(ev));
    ev.type = 0xee;
    fb_send(g, f, &ev);
    for (int i = 0; i < 20000; i++) {
        hvc_evtchn_notify(g->hv, (uint32_t)f->port);
    }
    return 0;
}

/* Prints (and consumes) what the backend sent on the in ring. */
static void fb_drain_in(struct fb *f)
{
    struct xenfb_page *p = (struct xenfb_page *)f->page;
    uint32_t prod = __atomic_load_n(&p->in_prod, __ATOMIC_ACQUIRE);
    uint32_t cons = p->in_cons;

    if (prod - cons > XENFB_IN_RING_LEN) {
        printf("fb0: in ring producer %u is %u ahead\n", prod, prod - cons);
        cons = prod;
    }
    for (; cons != prod; cons++) {
        union xenfb_in_event ev = XENFB_IN_RING_REF(p, cons);

        if (ev.type == XENFB_TYPE_REFRESH_PERIOD) {
            printf("fb0: refresh %u\n", ev.refresh_period.period);
        } else {
            printf("fb0: in event type %u\n", ev.type);
        }
    }
    __atomic_store_n(&p->in_cons, cons, __ATOMIC_RELEASE);
}

static void fb_show_event(const union xenkbd_in_event *ev, void *opaque)
{
    bool *enter = opaque;

    switch (ev->type) {
    case XENKBD_TYPE_KEY:
        printf("vkbd: key %u %u\n", ev->key.keycode, ev->key.pressed);
        if (ev->key.keycode == 28 && ev->key.pressed) {
            *enter = true;
        }
        break;
    case XENKBD_TYPE_POS:
        printf("vkbd: pos %d %d %d\n", ev->pos.abs_x, ev->pos.abs_y,
               ev->pos.rel_z);
        break;
    case XENKBD_TYPE_MOTION:
        printf("vkbd: motion %d %d %d\n", ev->motion.rel_x, ev->motion.rel_y,
               ev->motion.rel_z);
        break;
    default:
        printf("vkbd: type %u\n", ev->type);
        break;
    }
}

int guest_fb_pattern(struct guest *g, int argc, char **argv)
{
    static struct fb f0 = {.fe = "device/vfb/0"}, f1 = {.fe = "device/vfb/1"};
    const char *hostile = NULL;
    bool enter = false, resized = false;
    int rc;

    if (argc >= 2 && strcmp(argv[0], "--hostile") == 0) {
        hostile = argv[1];
    }
    if (guest_vkbd_connect_all(g) < 0) {
        return 3;
    }
    if (hostile != NULL) {
        rc = fb_connect(g, &f1, hostile);
        printf("fb1: hostile %s connect: %s\n", hostile,
               rc < 0 ? strerror(-rc) : "connected");
    }
    if ((rc = fb_connect(g, &f0, NULL)) < 0) {
        fprintf(stderr, "fb0: connect failed: %s\n", strerror(-rc));
        return 3;
    }
    printf("fb0: connected\n");
    if (hostile != NULL && f1.port > 0) {
        fb_hostile_events(g, &f1, hostile);
        printf("fb1: hostile %s sent\n", hostile);
    }
    if (fb_draw1(g, &f0) < 0) {
        fprintf(stderr, "fb0: cannot send updates\n");
        return 3;
    }
    printf("fb0: pattern 1 %dx%dx32 drawn\n", FB_W1, FB_H1);
    fflush(stdout);
    for (;;) {
        guest_vkbd_drain(g, fb_show_event, &enter);
        fb_drain_in(&f0);
        if (enter && !resized) {
            resized = true;
            if (fb_draw2(g, &f0) < 0) {
                fprintf(stderr, "fb0: cannot resize\n");
                return 3;
            }
            printf("fb0: pattern 2 %dx%dx16 drawn\n", FB_W2, FB_H2);
        }
        fflush(stdout);
        switch (guest_control(g, 20)) {
        case GUEST_CTL_SUSPEND:
            guest_suspend(g);
        case GUEST_CTL_POWEROFF:
            return 0;
        case GUEST_CTL_NONE:
            break;
        }
    }
}
