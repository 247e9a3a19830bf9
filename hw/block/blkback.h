/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The blkif request path of one disk: a backing file, an I/O engine,
 * and one or more queues (rings) that feed it.  The qdisk backend
 * (hw/block/qdisk.c) wires it to xenstore and event channels; unit
 * tests and the fuzzer drive it directly with in-memory rings and a
 * test grant provider.  Implemented by blkback.c (the ring and each
 * request's lifecycle) and blkback-seg.c (where each segment's data
 * lives: guest pages used in place, or a bounce buffer), which share
 * blkback-int.h.
 *
 * Trust: everything on the ring and behind a grant is the guest's.
 * Requests are validated by blkif.c before any I/O; a bad request is
 * answered with an error; a ring-protocol violation stops that queue
 * (blkback_queue_broken) without affecting any other queue or disk.
 */
#ifndef XENDM_BLKBACK_H
#define XENDM_BLKBACK_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/block/blkif.h"
#include "hw/block/io-engine.h"
#include "hw/pv/grants.h"

struct blkback_stats {
    uint64_t rd_bytes, wr_bytes;
    uint64_t rd_ops, wr_ops, flush_ops, discard_ops;
    uint64_t failed_rd_ops, failed_wr_ops, failed_flush_ops;
    uint64_t failed_discard_ops, invalid_ops;
    uint64_t rd_time_ns, wr_time_ns, flush_time_ns;
};

struct blkback_queue;

struct blkback_disk {
    int fd;
    struct ioeng *eng;
    struct blkif_limits lim;
    struct blkback_stats stats;
    struct blkback_queue *queues;   /* private: the disk's live queues */
};
typedef void blkback_notify_fn(void *opaque);
typedef void blkback_closed_fn(void *opaque);

struct blkback_queue_cfg {
    struct blkback_disk *disk;
    struct pv_grants *grants;
    uint32_t domid;
    enum blkif_proto proto;
    void *sring;             /* mapped shared ring */
    size_t sring_bytes;
    bool use_copy;           /* grant copy; else mapping */
    bool persistent;         /* keep mappings (mapping mode only) */
    bool copy_fallback;      /* grant copy what does not fit persistently */
    blkback_notify_fn *notify;
    void *opaque;
    const char *name;        /* "dom/dev/queue" for logs */
};

/* NULL with errno (EINVAL for a ring that does not fit). */
struct blkback_queue *blkback_queue_new(const struct blkback_queue_cfg *cfg);

/*
 * Consumes and starts every pending request the queue has room for.
 * Called on each event from the frontend.  Returns the number of
 * requests taken, or -EPROTO once the ring is broken.
 */
int blkback_queue_kick(struct blkback_queue *q);

bool blkback_queue_broken(const struct blkback_queue *q);
unsigned blkback_queue_inflight(const struct blkback_queue *q);

/*
 * Stops taking requests; `closed` runs (from the loop, or at once if
 * nothing is in flight) when the last request has completed.  The
 * queue must then be freed with blkback_queue_free.
 */
void blkback_queue_close(struct blkback_queue *q, blkback_closed_fn *closed,
                         void *opaque);
void blkback_queue_free(struct blkback_queue *q);

#endif
