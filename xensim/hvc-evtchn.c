/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim hypervisor client: event channels, with the /dev/xen/evtchn
 * semantics libxenevtchn gives (one fd; pending returns a port and
 * masks it until unmask).
 *
 * Theory of operation: the daemon gives each bound port the peer's
 * eventfd, the peer's pending page for our domain (tx) and our pending
 * page for the peer's domain (rx), each cached by id.  notify sets the
 * peer's bit in tx and writes the peer's eventfd when the bit was
 * clear — no daemon round trip.  pending reads our eventfd, moves set
 * bits from every rx page into `latched` (keeping only ports bound to
 * that page's domain, so a peer cannot raise ports it does not share
 * with us), and hands out latched, unmasked ports round-robin.  The
 * daemon's async events (a peer bound or closed) are flagged by a
 * counter in our status page and read from the socket then.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xensim/hvclient-internal.h"

int hvc_ep_get(struct hvc *c, uint32_t id, int fd)
{
    struct hvc_ep *grown;
    unsigned i;

    for (i = 0; i < c->neps; i++) {
        if (c->eps[i].id == id) {
            close(fd);
            return c->eps[i].efd;
        }
    }
    grown = realloc(c->eps, (c->neps + 1) * sizeof(*grown));
    if (!grown) {
        close(fd);
        return -1;
    }
    c->eps = grown;
    c->eps[c->neps].id = id;
    c->eps[c->neps].efd = fd;
    c->neps++;
    return fd;
}

