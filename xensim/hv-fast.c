/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim hypervisor services: the daemon's side of the vCPU I/O fast
 * path (see hvproto.h, struct hvp_fast, and hvc-fast.c).
 *
 * Theory of operation: an HVM domain gets its page set the first time
 * a client is put at a server on one of its vCPUs (hv_fast_tell).
 * After every message the daemon handles, and wherever routing state
 * changes inside a handler before it looks at the claims, the
 * published part of the page set is rebuilt into a scratch copy and,
 * when it differs, written under the seqlock (gen odd while writing).
 * A client that took a snapshot, claimed the vCPU and then finds gen
 * unchanged knows the daemon had not yet changed anything its access
 * depends on when it claimed; the daemon, changing something, bumps
 * gen first and looks at the claims after (both with full fences), so
 * one of the two always sees the other.  Claims are settled by
 * compare-and-swap: the daemon answers a claimed access whose server
 * goes away (all ones, on the socket, with the client's seq), exactly
 * as hv_ios_free answers an access it routed itself.
 *
 * Trusts: the page set is shared with vCPU clients, which are
 * simulator code (the guest's CPU); nothing the daemon reads back
 * from it (claims, counters) is used as an index without a bound.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xen/hvm/ioreq.h>

#include "xensim/hv-internal.h"

#define HV_FAST_PUBLISHED offsetof(struct hvp_fast, claim)

/* The device model's end of s's port for vCPU v, if bound to a client. */
static struct hv_ep *hv_fast_dm(struct hyp *hs, struct hv_dom *d,
                                struct hv_ios *s, uint32_t v, uint32_t *port)
{
    struct hv_port *p;
    struct hv_port *rp;
    struct hv_dom *rd;

    if (!s->vcpu_port || !s->vcpu_port[v]) {
        return NULL;
    }
    p = &d->ports[s->vcpu_port[v]];
    if (p->state != HV_PORT_BOUND || !p->remote_port ||
        !(rd = hv_dom_find(hs, p->remote_domid))) {
        return NULL;
    }
    rp = &rd->ports[p->remote_port];
    if (rp->state != HV_PORT_BOUND || !rp->owner || !rp->owner->conn) {
        return NULL;
    }
    *port = p->remote_port;
    return rp->owner;
}

static void hv_fast_build(struct hyp *hs, struct hv_dom *d, struct hvp_fast *f)
{
    unsigned i, k, n;
    uint32_t v;

    memset(f, 0, HV_FAST_PUBLISHED);
    f->running = !d->paused && !d->shutdown && d->mem;
    f->vcpus = d->vcpus;
    for (i = 0; i < HVP_MAX_IOREQ_SERVERS; i++) {
        struct hv_ios *s = d->ios[i];
        struct hvp_fast_srv *fs = &f->srv[i];

        if (!s) {
            continue;
        }
        fs->uid = s->uid;
        fs->id = s->id;
        fs->enabled = s->enabled;
        for (k = 0, n = 0; k < s->nranges; k++) {
            if (s->ranges[k].type != HVP_RANGE_PORT) {
                continue;
            }
            if (n == HVP_FAST_RANGES) {
                fs->overflow = 1;
                break;
            }
            fs->range[n++] = (uint32_t)s->ranges[k].start |
                             (uint32_t)s->ranges[k].end << 16;
        }
        fs->nranges = n;
        for (v = 0; v < d->vcpus && v < HVP_MAX_VCPUS; v++) {
            uint32_t port = 0;
            struct hv_ep *ep = hv_fast_dm(hs, d, s, v, &port);

            if (ep) {
                f->bind[i][v] = (struct hvp_fast_bind){port, ep->id};
            }
        }
    }
    for (v = 0; d->vcpu && v < d->vcpus && v < HVP_MAX_VCPUS; v++) {
        struct hv_vcpu *vc = &d->vcpu[v];

        f->slow[v] = vc->server   ? (vc->waiter ? vc->server->uid : HVP_FAST_ORPHAN)
                     : vc->waiter ? HVP_FAST_QUEUED
                                  : 0;
    }
}

void hv_fast_publish(struct hyp *hs, struct hv_dom *d)
{
    struct hvp_fast *f = d->fast, *n = d->fast_next;
    uint32_t gen;

    if (!f) {
        return;
    }
    hv_fast_build(hs, d, n);
    n->gen = f->gen;
    if (memcmp(n, f, HV_FAST_PUBLISHED) == 0) {
        return;
    }
    gen = f->gen;
    __atomic_store_n(&f->gen, gen + 1, __ATOMIC_SEQ_CST);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    memcpy((uint8_t *)f + sizeof(f->gen), (uint8_t *)n + sizeof(n->gen),
           HV_FAST_PUBLISHED - sizeof(f->gen));
    __atomic_store_n(&f->gen, gen + 2, __ATOMIC_SEQ_CST);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void hv_fast_publish_all(struct hyp *hs)
{
    struct hv_dom *d;

    for (d = hs->doms; d; d = d->next) {
        hv_fast_publish(hs, d);
    }
}

static int hv_fast_init(struct hyp *hs, struct hv_dom *d)
{
    int fd;
    void *p;

    if (d->fast) {
        return 0;
    }
    d->fast_next = calloc(1, sizeof(struct hvp_fast));
    fd = memfd_create("hv-fast", MFD_CLOEXEC);
    if (!d->fast_next || fd < 0 || ftruncate(fd, HVP_FAST_SIZE) < 0) {
        goto err;
    }
    p = mmap(NULL, HVP_FAST_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        goto err;
    }
    d->fast = p;
    d->fast_fd = fd;
    d->fast->gen = 2; /* published never matches a zeroed scratch */
    hv_fast_publish(hs, d);
    return 0;

err:
    if (fd >= 0) {
        close(fd);
    }
    free(d->fast_next);
    d->fast_next = NULL;
    return -ENOMEM;
}

void hv_fast_fini(struct hv_dom *d)
{
    if (!d->fast) {
        return;
    }
    /* clients still mapping it see a domain that no longer runs */
    __atomic_store_n(&d->fast->gen, d->fast->gen + 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&d->fast->running, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&d->fast->gen, d->fast->gen + 1, __ATOMIC_SEQ_CST);
    munmap(d->fast, HVP_FAST_SIZE);
    close(d->fast_fd);
    free(d->fast_next);
    d->fast = NULL;
    d->fast_next = NULL;
}

void hv_fast_tell(struct hyp *hs, struct hv_dom *d, uint32_t v,
                  struct hv_ios *s, struct hv_conn *w)
{
    struct hv_vcpu *vc = &d->vcpu[v];
    struct hv_page *pg;
    struct hv_ep *ep;
    uint32_t port = 0;

    if (v >= HVP_MAX_VCPUS || hv_fast_init(hs, d) < 0 ||
        !(ep = hv_fast_dm(hs, d, s, v, &port)) ||
        !(pg = hv_rx_page(hs, ep, d->domid))) {
        return;
    }
    hv_fast_publish(hs, d);
    if (vc->fast_conn != w->ep.id || vc->fast_server != s->uid ||
        vc->fast_ep != ep->id || vc->fast_port != port) {
        struct hvp_ev_fast ev = {d->domid, v, s->uid, port, ep->id, pg->id};
        int fds[3] = {ep->efd, pg->fd, d->fast_fd};

        if (hv_send(w, HVP_EV_FAST, 0, 0, &ev, sizeof(ev), fds, 3) == 0) {
            w->fast_told = true;
            vc->fast_conn = w->ep.id;
            vc->fast_server = s->uid;
            vc->fast_ep = ep->id;
            vc->fast_port = port;
        }
    }
}

/*
 * The client a claim names, if it could have made it: one that was
 * given a page set and may drive d's vCPUs.  A claim naming anyone
 * else (a scribbled page) is dropped, so no other connection ever
 * gets a stray reply.
 */
static struct hv_conn *hv_fast_conn(struct hyp *hs, struct hv_dom *d,
                                    uint32_t id)
{
    struct hv_conn *c;

    for (c = hs->conns; c; c = c->next) {
        if (!c->dead && c->ep.id == id && c->fast_told &&
            (c->priv ? hv_may_control(c, d->domid) : c->domid == d->domid)) {
            return c;
        }
    }
    return NULL;
}

/* Takes vCPU v's claim if it is `claim`; true if we now own it. */
static bool hv_fast_take(struct hvp_fast_claim *cl, uint64_t claim)
{
    return claim && __atomic_compare_exchange_n(&cl->claim, &claim, 0, false,
                                                __ATOMIC_SEQ_CST,
                                                __ATOMIC_SEQ_CST);
}

void hv_fast_abort(struct hyp *hs, struct hv_dom *d, struct hv_ios *s)
{
    uint32_t v;

    if (!d->fast) {
        return;
    }
    /* routing first, then the claims: a claim made after sees gen move */
    s->enabled = false;
    hv_fast_publish(hs, d);
    for (v = 0; v < d->vcpus && v < HVP_MAX_VCPUS; v++) {
        struct hvp_fast_claim *cl = &d->fast->claim[v];
        uint64_t claim = __atomic_load_n(&cl->claim, __ATOMIC_SEQ_CST);
        uint32_t size = __atomic_load_n(&cl->size, __ATOMIC_RELAXED);
        struct hvp_vcpu_io_r o = {0, UINT32_MAX, 0};
        struct hv_conn *w;

        if (!claim || __atomic_load_n(&cl->uid, __ATOMIC_RELAXED) != s->uid ||
            !hv_fast_take(cl, claim)) {
            continue;
        }
        o.data = size >= 8 ? ~0ull : (1ull << ((size & 7) * 8)) - 1;
        w = hv_fast_conn(hs, d, (uint32_t)(claim >> 32));
        if (w) {
            hv_send(w, HVP_VCPU_IO, (uint32_t)claim, 0, &o, sizeof(o), NULL, 0);
        }
    }
}

bool hv_fast_claimed(const struct hv_dom *d, uint32_t v)
{
    return d->fast && v < HVP_MAX_VCPUS &&
           __atomic_load_n(&d->fast->claim[v].claim, __ATOMIC_SEQ_CST) != 0;
}

bool hv_fast_busy(struct hyp *hs, struct hv_dom *d, uint32_t v)
{
    if (!d->fast || v >= HVP_MAX_VCPUS) {
        return false;
    }
    hv_fast_publish(hs, d); /* our waiter first, then their claim */
    return __atomic_load_n(&d->fast->claim[v].claim, __ATOMIC_SEQ_CST) != 0;
}

void hv_fast_conn_gone(struct hyp *hs, struct hv_conn *c)
{
    struct hv_dom *d;
    unsigned i;
    uint32_t v;

    for (d = hs->doms; d; d = d->next) {
        for (v = 0; d->fast && v < d->vcpus && v < HVP_MAX_VCPUS; v++) {
            struct hvp_fast_claim *cl = &d->fast->claim[v];
            uint64_t claim = __atomic_load_n(&cl->claim, __ATOMIC_SEQ_CST);
            uint32_t uid = __atomic_load_n(&cl->uid, __ATOMIC_RELAXED);

            if ((uint32_t)(claim >> 32) != c->ep.id || !hv_fast_take(cl, claim)) {
                continue;
            }
            /* orphaned like a routed access whose client died */
            for (i = 0; i < HVP_MAX_IOREQ_SERVERS; i++) {
                if (d->ios[i] && d->ios[i]->uid == uid && !d->vcpu[v].waiter) {
                    d->vcpu[v].server = d->ios[i];
                }
            }
        }
    }
}

uint64_t hv_fast_done(const struct hv_dom *d)
{
    uint64_t n = 0;
    uint32_t v;

    for (v = 0; d->fast && v < d->vcpus && v < HVP_MAX_VCPUS; v++) {
        n += __atomic_load_n(&d->fast->claim[v].done, __ATOMIC_RELAXED);
    }
    return n;
}
