/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The blkif request path: from a ring slot to the I/O engine and back
 * to a response.  See blkback.h.
 *
 * Theory of operation.  A queue owns a pool of `nr_ents` request
 * contexts, so at most a ring's worth of requests is ever in flight
 * whatever the frontend does; while the pool is empty the queue stops
 * consuming (the requests wait on the ring).  For each request:
 *   1. blkif_check_header (operation, counts, read-only, discard range);
 *   2. for INDIRECT, the descriptor pages are copied (or mapped and
 *      copied) into private memory, then decoded (blkback-seg.c);
 *   3. blkif_check_segs (every segment, and the sector range);
 *   4. blkback-seg.c gives each segment its memory: a mapped guest page
 *      the engine reads or writes in place (persistent grants, or a
 *      temporary mapping held until completion), or a slice of a
 *      bounce buffer that writes fill by grant copy before the engine
 *      runs and reads drain after it; flush and discard go straight to
 *      the engine (a flush carrying data flushes first, then writes);
 *   5. the response is queued; responses are published once per kick
 *      or per run of engine completions (the engine's batch-end hook,
 *      which then also takes what the frontend queued meanwhile), and
 *      the frontend is notified only when its rsp_event asks for it —
 *      so 32 completions reaped together cost one notification, not
 *      up to 32 wake-ups of the frontend.
 * Any grant failure answers BLKIF_RSP_ERROR for that request only.  A
 * file that refuses guest-page iovecs (EINVAL: O_DIRECT alignment;
 * EFAULT: pages the kernel cannot pin) has that request retried through
 * the bounce buffer, and the queue bounces everything from then on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/block/blkback-int.h"
#include "src/loop.h"

#define BB_KEEP_BUF (64u * 1024)
/* Large bounce buffers a queue keeps for reuse (page faults on a fresh
 * 1 MiB buffer per request cost more than the copy itself). */
#define BB_RETAIN_BIG (8u << 20)
#define BB_PG_CAP 4096u

static void queue_publish(struct blkback_queue *q)
{
    if (blkif_ring_push(&q->ring) && q->cfg.notify) {
        q->cfg.notify(q->cfg.opaque);
    }
}

/*
 * The clock for statistics: read once per kick or run of completions
 * (a clock_gettime per request was 4% of a busy xendm).
 */
static uint64_t queue_now(struct blkback_queue *q)
{
    if (!q->now_valid) {
        q->now = loop_now_ns();
        q->now_valid = q->in_kick || ioeng_in_batch(q->cfg.disk->eng);
    }
    return q->now;
}

static void stats_account(struct blkback_queue *q, struct blkback_io *io,
                          int16_t status)
{
    struct blkback_stats *s = &q->cfg.disk->stats;
    uint64_t dt = queue_now(q) - io->start_ns;
    bool bad = status != BLKIF_RSP_OKAY;

    switch (io->req.io_op) {
    case BLKIF_OP_READ:
        s->rd_ops++;
        s->rd_time_ns += dt;
        s->failed_rd_ops += bad;
        s->rd_bytes += bad ? 0 : io->bytes;
        break;
    case BLKIF_OP_WRITE:
        s->wr_ops++;
        s->wr_time_ns += dt;
        s->failed_wr_ops += bad;
        s->wr_bytes += bad ? 0 : io->bytes;
        break;
    case BLKIF_OP_WRITE_BARRIER:
    case BLKIF_OP_FLUSH_DISKCACHE:
        s->flush_ops++;
        s->flush_time_ns += dt;
        s->failed_flush_ops += bad;
        break;
    case BLKIF_OP_DISCARD:
        s->discard_ops++;
        s->failed_discard_ops += bad;
        break;
    default:
        s->invalid_ops++;
        break;
    }
}

