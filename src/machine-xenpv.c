/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The xenpv machine: PV backends (qdisk, console, vkbd) for one guest,
 * on the xenbus framework (hw/pv/xenbus.h), with xenstore through
 * xen/store.h and event channels and grants through xen/hv.h.
 *
 * prepare() opens the hypervisor handles (full privileges), builds
 * the bus and hooks the event-channel fd onto the loop; start(), after
 * the privilege drop, starts the bus: it advertises
 * device-model/<domid>/backends/<type> and watches backend/<type>/
 * <domid>, and from then on devices are found and connected from the
 * loop.  The console backend reaches -chardev devices through the
 * pv_env adapter here.  Trust: see xenbus.h; nothing here reads guest
 * data itself.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chardev.h"
#include "hw/block/qdisk.h"
#include "hw/pv/console.h"
#include "hw/pv/vkbd.h"
#include "hw/pv/xenbus.h"
#include "log.h"
#include "xen/hv.h"
#include "xen/store.h"
#include "xendm.h"

static const struct xenbus_type xenpv_types[] = {
    {"qdisk", &qdisk_ops},
    {"console", &pvcons_ops},
    {"vkbd", &vkbd_ops},
};

struct xenpv {
    struct xenbus *bus;
    struct pv_env env;
    int evtchn_fd;
};

/* ---- xenbus host ops over xen/store.h and xen/hv.h ---- */

static int xenpv_read(void *ctx, const char *path, char **val)
{
    struct xendm *x = ctx;

    *val = store_read(x->store, path, NULL);
    return *val != NULL ? 0 : -errno;
}

static int xenpv_write(void *ctx, const char *path, const char *val)
{
    struct xendm *x = ctx;

    return store_write_str(x->store, path, val);
}

static int xenpv_rm(void *ctx, const char *path)
{
    struct xendm *x = ctx;

    return store_rm(x->store, path);
}

static int xenpv_directory(void *ctx, const char *path, char ***names,
                           unsigned *n)
{
    struct xendm *x = ctx;
    char **list = store_directory(x->store, path, n);
    char **out;
    unsigned i;

    if (list == NULL) {
        return -errno;
    }
    /* The bus wants separately allocated names. */
    out = calloc(*n + 1, sizeof(*out));
    for (i = 0; out != NULL && i < *n; i++) {
        out[i] = strdup(list[i]);
        if (out[i] == NULL) {
            while (i-- > 0) {
                free(out[i]);
            }
            free(out);
            out = NULL;
        }
    }
    free(list);
    *names = out;
    return out != NULL ? 0 : -ENOMEM;
}

static void xenpv_watch_fired(struct store *st, const char *path,
                              const char *token, void *opaque)
{
    struct xendm *x = opaque;
    struct xenpv *pv = x->machine_priv;

    if (pv != NULL && pv->bus != NULL) {
        xenbus_watch_fired(pv->bus, path, token);
    }
}

static int xenpv_watch(void *ctx, const char *path, const char *token)
{
    struct xendm *x = ctx;

    return store_watch(x->store, path, token, xenpv_watch_fired, x);
}

static int xenpv_unwatch(void *ctx, const char *path, const char *token)
{
    struct xendm *x = ctx;

    return store_unwatch(x->store, path, token);
}

static int xenpv_bind(void *ctx, uint32_t domid, uint32_t remote_port)
{
    struct xendm *x = ctx;

    return hv_evtchn_bind_interdomain(x->hv, domid, remote_port);
}

static int xenpv_unbind(void *ctx, uint32_t port)
{
    struct xendm *x = ctx;

    return hv_evtchn_unbind(x->hv, port);
}

static int xenpv_notify(void *ctx, uint32_t port)
{
    struct xendm *x = ctx;

    return hv_evtchn_notify(x->hv, port);
}

static int xenpv_unmask(void *ctx, uint32_t port)
{
    struct xendm *x = ctx;

    return hv_evtchn_unmask(x->hv, port);
}

static const struct xenbus_host_ops xenpv_host_ops = {
    .read = xenpv_read,
    .write = xenpv_write,
    .rm = xenpv_rm,
    .directory = xenpv_directory,
    .watch = xenpv_watch,
    .unwatch = xenpv_unwatch,
    .evtchn_bind = xenpv_bind,
    .evtchn_unbind = xenpv_unbind,
    .evtchn_notify = xenpv_notify,
    .evtchn_unmask = xenpv_unmask,
};

static void xenpv_evtchn_io(struct loop *loop, int fd, unsigned events,
                            void *opaque)
{
    struct xendm *x = opaque;
    struct xenpv *pv = x->machine_priv;
    int port;

    while ((port = hv_evtchn_pending(x->hv)) >= 0) {
        xenbus_evtchn_fired(pv->bus, (uint32_t)port);
    }
}

/* ---- the console's chardevs ---- */

static ssize_t xenpv_chr_write(void *chr, const void *buf, size_t len)
{
    /* A chardev with no peer drops output, as QEMU's do. */
    size_t n = chardev_write(chr, buf, len);

    return n > 0 ? (ssize_t)n : (ssize_t)len;
}

