/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PV backends inside the daemon: the xenbus host over xen/store.h
 * and xen/hv.h, the chardev binding for consoles, and the machine hooks
 * (prepare/start/exit) the xenpv machine uses.
 *
 * prepare (full privileges) opens the hypervisor handle, builds the bus
 * with the backend type table below and puts the event-channel fd on
 * the loop; main has already created device-model/<domid>/backends/
 * <type> from pv_backend_types.  start (after the privilege drop) sets
 * the xenstore watches, so the first access to guest data happens
 * there.  exit undoes both and copes with a half-built state.
 *
 * Trust: as xenbus.c.  Pending ports come from the hypervisor; each is
 * handed to the bus, which throttles floods per port.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chardev.h"
#include "hw/block/qdisk.h"
#include "hw/pv/console.h"
#include "hw/pv/pv-machine.h"
#include "hw/pv/vfb.h"
#include "hw/pv/vkbd.h"
#include "log.h"
#include "loop.h"
#include "vnc.h"
#include "xen/hv.h"
#include "xen/store.h"
#include "xendm.h"

const char *const pv_backend_types[] = {"qdisk", "console", "vkbd", "vfb",
                                        NULL};

static const struct xenbus_type pv_types[] = {
    {"qdisk", &qdisk_ops},
    {"console", &pvcons_ops},
    {"vkbd", &vkbd_ops},
    {"vfb", &vfb_ops},
};

struct pvmachine {
    struct xendm *x;
    struct xenbus *bus;
    struct pv_env env;
    int evtchn_fd;
    bool (*port_filter)(void *opaque, int port);
    void *filter_opaque;
};

/* ---- xenbus host over store.h / hv.h ---- */

static int host_read(void *ctx, const char *path, char **val)
{
    struct pvmachine *pm = ctx;

    *val = store_read(pm->x->store, path, NULL);
    return *val ? 0 : -(errno ? errno : ENOENT);
}

static int host_write(void *ctx, const char *path, const char *val)
{
    struct pvmachine *pm = ctx;

    return store_write_str(pm->x->store, path, val);
}

static int host_rm(void *ctx, const char *path)
{
    struct pvmachine *pm = ctx;

    return store_rm(pm->x->store, path);
}

static int host_directory(void *ctx, const char *path, char ***names,
                          unsigned *n)
{
    struct pvmachine *pm = ctx;
    char **one = store_directory(pm->x->store, path, n);
    char **out;

    if (one == NULL) {
        return -(errno ? errno : ENOENT);
    }
    out = calloc(*n ? *n : 1, sizeof(*out));
    for (unsigned i = 0; out && i < *n; i++) {
        out[i] = strdup(one[i]);
        if (out[i] == NULL) {
            for (unsigned j = 0; j < i; j++) {
                free(out[j]);
            }
            free(out);
            out = NULL;
        }
    }
    free(one);
    *names = out;
    return out ? 0 : -ENOMEM;
}

static void host_watch_fired(struct store *st, const char *path,
                             const char *token, void *opaque)
{
    struct pvmachine *pm = opaque;

    xenbus_watch_fired(pm->bus, path, token);
}

static int host_watch(void *ctx, const char *path, const char *token)
{
    struct pvmachine *pm = ctx;

    return store_watch(pm->x->store, path, token, host_watch_fired, pm);
}

static int host_unwatch(void *ctx, const char *path, const char *token)
{
    struct pvmachine *pm = ctx;

    return store_unwatch(pm->x->store, path, token);
}

static int host_bind(void *ctx, uint32_t domid, uint32_t remote)
{
    return hv_evtchn_bind_interdomain(((struct pvmachine *)ctx)->x->hv,
                                      domid, remote);
}

static int host_unbind(void *ctx, uint32_t port)
{
    return hv_evtchn_unbind(((struct pvmachine *)ctx)->x->hv, port);
}

static int host_notify(void *ctx, uint32_t port)
{
    return hv_evtchn_notify(((struct pvmachine *)ctx)->x->hv, port);
}

static int host_unmask(void *ctx, uint32_t port)
{
    return hv_evtchn_unmask(((struct pvmachine *)ctx)->x->hv, port);
}

