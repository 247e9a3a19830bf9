/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PV backend framework: finds backend devices in xenstore, runs
 * the xenbus state machine against each frontend, and routes event
 * channels to devices.
 *
 * Used by main (one bus per guest domain) with a table of backend
 * types {name, ops}; the types (qdisk, console, vkbd) see only the
 * helpers below.  The bus reaches xenstore and event channels only
 * through `struct xenbus_host_ops`, so the daemon plugs in xen/store.h
 * and xen/hv.h while unit tests plug in a store and channels of their
 * own.  The host reports watch events with xenbus_watch_fired and
 * pending ports with xenbus_evtchn_fired, from the loop.
 *
 * Trust: the frontend directory and every frontend key are written by
 * the guest: values are bounded, parsed strictly, and a bad one makes
 * that device fail to connect (backend state Closing), nothing more.
 * The backend directory is written by the toolstack.
 */
#ifndef XENDM_XENBUS_H
#define XENDM_XENBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/pv/grants.h"

struct loop;
struct xenbus;
struct xenbus_dev;

enum xenbus_state {
    XB_UNKNOWN = 0,
    XB_INITIALISING = 1,
    XB_INITWAIT = 2,
    XB_INITIALISED = 3,
    XB_CONNECTED = 4,
    XB_CLOSING = 5,
    XB_CLOSED = 6,
};

struct xenbus_host_ops {
    /* *val is malloc'd and NUL-terminated; -ENOENT when absent. */
    int (*read)(void *ctx, const char *path, char **val);
    int (*write)(void *ctx, const char *path, const char *val);
    int (*rm)(void *ctx, const char *path);
    /* *names: malloc'd array of malloc'd names. */
    int (*directory)(void *ctx, const char *path, char ***names,
                     unsigned *n);
    int (*watch)(void *ctx, const char *path, const char *token);
    int (*unwatch)(void *ctx, const char *path, const char *token);
    /* Returns the local port or -errno. */
    int (*evtchn_bind)(void *ctx, uint32_t domid, uint32_t remote_port);
    int (*evtchn_unbind)(void *ctx, uint32_t port);
    int (*evtchn_notify)(void *ctx, uint32_t port);
    int (*evtchn_unmask)(void *ctx, uint32_t port);
};

#define XENBUS_NOT_MINE 1

struct xenbus_ops {
    /*
     * Reads backend parameters and writes features; 0 or -errno.
     * XENBUS_NOT_MINE: the device belongs to someone else (a console
     * of type xenconsoled): it is left alone, nothing is written.
     */
    int (*init)(struct xenbus_dev *dev);
    /* Reads frontend keys, maps rings, binds channels; 0 or -errno. */
    int (*connect)(struct xenbus_dev *dev);
    void (*disconnect)(struct xenbus_dev *dev);
    void (*free)(struct xenbus_dev *dev);
    /* An event arrived on one of the device's ports. */
    void (*event)(struct xenbus_dev *dev, uint32_t port);
};

struct xenbus_type {
    const char *name;
    const struct xenbus_ops *ops;
};

struct xenbus_cfg {
    struct loop *loop;
    const struct xenbus_host_ops *host;
    void *host_ctx;
    struct pv_grants grants;
    uint32_t domid;          /* the guest */
    uint32_t be_domid;       /* our domain, 0 for dom0 */
    const struct xenbus_type *types;
    size_t ntypes;
    /* Event-channel allowance per port per 10 ms (0: 1000). */
    uint32_t evtchn_allowance;
    /* Passed through to types (console: struct pv_env, hw/pv/console.h). */
    void *env;
    /* device-model/<domid>/backends/<type> already created by the caller. */
    bool advertised;
};

/* NULL with errno. */
struct xenbus *xenbus_new(const struct xenbus_cfg *cfg);
/*
 * Advertises device-model/<domid>/backends/<type> for every type and
 * watches backend/<type>/<domid>.  Call before reporting "running".
 */
int xenbus_start(struct xenbus *bus);
void xenbus_free(struct xenbus *bus);

/* From the host: a watch fired / a port is pending (and masked). */
void xenbus_watch_fired(struct xenbus *bus, const char *path,
                        const char *token);
void xenbus_evtchn_fired(struct xenbus *bus, uint32_t port);

/* Visits every device of the named type. */
void xenbus_foreach(struct xenbus *bus, const char *type,
                    void (*fn)(struct xenbus_dev *dev, void *opaque),
                    void *opaque);

/* ---- for backend types ---- */
struct loop *xenbus_loop(struct xenbus_dev *dev);
struct pv_grants *xenbus_grants(struct xenbus_dev *dev);
uint32_t xenbus_domid(const struct xenbus_dev *dev);
uint32_t xenbus_devid(const struct xenbus_dev *dev);
const char *xenbus_name(const struct xenbus_dev *dev);   /* "qdisk-1/51712" */
void *xenbus_priv(struct xenbus_dev *dev);
void *xenbus_env(struct xenbus_dev *dev);
void xenbus_set_priv(struct xenbus_dev *dev, void *priv);

/* Reads a backend (be) or frontend (fe) key; NULL if absent (malloc'd). */
char *xenbus_read_be(struct xenbus_dev *dev, const char *key);
char *xenbus_read_fe(struct xenbus_dev *dev, const char *key);
/* Strict unsigned decimal; -ENOENT absent, -EINVAL malformed/above max. */
int xenbus_read_fe_uint(struct xenbus_dev *dev, const char *key,
                        uint64_t max, uint64_t *out);
int xenbus_write_be(struct xenbus_dev *dev, const char *key,
                    const char *val);
/* A frontend key the backend publishes (e.g. a console's `tty`). */
int xenbus_write_fe(struct xenbus_dev *dev, const char *key,
                    const char *val);
int xenbus_printf_be(struct xenbus_dev *dev, const char *key,
                     const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Binds the frontend's port; the local port, or -errno. */
int xenbus_bind(struct xenbus_dev *dev, uint32_t remote_port);
void xenbus_unbind(struct xenbus_dev *dev, uint32_t port);
void xenbus_notify(struct xenbus_dev *dev, uint32_t port);

enum xenbus_state xenbus_be_state(const struct xenbus_dev *dev);

#endif
