/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Segment memory for the blkif request path: where the data of each
 * segment of a validated request lives while the engine moves it, and
 * how it gets to and from the guest.  Used only by blkback.c (see
 * blkback-int.h).  INDIRECT descriptor pages are fetched here too:
 * copied out of their persistent mapping when persistent grants are on
 * (they join the persistent set, as Linux blkback does), else by grant
 * copy, else through a one-off mapping.
 *
 * Theory of operation.  A segment is served one of three ways:
 *   - in place: its grant is mapped (persistently, or by a temporary
 *     mapping of the request's leftover segments held until the
 *     request completes) and the engine's iovec points into the
 *     guest page, so the kernel copies between the file and the guest
 *     with no copy of ours (zero-copy);
 *   - by grant copy into or out of a slice of the request's bounce
 *     buffer (grant-copy mode, and persistent segments that do not fit
 *     the persistent set when the provider can copy);
 *   - bounced from a mapping (memcpy), when the file refused a
 *     guest-page iovec (EINVAL: O_DIRECT with an alignment the file
 *     does not take; EFAULT: foreign pages the kernel cannot pin for
 *     direct I/O): blkback.c then retries the request with `bounce_all`.
 * One request may mix them: its iovec is built segment by segment,
 * adjacent pieces merged.  Persistent grants (mapping mode, frontend
 * feature-persistent) are kept in an open-addressed table (its size:
 * blkback.c queue_pg_max) and stay mapped until the queue is freed; a segment whose grant is not in the table and
 * does not fit is a leftover.  The guest can change its pages while
 * we read or write them: that is its own data it corrupts, as with
 * Linux's blkback, and every offset and length we use was validated
 * on our private copy of the request.
 *
 * Trust: grant references are the guest's; the provider rejects bad
 * ones (NULL map, per-segment copy status) and the request then fails
 * with nothing held.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw/block/blkback-int.h"

#define BB_KEEP_BUF (64u * 1024)

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

/* The persistent mapping of gref, made if there is room; or NULL. */
static uint8_t *pg_get(struct blkback_queue *q, uint32_t gref)
{
    const struct pv_grants *g = q->cfg.grants;
    void *p = pg_lookup(q, gref);

    if (p != NULL || q->pg_used >= q->pg_max) {
        return p;
    }
    p = g->ops->map(g->ctx, q->cfg.domid, 1, &gref,
                    HV_PROT_READ | HV_PROT_WRITE);
    if (p != NULL) {
        pg_insert(q, gref, p);
    }
    return p;
}

void blkseg_release_persistent(struct blkback_queue *q)
{
    const struct pv_grants *g = q->cfg.grants;

    for (uint32_t i = 0; q->pg != NULL && i < q->pg_slots; i++) {
        if (q->pg[i].addr != NULL) {
            g->ops->unmap(g->ctx, q->pg[i].addr, 1);
            q->pg[i].addr = NULL;
        }
    }
    q->pg_used = 0;
}

/* ---- the bounce buffer ---- */

void blkseg_drop_buffer(struct blkback_io *io)
{
    if (io->cap > BB_KEEP_BUF) {
        io->q->retained_big -= io->cap;
    }
    free(io->buf);
    io->buf = NULL;
    io->cap = 0;
}

