/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim hypervisor services: event channels.
 *
 * Ports are per domain (1..HVP_MAX_PORTS-1, port 0 reserved as in
 * Xen), each owned by a receiving endpoint: a client connection or the
 * domain's xen endpoint (ioreq ports).  Binding an interdomain channel
 * gives each side what it needs to notify the other without us: the
 * other side's eventfd and the pending page the other side keeps for
 * this side's domain (see hv-internal.h).  Closing one end leaves the
 * other unbound, as Xen does, and tells its owner (EV_UNBOUND).
 * EVT_NOTIFY is the validated slow path; the fast path cannot raise a
 * port the sender was not given.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xensim/hv-internal.h"

/* The page `ep` reads for events sent by `sender`, created on demand. */
struct hv_page *hv_rx_page(struct hyp *hs, struct hv_ep *ep, uint32_t sender)
{
    struct hv_page *pg, **grown;
    unsigned i;

    for (i = 0; i < ep->nrx; i++) {
        if (ep->rx[i]->sender_domid == sender) {
            return ep->rx[i];
        }
    }
    pg = calloc(1, sizeof(*pg));
    grown = realloc(ep->rx, (ep->nrx + 1) * sizeof(*grown));
    if (!pg || !grown) {
        free(pg);
        return NULL;
    }
    ep->rx = grown;
    pg->fd = memfd_create("hv-pending", MFD_CLOEXEC);
    if (pg->fd < 0 || ftruncate(pg->fd, HVP_PAGE) < 0) {
        goto err_close;
    }
    pg->bits =
        mmap(NULL, HVP_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, pg->fd, 0);
    if (pg->bits == MAP_FAILED) {
        goto err_close;
    }
    pg->id = hv_new_id(hs);
    pg->sender_domid = sender;
    ep->rx[ep->nrx++] = pg;
    return pg;

err_close:
    if (pg->fd >= 0) {
        close(pg->fd);
    }
    free(pg);
    return NULL;
}

int hv_port_alloc(struct hv_dom *d, uint32_t remote, struct hv_ep *owner)
{
    uint32_t p;

    for (p = 1; p < HVP_MAX_PORTS; p++) {
        if (d->ports[p].state == HV_PORT_FREE) {
            d->ports[p].state = HV_PORT_UNBOUND;
            d->ports[p].remote_domid = remote;
            d->ports[p].remote_port = 0;
            d->ports[p].owner = owner;
            return (int)p;
        }
    }
    return -ENOSPC;
}

static void hv_set_bit(struct hv_page *pg, uint32_t port, int efd)
{
    uint64_t bit = 1ull << (port % 64), one = 1;
    uint64_t old =
        __atomic_fetch_or(&pg->bits[port / 64], bit, __ATOMIC_SEQ_CST);

    if (!(old & bit) && write(efd, &one, sizeof(one)) < 0) {
        /* counter overflow only; the bit is set */
    }
}

void hv_evtchn_raise(struct hyp *hs, struct hv_dom *d, uint32_t port)
{
    struct hv_port *p = &d->ports[port];
    struct hv_dom *rd;
    struct hv_port *rp;
    struct hv_page *pg;

    if (p->state != HV_PORT_BOUND) {
        return; /* Xen drops sends on unbound ports */
    }
    rd = hv_dom_find(hs, p->remote_domid);
    if (!rd) {
        return;
    }
    rp = &rd->ports[p->remote_port];
    if (rp->state != HV_PORT_BOUND || !rp->owner) {
        return;
    }
    pg = hv_rx_page(hs, rp->owner, d->domid);
    if (pg) {
        hv_set_bit(pg, p->remote_port, rp->owner->efd);
    }
}

/* Tells the owner of (d, port) that its port is unbound now. */
static void hv_port_orphan(struct hyp *hs, struct hv_dom *d, uint32_t port,
                           uint32_t old_remote)
{
    struct hv_port *p = &d->ports[port];
    struct hvp_port ev = {port, 0};

    p->state = HV_PORT_UNBOUND;
    p->remote_domid = old_remote;
    p->remote_port = 0;
    if (p->owner && p->owner->conn) {
        hv_send(p->owner->conn, HVP_EV_UNBOUND, 0, 0, &ev, sizeof(ev), NULL, 0);
    }
}

void hv_port_close(struct hyp *hs, struct hv_dom *d, uint32_t port)
{
    struct hv_port *p = &d->ports[port];

    if (p->state == HV_PORT_BOUND) {
        struct hv_dom *rd = hv_dom_find(hs, p->remote_domid);

        if (rd && rd->ports[p->remote_port].state == HV_PORT_BOUND &&
            rd->ports[p->remote_port].remote_domid == d->domid &&
            rd->ports[p->remote_port].remote_port == port) {
            hv_port_orphan(hs, rd, p->remote_port, d->domid);
        }
    }
    memset(p, 0, sizeof(*p));
}

void hv_evtchn_conn_gone(struct hyp *hs, struct hv_conn *c)
{
    struct hv_dom *d = hv_dom_find(hs, c->domid);
    uint32_t p;

    if (!d) {
        return;
    }
    for (p = 1; p < HVP_MAX_PORTS; p++) {
        if (d->ports[p].state != HV_PORT_FREE && d->ports[p].owner == &c->ep) {
            hv_port_close(hs, d, p);
        }
    }
}

void hv_evtchn_dom_gone(struct hyp *hs, struct hv_dom *d)
{
    uint32_t p;

    for (p = 1; p < HVP_MAX_PORTS; p++) {
        if (d->ports[p].state != HV_PORT_FREE) {
            hv_port_close(hs, d, p);
        }
    }
}