uint64_t *hvc_pg_get(struct hvc *c, uint32_t id, int fd, bool rx)
{
    struct hvc_pg *grown;
    uint64_t *bits;
    unsigned i;

    for (i = 0; i < c->npgs; i++) {
        if (c->pgs[i].id == id) {
            close(fd);
            c->pgs[i].rx |= rx;
            return c->pgs[i].bits;
        }
    }
    bits = mmap(NULL, HVP_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    grown = realloc(c->pgs, (c->npgs + 1) * sizeof(*grown));
    if (bits == MAP_FAILED || !grown) {
        if (bits != MAP_FAILED) {
            munmap(bits, HVP_PAGE);
        }
        if (grown) {
            c->pgs = grown;
        }
        return NULL;
    }
    c->pgs = grown;
    c->pgs[c->npgs++] = (struct hvc_pg){id, bits, rx};
    return bits;
}

/* Records a bound port from EVT_BIND's reply or an EV_PEER event. */
static int hvc_bound(struct hvc *c, const struct hvp_bound *b, int *fds,
                     unsigned nfds)
{
    struct hvc_port *p;

    if (nfds != 3 || b->port == 0 || b->port >= HVP_MAX_PORTS ||
        b->peer_port >= HVP_MAX_PORTS) {
        for (unsigned i = 0; i < nfds; i++) {
            close(fds[i]);
        }
        return -EPROTO;
    }
    p = &c->ports[b->port];
    p->peer_efd = hvc_ep_get(c, b->peer_ep, fds[0]);
    p->tx = hvc_pg_get(c, b->tx_page, fds[1], false);
    p->rx = hvc_pg_get(c, b->rx_page, fds[2], true);
    if (p->peer_efd < 0 || !p->tx || !p->rx) {
        p->state = HVC_PORT_UNBOUND;
        return -ENOMEM;
    }
    p->peer_domid = b->peer_domid;
    p->peer_port = b->peer_port;
    p->state = HVC_PORT_BOUND;
    return 0;
}

/* EV_VCPU: where a vCPU's answers will come from (see hvproto.h). */
static void hvc_vcpu_learn(struct hvc *c, const struct hvp_ev_vcpu *e, int *fds,
                           unsigned nfds)
{
    struct hvc_vcpu *v;
    struct hvc_srv *sv;
    unsigned i;

    if (nfds != 3 || e->port == 0 || e->port >= HVP_MAX_PORTS ||
        !(v = hvc_vcpu_get(c, e->domid, e->vcpu))) {
        for (i = 0; i < nfds; i++) {
            close(fds[i]);
        }
        return;
    }
    v->port = e->port;
    v->efd = hvc_ep_get(c, e->ep, fds[0]);
    v->rx = hvc_pg_get(c, e->rx_page, fds[1], false);
    v->server = e->server;
    if (hvc_srv_find(c, e->server)) {
        close(fds[2]);
        return;
    }
    sv = realloc(c->srvs, (c->nsrvs + 1) * sizeof(*sv));
    if (!sv) {
        close(fds[2]);
        return;
    }
    c->srvs = sv;
    sv = &c->srvs[c->nsrvs];
    sv->uid = e->server;
    sv->base =
        mmap(NULL, 2 * HVP_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fds[2], 0);
    close(fds[2]);
    if (sv->base != MAP_FAILED) {
        c->nsrvs++;
    }
}

void hvc_async(struct hvc *c, const struct hvp_msg *m, int *fds, unsigned nfds)
{
    const struct hvp_port *u;

    switch (m->hdr.type) {
    case HVP_EV_PEER:
        hvc_bound(c, m->body, fds, nfds);
        return;
    case HVP_EV_VCPU:
        hvc_vcpu_learn(c, m->body, fds, nfds);
        return;
    case HVP_EV_FAST:
        hvc_fast_learn(c, m->body, fds, nfds);
        return;
    case HVP_EV_UNBOUND:
        u = m->body;
        if (u->port < HVP_MAX_PORTS &&
            c->ports[u->port].state == HVC_PORT_BOUND) {
            c->ports[u->port].state = HVC_PORT_UNBOUND;
        }
        break;
    default:
        break;
    }
    for (unsigned i = 0; i < nfds; i++) {
        close(fds[i]);
    }
}

void hvc_evtchn_fini(struct hvc *c)
{
    unsigned i;

    for (i = 0; i < c->neps; i++) {
        close(c->eps[i].efd);
    }
    for (i = 0; i < c->npgs; i++) {
        munmap(c->pgs[i].bits, HVP_PAGE);
    }
    for (i = 0; i < c->nsrvs; i++) {
        munmap(c->srvs[i].base, 2 * HVP_PAGE);
    }
    free(c->srvs);
    free(c->vcpus);
    c->srvs = NULL;
    c->vcpus = NULL;
    c->nsrvs = c->nvcpus = 0;
    free(c->eps);
    free(c->pgs);
    c->eps = NULL;
    c->pgs = NULL;
    c->neps = c->npgs = 0;
}

int hvc_evtchn_fd(struct hvc *c)
{
    return c->efd;
}

int hvc_evtchn_alloc_unbound(struct hvc *c, uint32_t remote_domid)
{
    struct hvp_evt_alloc b = {remote_domid, 0};
    struct hvc_reply rep;
    uint32_t port;
    int rc = hvc_call(c, HVP_EVT_ALLOC, &b, sizeof(b), NULL, 0, &rep);

    if (rc < 0) {
        return rc;
    }
    port = ((const struct hvp_port *)rep.m.body)->port;
    hvc_reply_close(&rep);
    if (port == 0 || port >= HVP_MAX_PORTS) {
        c->broken = true;
        return -EPROTO;
    }
    memset(&c->ports[port], 0, sizeof(c->ports[port]));
    c->ports[port].state = HVC_PORT_UNBOUND;
    c->ports[port].peer_domid = remote_domid;
    return (int)port;
}

int hvc_evtchn_bind_interdomain(struct hvc *c, uint32_t remote_domid,
                                uint32_t remote_port)
{
    struct hvp_evt_bind b = {remote_domid, remote_port};
    struct hvp_bound bound;
    struct hvc_reply rep;
    int rc = hvc_call(c, HVP_EVT_BIND, &b, sizeof(b), NULL, 0, &rep);

    if (rc < 0) {
        return rc;
    }
    memcpy(&bound, rep.m.body, sizeof(bound));
    rc = hvc_bound(c, &bound, rep.fds, rep.nfds);
    if (rc < 0) {
        if (bound.port && bound.port < HVP_MAX_PORTS) {
            hvc_evtchn_close(c, bound.port);
        }
        return rc;
    }
    return (int)bound.port;
}

static bool hvc_port_ok(struct hvc *c, uint32_t port)
{
    return port > 0 && port < HVP_MAX_PORTS &&
           c->ports[port].state != HVC_PORT_FREE;
}

int hvc_evtchn_close(struct hvc *c, uint32_t port)
{
    struct hvp_port b = {port, 0};
    int rc;

    if (!hvc_port_ok(c, port)) {
        return -EINVAL;
    }
    rc = hvc_simple(c, HVP_EVT_CLOSE, &b, sizeof(b));
    memset(&c->ports[port], 0, sizeof(c->ports[port]));
    c->latched[port / 64] &= ~(1ull << (port % 64));
    c->masked[port / 64] &= ~(1ull << (port % 64));
    return rc;
}

int hvc_evtchn_notify_slow(struct hvc *c, uint32_t port)
{
    struct hvp_port b = {port, 0};

    return hvc_simple(c, HVP_EVT_NOTIFY, &b, sizeof(b));
}

static bool hvc_async_waiting(struct hvc *c)
{
    return c->status && __atomic_load_n(&c->status->async, __ATOMIC_ACQUIRE) !=
                            c->async_seen;
}

int hvc_evtchn_notify(struct hvc *c, uint32_t port)
{
    struct hvc_port *p;
    uint64_t bit, old, one = 1;

    if (!hvc_port_ok(c, port)) {
        return -EINVAL;
    }
    p = &c->ports[port];
    if (p->state != HVC_PORT_BOUND && hvc_async_waiting(c)) {
        hvc_drain(c);
    }
    if (p->state != HVC_PORT_BOUND) {
        return 0; /* as Xen: a send on an unbound port is dropped */
    }
    bit = 1ull << (p->peer_port % 64);
    old = __atomic_fetch_or(&p->tx[p->peer_port / 64], bit, __ATOMIC_SEQ_CST);
    if (!(old & bit) && write(p->peer_efd, &one, sizeof(one)) < 0 &&
        errno != EAGAIN) {
        return -errno;
    }
    return 0;
}

static int hvc_pick(struct hvc *c)
{
    uint32_t n = HVP_MAX_PORTS / 64, i;

    for (i = 0; i <= n; i++) {
        uint32_t w = (c->cursor / 64 + i) % n;
        uint64_t ready = c->latched[w] & ~c->masked[w];

        if (i == 0) {
            ready &= ~0ull << (c->cursor % 64); /* from the cursor on */
        }
        if (ready) {
            uint32_t port = w * 64 + (uint32_t)__builtin_ctzll(ready);

            c->latched[w] &= ~(1ull << (port % 64));
            c->masked[w] |= 1ull << (port % 64);
            c->cursor = (port + 1) % HVP_MAX_PORTS;
            return (int)port;
        }
    }
    return -EAGAIN;
}

static void hvc_scan(struct hvc *c)
{
    unsigned i, w;

    for (i = 0; i < c->npgs; i++) {
        uint64_t *bits = c->pgs[i].bits;

        if (!c->pgs[i].rx) {
            continue;
        }
        for (w = 0; w < HVP_MAX_PORTS / 64; w++) {
            uint64_t set;

            if (!__atomic_load_n(&bits[w], __ATOMIC_RELAXED)) {
                continue;
            }
            set = __atomic_exchange_n(&bits[w], 0, __ATOMIC_ACQ_REL);
            while (set) {
                uint32_t port = w * 64 + (uint32_t)__builtin_ctzll(set);

                set &= set - 1;
                /* bound to that page's domain, or was until it closed */
                if (c->ports[port].state != HVC_PORT_FREE &&
                    c->ports[port].rx == bits) {
                    c->latched[w] |= 1ull << (port % 64);
                }
            }
        }
    }
}

int hvc_evtchn_pending(struct hvc *c)
{
    uint64_t cnt;
    int port = hvc_pick(c);

    if (port >= 0) {
        return port;
    }
    /*
     * The eventfd needs reading once per wake-up, not once per call:
     * after a read that led to a port, the next empty pick only scans
     * again (bits are set before the eventfd is written, so anything
     * notified since that read either shows in the scan or has left
     * the counter non-zero for the next poll).
     */
    if (!c->efd_read && read(c->efd, &cnt, sizeof(cnt)) < 0 &&
        errno != EAGAIN) {
        return -errno;
    }
    c->efd_read = false;
    /*
     * Async events first: a binding (EV_PEER) always reaches us before
     * the binder can notify, so every set bit then names a port we
     * know.  A peer that notified and then closed leaves its port
     * unbound but its bit standing, as in Xen (see hvc_scan).
     */
    if (hvc_async_waiting(c)) {
        hvc_drain(c);
    }
    hvc_scan(c);
    port = hvc_pick(c);
    c->efd_read = port >= 0;
    return port;
}

int hvc_evtchn_mask(struct hvc *c, uint32_t port)
{
    if (!hvc_port_ok(c, port)) {
        return -EINVAL;
    }
    c->masked[port / 64] |= 1ull << (port % 64);
    return 0;
}

int hvc_evtchn_unmask(struct hvc *c, uint32_t port)
{
    uint64_t one = 1;

    if (!hvc_port_ok(c, port)) {
        return -EINVAL;
    }
    c->masked[port / 64] &= ~(1ull << (port % 64));
    if ((c->latched[port / 64] & (1ull << (port % 64))) &&
        write(c->efd, &one, sizeof(one)) < 0) {
        return -errno;
    }
    return 0;
}

int hvc_evtchn_wait(struct hvc *c, int timeout_ms)
{
    struct pollfd pfd = {c->efd, POLLIN, 0};
    int port, rc;

    for (;;) {
        port = hvc_evtchn_pending(c);
        if (port != -EAGAIN) {
            return port;
        }
        rc = poll(&pfd, 1, timeout_ms);
        if (rc == 0) {
            return -ETIMEDOUT;
        }
        if (rc < 0 && errno != EINTR) {
            return -errno;
        }
    }
}
