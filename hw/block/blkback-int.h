/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to the blkif request path: the queue and request structures
 * shared by blkback.c (the ring, the request lifecycle, responses)
 * and blkback-seg.c (where each segment's data lives: a mapped guest
 * page the engine reads or writes directly, or a slice of a bounce
 * buffer filled and drained by grant copy).  Nothing outside those
 * two files includes it; everyone else uses blkback.h.
 *
 * Trust: as blkback.h.  Segment fields here were validated by
 * blkif_check_segs before blkback-seg.c looks at them.
 */
#ifndef XENDM_BLKBACK_INT_H
#define XENDM_BLKBACK_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "hw/block/blkback.h"
#include "src/log.h"

#define BB_PAGE 4096u

enum io_stage {
    STAGE_IO = 0,
    STAGE_PRESYNC,     /* flush done first, data write follows */
};

struct blkback_io {
    struct blkback_queue *q;
    struct blkif_req req;
    struct ioeng_req eio;
    uint8_t *buf;             /* bounce buffer, kept for reuse */
    size_t cap;
    uint64_t bytes;           /* the request's data, all segments */
    uint64_t start_ns;
    enum io_stage stage;
    struct blkback_io *next_free;
    /* set by blkseg_prepare, undone by blkseg_release */
    bool bounce_all;          /* every segment through buf */
    uint8_t *tmap;            /* temporary mapping of some segments */
    uint16_t tmap_n;
    uint16_t niov;
    uint8_t *page[BLKIF_MAX_SEGS];   /* mapped guest page; NULL: copy */
    struct iovec iov[BLKIF_MAX_SEGS];
};

struct pgrant {
    uint32_t gref;
    void *addr;        /* NULL: empty slot */
};

struct blkback_queue {
    struct blkback_queue_cfg cfg;
    char name[64];
    struct blkif_ring ring;
    struct blkback_io *ios;
    struct blkback_io *free_ios;
    unsigned inflight;
    size_t retained_big;
    bool in_kick;
    bool publish_due;        /* completed inside an engine batch */
    bool now_valid;          /* `now` read during this kick or batch */
    bool no_direct;          /* the file refused guest-page iovecs */
    uint64_t now;
    bool closing;
    struct blkback_queue *next_in_disk;
    blkback_closed_fn *closed;
    void *closed_opaque;
    struct ratelimit rl;
    struct pgrant *pg;
    uint32_t pg_slots, pg_used, pg_max;
    /* scratch, single-threaded */
    struct hv_grant_copy_seg segs[BLKIF_MAX_SEGS];
    uint32_t refs[BLKIF_MAX_SEGS];
    uint8_t ind[BLKIF_INDIRECT_PAGES * BB_PAGE];
};

/*
 * Gives every segment of a validated read or write its memory and
 * builds io->iov: a mapped guest page (persistent grant, or a
 * temporary mapping held until blkseg_release) is used in place
 * unless `bounce_all`; everything else gets a slice of the bounce
 * buffer.  For writes the bounce slices are filled from the guest.
 * 0, or -EFAULT (a bad grant) / -ENOMEM; on failure nothing is held.
 */
int blkseg_prepare(struct blkback_queue *q, struct blkback_io *io,
                   bool bounce_all);

/* After a read: moves the bounce slices to the guest.  0 or -EFAULT. */
int blkseg_finish_read(struct blkback_queue *q, struct blkback_io *io);

/* Drops what blkseg_prepare took (a temporary mapping).  Idempotent. */
void blkseg_release(struct blkback_queue *q, struct blkback_io *io);

/* Copies an INDIRECT request's descriptor pages in and decodes them. */
int blkseg_fetch_indirect(struct blkback_queue *q, struct blkif_req *req);

/* Unmaps every persistent grant of the queue. */
void blkseg_release_persistent(struct blkback_queue *q);

/* Frees io's bounce buffer, keeping the queue's retained count. */
void blkseg_drop_buffer(struct blkback_io *io);

#endif