int hv_h_evt_alloc(struct hv_conn *c, const struct hvp_msg *m,
                   struct hv_reply *r)
{
    const struct hvp_evt_alloc *b = m->body;
    struct hv_dom *d = hv_dom_find(c->hs, c->domid);
    struct hvp_port out = {0, 0};
    int port;

    if (!d) {
        return -ESRCH;
    }
    if (b->remote_domid > HVP_MAX_DOMID) {
        return -EINVAL;
    }
    port = hv_port_alloc(d, b->remote_domid, &c->ep);
    if (port < 0) {
        return port;
    }
    out.port = (uint32_t)port;
    return hv_reply_put(r, &out, sizeof(out));
}

/* Fills what `ep` (owning port of domain `dom`) needs to reach the peer. */
static int hv_bound_fill(struct hyp *hs, struct hv_ep *ep, uint32_t port,
                         struct hv_ep *peer_ep, uint32_t peer_port,
                         struct hvp_bound *o, int fds[3])
{
    struct hv_page *tx = hv_rx_page(hs, peer_ep, ep->domid);
    struct hv_page *rx = hv_rx_page(hs, ep, peer_ep->domid);

    if (!tx || !rx) {
        return -ENOMEM;
    }
    o->port = port;
    o->peer_domid = peer_ep->domid;
    o->peer_port = peer_port;
    o->peer_ep = peer_ep->id;
    o->tx_page = tx->id;
    o->rx_page = rx->id;
    fds[0] = peer_ep->efd;
    fds[1] = tx->fd;
    fds[2] = rx->fd;
    return 0;
}

int hv_h_evt_bind(struct hv_conn *c, const struct hvp_msg *m,
                  struct hv_reply *r)
{
    const struct hvp_evt_bind *b = m->body;
    struct hyp *hs = c->hs;
    struct hv_dom *d = hv_dom_find(hs, c->domid);
    struct hv_dom *rd = hv_dom_find(hs, b->remote_domid);
    struct hvp_bound mine, theirs;
    struct hv_port *rp;
    int fds[3], tfds[3], port, rc;

    if (!d || !rd) {
        return -ESRCH;
    }
    if (b->remote_port == 0 || b->remote_port >= HVP_MAX_PORTS) {
        return -EINVAL;
    }
    rp = &rd->ports[b->remote_port];
    if (rp->state != HV_PORT_UNBOUND || rp->remote_domid != c->domid ||
        !rp->owner) {
        return -EINVAL;
    }
    port = hv_port_alloc(d, rd->domid, &c->ep);
    if (port < 0) {
        return port;
    }
    rc = hv_bound_fill(hs, &c->ep, (uint32_t)port, rp->owner, b->remote_port,
                       &mine, fds);
    if (rc == 0) {
        rc = hv_bound_fill(hs, rp->owner, b->remote_port, &c->ep,
                           (uint32_t)port, &theirs, tfds);
    }
    if (rc < 0) {
        memset(&d->ports[port], 0, sizeof(d->ports[port]));
        return rc;
    }
    d->ports[port].state = HV_PORT_BOUND;
    d->ports[port].remote_port = b->remote_port;
    rp->state = HV_PORT_BOUND;
    rp->remote_port = (uint32_t)port;
    /* the other side learns first, so it is ready when we return */
    if (rp->owner->conn) {
        hv_send(rp->owner->conn, HVP_EV_PEER, 0, 0, &theirs, sizeof(theirs),
                tfds, 3);
    }
    hv_reply_fd(r, fds[0]);
    hv_reply_fd(r, fds[1]);
    hv_reply_fd(r, fds[2]);
    return hv_reply_put(r, &mine, sizeof(mine));
}

static int hv_own_port(struct hv_conn *c, uint32_t port, struct hv_dom **out)
{
    struct hv_dom *d = hv_dom_find(c->hs, c->domid);

    if (!d || port == 0 || port >= HVP_MAX_PORTS ||
        d->ports[port].state == HV_PORT_FREE ||
        d->ports[port].owner != &c->ep) {
        return -EINVAL;
    }
    *out = d;
    return 0;
}

int hv_h_evt_close(struct hv_conn *c, const struct hvp_msg *m,
                   struct hv_reply *r)
{
    const struct hvp_port *b = m->body;
    struct hv_dom *d;
    int rc = hv_own_port(c, b->port, &d);

    if (rc == 0) {
        hv_port_close(c->hs, d, b->port);
    }
    return rc;
}

int hv_h_evt_notify(struct hv_conn *c, const struct hvp_msg *m,
                    struct hv_reply *r)
{
    const struct hvp_port *b = m->body;
    struct hv_dom *d;
    int rc = hv_own_port(c, b->port, &d);

    if (rc == 0) {
        hv_evtchn_raise(c->hs, d, b->port);
    }
    return rc;
}

/*
 * The daemon's own receiving side: a domain's xen endpoint owns only
 * the buffered-ioreq ports, which device models never notify (vCPU
 * ports belong to the per-vCPU endpoints, whose clients take answers
 * themselves).  A device model that notifies one anyway only makes us
 * clear its bits here.
 */
void hv_xen_ep_event(struct loop *loop, int fd, unsigned ev, void *opaque)
{
    struct hv_dom *d = opaque;
    struct hv_ep *ep = &d->xen_ep;
    uint64_t cnt;
    unsigned i, w;

    if (read(fd, &cnt, sizeof(cnt)) < 0) {
        /* spurious wake-up */
    }
    for (i = 0; i < ep->nrx; i++) {
        for (w = 0; w < HVP_MAX_PORTS / 64; w++) {
            __atomic_store_n(&ep->rx[i]->bits[w], 0, __ATOMIC_RELAXED);
        }
    }
}