static int seg_buffer(struct blkback_io *io, size_t need)
{
    if (io->cap >= need) {
        return 0;
    }
    blkseg_drop_buffer(io);
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

/* ---- giving each segment its memory ---- */

static size_t seg_off(const struct blkif_seg *s)
{
    return (size_t)s->first_sect << BLKIF_SECTOR_SHIFT;
}

static size_t seg_len(const struct blkif_seg *s)
{
    return (size_t)(s->last_sect - s->first_sect + 1) << BLKIF_SECTOR_SHIFT;
}

/* Maps the segments that have no page yet, together, until release. */
static int seg_map_leftovers(struct blkback_queue *q, struct blkback_io *io)
{
    const struct pv_grants *g = q->cfg.grants;
    const struct blkif_req *req = &io->req;
    uint16_t n = 0;

    for (uint16_t i = 0; i < req->nr_segments; i++) {
        if (io->page[i] == NULL) {
            q->refs[n++] = req->seg[i].gref;
        }
    }
    if (n == 0) {
        return 0;
    }
    io->tmap = g->ops->map(g->ctx, q->cfg.domid, n, q->refs,
                           req->io_op == BLKIF_OP_READ
                               ? HV_PROT_READ | HV_PROT_WRITE
                               : HV_PROT_READ);
    if (io->tmap == NULL) {
        return -EFAULT;
    }
    io->tmap_n = n;
    n = 0;
    for (uint16_t i = 0; i < req->nr_segments; i++) {
        if (io->page[i] == NULL) {
            io->page[i] = io->tmap + (size_t)n++ * BB_PAGE;
        }
    }
    return 0;
}

/* Decides every segment's page: mapped, or NULL for grant copy. */
static int seg_assign(struct blkback_queue *q, struct blkback_io *io)
{
    const struct blkif_req *req = &io->req;

    for (uint16_t i = 0; i < req->nr_segments; i++) {
        io->page[i] = q->cfg.persistent && !q->cfg.use_copy
                          ? pg_get(q, req->seg[i].gref)
                          : NULL;
    }
    if (q->cfg.use_copy || q->cfg.copy_fallback) {
        return 0;
    }
    return seg_map_leftovers(q, io);
}

static void iov_add(struct blkback_io *io, uint8_t *base, size_t len)
{
    struct iovec *prev = io->niov ? &io->iov[io->niov - 1] : NULL;

    if (prev && (uint8_t *)prev->iov_base + prev->iov_len == base) {
        prev->iov_len += len;
        return;
    }
    io->iov[io->niov++] = (struct iovec){.iov_base = base, .iov_len = len};
}

/*
 * Grant-copies (or, bounce_all, memcpy's) between the bounce slices
 * and the guest, in request order: the same walk that laid them out.
 */
static int seg_bounce(struct blkback_queue *q, struct blkback_io *io,
                      bool to_guest)
{
    const struct pv_grants *g = q->cfg.grants;
    const struct blkif_req *req = &io->req;
    uint32_t ncopy = 0;
    size_t pos = 0;

    for (uint16_t i = 0; i < req->nr_segments; i++) {
        const struct blkif_seg *bs = &req->seg[i];
        size_t off = seg_off(bs), len = seg_len(bs);

        if (io->page[i] != NULL && !io->bounce_all) {
            continue;
        }
        if (io->page[i] != NULL) {
            if (to_guest) {
                memcpy(io->page[i] + off, io->buf + pos, len);
            } else {
                memcpy(io->buf + pos, io->page[i] + off, len);
            }
        } else {
            q->segs[ncopy++] = (struct hv_grant_copy_seg){
                .to_guest = to_guest,
                .domid = q->cfg.domid,
                .ref = bs->gref,
                .offset = (uint16_t)off,
                .len = (uint16_t)len,
                .local = io->buf + pos,
            };
        }
        pos += len;
    }
    if (ncopy == 0) {
        return 0;
    }
    if (g->ops->copy(g->ctx, q->segs, ncopy) < 0) {
        return -EFAULT;
    }
    for (uint32_t i = 0; i < ncopy; i++) {
        if (q->segs[i].status != 0) {
            return -EFAULT;
        }
    }
    return 0;
}

int blkseg_prepare(struct blkback_queue *q, struct blkback_io *io,
                   bool bounce_all)
{
    const struct blkif_req *req = &io->req;
    size_t bounced = 0, pos = 0;
    int rc;

    io->bounce_all = bounce_all;
    io->niov = 0;
    rc = seg_assign(q, io);
    if (rc < 0) {
        return rc;
    }
    for (uint16_t i = 0; i < req->nr_segments; i++) {
        if (io->page[i] == NULL || bounce_all) {
            bounced += seg_len(&req->seg[i]);
        }
    }
    if (bounced > 0 && seg_buffer(io, bounced) < 0) {
        blkseg_release(q, io);
        return -ENOMEM;
    }
    for (uint16_t i = 0; i < req->nr_segments; i++) {
        const struct blkif_seg *bs = &req->seg[i];

        if (io->page[i] != NULL && !bounce_all) {
            iov_add(io, io->page[i] + seg_off(bs), seg_len(bs));
        } else {
            iov_add(io, io->buf + pos, seg_len(bs));
            pos += seg_len(bs);
        }
    }
    if (req->io_op != BLKIF_OP_READ && bounced > 0 &&
        seg_bounce(q, io, false) < 0) {
        blkseg_release(q, io);
        return -EFAULT;
    }
    return 0;
}

int blkseg_finish_read(struct blkback_queue *q, struct blkback_io *io)
{
    for (uint16_t i = 0; i < io->req.nr_segments; i++) {
        if (io->page[i] == NULL || io->bounce_all) {
            return seg_bounce(q, io, true);
        }
    }
    return 0;
}

void blkseg_release(struct blkback_queue *q, struct blkback_io *io)
{
    const struct pv_grants *g = q->cfg.grants;

    if (io->tmap != NULL) {
        g->ops->unmap(g->ctx, io->tmap, io->tmap_n);
        io->tmap = NULL;
        io->tmap_n = 0;
    }
}

/* Indirect pages through the persistent set (Linux's blkfront reuses
 * them like data pages); false if one is not, and cannot be, mapped. */
static bool seg_fetch_persistent(struct blkback_queue *q,
                                 const struct blkif_req *req, uint32_t n)
{
    uint8_t *p[BLKIF_INDIRECT_PAGES];

    for (uint32_t i = 0; i < n; i++) {
        p[i] = pg_get(q, req->indirect_grefs[i]);
        if (p[i] == NULL) {
            return false;
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        memcpy(q->ind + (size_t)i * BB_PAGE, p[i], BB_PAGE);
    }
    return true;
}

int blkseg_fetch_indirect(struct blkback_queue *q, struct blkif_req *req)
{
    const struct pv_grants *g = q->cfg.grants;
    uint32_t n = blkif_indirect_pages(req);

    if (q->cfg.persistent && !q->cfg.use_copy &&
        seg_fetch_persistent(q, req, n)) {
        blkif_decode_indirect_segs(req, q->ind, req->nr_segments);
        return 0;
    }
    if (q->cfg.use_copy || q->cfg.copy_fallback) {
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