static void io_finish(struct blkback_io *io, int16_t status)
{
    struct blkback_queue *q = io->q;

    stats_account(q, io, status);
    if (!q->ring.broken) {
        blkif_ring_respond(&q->ring, io->req.id, io->req.io_op, status);
    }
    blkseg_release(q, io);
    if (io->cap > BB_KEEP_BUF && q->retained_big > BB_RETAIN_BIG) {
        blkseg_drop_buffer(io);
    }
    io->next_free = q->free_ios;
    q->free_ios = io;
    q->inflight--;
    if (q->in_kick) {
        return;
    }
    if (!q->closing && ioeng_in_batch(q->cfg.disk->eng)) {
        q->publish_due = true;      /* disk_batch_end publishes */
        return;
    }
    queue_publish(q);
    if (q->closing) {
        if (q->inflight == 0 && q->closed) {
            blkback_closed_fn *fn = q->closed;

            q->closed = NULL;
            fn(q->closed_opaque);
        }
        return;
    }
    blkback_queue_kick(q);
}

/* ---- request lifecycle ---- */

static void io_done(struct ioeng_req *eio, int res);

static int io_submit(struct blkback_io *io, enum ioeng_op op)
{
    struct blkback_queue *q = io->q;
    bool data = op == IOENG_READ || op == IOENG_WRITE;

    io->eio = (struct ioeng_req){
        .op = op,
        .fd = q->cfg.disk->fd,
        .off = io->req.sector << BLKIF_SECTOR_SHIFT,
        .len = op == IOENG_DISCARD ? io->req.nr_sectors << BLKIF_SECTOR_SHIFT
                                   : io->bytes,
        .done = io_done,
        .opaque = io,
    };
    if (data && io->niov == 1) {
        io->eio.buf = io->iov[0].iov_base;
    } else if (data) {
        io->eio.iov = io->iov;
        io->eio.iovcnt = io->niov;
    }
    return ioeng_submit(q->cfg.disk->eng, &io->eio);
}

/*
 * True if this read or write handed the engine guest pages (not only
 * the bounce buffer).  Never for flushes and discards: their segment
 * fields are not ours to look at (niov is 0 unless blkseg_prepare ran).
 */
static bool io_in_place(const struct blkback_io *io)
{
    if (io->bounce_all || io->niov == 0 ||
        (io->eio.op != IOENG_READ && io->eio.op != IOENG_WRITE)) {
        return false;
    }
    for (uint16_t i = 0; i < io->req.nr_segments; i++) {
        if (io->page[i] != NULL) {
            return true;
        }
    }
    return false;
}

/*
 * O_DIRECT files may refuse a guest page's alignment with EINVAL, and a
 * kernel that cannot pin foreign-mapped pages for direct I/O says
 * EFAULT; the request is then redone through the bounce buffer (a
 * memcpy from the mapping works whatever the kernel thinks of it), as
 * are all the queue's later ones.  False if that is not possible.
 */
static bool io_retry_bounced(struct blkback_io *io)
{
    struct blkback_queue *q = io->q;

    if (!io_in_place(io) || io->stage != STAGE_IO) {
        return false;
    }
    log_ratelimited(&q->rl, "%s: file refused guest-page I/O; bouncing",
                    q->name);
    q->no_direct = true;
    blkseg_release(q, io);
    if (blkseg_prepare(q, io, true) < 0) {
        return false;
    }
    return io_submit(io, io->eio.op) == 0;
}

static void io_done(struct ioeng_req *eio, int res)
{
    struct blkback_io *io = eio->opaque;
    struct blkback_queue *q = io->q;

    if ((res == -EINVAL || res == -EFAULT) && io_retry_bounced(io)) {
        return;
    }
    if (res < 0) {
        log_ratelimited(&q->rl, "%s: I/O error on request %d: %s", q->name,
                        io->req.io_op, strerror(-res));
        io_finish(io, BLKIF_RSP_ERROR);
        return;
    }
    if (io->stage == STAGE_PRESYNC) {
        io->stage = STAGE_IO;
        if (io_submit(io, IOENG_WRITE) < 0) {
            io_finish(io, BLKIF_RSP_ERROR);
        }
        return;
    }
    if (io->req.io_op == BLKIF_OP_READ && blkseg_finish_read(q, io) < 0) {
        log_ratelimited(&q->rl, "%s: bad grant in read request", q->name);
        io_finish(io, BLKIF_RSP_ERROR);
        return;
    }
    io_finish(io, BLKIF_RSP_OKAY);
}

