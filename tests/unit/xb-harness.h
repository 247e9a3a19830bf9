/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small in-memory store with watches and test event channels that
 * implement struct xenbus_host_ops for the PV backend tests (the
 * daemon plugs in xen/store.h and xen/hv.h instead).  Writes fire
 * every watch whose path is a prefix, as xenstored does; events are
 * queued and delivered by fhost_pump so tests control the order.
 */
#ifndef XENDM_XB_HARNESS_H
#define XENDM_XB_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/pv/xenbus.h"

#define MAXN 512

struct kv {
    char *path, *val;
};

struct fhost {
    struct kv kv[MAXN];
    unsigned nkv;
    struct kv watches[64];       /* path, token */
    unsigned nwatch;
    struct kv events[MAXN];      /* path, token */
    unsigned nev;
    uint32_t next_port;
    uint32_t remote[256];
    unsigned notifies[256], unmasks[256];
    bool bound[256];
};

extern const struct xenbus_host_ops fh_ops;

struct kv *kv_find(struct fhost *h, const char *path);
int fh_write(void *ctx, const char *path, const char *val);
/* Delivers queued watch events to bus (NULL: drops them). */
void fhost_pump(struct fhost *h, struct xenbus *bus);
/* Frees everything the store holds. */
void fhost_fini(struct fhost *h);
/* Local port bound to the frontend's remote port, 0 if none. */
uint32_t fhost_port_for(struct fhost *h, uint32_t remote);

#endif
