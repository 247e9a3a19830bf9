/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * blkfront, as a guest kernel runs it (io/blkif.h; Linux
 * xen-blkfront); the `disk-verify` workload (guest-dv.c) runs on it.
 *
 * Theory of operation.  For every device/vbd/<id> the frontend reads
 * its backend path, waits for the backend to reach InitWait, reads
 * what it offers (max-ring-page-order, multi-queue-max-queues,
 * feature-persistent, feature-max-indirect-segments, sectors,
 * sector-size), and for each queue allocates and grants a ring of
 * 2^order pages in its own memory and binds an unbound event channel
 * for the backend.  It writes, in one transaction, Linux
 * xen-blkfront's layout: ring-page-order (order > 0), then with one
 * queue ring-ref (or ring-ref<N>) and event-channel at the top, with
 * several multi-queue-num-queues and the same keys under queue-<q>/;
 * protocol and feature-persistent; then goes Initialised, waits for
 * Connected and goes Connected.
 *
 * Grants: when both sides do feature-persistent, data and indirect
 * pages are granted once (read-write) and reused, as Linux does.
 * Otherwise each request grants its pages just before it is queued
 * (read-only for writes) and ends the grants when its response comes
 * back; a grant the backend still holds then (GTF_reading/writing
 * set) is a backend bug and fails the run.  Requests with more than 11
 * segments go as BLKIF_OP_INDIRECT when the backend offers it.
 * Segments need not be whole pages: a request may start first_sect
 * sectors into its first page and end anywhere in its last.
 *
 * Everything the backend writes (xenstore values, ring responses) is
 * untrusted: response ids are checked against what is in flight and
 * ring indices are bounded by the ring size.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "xensim/guest-blk.h"

#include <xen/io/protocols.h>
#include <xen/io/xenbus.h>

#include "xensim/hvclient.h"

static char *fe_read(struct blk *b, const char *key)
{
    char path[256];
    unsigned len;

    snprintf(path, sizeof(path), "%s/%s", b->fe, key);
    return xs_read(b->g->xs, XBT_NULL, path, &len);
}

static char *be_read(struct blk *b, const char *key)
{
    char path[256];
    unsigned len;

    snprintf(path, sizeof(path), "%s/%s", b->be, key);
    return xs_read(b->g->xs, XBT_NULL, path, &len);
}

static uint64_t be_num(struct blk *b, const char *key, uint64_t dflt)
{
    char *v = be_read(b, key), *end;
    unsigned long long n;

    if (v == NULL) {
        return dflt;
    }
    n = strtoull(v, &end, 10);
    if (*end != '\0' || v[0] == '\0') {
        n = dflt;
    }
    free(v);
    return n;
}

static int fe_write(struct blk *b, xs_transaction_t t, const char *key,
                    unsigned long long v)
{
    char path[256], val[32];

    snprintf(path, sizeof(path), "%s/%s", b->fe, key);
    snprintf(val, sizeof(val), "%llu", v);
    return xs_write(b->g->xs, t, path, val, strlen(val)) ? 0 : -errno;
}

/* Waits (watching) until the backend state satisfies ok(state). */
static int wait_be_state(struct blk *b, unsigned want_min, unsigned want_max)
{
    char path[256];
    int waited;

    snprintf(path, sizeof(path), "%s/state", b->be);
    xs_watch(b->g->xs, path, "blkstate");
    for (waited = 0; waited < BLK_TIMEOUT_MS; waited += 50) {
        uint64_t st = be_num(b, "state", 0);
        if (st >= want_min && st <= want_max) {
            xs_unwatch(b->g->xs, path, "blkstate");
            return (int)st;
        }
        if (guest_control(b->g, 50) == GUEST_CTL_SUSPEND) {
            xs_unwatch(b->g->xs, path, "blkstate");
            return -EINTR;
        }
    }
    xs_unwatch(b->g->xs, path, "blkstate");
    fprintf(stderr, "blkfront %s: backend state stuck at %llu\n", b->fe,
            (unsigned long long)be_num(b, "state", 0));
    return -ETIMEDOUT;
}

/* Allocates, grants and initialises queue qi's ring; refs out. */
static int setup_ring(struct blk *b, unsigned qi, uint32_t *refs)
{
    struct blk_queue *q = &b->q[qi];
    unsigned npages = 1u << b->ring_order, i;
    uint64_t gfn0 = 0, gfn;
    blkif_sring_t *sring = NULL;

    for (i = 0; i < npages; i++) {
        void *p = guest_page_alloc(b->g, &gfn);
        int ref;
        if (p == NULL) {
            return -ENOMEM;
        }
        if (i == 0) {
            sring = p;
            gfn0 = gfn;
        } else if (gfn != gfn0 + i) {
            return -ENOMEM;      /* the allocator is a bump: contiguous */
        }
        if ((ref = guest_grant(b->g, b->be_domid, gfn, false)) < 0) {
            return ref;
        }
        refs[i] = (uint32_t)ref;
    }
    SHARED_RING_INIT(sring);
    FRONT_RING_INIT(&q->ring, sring, (size_t)HVC_PAGE_SIZE * npages);
    q->port = hvc_evtchn_alloc_unbound(b->g->hv, b->be_domid);
    return q->port < 0 ? q->port : 0;
}

