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
 *      copied) into private memory, then decoded;
 *   3. blkif_check_segs (every segment, and the sector range);
 *   4. writes gather guest data into an aligned bounce buffer (grant
 *      copy, or a mapping), then the engine writes it; reads go to the
 *      engine first and scatter afterwards; flush and discard go
 *      straight to the engine (a flush carrying data flushes first,
 *      then writes);
 *   5. the response is queued; responses are published once per kick
 *      or per completion and the frontend is notified only when its
 *      rsp_event asks for it.
 * Any grant failure answers BLKIF_RSP_ERROR for that request only.
 * Persistent grants (mapping mode, frontend feature-persistent) are
 * kept in a small open-addressed table of at most nr_ents * 11
 * mappings, as blkif.h recommends; a request whose grants do not fit
 * is served with a temporary mapping.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/block/blkback.h"
#include "src/log.h"
#include "src/loop.h"

#define BB_PAGE 4096u
#define BB_KEEP_BUF (64u * 1024)
/* Large bounce buffers a queue keeps for reuse (page faults on a fresh
 * 1 MiB buffer per request cost more than the copy itself). */
#define BB_RETAIN_BIG (8u << 20)

enum io_stage {
    STAGE_IO = 0,
    STAGE_PRESYNC,     /* flush done first, data write follows */
};

struct blkback_io {
    struct blkback_queue *q;
    struct blkif_req req;
    struct ioeng_req eio;
    uint8_t *buf;
    size_t cap;
    uint64_t bytes;
    uint64_t start_ns;
    enum io_stage stage;
    struct blkback_io *next_free;
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
    bool closing;
    blkback_closed_fn *closed;
    void *closed_opaque;
    struct ratelimit rl;
    struct pgrant *pg;
    uint32_t pg_slots, pg_used, pg_max;
    /* scratch, single-threaded */
    struct hv_grant_copy_seg segs[BLKIF_MAX_SEGS];
    uint32_t refs[BLKIF_MAX_SEGS];
    uint8_t *pages[BLKIF_MAX_SEGS];
    uint8_t ind[BLKIF_INDIRECT_PAGES * BB_PAGE];
};

static void queue_publish(struct blkback_queue *q)
{
    if (blkif_ring_push(&q->ring) && q->cfg.notify) {
        q->cfg.notify(q->cfg.opaque);
    }
}

