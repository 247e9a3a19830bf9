/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim hypervisor services: ioreq servers and simulated vCPU I/O.
 *
 * A server has two pages in one memfd, laid out as hvm/ioreq.h says:
 * frame 0 the buffered_iopage_t, frame 1 the shared_iopage_t (one
 * ioreq_t per vCPU), the order XENMEM_resource_ioreq_server uses.  Each
 * vCPU has a port in the guest's domain owned by the daemon's xen
 * endpoint (vp_eport), unbound for the control domain until the device
 * model binds it; likewise the buffered port.
 *
 * A simulated vCPU (a client blocked in VCPU_IO) is routed as Xen's
 * hvm_select_ioreq_server does: the first enabled server whose port,
 * MMIO or PCI (sbdf) ranges contain the access; PIO to 0xcfc-0xcff
 * after an enabled 0xcf8 latch becomes IOREQ_TYPE_PCI_CONFIG when a
 * server claims that sbdf.  Unclaimed reads answer all ones.  A synchronous
 * access is written into the vCPU's ioreq_t (state READY after a
 * barrier), the port is raised, and the reply to the vCPU waits for
 * the server's IORESP_READY notification.  A posted write may go
 * through the buffered ring (8-byte writes take two slots).  A paused
 * domain's accesses wait for unpause; a shut-down domain's fail.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xen/hvm/ioreq.h>

#include "log.h"
#include "xensim/hv-internal.h"

static ioreq_t *hv_ios_slot(struct hv_ios *s, uint32_t vcpu)
{
    return &((shared_iopage_t *)(s->pages + HVP_PAGE))->vcpu_ioreq[vcpu];
}

static int hv_ios_target(struct hv_conn *c, uint32_t domid, struct hv_dom **out)
{
    struct hv_dom *d = hv_dom_find(c->hs, domid);

    if (!hv_may_control(c, domid)) {
        return -EPERM;
    }
    if (!d || !d->mem) {
        return -ESRCH;
    }
    if (d->type != HVP_DOM_HVM) {
        return -EOPNOTSUPP;
    }
    *out = d;
    return 0;
}

static struct hv_ios *hv_ios_find(struct hv_dom *d, uint32_t id)
{
    unsigned i;

    for (i = 0; i < HVP_MAX_IOREQ_SERVERS; i++) {
        if (d->ios[i] && d->ios[i]->id == id) {
            return d->ios[i];
        }
    }
    return NULL;
}

static void hv_vcpu_reply(struct hv_dom *d, uint32_t v, int status,
                          uint64_t data, uint32_t server)
{
    struct hv_vcpu *vc = &d->vcpu[v];
    struct hvp_vcpu_io_r o = {data, server, 0};
    struct hv_conn *w = vc->waiter;

    vc->waiter = NULL;
    vc->server = NULL;
    hv_fast_publish(d->hs, d); /* before the client can try again */
    if (w) {
        hv_send(w, HVP_VCPU_IO, vc->seq, status, &o, sizeof(o), NULL, 0);
    }
}