/* One queue's keys, at the top (one queue) or under queue-<qi>/. */
static int write_queue_keys(struct blk *b, xs_transaction_t t, unsigned qi,
                            const uint32_t *refs)
{
    char pre[24] = "", key[48];
    unsigned i;
    int rc = 0;

    if (b->nqueues > 1) {
        snprintf(pre, sizeof(pre), "queue-%u/", qi);
    }
    if (b->ring_order == 0) {
        snprintf(key, sizeof(key), "%sring-ref", pre);
        rc = fe_write(b, t, key, refs[0]);
    }
    for (i = 0; rc == 0 && b->ring_order > 0 && i < (1u << b->ring_order);
         i++) {
        snprintf(key, sizeof(key), "%sring-ref%u", pre, i);
        rc = fe_write(b, t, key, refs[i]);
    }
    snprintf(key, sizeof(key), "%sevent-channel", pre);
    return rc == 0 ? fe_write(b, t, key, (unsigned)b->q[qi].port) : rc;
}

static int publish_rings(struct blk *b, uint32_t refs[][16])
{
    for (;;) {
        xs_transaction_t t = xs_transaction_start(b->g->xs);
        char path[256];
        unsigned qi;
        int rc = 0;

        if (t == XBT_NULL) {
            return -errno;
        }
        if (b->ring_order > 0) {
            rc = fe_write(b, t, "ring-page-order", b->ring_order);
        }
        if (rc == 0 && b->nqueues > 1) {
            rc = fe_write(b, t, "multi-queue-num-queues", b->nqueues);
        }
        for (qi = 0; rc == 0 && qi < b->nqueues; qi++) {
            rc = write_queue_keys(b, t, qi, refs[qi]);
        }
        snprintf(path, sizeof(path), "%s/protocol", b->fe);
        if (rc == 0 && !xs_write(b->g->xs, t, path, XEN_IO_PROTO_ABI_NATIVE,
                                 strlen(XEN_IO_PROTO_ABI_NATIVE))) {
            rc = -errno;
        }
        if (rc == 0) {
            rc = fe_write(b, t, "feature-persistent", b->persistent);
        }
        if (rc == 0) {
            rc = fe_write(b, t, "state", XenbusStateInitialised);
        }
        if (rc < 0) {
            xs_transaction_end(b->g->xs, t, true);
            return rc;
        }
        if (xs_transaction_end(b->g->xs, t, false)) {
            return 0;
        }
        if (errno != EAGAIN) {
            return -errno;
        }
    }
}

/* Grants (or, not persistent, only reserves the refs of) a page. */
static int slot_page(struct blk *b, uint8_t **page, uint64_t *gfn,
                     uint32_t *gref, bool ro)
{
    int ref;

    if ((*page = guest_page_alloc(b->g, gfn)) == NULL ||
        (ref = guest_grant(b->g, b->be_domid, *gfn, ro)) < 0) {
        return -ENOMEM;
    }
    *gref = (uint32_t)ref;
    return b->persistent ? 0 : hvc_grant_end(b->g->hv, *gref);
}

static int alloc_slots(struct blk *b)
{
    unsigned qi, i, s;
    int rc;

    for (qi = 0; qi < b->nqueues; qi++) {
        for (i = 0; i < b->qd; i++) {
            struct blk_slot *sl = &b->q[qi].slot[i];
            for (s = 0; s < b->slot_segs; s++) {
                if ((rc = slot_page(b, &sl->data[s], &sl->gfn[s],
                                    &sl->gref[s], false)) < 0) {
                    return rc;
                }
            }
            if (b->slot_segs > BLKIF_MAX_SEGMENTS_PER_REQUEST &&
                (rc = slot_page(b, &sl->ind, &sl->ind_gfn, &sl->ind_gref,
                                true)) < 0) {
                return rc;
            }
        }
    }
    return 0;
}