static void stats_account(struct blkback_queue *q, struct blkback_io *io,
                          int16_t status)
{
    struct blkback_stats *s = &q->cfg.disk->stats;
    uint64_t dt = loop_now_ns() - io->start_ns;
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
    if (io->cap > BB_KEEP_BUF && q->retained_big > BB_RETAIN_BIG) {
        q->retained_big -= io->cap;
        free(io->buf);
        io->buf = NULL;
        io->cap = 0;
    }
    io->next_free = q->free_ios;
    q->free_ios = io;
    q->inflight--;
    if (q->in_kick) {
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

/* ---- persistent grants ---- */

static uint32_t pg_hash(uint32_t gref, uint32_t slots)
{
    return (gref * 2654435761u) & (slots - 1);
}

static void *pg_lookup(struct blkback_queue *q, uint32_t gref)
{
    for (uint32_t i = pg_hash(gref, q->pg_slots), n = 0; n < q->pg_slots;
         n++, i = (i + 1) & (q->pg_slots - 1)) {
        if (q->pg[i].addr == NULL) {
            return NULL;
        }
        if (q->pg[i].gref == gref) {
            return q->pg[i].addr;
        }
    }
    return NULL;
}

static void pg_insert(struct blkback_queue *q, uint32_t gref, void *addr)
{
    uint32_t i = pg_hash(gref, q->pg_slots);

    while (q->pg[i].addr != NULL) {
        i = (i + 1) & (q->pg_slots - 1);
    }
    q->pg[i].gref = gref;
    q->pg[i].addr = addr;
    q->pg_used++;
}

/* Maps every segment persistently; false if they do not all fit. */
static bool pg_map_all(struct blkback_queue *q, const struct blkif_req *req)
{
    const struct pv_grants *g = q->cfg.grants;
    uint32_t misses = 0;

    for (uint16_t i = 0; i < req->nr_segments; i++) {
        misses += pg_lookup(q, req->seg[i].gref) == NULL;
    }
    if (q->pg_used + misses > q->pg_max) {
        return false;
    }
    for (uint16_t i = 0; i < req->nr_segments; i++) {
        uint32_t ref = req->seg[i].gref;
        void *p = pg_lookup(q, ref);

        if (p == NULL) {
            p = g->ops->map(g->ctx, q->cfg.domid, 1, &ref,
                            HV_PROT_READ | HV_PROT_WRITE);
            if (p == NULL) {
                return false;
            }
            pg_insert(q, ref, p);
        }
        q->pages[i] = p;
    }
    return true;
}

static void pg_release_all(struct blkback_queue *q)
{
    const struct pv_grants *g = q->cfg.grants;

    for (uint32_t i = 0; i < q->pg_slots; i++) {
        if (q->pg[i].addr != NULL) {
            g->ops->unmap(g->ctx, q->pg[i].addr, 1);
            q->pg[i].addr = NULL;
        }
    }
    q->pg_used = 0;
}

/* ---- moving data between guest pages and the bounce buffer ---- */

static int data_copy(struct blkback_queue *q, struct blkback_io *io,
                     bool to_guest)
{
    const struct pv_grants *g = q->cfg.grants;
    const struct blkif_req *req = &io->req;
    size_t pos = 0;

    for (uint16_t i = 0; i < req->nr_segments; i++) {
        struct hv_grant_copy_seg *s = &q->segs[i];
        const struct blkif_seg *bs = &req->seg[i];

        s->to_guest = to_guest;
        s->domid = q->cfg.domid;
        s->ref = bs->gref;
        s->offset = (uint16_t)(bs->first_sect << BLKIF_SECTOR_SHIFT);
        s->len = (uint16_t)((bs->last_sect - bs->first_sect + 1)
                            << BLKIF_SECTOR_SHIFT);
        s->local = io->buf + pos;
        s->status = 0;
        pos += s->len;
    }
    if (g->ops->copy(g->ctx, q->segs, req->nr_segments) < 0) {
        return -EFAULT;
    }
    for (uint16_t i = 0; i < req->nr_segments; i++) {
        if (q->segs[i].status != 0) {
            return -EFAULT;
        }
    }
    return 0;
}

/* Copies between the bounce buffer and pages already in q->pages. */
static void data_memcpy(struct blkback_queue *q, struct blkback_io *io,
                        bool to_guest)
{
    const struct blkif_req *req = &io->req;
    size_t pos = 0;

    for (uint16_t i = 0; i < req->nr_segments; i++) {
        const struct blkif_seg *bs = &req->seg[i];
        size_t off = (size_t)bs->first_sect << BLKIF_SECTOR_SHIFT;
        size_t len = (size_t)(bs->last_sect - bs->first_sect + 1)
                     << BLKIF_SECTOR_SHIFT;

        if (to_guest) {
            memcpy(q->pages[i] + off, io->buf + pos, len);
        } else {
            memcpy(io->buf + pos, q->pages[i] + off, len);
        }
        pos += len;
    }
}

/* A temporary mapping of every segment, used once. */
static int data_map_once(struct blkback_queue *q, struct blkback_io *io,
                         bool to_guest)
{
    const struct pv_grants *g = q->cfg.grants;
    const struct blkif_req *req = &io->req;
    uint8_t *base;

    for (uint16_t i = 0; i < req->nr_segments; i++) {
        q->refs[i] = req->seg[i].gref;
    }
    base = g->ops->map(g->ctx, q->cfg.domid, req->nr_segments, q->refs,
                       to_guest ? HV_PROT_READ | HV_PROT_WRITE
                                : HV_PROT_READ);
    if (base == NULL) {
        return -EFAULT;
    }
    for (uint16_t i = 0; i < req->nr_segments; i++) {
        q->pages[i] = base + (size_t)i * BB_PAGE;
    }
    data_memcpy(q, io, to_guest);
    g->ops->unmap(g->ctx, base, req->nr_segments);
    return 0;
}

static int data_move(struct blkback_queue *q, struct blkback_io *io,
                     bool to_guest)
{
    if (q->cfg.use_copy) {
        return data_copy(q, io, to_guest);
    }
    if (q->cfg.persistent && pg_map_all(q, &io->req)) {
        data_memcpy(q, io, to_guest);
        return 0;
    }
    if (q->cfg.copy_fallback) {
        return data_copy(q, io, to_guest);
    }
    return data_map_once(q, io, to_guest);
}

static int fetch_indirect(struct blkback_queue *q, struct blkif_req *req)
{
    const struct pv_grants *g = q->cfg.grants;
    uint32_t n = blkif_indirect_pages(req);

    if (q->cfg.use_copy) {
        for (uint32_t i = 0; i < n; i++) {
            q->segs[i] = (struct hv_grant_copy_seg){
                .to_guest = false,
                .domid = q->cfg.domid,
                .ref = req->indirect_grefs[i],
                .offset = 0,
                .len = BB_PAGE,
                .local = q->ind + (size_t)i * BB_PAGE,
            };
        }
        if (g->ops->copy(g->ctx, q->segs, n) < 0) {
            return -EFAULT;
        }
        for (uint32_t i = 0; i < n; i++) {
            if (q->segs[i].status != 0) {
                return -EFAULT;
            }
        }
    } else {
        void *p = g->ops->map(g->ctx, q->cfg.domid, n, req->indirect_grefs,
                              HV_PROT_READ);

        if (p == NULL) {
            return -EFAULT;
        }
        memcpy(q->ind, p, (size_t)n * BB_PAGE);
        g->ops->unmap(g->ctx, p, n);
    }
    blkif_decode_indirect_segs(req, q->ind, req->nr_segments);
    return 0;
}

/* ---- request lifecycle ---- */

static void io_done(struct ioeng_req *eio, int res);

static int io_submit(struct blkback_io *io, enum ioeng_op op)
{
    struct blkback_queue *q = io->q;

    io->eio = (struct ioeng_req){
        .op = op,
        .fd = q->cfg.disk->fd,
        .off = io->req.sector << BLKIF_SECTOR_SHIFT,
        .len = op == IOENG_DISCARD ? io->req.nr_sectors << BLKIF_SECTOR_SHIFT
                                   : io->bytes,
        .buf = io->buf,
        .done = io_done,
        .opaque = io,
    };
    return ioeng_submit(q->cfg.disk->eng, &io->eio);
}

static void io_done(struct ioeng_req *eio, int res)
{
    struct blkback_io *io = eio->opaque;
    struct blkback_queue *q = io->q;

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
    if (io->req.io_op == BLKIF_OP_READ && data_move(q, io, true) < 0) {
        log_ratelimited(&q->rl, "%s: bad grant in read request", q->name);
        io_finish(io, BLKIF_RSP_ERROR);
        return;
    }
    io_finish(io, BLKIF_RSP_OKAY);
}

static int io_buffer(struct blkback_io *io)
{
    size_t need = io->bytes ? (size_t)io->bytes : BB_PAGE;

    if (io->cap >= need) {
        return 0;
    }
    if (io->cap > BB_KEEP_BUF) {
        io->q->retained_big -= io->cap;
    }
    free(io->buf);
    io->buf = NULL;
    io->cap = 0;
    need = (need + BB_PAGE - 1) & ~(size_t)(BB_PAGE - 1);
    if (posix_memalign((void **)&io->buf, BB_PAGE, need) != 0) {
        io->buf = NULL;
        return -ENOMEM;
    }
    io->cap = need;
    if (need > BB_KEEP_BUF) {
        io->q->retained_big += need;
    }
    return 0;
}

/* Validates and starts one request; a status if it finished at once. */
static int io_start(struct blkback_queue *q, struct blkback_io *io)
{
    const struct blkif_limits *lim = &q->cfg.disk->lim;
    struct blkif_req *req = &io->req;
    int st = blkif_check_header(req, lim);

    io->bytes = 0;
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
    if (req->op == BLKIF_OP_INDIRECT && fetch_indirect(q, req) < 0) {
        return BLKIF_RSP_ERROR;
    }
    if (blkif_check_segs(req, lim, &io->bytes) != BLKIF_RSP_OKAY) {
        return BLKIF_RSP_ERROR;
    }
    if (req->op == BLKIF_OP_FLUSH_DISKCACHE ||
        req->op == BLKIF_OP_WRITE_BARRIER) {
        io->stage = STAGE_PRESYNC;
    }
    if (io_buffer(io) < 0) {
        return BLKIF_RSP_ERROR;
    }
    if (req->io_op != BLKIF_OP_READ && data_move(q, io, false) < 0) {
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
        io->start_ns = loop_now_ns();
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
    if (q->ring.broken) {
        log_ratelimited(&q->rl, "%s: frontend broke the ring protocol;"
                        " queue stopped", q->name);
        return -EPROTO;
    }
    queue_publish(q);
    return taken;
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
    q->pg_max = n * BLKIF_MAX_SEGMENTS_PER_REQUEST;
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
    if (q->pg) {
        pg_release_all(q);
        free(q->pg);
    }
    for (uint32_t i = 0; i < q->ring.nr_ents; i++) {
        free(q->ios[i].buf);
    }
    free(q->ios);
    free(q);
}