static const struct xenbus_host_ops pv_host_ops = {
    .read = host_read,
    .write = host_write,
    .rm = host_rm,
    .directory = host_directory,
    .watch = host_watch,
    .unwatch = host_unwatch,
    .evtchn_bind = host_bind,
    .evtchn_unbind = host_unbind,
    .evtchn_notify = host_notify,
    .evtchn_unmask = host_unmask,
};

static void pv_evtchn_io(struct loop *loop, int fd, unsigned events,
                         void *opaque)
{
    struct pvmachine *pm = opaque;
    int port;

    while ((port = hv_evtchn_pending(pm->x->hv)) >= 0) {
        if (pm->port_filter && pm->port_filter(pm->filter_opaque, port)) {
            continue;
        }
        xenbus_evtchn_fired(pm->bus, (uint32_t)port);
    }
}

/* ---- consoles onto -chardev ---- */

/*
 * What the chardev took; 0 when it is full (the console keeps the rest
 * and stops draining the guest's ring until pv_chardev_ready), -EPIPE
 * without a peer (the console drops it).
 */
static ssize_t pv_chardev_write(void *chr, const void *buf, size_t len)
{
    return chardev_write(chr, buf, len);
}

static void pv_chardev_ready(struct chardev *cd, void *opaque)
{
    pvcons_output_ready(opaque);
}

/* The guest consumed input: read more from the peer. */
static void pv_chardev_input_ready(void *chr)
{
    chardev_input_ready(chr);
}

static size_t pv_chardev_room(struct chardev *cd, void *opaque)
{
    return pvcons_input_room(opaque);
}

static const struct pv_chardev_ops pv_chardev_ops = {
    .write = pv_chardev_write,
    .input_ready = pv_chardev_input_ready,
};

static void pv_chardev_read(struct chardev *cd, const void *buf, size_t len,
                            void *opaque)
{
    size_t n = pvcons_input(opaque, buf, len);

    if (n < len) {
        log_debug("%s: guest input ring full, %zu bytes dropped",
                  chardev_id(cd), len - n);
    }
}

static int pv_chardev_bind(void *ctx, const char *id, struct pvcons *cons,
                           struct pv_chardev_port *port)
{
    struct pvmachine *pm = ctx;
    struct chardev *cd = chardev_lookup(pm->x, id);

    if (cd == NULL) {
        return -ENOENT;
    }
    chardev_set_reader(cd, pv_chardev_read, cons);
    chardev_set_input_room(cd, pv_chardev_room);
    chardev_set_output_ready(cd, pv_chardev_ready, cons);
    port->ops = &pv_chardev_ops;
    port->chr = cd;
    return 0;
}

static void pv_chardev_unbind(void *ctx, const char *id, struct pvcons *cons)
{
    struct pvmachine *pm = ctx;
    struct chardev *cd = chardev_lookup(pm->x, id);

    if (cd != NULL) {
        chardev_set_reader(cd, NULL, NULL);
        chardev_set_output_ready(cd, NULL, NULL);
    }
}

/* ---- VNC input onto vkbd ---- */

static void pv_vnc_key(void *opaque, uint32_t code, bool down)
{
    struct pvmachine *pm = opaque;

    vkbd_send_key(pm->bus, code, down);
}

static void pv_vnc_position(void *opaque, int32_t x, int32_t y, int32_t dz)
{
    struct pvmachine *pm = opaque;

    vkbd_send_position(pm->bus, x, y, dz);
}

static const struct vnc_input_ops pv_vnc_input = {
    .key = pv_vnc_key,
    .position = pv_vnc_position,
};

static int pv_chardev_new_pty(void *ctx, const char *label, char *path,
                              size_t pathlen)
{
    struct pvmachine *pm = ctx;
    char err[160];
    /* A console device made again (unplug, replug) keeps its pty. */
    struct chardev *cd = chardev_lookup(pm->x, label);

    if (cd == NULL || chardev_pty_path(cd) == NULL) {
        cd = chardev_new_pty(pm->x, label, err, sizeof(err));
    }
    if (cd == NULL) {
        log_warnx("%s", err);
        return -EIO;
    }
    snprintf(path, pathlen, "%s", chardev_pty_path(cd));
    return 0;
}

/* ---- machine hooks ---- */

static uint32_t pv_own_domid(struct xendm *x)
{
    char *v = store_read(x->store, "domid", NULL);
    uint32_t id = v ? (uint32_t)strtoul(v, NULL, 10) : 0;

    free(v);
    return id;
}