/* The whole connection handshake for one disk. */
int blkfront_connect(struct blk *b, const struct blk_params *o)
{
    uint32_t refs[BLK_MAX_QUEUES][16];
    unsigned max_order, max_q, qi;
    char *v;
    int rc;

    if ((v = fe_read(b, "backend")) == NULL) {
        return -ENOENT;
    }
    snprintf(b->be, sizeof(b->be), "%s", v);
    free(v);
    b->be_domid = (uint32_t)0;
    if ((v = fe_read(b, "backend-id")) != NULL) {
        b->be_domid = (uint32_t)strtoul(v, NULL, 10);
        free(v);
    }
    if ((rc = wait_be_state(b, XenbusStateInitWait, XenbusStateConnected)) < 0) {
        return rc;
    }
    max_order = (unsigned)be_num(b, "max-ring-page-order", 0);
    b->ring_order = o->ring_order < max_order ? o->ring_order : max_order;
    if (b->ring_order > 4) {
        b->ring_order = 4;
    }
    max_q = (unsigned)be_num(b, "multi-queue-max-queues", 1);
    b->nqueues = o->queues < max_q ? o->queues : max_q;
    if (b->nqueues > BLK_MAX_QUEUES) {
        b->nqueues = BLK_MAX_QUEUES;
    }
    if (b->nqueues == 0) {
        b->nqueues = 1;
    }
    b->persistent = o->persistent &&
                    be_num(b, "feature-persistent", 0) != 0;
    b->max_indirect = (unsigned)be_num(b, "feature-max-indirect-segments", 0);
    b->slot_segs = o->segs;
    if (!o->indirect || b->max_indirect < BLKIF_MAX_SEGMENTS_PER_REQUEST) {
        b->max_indirect = 0;
    }
    if (b->max_indirect > BLK_MAX_SEGS) {
        b->max_indirect = BLK_MAX_SEGS;
    }
    if (b->slot_segs > BLKIF_MAX_SEGMENTS_PER_REQUEST &&
        b->slot_segs > b->max_indirect) {
        fprintf(stderr, "blkfront %s: %u segments per request need "
                "indirect descriptors (backend offers %u)\n", b->fe,
                b->slot_segs, b->max_indirect);
        return -EOPNOTSUPP;
    }
    b->qd = o->qd;
    for (qi = 0; qi < b->nqueues; qi++) {
        if ((rc = setup_ring(b, qi, refs[qi])) < 0) {
            return rc;
        }
    }
    if ((rc = alloc_slots(b)) < 0 || (rc = publish_rings(b, refs)) < 0) {
        return rc;
    }
    if (b->qd > RING_SIZE(&b->q[0].ring)) {
        b->qd = RING_SIZE(&b->q[0].ring);
    }
    if ((rc = wait_be_state(b, XenbusStateConnected, XenbusStateConnected)) < 0) {
        return rc;
    }
    b->sectors = be_num(b, "sectors", 0);
    b->sector_size = (uint32_t)be_num(b, "sector-size", 512);
    if (b->sector_size != 512 || b->sectors == 0) {
        fprintf(stderr, "blkfront %s: unusable geometry (%llu x %u)\n", b->fe,
                (unsigned long long)b->sectors, b->sector_size);
        return -EINVAL;
    }
    return fe_write(b, XBT_NULL, "state", XenbusStateConnected);
}

unsigned blkfront_max_sectors(const struct blk *b, unsigned first_sect)
{
    return b->slot_segs * 8 - first_sect;
}

uint8_t *blkfront_sector_ptr(struct blk *b, unsigned qi, unsigned i,
                             unsigned first_sect, unsigned k)
{
    unsigned at = first_sect + k;

    return b->q[qi].slot[i].data[at / 8] + (at % 8) * 512;
}

/* Not persistent: grants this request's pages for just this request. */
static int grant_request(struct blk *b, struct blk_slot *sl, bool write)
{
    unsigned s;
    int rc = 0;

    for (s = 0; rc == 0 && s < sl->nsegs; s++) {
        rc = hvc_grant_access(b->g->hv, sl->gref[s], b->be_domid, sl->gfn[s],
                              write);
    }
    if (rc == 0 && sl->used_ind) {
        rc = hvc_grant_access(b->g->hv, sl->ind_gref, b->be_domid,
                              sl->ind_gfn, true);
    }
    return rc;
}

/* Not persistent: ends the grants; -EPROTO if the backend holds one. */
static int end_request(struct blk *b, struct blk_slot *sl)
{
    unsigned s;
    int rc = 0, r;

    for (s = 0; s < sl->nsegs + sl->used_ind; s++) {
        uint32_t ref = s < sl->nsegs ? sl->gref[s] : sl->ind_gref;
        if ((r = hvc_grant_end(b->g->hv, ref)) < 0 && rc == 0) {
            fprintf(stderr, "blkfront %s: gref %u still in use by the "
                    "backend after its response (%s)\n", b->fe, ref,
                    strerror(-r));
            rc = -EPROTO;
        }
    }
    return rc;
}

