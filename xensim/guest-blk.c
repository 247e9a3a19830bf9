/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * blkfront, as a guest kernel runs it (io/blkif.h; Linux
 * xen-blkfront); the `disk-verify` workload (guest-dv.c) runs on it.
 *
 * Theory of operation.  For every device/vbd/<id> the frontend reads
 * its backend path, waits for the backend to reach InitWait, reads
 * what it offers (max-ring-page-order, feature-persistent,
 * feature-max-indirect-segments, sectors, sector-size), allocates and
 * grants a ring of 2^order pages in its own memory, binds an unbound
 * event channel for the backend, writes ring-ref (or ring-page-order
 * and ring-ref<N>), event-channel, protocol and feature-persistent in
 * one transaction, goes Initialised, waits for Connected and goes
 * Connected.  Data pages are granted once and reused (the persistent
 * pattern; correct whether or not the backend maps persistently).
 * Requests with more than 11 segments go as BLKIF_OP_INDIRECT when
 * the backend offers it.
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

static int setup_ring(struct blk *b)
{
    unsigned npages = 1u << b->ring_order, i;
    uint64_t gfn0 = 0, gfn;
    blkif_sring_t *sring = NULL;
    uint32_t refs[16];

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
    FRONT_RING_INIT(&b->ring, sring, (size_t)HVC_PAGE_SIZE * npages);
    b->port = hvc_evtchn_alloc_unbound(b->g->hv, b->be_domid);
    if (b->port < 0) {
        return b->port;
    }
    for (;;) {
        xs_transaction_t t = xs_transaction_start(b->g->xs);
        int rc = 0;
        if (t == XBT_NULL) {
            return -errno;
        }
        if (b->ring_order == 0) {
            rc = fe_write(b, t, "ring-ref", refs[0]);
        } else {
            rc = fe_write(b, t, "ring-page-order", b->ring_order);
            for (i = 0; rc == 0 && i < npages; i++) {
                char key[32];
                snprintf(key, sizeof(key), "ring-ref%u", i);
                rc = fe_write(b, t, key, refs[i]);
            }
        }
        if (rc == 0) {
            rc = fe_write(b, t, "event-channel", (unsigned)b->port);
        }
        if (rc == 0) {
            char path[256];
            snprintf(path, sizeof(path), "%s/protocol", b->fe);
            rc = xs_write(b->g->xs, t, path, XEN_IO_PROTO_ABI_NATIVE,
                          strlen(XEN_IO_PROTO_ABI_NATIVE)) ? 0 : -errno;
        }
        if (rc == 0) {
            rc = fe_write(b, t, "feature-persistent", 1);
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

static int alloc_slots(struct blk *b, unsigned segs_per_req)
{
    unsigned i, s;
    uint64_t gfn;

    for (i = 0; i < b->qd; i++) {
        struct blk_slot *sl = &b->slot[i];
        for (s = 0; s < segs_per_req; s++) {
            int ref;
            if ((sl->data[s] = guest_page_alloc(b->g, &gfn)) == NULL ||
                (ref = guest_grant(b->g, b->be_domid, gfn, false)) < 0) {
                return -ENOMEM;
            }
            sl->gref[s] = (uint32_t)ref;
        }
        if (segs_per_req > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
            int ref;
            if ((sl->ind = guest_page_alloc(b->g, &gfn)) == NULL ||
                (ref = guest_grant(b->g, b->be_domid, gfn, true)) < 0) {
                return -ENOMEM;
            }
            sl->ind_gref = (uint32_t)ref;
        }
    }
    return 0;
}

/* The whole connection handshake for one disk. */
int blkfront_connect(struct blk *b, const struct blk_params *o)
{
    unsigned segs = o->segs;
    unsigned max_order;
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
    b->persistent = be_num(b, "feature-persistent", 0) != 0;
    b->max_indirect = (unsigned)be_num(b, "feature-max-indirect-segments", 0);
    if (segs > BLKIF_MAX_SEGMENTS_PER_REQUEST &&
        (!o->indirect || segs > b->max_indirect)) {
        fprintf(stderr, "blkfront %s: %u segments per request need "
                "indirect descriptors (backend offers %u)\n", b->fe, segs,
                b->max_indirect);
        return -EOPNOTSUPP;
    }
    b->qd = o->qd;
    if ((rc = setup_ring(b)) < 0 || (rc = alloc_slots(b, segs)) < 0) {
        return rc;
    }
    if (b->qd > RING_SIZE(&b->ring)) {
        b->qd = RING_SIZE(&b->ring);
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

/* Queues one request on slot i; data must already be in the pages. */
void blkfront_queue(struct blk *b, unsigned i, bool write, uint64_t sector,
                    unsigned segs)
{
    struct blk_slot *sl = &b->slot[i];
    unsigned s;

    sl->busy = true;
    sl->done = false;
    sl->id = (b->next_id++ << 8) | i;
    if (segs <= BLKIF_MAX_SEGMENTS_PER_REQUEST) {
        blkif_request_t *r = RING_GET_REQUEST(&b->ring, b->ring.req_prod_pvt);
        r->operation = write ? BLKIF_OP_WRITE : BLKIF_OP_READ;
        r->nr_segments = (uint8_t)segs;
        r->handle = 0;
        r->id = sl->id;
        r->sector_number = sector;
        for (s = 0; s < segs; s++) {
            r->seg[s].gref = sl->gref[s];
            r->seg[s].first_sect = 0;
            r->seg[s].last_sect = 7;
        }
    } else {
        blkif_request_indirect_t *r =
            (blkif_request_indirect_t *)RING_GET_REQUEST(&b->ring,
                                                         b->ring.req_prod_pvt);
        struct blkif_request_segment *seg = (void *)sl->ind;
        r->operation = BLKIF_OP_INDIRECT;
        r->indirect_op = write ? BLKIF_OP_WRITE : BLKIF_OP_READ;
        r->nr_segments = (uint16_t)segs;
        r->id = sl->id;
        r->sector_number = sector;
        r->handle = 0;
        for (s = 0; s < segs; s++) {
            seg[s].gref = sl->gref[s];
            seg[s].first_sect = 0;
            seg[s].last_sect = 7;
        }
        r->indirect_grefs[0] = sl->ind_gref;
    }
    b->ring.req_prod_pvt++;
}

int blkfront_kick(struct blk *b)
{
    int notify;

    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&b->ring, notify);
    return notify ? hvc_evtchn_notify(b->g->hv, (uint32_t)b->port) : 0;
}

/* Collects responses; returns how many completed, or -errno. */
int blkfront_reap(struct blk *b, int timeout_ms)
{
    int more, got = 0, port;

    for (;;) {
        RING_IDX rp = b->ring.sring->rsp_prod, i;
        rmb();
        if (rp - b->ring.rsp_cons > RING_SIZE(&b->ring)) {
            fprintf(stderr, "blkfront %s: backend overran the ring\n", b->fe);
            return -EPROTO;
        }
        for (i = b->ring.rsp_cons; i != rp; i++) {
            blkif_response_t *r = RING_GET_RESPONSE(&b->ring, i);
            unsigned idx = (unsigned)(r->id & 0xff);
            if (idx >= b->qd || !b->slot[idx].busy ||
                b->slot[idx].id != r->id) {
                fprintf(stderr, "blkfront %s: response with unknown id\n",
                        b->fe);
                return -EPROTO;
            }
            b->slot[idx].status = r->status;
            b->slot[idx].done = true;
            b->slot[idx].busy = false;
            got++;
        }
        b->ring.rsp_cons = rp;
        RING_FINAL_CHECK_FOR_RESPONSES(&b->ring, more);
        if (more) {
            continue;
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
