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
#define BLK_MAX_QD 32
#define BLK_MAX_SEGS 64             /* per request (indirect beyond 11) */
#define BLK_SEGS_PER_INDIRECT (HVC_PAGE_SIZE / sizeof(struct blkif_request_segment))
#define BLK_TIMEOUT_MS 60000 /* generous: CI machines are loaded */

struct blk_slot {
    bool busy;
    uint64_t id;
    uint8_t *data[BLK_MAX_SEGS];     /* guest pages */
    uint32_t gref[BLK_MAX_SEGS];
    uint8_t *ind;                    /* indirect segment page */
    uint32_t ind_gref;
    int16_t status;
    bool done;
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
    bool persistent;
    blkif_front_ring_t ring;
    int port;
    unsigned qd;
    struct blk_slot slot[BLK_MAX_QD];
    uint64_t next_id;
};

/* What the workload asks of a connection. */
struct blk_params {
    unsigned segs;          /* data pages per request */
    bool indirect;          /* allowed to use BLKIF_OP_INDIRECT */
    unsigned qd;
    unsigned ring_order;    /* wanted; capped by the backend */
};

/* The whole handshake; 0, -EINTR (suspend requested) or -errno. */
int blkfront_connect(struct blk *b, const struct blk_params *p);
/* Queues a request on slot i; the data must already be in its pages. */
void blkfront_queue(struct blk *b, unsigned i, bool write, uint64_t sector,
                    unsigned segs);
int blkfront_kick(struct blk *b);
/* Collects responses; how many completed, or -errno (-EPROTO: broken). */
int blkfront_reap(struct blk *b, int timeout_ms);

#endif