int blkfront_queue(struct blk *b, unsigned qi, unsigned i, bool write,
                   uint64_t sector, unsigned first_sect, unsigned nsect)
{
    struct blk_queue *q = &b->q[qi];
    struct blk_slot *sl = &q->slot[i];
    unsigned s, segs = (first_sect + nsect + 7) / 8, left = nsect;
    struct blkif_request_segment *seg;
    blkif_request_t *r = RING_GET_REQUEST(&q->ring, q->ring.req_prod_pvt);
    int rc;

    sl->nsegs = segs;
    sl->used_ind = segs > BLKIF_MAX_SEGMENTS_PER_REQUEST;
    if (!b->persistent && (rc = grant_request(b, sl, write)) < 0) {
        return rc;
    }
    sl->busy = true;
    sl->done = false;
    sl->id = (b->next_id++ << 16) | (qi << 8) | i;
    if (!sl->used_ind) {
        r->operation = write ? BLKIF_OP_WRITE : BLKIF_OP_READ;
        r->nr_segments = (uint8_t)segs;
        r->handle = 0;
        r->id = sl->id;
        r->sector_number = sector;
        seg = r->seg;
    } else {
        blkif_request_indirect_t *ri = (blkif_request_indirect_t *)r;
        ri->operation = BLKIF_OP_INDIRECT;
        ri->indirect_op = write ? BLKIF_OP_WRITE : BLKIF_OP_READ;
        ri->nr_segments = (uint16_t)segs;
        ri->id = sl->id;
        ri->sector_number = sector;
        ri->handle = 0;
        ri->indirect_grefs[0] = sl->ind_gref;
        seg = (void *)sl->ind;
    }
    for (s = 0; s < segs; s++) {
        unsigned first = s == 0 ? first_sect : 0;
        unsigned last = first + left - 1 < 7 ? first + left - 1 : 7;
        seg[s].gref = sl->gref[s];
        seg[s].first_sect = (uint8_t)first;
        seg[s].last_sect = (uint8_t)last;
        left -= last - first + 1;
    }
    q->ring.req_prod_pvt++;
    return 0;
}

int blkfront_kick(struct blk *b)
{
    unsigned qi;
    int notify, rc;

    for (qi = 0; qi < b->nqueues; qi++) {
        RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&b->q[qi].ring, notify);
        if (notify &&
            (rc = hvc_evtchn_notify(b->g->hv, (uint32_t)b->q[qi].port)) < 0) {
            return rc;
        }
    }
    return 0;
}

/* Takes queue qi's responses; how many, or -EPROTO. */
static int reap_queue(struct blk *b, unsigned qi)
{
    struct blk_queue *q = &b->q[qi];
    int more, got = 0;

    do {
        RING_IDX rp = q->ring.sring->rsp_prod, i;
        rmb();
        if (rp - q->ring.rsp_cons > RING_SIZE(&q->ring)) {
            fprintf(stderr, "blkfront %s: backend overran the ring "
                    "(queue %u)\n", b->fe, qi);
            return -EPROTO;
        }
        for (i = q->ring.rsp_cons; i != rp; i++) {
            blkif_response_t *r = RING_GET_RESPONSE(&q->ring, i);
            unsigned idx = (unsigned)(r->id & 0xff);
            struct blk_slot *sl = &q->slot[idx % BLK_MAX_QD];
            if (idx >= b->qd || ((r->id >> 8) & 0xff) != qi || !sl->busy ||
                sl->id != r->id) {
                fprintf(stderr, "blkfront %s: response with unknown id on "
                        "ring %u\n", b->fe, qi);
                return -EPROTO;
            }
            sl->status = r->status;
            sl->done = true;
            sl->busy = false;
            if (!b->persistent && end_request(b, sl) < 0) {
                return -EPROTO;
            }
            got++;
        }
        q->ring.rsp_cons = rp;
        RING_FINAL_CHECK_FOR_RESPONSES(&q->ring, more);
    } while (more);
    return got;
}

/* Collects responses from every queue; how many, or -errno. */
int blkfront_reap(struct blk *b, int timeout_ms)
{
    int got, port, rc;
    unsigned qi;

    for (;;) {
        for (got = 0, qi = 0; qi < b->nqueues; qi++) {
            if ((rc = reap_queue(b, qi)) < 0) {
                return rc;
            }
            got += rc;
        }
        if (got > 0 || timeout_ms == 0) {
            return got;
        }
        port = hvc_evtchn_wait(b->g->hv, timeout_ms);
        if (port < 0) {
            return port;
        }
        hvc_evtchn_unmask(b->g->hv, (uint32_t)port);
    }
}
