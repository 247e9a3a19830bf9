/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfb backend: the xenbus glue.  See vfb.h.
 *
 * Keys written: feature-resize = 1 (init), request-update = 1 (when
 * the frontend has feature-update), plus what the framework writes
 * (hotplug-status, state).  Frontend keys read (hostile): page-ref
 * (the shared page's frame number: vfb predates grants, so the page
 * and the framebuffer are mapped by frame, as QEMU does), event-channel,
 * protocol, feature-update, videoram (MiB; a limit on mem_length).
 *
 * Theory of operation.  connect maps the shared page read-write,
 * copies width/height/line_length/mem_length/depth out of it once and
 * validates them (vfb_geom_configure), reads the page directory
 * (pd[], 32 or 64-bit entries by protocol) into a private array, maps
 * the directory pages read-only, copies the framebuffer frame numbers
 * out, unmaps them and maps the framebuffer read-only.  Any frame the
 * hypervisor refuses fails the connect (backend Closing), nothing is
 * left mapped.  Events: the out ring is consumed with a private
 * consumer index; updates become dirty rectangles, resizes change the
 * geometry inside the mapped length, and a producer more than a ring
 * ahead marks the ring broken (events ignored until the frontend
 * reconnects).  After each batch the sink gets the new surface (on a
 * resize) and the dirty rectangles.  A frontend without feature-update
 * gets a full refresh every VFB_POLL_NS instead.
 *
 * Refresh advice (XENFB_TYPE_REFRESH_PERIOD on the in ring), as QEMU's
 * xenfb sends it and only to a frontend with feature-update: every
 * VFB_REFRESH_MS while at least one client watches the display
 * (vfb_sink viewers), XENFB_NO_REFRESH while nobody does (and always
 * for a vfb that feeds no display), sent at connect and again each
 * time the answer changes (the display's watch_viewers hook).  The in
 * ring's producer index is ours (a private copy); the consumer index
 * is the guest's: a full ring, or one whose in_cons makes no sense,
 * is not written and the advice is retried on the next event.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw/pv/console.h"
#include "hw/pv/vfb.h"
#include "src/log.h"
#include "src/loop.h"

#define VFB_POLL_NS      (100ull * 1000 * 1000)
#define VFB_VIDEORAM_MAX 4096 /* MiB; larger values are refused */

struct vfb {
    struct xenbus_dev *dev;
    uint8_t *page;
    int evtchn;
    uint8_t *fb;
    size_t fb_pages;
    struct vfb_geom geom;
    uint32_t out_cons;
    uint32_t in_prod;
    int64_t refresh_sent;   /* last advice sent; -1: none yet */
    bool watching;          /* registered with the display's viewers */
    bool feature_update;
    bool broken;
    struct loop_timer *poll;
};

static struct pv_env *vfb_env(struct xenbus_dev *dev)
{
    struct pv_env *env = xenbus_env(dev);

    /* Only devid 0 drives the display (QEMU's xen_init_display). */
    return env != NULL && env->display != NULL && xenbus_devid(dev) == 0 ? env
                                                                         : NULL;
}

static struct vfb_surface vfb_surface_of(const struct vfb *v)
{
    struct vfb_surface s = {v->geom, v->fb, v->fb_pages * VFB_PAGE};

    return s;
}

static void vfb_flush(struct vfb *v, bool resized, struct vfb_dirty *d)
{
    struct pv_env *env = vfb_env(v->dev);
    struct vfb_surface s = vfb_surface_of(v);
    struct vfb_rect all = {0, 0, v->geom.width, v->geom.height};

    if (env == NULL || v->fb == NULL) {
        return;
    }
    if (resized) {
        env->display->surface(env->display_ctx, &s);
    }
    if (d->full) {
        env->display->update(env->display_ctx, &s, &all);
        return;
    }
    for (unsigned i = 0; i < d->n; i++) {
        env->display->update(env->display_ctx, &s, &d->r[i]);
    }
}

/* What to advise now: a period while someone watches, else none. */
static uint32_t vfb_refresh_wanted(struct vfb *v)
{
    struct pv_env *env = vfb_env(v->dev);

    if (env == NULL) {
        return VFB_NO_REFRESH;
    }
    if (env->display->viewers == NULL) {
        return VFB_REFRESH_MS;
    }
    return env->display->viewers(env->display_ctx) > 0 ? VFB_REFRESH_MS
                                                       : VFB_NO_REFRESH;
}

/* Sends the refresh advice if it changed and the in ring has room. */
static void vfb_advise(struct vfb *v)
{
    uint32_t want, cons, period;
    uint8_t *ev;

    if (!v->feature_update || v->page == NULL || v->evtchn < 0) {
        return;
    }
    want = vfb_refresh_wanted(v);
    if ((int64_t)want == v->refresh_sent) {
        return;
    }
    cons = __atomic_load_n((uint32_t *)(v->page + VFB_IN_CONS),
                           __ATOMIC_ACQUIRE);
    if (v->in_prod - cons >= VFB_IN_LEN) {
        return;         /* full (or in_cons is nonsense): retry later */
    }
    ev = v->page + VFB_IN_OFFS + (v->in_prod % VFB_IN_LEN) * VFB_EVENT;
    memset(ev, 0, VFB_EVENT);
    ev[0] = VFB_TYPE_REFRESH_PERIOD;
    period = want;
    memcpy(ev + VFB_REFRESH_PERIOD_OFF, &period, sizeof(period));
    v->in_prod++;
    __atomic_store_n((uint32_t *)(v->page + VFB_IN_PROD), v->in_prod,
                     __ATOMIC_RELEASE);
    v->refresh_sent = want;
    xenbus_notify(v->dev, (uint32_t)v->evtchn);
}

static void vfb_viewers_changed(void *opaque)
{
    vfb_advise(opaque);
}

static int64_t vfb_poll(struct loop *loop, void *opaque)
{
    struct vfb *v = opaque;
    struct vfb_dirty d = {.full = true};

    vfb_flush(v, false, &d);
    return (int64_t)VFB_POLL_NS;
}

static int vfb_init(struct xenbus_dev *dev)
{
    struct vfb *v = calloc(1, sizeof(*v));

    if (v == NULL) {
        return -ENOMEM;
    }
    v->dev = dev;
    v->evtchn = -1;
    xenbus_set_priv(dev, v);
    xenbus_write_be(dev, "feature-resize", "1");
    return 0;
}

/* Maps the framebuffer through the page directory; 0 or -errno. */
static int vfb_map_fb(struct vfb *v, const char *protocol)
{
    struct pv_grants *g = xenbus_grants(v->dev);
    uint32_t domid = xenbus_domid(v->dev);
    size_t pd_off, ndirs, npages = (v->geom.fb_len + VFB_PAGE - 1) / VFB_PAGE;
    unsigned mode = vfb_pd_mode(v->page, protocol, &pd_off);
    uint64_t dirs[VFB_PD_ENTRIES], *frames;
    int *errs;
    uint8_t *map;
    int rc = -EFAULT;

    ndirs = vfb_pd_pages(v->geom.fb_len, mode);
    if (ndirs == 0 || ndirs > VFB_PD_ENTRIES ||
        pd_off + ndirs * (mode / 8) > VFB_IN_OFFS) {
        return -EINVAL;
    }
    for (size_t i = 0; i < ndirs; i++) {
        dirs[i] = vfb_pd_entry(v->page + pd_off, mode, i);
    }
    frames = calloc(npages, sizeof(*frames));
    errs = calloc(npages > ndirs ? npages : ndirs, sizeof(*errs));
    if (frames == NULL || errs == NULL) {
        free(frames);
        free(errs);
        return -ENOMEM;
    }
    map = g->ops->fmap(g->ctx, domid, ndirs, dirs, HV_PROT_READ, errs);
    if (map != NULL) {
        for (size_t i = 0; i < ndirs; i++) {
            if (errs[i] < 0) {
                log_warnx("%s: page directory frame %zu (%llu) refused",
                          xenbus_name(v->dev), i, (unsigned long long)dirs[i]);
                g->ops->funmap(g->ctx, map, ndirs);
                map = NULL;
                break;
            }
        }
    }
    if (map != NULL) {
        for (size_t i = 0; i < npages; i++) {
            frames[i] = vfb_pd_entry(map, mode, i);
        }
        g->ops->funmap(g->ctx, map, ndirs);
        v->fb = g->ops->fmap(g->ctx, domid, npages, frames, HV_PROT_READ, errs);
        for (size_t i = 0; v->fb != NULL && i < npages; i++) {
            if (errs[i] < 0) {
                log_warnx("%s: framebuffer frame %zu (%llu) refused",
                          xenbus_name(v->dev), i,
                          (unsigned long long)frames[i]);
                g->ops->funmap(g->ctx, v->fb, npages);
                v->fb = NULL;
            }
        }
        if (v->fb != NULL) {
            v->fb_pages = npages;
            rc = 0;
        }
    }
    free(frames);
    free(errs);
    return rc;
}

static int vfb_connect(struct xenbus_dev *dev)
{
    struct vfb *v = xenbus_priv(dev);
    struct pv_grants *g = xenbus_grants(dev);
    uint64_t ref, port, upd = 0, vram = 0;
    int32_t w, h;
    uint32_t stride, mem;
    char *protocol, why[96];
    int rc;

    if (g->ops->fmap == NULL || g->ops->funmap == NULL) {
        return -EOPNOTSUPP;
    }
    if (xenbus_read_fe_uint(dev, "page-ref", UINT64_MAX >> 12, &ref) < 0 ||
        xenbus_read_fe_uint(dev, "event-channel", UINT32_MAX, &port) < 0) {
        return -EINVAL;
    }
    if (xenbus_read_fe_uint(dev, "feature-update", 1, &upd) < 0) {
        upd = 0;
    }
    rc = xenbus_read_fe_uint(dev, "videoram", VFB_VIDEORAM_MAX, &vram);
    if (rc == -EINVAL) {
        log_warnx("%s: bad videoram", xenbus_name(dev));
        return rc;
    }
    v->page = g->ops->fmap(g->ctx, xenbus_domid(dev), 1, &ref,
                           HV_PROT_READ | HV_PROT_WRITE, NULL);
    if (v->page == NULL) {
        return -EFAULT;
    }
    memcpy(&w, v->page + VFB_WIDTH, 4);
    memcpy(&h, v->page + VFB_HEIGHT, 4);
    memcpy(&stride, v->page + VFB_LINE_LENGTH, 4);
    memcpy(&mem, v->page + VFB_MEM_LENGTH, 4);
    rc = vfb_geom_configure(&v->geom, (size_t)vram << 20, w, h,
                            v->page[VFB_DEPTH], mem, 0, stride, why,
                            sizeof(why));
    if (rc < 0) {
        log_warnx("%s: %s", xenbus_name(dev), why);
        return rc;
    }
    protocol = xenbus_read_fe(dev, "protocol");
    rc = vfb_map_fb(v, protocol);
    free(protocol);
    if (rc < 0) {
        return rc;
    }
    v->out_cons =
        __atomic_load_n((uint32_t *)(v->page + VFB_OUT_CONS), __ATOMIC_ACQUIRE);
    v->in_prod =
        __atomic_load_n((uint32_t *)(v->page + VFB_IN_PROD), __ATOMIC_ACQUIRE);
    v->refresh_sent = -1;
    v->broken = false;
    v->feature_update = upd == 1;
    v->evtchn = xenbus_bind(dev, (uint32_t)port);
    if (v->evtchn < 0) {
        return v->evtchn;
    }
    if (v->feature_update) {
        struct pv_env *env = vfb_env(dev);

        xenbus_write_be(dev, "request-update", "1");
        if (env != NULL && env->display->watch_viewers != NULL) {
            env->display->watch_viewers(env->display_ctx, vfb_viewers_changed,
                                        v);
            v->watching = true;
        }
    } else if (vfb_env(dev) != NULL) {
        v->poll = loop_timer_add(xenbus_loop(dev), VFB_POLL_NS, vfb_poll, v);
    }
    log_info("%s: framebuffer %ux%ux%u stride %u, %zu pages", xenbus_name(dev),
             v->geom.width, v->geom.height, v->geom.depth, v->geom.stride,
             v->fb_pages);
    {
        struct vfb_dirty d = {.full = true};

        vfb_flush(v, true, &d);
    }
    vfb_advise(v);
    return 0;
}

static void vfb_disconnect(struct xenbus_dev *dev)
{
    struct vfb *v = xenbus_priv(dev);
    struct pv_grants *g = xenbus_grants(dev);
    struct pv_env *env = vfb_env(dev);

    if (v == NULL) {
        return;
    }
    if (v->poll != NULL) {
        loop_timer_del(xenbus_loop(dev), v->poll);
        v->poll = NULL;
    }
    if (v->watching && env != NULL) {
        env->display->watch_viewers(env->display_ctx, NULL, NULL);
    }
    v->watching = false;
    if (env != NULL && v->fb != NULL) {
        env->display->surface(env->display_ctx, NULL);
    }
    if (v->evtchn >= 0) {
        xenbus_unbind(dev, (uint32_t)v->evtchn);
        v->evtchn = -1;
    }
    if (v->fb != NULL) {
        g->ops->funmap(g->ctx, v->fb, v->fb_pages);
        v->fb = NULL;
        v->fb_pages = 0;
    }
    if (v->page != NULL) {
        g->ops->funmap(g->ctx, v->page, 1);
        v->page = NULL;
    }
}

static void vfb_free(struct xenbus_dev *dev)
{
    struct vfb *v = xenbus_priv(dev);

    if (v != NULL) {
        vfb_disconnect(dev);
        free(v);
        xenbus_set_priv(dev, NULL);
    }
}

static void vfb_event(struct xenbus_dev *dev, uint32_t port)
{
    struct vfb *v = xenbus_priv(dev);
    struct vfb_dirty d = {0};
    bool resized = false;

    if (v == NULL || v->page == NULL || v->fb == NULL || v->broken) {
        return;
    }
    if (vfb_ring_consume(v->page, &v->out_cons, &v->geom, &d, &resized) < 0) {
        log_warnx("%s: out ring producer more than a ring ahead; "
                  "ring marked broken",
                  xenbus_name(dev));
        v->broken = true;
        return;
    }
    if (resized) {
        log_info("%s: resized to %ux%ux%u stride %u offset %u",
                 xenbus_name(dev), v->geom.width, v->geom.height, v->geom.depth,
                 v->geom.stride, v->geom.offset);
    }
    vfb_flush(v, resized, &d);
    xenbus_notify(dev, (uint32_t)v->evtchn);
    vfb_advise(v);
}

const struct xenbus_ops vfb_ops = {
    .init = vfb_init,
    .connect = vfb_connect,
    .disconnect = vfb_disconnect,
    .free = vfb_free,
    .event = vfb_event,
};