/* Validates and starts one request; a status if it finished at once. */
static int io_start(struct blkback_queue *q, struct blkback_io *io)
{
    const struct blkif_limits *lim = &q->cfg.disk->lim;
    struct blkif_req *req = &io->req;
    int st = blkif_check_header(req, lim);

    io->bytes = 0;
    io->niov = 0;
    io->stage = STAGE_IO;
    if (st != BLKIF_RSP_OKAY) {
        return st;
    }
    if (req->op == BLKIF_OP_DISCARD) {
        if (req->nr_sectors == 0) {
            return BLKIF_RSP_OKAY;
        }
        return io_submit(io, IOENG_DISCARD) < 0 ? BLKIF_RSP_ERROR : 1;
    }
    /*
     * An empty flush carries no sector (Linux's blkfront sends all ones);
     * as QEMU does, it is a flush and nothing else.
     */
    if ((req->op == BLKIF_OP_FLUSH_DISKCACHE ||
         req->op == BLKIF_OP_WRITE_BARRIER) && req->nr_segments == 0) {
        return io_submit(io, IOENG_FLUSH) < 0 ? BLKIF_RSP_ERROR : 1;
    }
    if (req->op == BLKIF_OP_INDIRECT && blkseg_fetch_indirect(q, req) < 0) {
        return BLKIF_RSP_ERROR;
    }
    if (blkif_check_segs(req, lim, &io->bytes) != BLKIF_RSP_OKAY) {
        return BLKIF_RSP_ERROR;
    }
    if (req->op == BLKIF_OP_FLUSH_DISKCACHE ||
        req->op == BLKIF_OP_WRITE_BARRIER) {
        io->stage = STAGE_PRESYNC;
    }
    if (blkseg_prepare(q, io, q->no_direct) < 0) {
        return BLKIF_RSP_ERROR;
    }
    if (io->stage == STAGE_PRESYNC) {
        return io_submit(io, IOENG_FLUSH) < 0 ? BLKIF_RSP_ERROR : 1;
    }
    return io_submit(io, req->io_op == BLKIF_OP_READ ? IOENG_READ
                                                     : IOENG_WRITE) < 0
               ? BLKIF_RSP_ERROR
               : 1;
}

int blkback_queue_kick(struct blkback_queue *q)
{
    int taken = 0, rc, st;
    struct blkback_io *io;

    if (q->ring.broken) {
        return -EPROTO;
    }
    q->in_kick = true;
    while (!q->closing && (io = q->free_ios) != NULL) {
        rc = blkif_ring_next(&q->ring, &io->req);
        if (rc == 0 && blkif_ring_final_check(&q->ring)) {
            continue;
        }
        if (rc <= 0) {
            break;
        }
        q->free_ios = io->next_free;
        q->inflight++;
        taken++;
        io->start_ns = queue_now(q);
        st = io_start(q, io);
        if (st <= 0) {
            if (st != BLKIF_RSP_OKAY) {
                log_ratelimited(&q->rl, "%s: refused request op %u nseg %u"
                                " sector %llu", q->name, io->req.op,
                                io->req.nr_segments,
                                (unsigned long long)io->req.sector);
            }
            io_finish(io, (int16_t)st);
        }
    }
    q->in_kick = false;
    q->now_valid = false;
    if (q->ring.broken) {
        log_ratelimited(&q->rl, "%s: frontend broke the ring protocol;"
                        " queue stopped", q->name);
        return -EPROTO;
    }
    queue_publish(q);
    return taken;
}