static const struct pv_chardev_ops xenpv_chr_ops = {
    .write = xenpv_chr_write,
};

static void xenpv_chr_read(struct chardev *cd, const void *buf, size_t len,
                           void *opaque)
{
    /* What the guest's input ring cannot take now is dropped. */
    pvcons_input(opaque, buf, len);
}

static int xenpv_chr_bind(void *ctx, const char *id, struct pvcons *cons,
                          struct pv_chardev_port *port)
{
    struct chardev *cd = chardev_lookup(ctx, id);

    if (cd == NULL) {
        return -ENOENT;
    }
    chardev_set_reader(cd, xenpv_chr_read, cons);
    port->ops = &xenpv_chr_ops;
    port->chr = cd;
    return 0;
}

static void xenpv_chr_unbind(void *ctx, const char *id, struct pvcons *cons)
{
    struct chardev *cd = chardev_lookup(ctx, id);

    if (cd != NULL) {
        chardev_set_reader(cd, NULL, NULL);
    }
}

/* ---- machine ops ---- */

static uint32_t xenpv_own_domid(struct xendm *x)
{
    char *v = store_read(x->store, "domid", NULL);
    unsigned long d = v != NULL ? strtoul(v, NULL, 10) : 0;

    free(v);
    return d < 0x7ff0 ? (uint32_t)d : 0;
}

static int xenpv_prepare(struct xendm *x, char *err, size_t errlen)
{
    struct xenpv *pv = calloc(1, sizeof(*pv));
    struct xenbus_cfg cfg;
    int rc;

    if (pv == NULL) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    x->machine_priv = pv;
    pv->evtchn_fd = -1;
    x->hv = hv_open(err, errlen);
    if (x->hv == NULL) {
        return -ENOENT;
    }
    pv->env = (struct pv_env){xenpv_chr_bind, xenpv_chr_unbind, x};
    memset(&cfg, 0, sizeof(cfg));
    cfg.loop = x->loop;
    cfg.host = &xenpv_host_ops;
    cfg.host_ctx = x;
    pv_grants_hv(&cfg.grants, x->hv);
    cfg.domid = x->opts.domid;
    cfg.be_domid = xenpv_own_domid(x);
    cfg.types = xenpv_types;
    cfg.ntypes = sizeof(xenpv_types) / sizeof(xenpv_types[0]);
    cfg.env = &pv->env;
    pv->bus = xenbus_new(&cfg);
    if (pv->bus == NULL) {
        snprintf(err, errlen, "xenbus: %s", strerror(errno));
        return -ENOMEM;
    }
    pv->evtchn_fd = hv_evtchn_fd(x->hv);
    rc = pv->evtchn_fd < 0 ? pv->evtchn_fd
                           : loop_fd_add(x->loop, pv->evtchn_fd, LOOP_READ,
                                         xenpv_evtchn_io, x);
    if (rc < 0) {
        pv->evtchn_fd = -1;
        snprintf(err, errlen, "event channels: %s", strerror(-rc));
    }
    return rc;
}

static int xenpv_restrict(struct xendm *x, char *err, size_t errlen)
{
    int rc = hv_restrict(x->hv, x->opts.domid);

    if (rc < 0) {
        snprintf(err, errlen, "-xen-domid-restrict: %s", strerror(-rc));
    }
    return rc;
}

static int xenpv_start(struct xendm *x, char *err, size_t errlen)
{
    struct xenpv *pv = x->machine_priv;
    int rc = xenbus_start(pv->bus);

    if (rc < 0) {
        snprintf(err, errlen, "xenbus: cannot start: %s", strerror(-rc));
    }
    return rc;
}

static void xenpv_exit(struct xendm *x)
{
    struct xenpv *pv = x->machine_priv;

    if (pv != NULL) {
        if (pv->bus != NULL) {
            xenbus_free(pv->bus);
        }
        if (pv->evtchn_fd >= 0) {
            loop_fd_del(x->loop, pv->evtchn_fd);
        }
        free(pv);
        x->machine_priv = NULL;
    }
    if (x->hv != NULL) {
        hv_close(x->hv);
        x->hv = NULL;
    }
}

static struct json *xenpv_query_block(struct xendm *x, bool stats)
{
    struct xenpv *pv = x->machine_priv;

    if (pv == NULL || pv->bus == NULL) {
        return NULL;
    }
    return stats ? qdisk_query_blockstats(pv->bus)
                 : qdisk_query_block(pv->bus);
}

/* The bus advertises its own backends/<type> nodes in xenbus_start. */
static const char *const xenpv_backends[] = {NULL};

const struct machine_ops machine_xenpv_ops = {
    .name = "xenpv",
    .flags = MACHINE_NEEDS_XEN,
    .check = machine_check_no_devices,
    .prepare = xenpv_prepare,
    .restrict_handles = xenpv_restrict,
    .start = xenpv_start,
    .exit = xenpv_exit,
    .query_block = xenpv_query_block,
    .backend_types = xenpv_backends,
};
