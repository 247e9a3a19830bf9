/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xendm's ioreq server: how guest I/O trapped by Xen reaches the
 * emulated machine (hw/emu/pc.h).
 *
 * Two layers.  The dispatcher (ioreq.c) takes one decoded ioreq_t
 * (PIO, COPY = MMIO, PCI_CONFIG, TIMEOFFSET, INVALIDATE) or the
 * buffered ring, validates every field the guest influences, and runs
 * the access on the machine, reading and writing guest memory for
 * `data_is_ptr` through a small memory-ops table; it has no Xen in it,
 * so unit tests and the libFuzzer harness drive it directly.  The
 * server (ioreq-server.c) brings an ioreq server up on Xen through
 * xen/hv.h in demu/varstored order, serves the per-vCPU slots and the
 * buffered ring with the barriers the protocol needs, keeps Xen's
 * claimed port/MMIO/PCI ranges in step with the machine's BARs, maps
 * guest memory through a bounded mapping cache, and turns guest reset
 * and poweroff requests into Xen shutdowns.
 *
 * Trust: everything in an ioreq is guest-controlled.  Bad requests are
 * answered (all ones for reads), counted and logged with a rate limit;
 * nothing a guest sends can make xendm abort or loop unboundedly.
 */
#ifndef XENDM_HW_IOREQ_H
#define XENDM_HW_IOREQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/hvm/ioreq.h>

#include "log.h"
#include "pc.h"

/* A rep access moves at most this many elements (Xen keeps it far
 * smaller: one page's worth). */
#define IOREQ_MAX_COUNT 4096u

struct ioreq_mem_ops {
    /* Copies len bytes from/to guest-physical gpa; 0 or -EFAULT. */
    int (*read)(void *opaque, uint64_t gpa, void *buf, size_t len);
    int (*write)(void *opaque, uint64_t gpa, const void *buf, size_t len);
    /* Drops every cached mapping (IOREQ_TYPE_INVALIDATE). */
    void (*invalidate)(void *opaque);
};

struct ioreq_stats {
    uint64_t handled;
    uint64_t refused;
    uint64_t buffered;
};

struct ioreq_dispatch {
    struct machine *m;
    const struct ioreq_mem_ops *mem;
    void *mem_opaque;
    struct ratelimit rl;
    struct ioreq_stats stats;
    /* set when a config write may have moved a BAR */
    bool config_written;
};

void ioreq_dispatch_init(struct ioreq_dispatch *d, struct machine *m,
                         const struct ioreq_mem_ops *mem, void *mem_opaque);

/*
 * Handles one request, a private copy of the shared slot.  For reads
 * without data_is_ptr the result is in req->data.  Returns 0, or
 * -EINVAL/-EFAULT for a refused request (reads then give all ones).
 */
int ioreq_dispatch(struct ioreq_dispatch *d, ioreq_t *req);

/*
 * Drains the buffered ring (writes only; an 8-byte write spans two
 * slots).  At most one ring's worth per call; returns slots consumed.
 */
unsigned ioreq_drain_buffered(struct ioreq_dispatch *d,
                              buffered_iopage_t *bp);

/* ---- the server on Xen ---- */

struct hv;

#define IOREQ_MAX_VCPUS 128
#define IOREQ_MAX_RANGES 32
#define MAPCACHE_ENTRIES 64

struct mapcache_entry {
    uint64_t gfn;           /* UINT64_MAX: free */
    void *va;
    uint64_t used;          /* for LRU */
};

struct mapcache {
    struct hv *hv;
    uint32_t domid;
    uint64_t max_gfn;       /* frames beyond are refused */
    uint64_t tick;
    bool dirty_log;         /* report our writes as modified memory */
    struct mapcache_entry e[MAPCACHE_ENTRIES];
};

struct ioreq_server {
    struct hv *hv;
    uint32_t domid;
    struct machine *m;
    uint16_t id;
    bool created, enabled;
    void *iop;              /* shared_iopage_t */
    void *bp;               /* buffered_iopage_t or NULL */
    uint32_t nvcpus;
    int vport[IOREQ_MAX_VCPUS];
    int bufport;
    struct machine_range pio[IOREQ_MAX_RANGES], mmio[IOREQ_MAX_RANGES];
    unsigned npio, nmmio;
    uint8_t devfn[8];
    unsigned ndevfn;
    struct mapcache mc;
    struct ioreq_dispatch d;
};

/*
 * Brings the server up for `domid` with `nvcpus` vCPUs serving `m`:
 * create (with buffered ioreqs), map the pages, enable, bind every
 * vCPU's port and the buffered port, claim the machine's ranges and
 * PCI functions.  On failure everything done is undone.  0 or -errno.
 */
int ioreq_server_start(struct ioreq_server *s, struct hv *hv,
                       uint32_t domid, uint32_t nvcpus, struct machine *m,
                       char *err, size_t errlen);
/* Tears down in reverse; safe on a half-started or stopped server. */
void ioreq_server_stop(struct ioreq_server *s);

/*
 * Handles an event on `port` (after the caller took it from
 * hv_evtchn_pending and unmasked it).  Returns true if it was ours.
 */
bool ioreq_server_port_event(struct ioreq_server *s, int port);
/* True if `port` is one of the server's (a vCPU's or the buffered). */
bool ioreq_server_owns_port(const struct ioreq_server *s, int port);
/* Takes and handles every pending port of the hv handle. */
void ioreq_server_poll(struct ioreq_server *s);
/* xen-set-global-dirty-log: report xendm's writes to guest RAM. */
void ioreq_server_set_dirty_log(struct ioreq_server *s, bool on);

#endif