/* After a run of engine completions: publish, notify, take more. */
static void disk_batch_end(void *opaque)
{
    struct blkback_disk *d = opaque;

    for (struct blkback_queue *q = d->queues; q; q = q->next_in_disk) {
        q->now_valid = false;
        if (q->publish_due) {
            q->publish_due = false;
            queue_publish(q);
            blkback_queue_kick(q);
        }
    }
}

/*
 * How many grants a queue keeps mapped persistently: blkif.h's ideal,
 * ring size x 11, or with indirect requests enough for a ring of them up
 * to BB_PG_CAP pages (16 MiB of guest memory), so that 1 MiB requests
 * (256 pages each) are served in place up to queue depth 16.
 */
static uint32_t queue_pg_max(uint32_t nr_ents, uint32_t max_indirect)
{
    uint64_t direct = (uint64_t)nr_ents * BLKIF_MAX_SEGMENTS_PER_REQUEST;
    uint64_t ind = (uint64_t)nr_ents * max_indirect;

    if (ind > BB_PG_CAP) {
        ind = BB_PG_CAP;
    }
    return (uint32_t)(ind > direct ? ind : direct);
}

struct blkback_queue *blkback_queue_new(const struct blkback_queue_cfg *cfg)
{
    struct blkback_queue *q = calloc(1, sizeof(*q));
    uint32_t n;

    if (q == NULL) {
        return NULL;
    }
    q->cfg = *cfg;
    snprintf(q->name, sizeof(q->name), "%s", cfg->name ? cfg->name : "qdisk");
    q->cfg.name = q->name;
    q->rl = (struct ratelimit)RATELIMIT_INIT(1000, 10);
    if (blkif_ring_attach(&q->ring, cfg->proto, cfg->sring,
                          cfg->sring_bytes) < 0) {
        free(q);
        errno = EINVAL;
        return NULL;
    }
    n = q->ring.nr_ents;
    q->ios = calloc(n, sizeof(*q->ios));
    q->pg_max = queue_pg_max(n, cfg->disk->lim.max_indirect_segs);
    for (q->pg_slots = 16; q->pg_slots < 2 * q->pg_max;) {
        q->pg_slots *= 2;
    }
    q->pg = cfg->persistent ? calloc(q->pg_slots, sizeof(*q->pg)) : NULL;
    if (q->ios == NULL || (cfg->persistent && q->pg == NULL)) {
        free(q->ios);
        free(q->pg);
        free(q);
        errno = ENOMEM;
        return NULL;
    }
    if (!cfg->persistent) {
        q->cfg.persistent = false;
    }
    for (uint32_t i = 0; i < n; i++) {
        q->ios[i].q = q;
        q->ios[i].next_free = i + 1 < n ? &q->ios[i + 1] : NULL;
    }
    q->free_ios = &q->ios[0];
    q->next_in_disk = cfg->disk->queues;
    cfg->disk->queues = q;
    if (cfg->disk->eng) {
        ioeng_set_batch_end(cfg->disk->eng, disk_batch_end, cfg->disk);
    }
    return q;
}

bool blkback_queue_broken(const struct blkback_queue *q)
{
    return q->ring.broken;
}

unsigned blkback_queue_inflight(const struct blkback_queue *q)
{
    return q->inflight;
}

void blkback_queue_close(struct blkback_queue *q, blkback_closed_fn *closed,
                         void *opaque)
{
    q->closing = true;
    if (q->inflight == 0) {
        if (closed) {
            closed(opaque);
        }
        return;
    }
    q->closed = closed;
    q->closed_opaque = opaque;
}

void blkback_queue_free(struct blkback_queue *q)
{
    if (q == NULL) {
        return;
    }
    for (struct blkback_queue **pp = &q->cfg.disk->queues; *pp;
         pp = &(*pp)->next_in_disk) {
        if (*pp == q) {
            *pp = q->next_in_disk;
            break;
        }
    }
    if (q->pg) {
        blkseg_release_persistent(q);
        free(q->pg);
    }
    for (uint32_t i = 0; i < q->ring.nr_ents; i++) {
        free(q->ios[i].buf);
    }
    free(q->ios);
    free(q);
}