static uint64_t hv_ones(uint32_t size)
{
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static void hv_ios_free(struct hyp *hs, struct hv_dom *d, unsigned slot)
{
    struct hv_ios *s = d->ios[slot];
    uint32_t v;

    hv_fast_abort(hs, d, s);
    for (v = 0; v < d->vcpus; v++) {
        if (d->vcpu[v].server == s) {
            uint8_t st = hv_ios_slot(s, v)->state;

            if (st == STATE_IOREQ_READY || st == STATE_IOREQ_INPROCESS) {
                hv_vcpu_reply(d, v, 0, hv_ones(d->vcpu[v].req.size),
                              UINT32_MAX);
            } else {
                /* answered: the client reads it from its own mapping */
                d->vcpu[v].waiter = NULL;
                d->vcpu[v].server = NULL;
            }
        }
        if (s->vcpu_port[v]) {
            hv_port_close(hs, d, s->vcpu_port[v]);
        }
    }
    if (s->buf_port) {
        hv_port_close(hs, d, s->buf_port);
    }
    munmap(s->pages, 2 * HVP_PAGE);
    close(s->memfd);
    free(s->vcpu_port);
    free(s);
    d->ios[slot] = NULL;
}

int hv_h_ios_create(struct hv_conn *c, const struct hvp_msg *m,
                    struct hv_reply *r)
{
    const struct hvp_ios_create *b = m->body;
    struct hvp_ios_id out = {b->domid, 0};
    struct hv_dom *d;
    struct hv_ios *s;
    unsigned slot;
    uint32_t v;
    int rc = hv_ios_target(c, b->domid, &d), port;

    if (rc < 0) {
        return rc;
    }
    if (b->bufioreq > 2) {
        return -EINVAL;
    }
    for (slot = 0; slot < HVP_MAX_IOREQ_SERVERS && d->ios[slot]; slot++) {
    }
    if (slot == HVP_MAX_IOREQ_SERVERS) {
        return -ENOSPC;
    }
    s = calloc(1, sizeof(*s));
    if (!s || !(s->vcpu_port = calloc(d->vcpus, sizeof(uint32_t)))) {
        free(s);
        return -ENOMEM;
    }
    s->memfd = memfd_create("hv-ioreq", MFD_CLOEXEC);
    if (s->memfd < 0 || ftruncate(s->memfd, 2 * HVP_PAGE) < 0 ||
        (s->pages = mmap(NULL, 2 * HVP_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
                         s->memfd, 0)) == MAP_FAILED) {
        rc = -errno;
        if (s->memfd >= 0) {
            close(s->memfd);
        }
        free(s->vcpu_port);
        free(s);
        return rc;
    }
    s->id = d->next_ios++;
    s->owner = c;
    s->buffered = b->bufioreq != 0;
    d->ios[slot] = s;
    s->uid = hv_new_id(c->hs);
    for (v = 0; v < d->vcpus; v++) {
        port = hv_port_alloc(d, c->domid, &d->vcpu_ep[v]);
        if (port < 0) {
            hv_ios_free(c->hs, d, slot);
            return port;
        }
        s->vcpu_port[v] = (uint32_t)port;
        hv_ios_slot(s, v)->vp_eport = (uint32_t)port;
    }
    if (s->buffered) {
        port = hv_port_alloc(d, c->domid, &d->xen_ep);
        if (port < 0) {
            hv_ios_free(c->hs, d, slot);
            return port;
        }
        s->buf_port = (uint32_t)port;
    }
    out.id = s->id;
    return hv_reply_put(r, &out, sizeof(out));
}

static int hv_ios_lookup(struct hv_conn *c, uint32_t domid, uint32_t id,
                         struct hv_dom **d, struct hv_ios **s)
{
    int rc = hv_ios_target(c, domid, d);

    if (rc < 0) {
        return rc;
    }
    *s = hv_ios_find(*d, id);
    return *s ? 0 : -ENOENT;
}

int hv_h_ios_info(struct hv_conn *c, const struct hvp_msg *m,
                  struct hv_reply *r)
{
    const struct hvp_ios_id *b = m->body;
    struct hvp_ios_info_r o;
    struct hv_dom *d;
    struct hv_ios *s;
    int rc = hv_ios_lookup(c, b->domid, b->id, &d, &s);

    if (rc < 0) {
        return rc;
    }
    o.bufioreq_port = s->buf_port;
    o.vcpus = d->vcpus;
    hv_reply_fd(r, s->memfd);
    return hv_reply_put(r, &o, sizeof(o));
}

int hv_h_ios_state(struct hv_conn *c, const struct hvp_msg *m,
                   struct hv_reply *r)
{
    const struct hvp_ios_state *b = m->body;
    struct hv_dom *d;
    struct hv_ios *s;
    int rc = hv_ios_lookup(c, b->domid, b->id, &d, &s);

    if (rc == 0) {
        s->enabled = b->enabled != 0;
    }
    return rc;
}

int hv_h_ios_range(struct hv_conn *c, const struct hvp_msg *m,
                   struct hv_reply *r)
{
    const struct hvp_ios_range *b = m->body;
    struct hv_dom *d;
    struct hv_ios *s;
    unsigned i;
    int rc = hv_ios_lookup(c, b->domid, b->id, &d, &s);

    if (rc < 0) {
        return rc;
    }
    if (b->type > HVP_RANGE_PCI || b->start > b->end ||
        (b->type == HVP_RANGE_PORT && b->end > 0xffff) ||
        (b->type == HVP_RANGE_PCI && b->end > 0xffffffffull)) {
        return -EINVAL;
    }
    for (i = 0; i < s->nranges; i++) {
        struct hv_range *g = &s->ranges[i];

        if (g->type != b->type || g->end < b->start || g->start > b->end) {
            continue;
        }
        if (b->map) {
            return -EEXIST;
        }
        if (g->start != b->start || g->end != b->end) {
            return -EINVAL;
        }
        s->ranges[i] = s->ranges[--s->nranges];
        return 0;
    }
    if (!b->map) {
        return -ENOENT;
    }
    if (s->nranges == HVP_MAX_RANGES) {
        return -ENOSPC;
    }
    s->ranges[s->nranges++] =
        (struct hv_range){(uint8_t)b->type, b->start, b->end};
    return 0;
}

int hv_h_ios_destroy(struct hv_conn *c, const struct hvp_msg *m,
                     struct hv_reply *r)
{
    const struct hvp_ios_id *b = m->body;
    struct hv_dom *d;
    struct hv_ios *s;
    unsigned i;
    int rc = hv_ios_lookup(c, b->domid, b->id, &d, &s);

    if (rc < 0) {
        return rc;
    }
    for (i = 0; i < HVP_MAX_IOREQ_SERVERS; i++) {
        if (d->ios[i] == s) {
            hv_ios_free(c->hs, d, i);
        }
    }
    return 0;
}

static struct hv_ios *hv_route(struct hv_dom *d, uint8_t type, uint64_t lo,
                               uint64_t hi)
{
    uint8_t rt = type == IOREQ_TYPE_PIO    ? HVP_RANGE_PORT
                 : type == IOREQ_TYPE_COPY ? HVP_RANGE_MMIO
                                           : HVP_RANGE_PCI;
    unsigned i, k;

    for (i = 0; i < HVP_MAX_IOREQ_SERVERS; i++) {
        struct hv_ios *s = d->ios[i];

        if (!s || !s->enabled) {
            continue;
        }
        for (k = 0; k < s->nranges; k++) {
            if (s->ranges[k].type == rt && s->ranges[k].start <= lo &&
                hi <= s->ranges[k].end) {
                return s;
            }
        }
    }
    return NULL;
}

/* Picks the server for io (rewriting cf8/cfc into PCI_CONFIG). */
static struct hv_ios *hv_select(struct hv_dom *d, struct hvp_vcpu_io *io)
{
    uint64_t span = (uint64_t)io->size * (io->count ? io->count : 1);
    uint64_t lo = io->addr, hi = io->addr + io->size - 1;
    struct hv_ios *s;

    if (io->type == IOREQ_TYPE_PCI_CONFIG) {
        return hv_route(d, io->type, io->addr >> 32, io->addr >> 32);
    }
    if (io->type == IOREQ_TYPE_PIO && io->addr == 0xcf8 && io->size == 4 &&
        io->dir == IOREQ_WRITE && !io->data_is_ptr) {
        d->cf8 = (uint32_t)io->data;
    }
    if (io->type == IOREQ_TYPE_PIO && (io->addr & ~3ull) == 0xcfc &&
        (d->cf8 & 0x80000000u)) {
        uint64_t sbdf = (d->cf8 >> 8) & 0xffff;
        uint64_t reg =
            (d->cf8 & 0xfc) | ((d->cf8 >> 16) & 0xf00) | (io->addr & 3);

        s = hv_route(d, IOREQ_TYPE_PCI_CONFIG, sbdf, sbdf);
        if (s) {
            io->type = IOREQ_TYPE_PCI_CONFIG;
            io->addr = sbdf << 32 | reg;
            return s;
        }
    }
    if (io->type == IOREQ_TYPE_COPY && io->count > 1) {
        lo = io->df ? io->addr - span + io->size : io->addr;
        hi = lo + span - 1;
    }
    return hv_route(d, io->type, lo, hi);
}

static bool hv_buf_write(struct hyp *hs, struct hv_dom *d, struct hv_ios *s,
                         const struct hvp_vcpu_io *io)
{
    buffered_iopage_t *bp = (buffered_iopage_t *)s->pages;
    uint64_t *ptrs = (uint64_t *)(void *)s->pages;
    uint32_t qw = io->size == 8 ? 2 : 1, rd, wr;
    buf_ioreq_t slot = {0};

    if (!s->buffered || io->dir != IOREQ_WRITE || io->data_is_ptr ||
        io->count != 1 || io->addr >> 20 || io->type == IOREQ_TYPE_PCI_CONFIG) {
        return false;
    }
    rd = __atomic_load_n(&bp->read_pointer, __ATOMIC_ACQUIRE);
    wr = bp->write_pointer;
    if (wr - rd > IOREQ_BUFFER_SLOT_NUM - qw) {
        return false; /* full: fall back to a synchronous ioreq */
    }
    slot.type = io->type;
    slot.dir = IOREQ_WRITE;
    slot.size = io->size == 1 ? 0 : io->size == 2 ? 1 : io->size == 4 ? 2 : 3;
    slot.addr = (uint32_t)io->addr;
    slot.data = (uint32_t)io->data;
    bp->buf_ioreq[wr % IOREQ_BUFFER_SLOT_NUM] = slot;
    if (qw == 2) {
        slot.data = (uint32_t)(io->data >> 32);
        bp->buf_ioreq[(wr + 1) % IOREQ_BUFFER_SLOT_NUM] = slot;
    }
    __atomic_store_n(&bp->write_pointer, wr + qw, __ATOMIC_RELEASE);
    /*
     * Keep both pointers small, as Xen does, without losing a read; a
     * device model rewriting read_pointer under us only delays it.
     */
    for (int tries = 0; tries < 16; tries++) {
        uint64_t old = __atomic_load_n(ptrs, __ATOMIC_ACQUIRE);
        uint32_t orp = (uint32_t)old, owp = (uint32_t)(old >> 32);
        uint64_t nv;

        if (orp < IOREQ_BUFFER_SLOT_NUM) {
            break;
        }
        nv = (uint64_t)(owp - IOREQ_BUFFER_SLOT_NUM) << 32 |
             (orp - IOREQ_BUFFER_SLOT_NUM);
        if (__atomic_compare_exchange_n(ptrs, &old, nv, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            break;
        }
    }
    hv_evtchn_raise(hs, d, s->buf_port);
    return true;
}

/*
 * Prepares the waiting client to take the server's answer itself:
 * the first time this client meets this server on this vCPU it gets
 * EV_VCPU with the vCPU endpoint's eventfd, its pending page for the
 * server's domain and the server's pages; every time, the status page
 * names the request and the server.  False if the client is gone.
 */
static bool hv_vcpu_tell(struct hyp *hs, struct hv_dom *d, uint32_t v,
                         struct hv_ios *s)
{
    struct hv_vcpu *vc = &d->vcpu[v];
    struct hv_conn *w = vc->waiter;
    struct hv_ep *ep = &d->vcpu_ep[v];
    struct hv_page *pg;
    uint32_t port = s->vcpu_port[v];
    uint64_t held;

    if (!w) {
        return false;
    }
    pg = hv_rx_page(hs, ep, s->owner->domid);
    if (!pg) {
        hv_vcpu_reply(d, v, -ENOMEM, 0, UINT32_MAX);
        return false;
    }
    /*
     * The holder first: a client that held this vCPU before and is
     * still waiting on its eventfd sees it has lost it before any
     * answer for the new holder can arrive (see hvproto.h).
     */
    held = __atomic_exchange_n(&pg->bits[HVP_VCPU_HOLDER], (uint64_t)w->ep.id,
                               __ATOMIC_ACQ_REL);
    /*
     * A client that held the vCPU through the fast path (hvc-fast.c)
     * took it without us: ours may be polling only its socket, so the
     * EV_VCPU goes again, which wakes it to wait on the eventfd too.
     */
    if (vc->told_conn != w->ep.id || vc->told_server != s->uid ||
        held != w->ep.id) {
        struct hvp_ev_vcpu ev = {d->domid, v, port, ep->id, pg->id, s->uid};
        int fds[3] = {ep->efd, pg->fd, s->memfd};

        if (hv_send(w, HVP_EV_VCPU, 0, 0, &ev, sizeof(ev), fds, 3)) {
            hv_vcpu_reply(d, v, -ENOMEM, 0, UINT32_MAX);
            return false;
        }
        vc->told_conn = w->ep.id;
        vc->told_server = s->uid;
    }
    hv_fast_tell(hs, d, v, s, w);
    __atomic_store_n(&w->status->io_server, s->uid, __ATOMIC_RELAXED);
    __atomic_store_n(&w->status->io_seq, vc->seq, __ATOMIC_RELEASE);
    /*
     * A late notify of an earlier answer may have set the port's bit,
     * and its wake-up may have been read by the client before it saw
     * this request named (so it looked at nothing).  With the bit set
     * the coming answer would write no wake-up: clear it, and wake the
     * client to look again.  A late notify after this finds the
     * request named.  No answer for this request exists yet.
     */
    if (__atomic_fetch_and(&pg->bits[port / 64], ~(1ull << (port % 64)),
                           __ATOMIC_ACQ_REL) &
        (1ull << (port % 64))) {
        uint64_t one = 1;

        if (write(ep->efd, &one, sizeof(one)) < 0) {
            /* counter overflow only: it is readable anyway */
        }
    }
    return true;
}

static void hv_vcpu_dispatch(struct hyp *hs, struct hv_dom *d, uint32_t v)
{
    struct hv_vcpu *vc = &d->vcpu[v];
    struct hvp_vcpu_io *io = &vc->req;
    struct hv_ios *s = hv_select(d, io);
    ioreq_t *slot;

    if (!s) {
        d->unclaimed++;
        hv_vcpu_reply(d, v, 0, io->dir == IOREQ_READ ? hv_ones(io->size) : 0,
                      UINT32_MAX);
        return;
    }
    d->ioreqs++;
    if ((io->flags & HVP_IO_BUFFERED) && hv_buf_write(hs, d, s, io)) {
        hv_vcpu_reply(d, v, 0, 0, s->id);
        return;
    }
    if (!hv_vcpu_tell(hs, d, v, s)) {
        return;
    }
    slot = hv_ios_slot(s, v);
    if (__atomic_load_n(&slot->vp_eport, __ATOMIC_RELAXED) != s->vcpu_port[v]) {
        slot->vp_eport = s->vcpu_port[v]; /* the DM scribbled on it */
    }
    slot->addr = io->addr;
    slot->data = io->data;
    slot->count = io->count;
    slot->size = io->size;
    slot->data_is_ptr = io->data_is_ptr;
    slot->dir = io->dir;
    slot->df = io->df;
    slot->type = io->type;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    slot->state = STATE_IOREQ_READY;
    vc->server = s;
    hv_fast_publish(hs, d); /* before the answer can come */
    hv_evtchn_raise(hs, d, s->vcpu_port[v]);
}

static bool hv_io_valid(const struct hvp_vcpu_io *io)
{
    bool pow2 =
        io->size == 1 || io->size == 2 || io->size == 4 || io->size == 8;

    if (!pow2 || io->dir > 1 || io->df > 1 || io->data_is_ptr > 1 ||
        io->count == 0 || io->count > 4096 || (io->flags & ~HVP_IO_BUFFERED)) {
        return false;
    }
    switch (io->type) {
    case IOREQ_TYPE_PIO:
        return io->size <= 4 && io->addr <= 0xffff;
    case IOREQ_TYPE_COPY:
        return true;
    case IOREQ_TYPE_PCI_CONFIG:
        return io->size <= 4 && io->count == 1 && !io->data_is_ptr;
    default:
        return false;
    }
}

int hv_h_vcpu_io(struct hv_conn *c, const struct hvp_msg *m, struct hv_reply *r)
{
    const struct hvp_vcpu_io *b = m->body;
    struct hv_dom *d = hv_dom_find(c->hs, b->domid);
    struct hv_vcpu *vc;

    if (!(c->priv ? hv_may_control(c, b->domid) : b->domid == c->domid)) {
        return -EPERM;
    }
    if (!d || !d->mem) {
        return -ESRCH;
    }
    if (d->type != HVP_DOM_HVM) {
        return -EOPNOTSUPP;
    }
    if (b->vcpu >= d->vcpus || !hv_io_valid(b)) {
        return -EINVAL;
    }
    if (d->shutdown) {
        return -ESHUTDOWN;
    }
    vc = &d->vcpu[b->vcpu];
    if (hv_fast_claimed(d, b->vcpu)) {
        return -EBUSY; /* a fast access holds the vCPU (hv-fast.c) */
    }
    if (vc->server) {
        /* the previous access went to a server: did its client take it? */
        ioreq_t *slot = hv_ios_slot(vc->server, b->vcpu);

        if (slot->state == STATE_IOREQ_NONE) {
            vc->server = NULL;
            vc->waiter = NULL;
        } else if (!vc->waiter && slot->state == STATE_IORESP_READY) {
            slot->state = STATE_IOREQ_NONE; /* its client died: drop it */
            vc->server = NULL;
        } else {
            return -EBUSY;
        }
    }
    if (vc->waiter) {
        return -EBUSY;
    }
    vc->waiter = c;
    if (hv_fast_busy(c->hs, d, b->vcpu)) {
        vc->waiter = NULL; /* a fast access holds the vCPU */
        hv_fast_publish(c->hs, d);
        return -EBUSY;
    }
    vc->seq = m->hdr.seq;
    vc->req = *b;
    r->deferred = true;
    if (!d->paused) {
        hv_vcpu_dispatch(c->hs, d, b->vcpu);
    }
    return 0;
}

void hv_ioreq_unpaused(struct hyp *hs, struct hv_dom *d)
{
    uint32_t v;

    for (v = 0; d->vcpu && v < d->vcpus; v++) {
        struct hv_vcpu *vc = &d->vcpu[v];

        if (!vc->waiter || vc->server) {
            continue;
        }
        if (d->shutdown) {
            hv_vcpu_reply(d, v, -ESHUTDOWN, 0, UINT32_MAX);
        } else if (!d->paused) {
            hv_vcpu_dispatch(hs, d, v);
        }
    }
}

void hv_ioreq_conn_gone(struct hyp *hs, struct hv_conn *c)
{
    struct hv_dom *d;
    unsigned i;
    uint32_t v;

    hv_fast_conn_gone(hs, c);
    for (d = hs->doms; d; d = d->next) {
        for (i = 0; i < HVP_MAX_IOREQ_SERVERS; i++) {
            if (d->ios[i] && d->ios[i]->owner == c) {
                hv_ios_free(hs, d, i);
            }
        }
        for (v = 0; d->vcpu && v < d->vcpus; v++) {
            if (d->vcpu[v].waiter == c) {
                d->vcpu[v].waiter = NULL; /* the answer, if any, is dropped */
            }
        }
    }
}

void hv_ioreq_dom_gone(struct hyp *hs, struct hv_dom *d)
{
    unsigned i;
    uint32_t v;

    for (i = 0; i < HVP_MAX_IOREQ_SERVERS; i++) {
        if (d->ios[i]) {
            hv_ios_free(hs, d, i);
        }
    }
    for (v = 0; d->vcpu && v < d->vcpus; v++) {
        if (d->vcpu[v].waiter) {
            hv_vcpu_reply(d, v, -ESRCH, 0, UINT32_MAX);
        }
    }
}