int pvmachine_prepare(struct xendm *x, char *err, size_t errlen)
{
    struct pvmachine *pm = calloc(1, sizeof(*pm));
    struct xenbus_cfg cfg;

    if (pm == NULL) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    pm->x = x;
    pm->evtchn_fd = -1;
    x->machine_priv = pm;
    if (x->hv == NULL) {
        x->hv = hv_open(err, errlen);
        if (x->hv == NULL) {
            return -ENOENT;
        }
    }
    pm->env = (struct pv_env){.chardev_bind = pv_chardev_bind,
                              .chardev_unbind = pv_chardev_unbind,
                              .chardev_new_pty = pv_chardev_new_pty,
                              .ctx = pm};
    if (x->vnc.server != NULL) {
        pm->env.display = vnc_sink();
        pm->env.display_ctx = x->vnc.server;
        vnc_set_input(x->vnc.server, &pv_vnc_input, pm);
    }
    cfg = (struct xenbus_cfg){
        .loop = x->loop,
        .host = &pv_host_ops,
        .host_ctx = pm,
        .domid = x->opts.domid,
        .be_domid = pv_own_domid(x),
        .types = pv_types,
        .ntypes = sizeof(pv_types) / sizeof(pv_types[0]),
        .env = &pm->env,
        .advertised = true,
    };
    pv_grants_hv(&cfg.grants, x->hv);
    pm->bus = xenbus_new(&cfg);
    pm->evtchn_fd = hv_evtchn_fd(x->hv);
    if (pm->bus == NULL || pm->evtchn_fd < 0 ||
        loop_fd_add(x->loop, pm->evtchn_fd, LOOP_READ, pv_evtchn_io, pm) <
            0) {
        pm->evtchn_fd = -1;
        snprintf(err, errlen, "PV backends: cannot set up event channels");
        return -EIO;
    }
    return 0;
}

int pvmachine_restrict(struct xendm *x, char *err, size_t errlen)
{
    int rc = hv_restrict(x->hv, x->opts.domid);

    if (rc < 0) {
        snprintf(err, errlen, "cannot restrict to domain %u: %s",
                 x->opts.domid, strerror(-rc));
    }
    return rc;
}

int pvmachine_start(struct xendm *x, char *err, size_t errlen)
{
    struct pvmachine *pm = x->machine_priv;
    int rc;

    if (pm != NULL && store_restricted(x->store)) {
        /*
         * -xen-domid-restrict closed xenstore, as it closes QEMU's: no
         * frontend can be found or answered, so the backends advertised
         * under device-model/<domid>/backends are not served.
         */
        log_warnx("xenstore closed by -xen-domid-restrict: PV backends "
                  "are not served");
        return 0;
    }
    rc = pm ? xenbus_start(pm->bus) : -EINVAL;
    if (rc < 0) {
        snprintf(err, errlen, "PV backends: cannot watch xenstore: %s",
                 strerror(-rc));
    }
    return rc;
}

void pvmachine_exit(struct xendm *x)
{
    struct pvmachine *pm = x->machine_priv;

    if (pm == NULL) {
        return;
    }
    vnc_set_input(x->vnc.server, NULL, NULL);
    xenbus_free(pm->bus);
    if (pm->evtchn_fd >= 0) {
        loop_fd_del(x->loop, pm->evtchn_fd);
    }
    if (x->hv) {
        hv_close(x->hv);
        x->hv = NULL;
    }
    free(pm);
    x->machine_priv = NULL;
}

void pvmachine_set_port_filter(struct xendm *x,
                               bool (*fn)(void *opaque, int port),
                               void *opaque)
{
    struct pvmachine *pm = x->machine_priv;

    if (pm != NULL) {
        pm->port_filter = fn;
        pm->filter_opaque = opaque;
    }
}

struct xenbus *pvmachine_bus(struct xendm *x)
{
    struct pvmachine *pm = x->machine_priv;

    /* xenpv and the HVM machines (whose prepare runs ours first): every
     * machine on Xen serves the PV backends, and machine_priv is ours. */
    return x->machine != NULL && (x->machine->flags & MACHINE_NEEDS_XEN) &&
                   pm
               ? pm->bus
               : NULL;
}
