/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated guest's blkfront (guest-blk.c), used by the
 * disk-verify workload (guest-dv.c).  See guest-blk.c for the theory
 * of operation.
 */
#ifndef XENSIM_GUEST_BLK_H
#define XENSIM_GUEST_BLK_H

#include <stdbool.h>
#include <stdint.h>

/* io/ring.h's barriers (it maps xen_mb() to mb() for old interfaces). */
#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/io/blkif.h>

#include "xensim/guest.h"

#define BLK_MAX_DISKS 8
#define BLK_MAX_QUEUES 4
#define BLK_MAX_QD 32
#define BLK_MAX_SEGS 65             /* per request (indirect beyond 11) */
#define BLK_SEGS_PER_INDIRECT (HVC_PAGE_SIZE / sizeof(struct blkif_request_segment))
#define BLK_TIMEOUT_MS 60000 /* generous: CI machines are loaded */

struct blk_slot {
    bool busy;
    uint64_t id;
    uint8_t *data[BLK_MAX_SEGS];     /* guest pages */
    uint64_t gfn[BLK_MAX_SEGS];
    uint32_t gref[BLK_MAX_SEGS];
    uint8_t *ind;                    /* indirect segment page */
    uint64_t ind_gfn;
    uint32_t ind_gref;
    unsigned nsegs;                  /* of the request in flight */
    bool used_ind;
    int16_t status;
    bool done;
};

struct blk_queue {
    blkif_front_ring_t ring;
    int port;
    struct blk_slot slot[BLK_MAX_QD];
};

struct blk {
    struct guest *g;
    char fe[64], be[160];
    uint32_t be_domid;
    int vdev;
    uint64_t sectors;
    uint32_t sector_size;
    unsigned ring_order;
    unsigned max_indirect;
    unsigned nqueues;
    bool persistent;                 /* both sides: grants kept */
    unsigned qd;                     /* slots per queue */
    unsigned slot_segs;              /* data pages per slot */
    struct blk_queue q[BLK_MAX_QUEUES];
    uint64_t next_id;
};

/* What the workload asks of a connection. */
struct blk_params {
    unsigned segs;          /* data pages per request slot */
    bool indirect;          /* allowed to use BLKIF_OP_INDIRECT */
    unsigned qd;            /* per queue */
    unsigned ring_order;    /* wanted; capped by the backend */
    unsigned queues;        /* wanted; capped by multi-queue-max-queues */
    bool persistent;        /* offer feature-persistent */
};

/* The whole handshake; 0, -EINTR (suspend requested) or -errno. */
int blkfront_connect(struct blk *b, const struct blk_params *p);
/* Most sectors one request may carry starting first_sect into a page. */
unsigned blkfront_max_sectors(const struct blk *b, unsigned first_sect);
/*
 * Queues a request on slot i of queue qi: nsect sectors from `sector`,
 * the first one first_sect sectors into the slot's first page and the
 * rest following on in its pages (blkfront_sector_ptr).  Writes must
 * have their data in place already.  0, or -errno (grant failure).
 */
int blkfront_queue(struct blk *b, unsigned qi, unsigned i, bool write,
                   uint64_t sector, unsigned first_sect, unsigned nsect);
/* Where request sector k of slot i of queue qi lives. */
uint8_t *blkfront_sector_ptr(struct blk *b, unsigned qi, unsigned i,
                             unsigned first_sect, unsigned k);
int blkfront_kick(struct blk *b);
/*
 * Collects responses from every queue; how many completed, or -errno
 * (-EPROTO: the backend broke the ring or still holds a grant that
 * should have been released).
 */
int blkfront_reap(struct blk *b, int timeout_ms);

#endif
