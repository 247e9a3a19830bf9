/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim hypervisor services: domains, guest memory and the recorded
 * device-model operations (IRQ levels, PCI link routes, modified
 * memory).
 *
 * A domain's memory is one memfd of mem_pages pages, mapped here and
 * handed by SCM_RIGHTS to the guest itself and to privileged clients
 * (foreign mapping); its v1 grant table is the top gnttab_frames
 * frames of that memory, so guests write their entries in place.
 * Lifecycle requests come from the control domain; a guest may only
 * read its own info and shut itself down.  Destroying a domain closes
 * its ports (peers see them unbound), ioreq servers, guest connections
 * and socket, then tells the on_death hook.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "loop.h"
#include "xensim/hv-internal.h"

struct hv_dom *hv_dom_find(struct hyp *hs, uint32_t domid)
{
    struct hv_dom *d;

    for (d = hs->doms; d; d = d->next) {
        if (d->domid == domid) {
            return d;
        }
    }
    return NULL;
}

static struct hv_dom *hv_dom_alloc(struct hyp *hs, uint32_t domid)
{
    struct hv_dom *d = calloc(1, sizeof(*d));

    if (!d) {
        return NULL;
    }
    d->hs = hs;
    d->domid = domid;
    d->memfd = -1;
    d->lsock = -1;
    d->fast_fd = -1;
    d->ports = calloc(HVP_MAX_PORTS, sizeof(*d->ports));
    if (!d->ports || hv_ep_init(hs, &d->xen_ep, domid, NULL) < 0) {
        free(d->ports);
        free(d);
        return NULL;
    }
    return d;
}

static void hv_dom_release(struct hyp *hs, struct hv_dom *d)
{
    if (d->xen_ep.efd >= 0) {
        loop_fd_del(hs->loop, d->xen_ep.efd);
    }
    hv_ep_fini(&d->xen_ep);
    hv_fast_fini(d);
    if (d->mem) {
        munmap(d->mem, d->mem_pages * HVP_PAGE);
    }
    if (d->memfd >= 0) {
        close(d->memfd);
    }
    if (d->vcpu_ep) {
        uint32_t v;

        for (v = 0; v < d->vcpus; v++) {
            hv_ep_fini(&d->vcpu_ep[v]);
        }
        free(d->vcpu_ep);
    }
    free(d->ports);
    free(d->gnt_pins);
    free(d->gnt_wpins);
    free(d->vcpu);
    free(d->dirty);
    free(d->ro);
    free(d);
}

int hv_dom_init0(struct hyp *hs)
{
    struct hv_dom *d = hv_dom_alloc(hs, 0);

    if (!d) {
        return -ENOMEM;
    }
    d->vcpus = 1;
    hs->doms = d;
    return 0;
}

static int hv_dom_memory(struct hv_dom *d)
{
    size_t bytes = d->mem_pages * HVP_PAGE;
    uint64_t entries = (uint64_t)d->gnttab_frames * (HVP_PAGE / 8);

    d->memfd = memfd_create("xensim-guest", MFD_CLOEXEC);
    if (d->memfd < 0 || ftruncate(d->memfd, (off_t)bytes) < 0) {
        return -errno;
    }
    d->mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, d->memfd, 0);
    if (d->mem == MAP_FAILED) {
        d->mem = NULL;
        return -errno;
    }
    d->gnttab_gfn = d->mem_pages - d->gnttab_frames;
    d->gnt_pins = calloc(entries, sizeof(uint16_t));
    d->gnt_wpins = calloc(entries, sizeof(uint16_t));
    d->vcpu = calloc(d->vcpus, sizeof(*d->vcpu));
    d->dirty = calloc((d->mem_pages + 7) / 8, 1);
    d->ro = calloc((d->mem_pages + 7) / 8, 1);
    if (!d->gnt_pins || !d->gnt_wpins || !d->vcpu || !d->dirty || !d->ro) {
        return -ENOMEM;
    }
    return 0;
}

/* HVM: one receiving endpoint per vCPU, handed to the vCPU's client. */
static int hv_dom_vcpu_eps(struct hyp *hs, struct hv_dom *d)
{
    uint32_t v;

    if (d->type != HVP_DOM_HVM) {
        return 0;
    }
    d->vcpu_ep = calloc(d->vcpus, sizeof(*d->vcpu_ep));
    if (!d->vcpu_ep) {
        return -ENOMEM;
    }
    for (v = 0; v < d->vcpus; v++) {
        d->vcpu_ep[v].efd = -1;
    }
    for (v = 0; v < d->vcpus; v++) {
        int rc = hv_ep_init(hs, &d->vcpu_ep[v], d->domid, NULL);

        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

static int hv_pick_domid(struct hyp *hs, uint32_t want, uint32_t *out)
{
    uint32_t i, id;

    if (want != 0) {
        if (want > HVP_MAX_DOMID || hv_dom_find(hs, want)) {
            return -EEXIST;
        }
        *out = want;
        return 0;
    }
    for (i = 0; i < HVP_MAX_DOMID; i++) {
        id = hs->next_domid++;
        if (hs->next_domid > HVP_MAX_DOMID) {
            hs->next_domid = 1;
        }
        if (!hv_dom_find(hs, id)) {
            *out = id;
            return 0;
        }
    }
    return -ENOSPC;
}

int hv_h_dom_create(struct hv_conn *c, const struct hvp_msg *m,
                    struct hv_reply *r)
{
    const struct hvp_dom_create *b = m->body;
    uint32_t frames =
        b->gnttab_frames ? b->gnttab_frames : HVP_DEFAULT_GNTTAB_FRAMES;
    struct hvp_domid_r out = {0};
    struct hyp *hs = c->hs;
    struct hv_dom *d;
    int rc;

    if (c->restrict_to >= 0) {
        return -EPERM;
    }
    if (b->type > HVP_DOM_HVM || b->vcpus < 1 || b->vcpus > HVP_MAX_VCPUS ||
        b->mem_pages < 16 || b->mem_pages > HVP_MAX_MEM_PAGES ||
        frames > HVP_MAX_GNTTAB_FRAMES || frames >= b->mem_pages / 2) {
        return -EINVAL;
    }
    rc = hv_pick_domid(hs, b->domid, &out.domid);
    if (rc < 0) {
        return rc;
    }
    d = hv_dom_alloc(hs, out.domid);
    if (!d) {
        return -ENOMEM;
    }
    d->type = b->type;
    d->vcpus = b->vcpus;
    d->mem_pages = b->mem_pages;
    d->gnttab_frames = frames;
    rc = hv_dom_memory(d);
    if (rc == 0) {
        rc = hv_dom_vcpu_eps(hs, d);
    }
    if (rc == 0) {
        rc =
            loop_fd_add(hs->loop, d->xen_ep.efd, LOOP_READ, hv_xen_ep_event, d);
    }
    if (rc == 0) {
        rc = hv_guest_listen(hs, d);
    }
    if (rc < 0) {
        hv_dom_release(hs, d);
        return rc;
    }
    d->next = hs->doms;
    hs->doms = d;
    return hv_reply_put(r, &out, sizeof(out));
}

static void hv_dom_destroy(struct hyp *hs, struct hv_dom *d)
{
    struct hv_dom **pp;
    uint32_t domid = d->domid;

    hv_ioreq_dom_gone(hs, d);
    hv_evtchn_dom_gone(hs, d);
    hv_guest_unlisten(hs, d);
    for (pp = &hs->doms; *pp; pp = &(*pp)->next) {
        if (*pp == d) {
            *pp = d->next;
            break;
        }
    }
    hv_dom_release(hs, d);
    if (hs->hooks.released) {
        hs->hooks.released(hs->hooks.opaque, domid);
    }
}

void hv_dom_free_all(struct hyp *hs)
{
    while (hs->doms && hs->doms->domid != 0) {
        hv_dom_destroy(hs, hs->doms);
    }
    while (hs->doms) {
        struct hv_dom *d = hs->doms;

        hs->doms = d->next;
        if (d->domid != 0) {
            hv_dom_destroy(hs, d);
        } else {
            hv_evtchn_dom_gone(hs, d);
            hv_dom_release(hs, d);
        }
    }
}

int hv_h_dom_op(struct hv_conn *c, const struct hvp_msg *m, struct hv_reply *r)
{
    const struct hvp_dom_op *b = m->body;
    struct hv_dom *d = hv_dom_find(c->hs, b->domid);
    bool self = !c->priv && b->domid == c->domid;

    if (!d || d->domid == 0) {
        return -ESRCH;
    }
    if (!hv_may_control(c, b->domid) && !(self && b->op == HVP_OP_SHUTDOWN)) {
        return -EPERM;
    }
    switch (b->op) {
    case HVP_OP_PAUSE:
        d->paused = true;
        return 0;
    case HVP_OP_UNPAUSE:
        d->paused = false;
        hv_ioreq_unpaused(c->hs, d);
        return 0;
    case HVP_OP_SHUTDOWN:
        if (b->arg > 5) {
            return -EINVAL;
        }
        if (!d->shutdown) {
            d->shutdown = true;
            d->reason = b->arg;
            if (c->hs->hooks.shutdown) {
                c->hs->hooks.shutdown(c->hs->hooks.opaque, d->domid);
            }
        }
        hv_ioreq_unpaused(c->hs, d); /* fails queued vCPU accesses */
        return 0;
    case HVP_OP_DESTROY:
        hv_dom_destroy(c->hs, d);
        return 0;
    case HVP_OP_RESUME:
        /* as xc_domain_resume: only a suspended domain carries on */
        if (!d->shutdown || d->reason != 2 /* SHUTDOWN_suspend */) {
            return -EINVAL;
        }
        d->shutdown = false;
        d->reason = 0;
        return 0;
    default:
        return -EINVAL;
    }
}

static void hv_dom_fill(const struct hv_dom *d, struct hvp_dom_info *o)
{
    memset(o, 0, sizeof(*o));
    o->domid = d->domid;
    o->type = d->type;
    o->vcpus = d->vcpus;
    o->flags =
        (d->paused ? HVP_DI_PAUSED : 0) | (d->shutdown ? HVP_DI_SHUTDOWN : 0);
    o->mem_pages = d->mem_pages;
    o->gnttab_gfn = d->gnttab_gfn;
    o->gnttab_frames = d->gnttab_frames;
    o->shutdown_reason = d->reason;
}

int hv_h_dom_info(struct hv_conn *c, const struct hvp_msg *m,
                  struct hv_reply *r)
{
    const struct hvp_domid *b = m->body;
    struct hv_dom *d = hv_dom_find(c->hs, b->domid);
    struct hvp_dom_info o;

    if (!hv_may_control(c, b->domid) && b->domid != c->domid) {
        return -EPERM;
    }
    if (!d) {
        return -ESRCH;
    }
    hv_dom_fill(d, &o);
    return hv_reply_put(r, &o, sizeof(o));
}

int hv_h_dom_list(struct hv_conn *c, const struct hvp_msg *m,
                  struct hv_reply *r)
{
    const struct hvp_domid *b = m->body;
    struct hvp_dom_info o;
    struct hv_dom *d;
    uint32_t id, n = 0;

    if (c->restrict_to >= 0) {
        return -EPERM;
    }
    /* ascending domid order, from b->domid */
    for (id = b->domid; id <= HVP_MAX_DOMID && n < HVP_LIST_MAX; id++) {
        uint32_t best = UINT32_MAX;

        for (d = c->hs->doms; d; d = d->next) {
            if (d->domid >= id && d->domid < best) {
                best = d->domid;
            }
        }
        if (best == UINT32_MAX) {
            break;
        }
        hv_dom_fill(hv_dom_find(c->hs, best), &o);
        hv_reply_put(r, &o, sizeof(o));
        n++;
        id = best;
    }
    return 0;
}

int hv_h_mem_fd(struct hv_conn *c, const struct hvp_msg *m, struct hv_reply *r)
{
    const struct hvp_domid *b = m->body;
    struct hv_dom *d = hv_dom_find(c->hs, b->domid);
    struct hvp_mem_r o;

    if (!hv_may_control(c, b->domid) && b->domid != c->domid) {
        return -EPERM;
    }
    if (!d || !d->mem) {
        return -ESRCH;
    }
    o.pages = d->mem_pages;
    hv_reply_fd(r, d->memfd);
    return hv_reply_put(r, &o, sizeof(o));
}

/* The domain a device-model op names, if c may act on it. */
static int hv_dm_target(struct hv_conn *c, uint32_t domid, struct hv_dom **out)
{
    struct hv_dom *d = hv_dom_find(c->hs, domid);

    if (!hv_may_control(c, domid)) {
        return -EPERM;
    }
    if (!d || !d->mem) {
        return -ESRCH;
    }
    *out = d;
    return 0;
}

int hv_h_dm_irq(struct hv_conn *c, const struct hvp_msg *m, struct hv_reply *r)
{
    const struct hvp_dm_irq *b = m->body;
    struct hv_dom *d;
    int rc = hv_dm_target(c, b->domid, &d);

    if (rc < 0) {
        return rc;
    }
    if (b->level > 1) {
        return -EINVAL;
    }
    switch (b->op) {
    case HVP_IRQ_ISA:
        if (b->a >= 16) {
            return -EINVAL;
        }
        d->isa_levels = (d->isa_levels & ~(1u << b->a)) | (b->level << b->a);
        break;
    case HVP_IRQ_INTX: {
        uint32_t dev = b->a & 0xff, bus = (b->a >> 8) & 0xff;

        if (dev >= 32 || b->b >= 4 || b->a >> 16) {
            return -EINVAL;
        }
        if (bus == 0) {
            d->intx_levels[b->b] =
                (d->intx_levels[b->b] & ~(1u << dev)) | (b->level << dev);
        }
        break;
    }
    case HVP_IRQ_LINK:
        if (b->a >= 4 || b->b >= 16) {
            return -EINVAL;
        }
        d->link_route[b->a] = (uint8_t)b->b;
        break;
    default:
        return -EINVAL;
    }
    d->irq_events++;
    return 0;
}

int hv_h_dm_modmem(struct hv_conn *c, const struct hvp_msg *m,
                   struct hv_reply *r)
{
    const struct hvp_dm_modmem *b = m->body;
    struct hv_dom *d;
    uint64_t pfn;
    int rc = hv_dm_target(c, b->domid, &d);

    if (rc < 0) {
        return rc;
    }
    if (b->first_pfn >= d->mem_pages || b->nr > d->mem_pages - b->first_pfn) {
        return -EINVAL;
    }
    for (pfn = b->first_pfn; pfn < b->first_pfn + b->nr; pfn++) {
        if (!(d->dirty[pfn / 8] & (1u << (pfn % 8)))) {
            d->dirty[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
            d->modified_pages++;
        }
    }
    d->modified_ops++;
    return 0;
}

int hv_h_dm_state(struct hv_conn *c, const struct hvp_msg *m,
                  struct hv_reply *r)
{
    const struct hvp_domid *b = m->body;
    struct hvp_dm_state_r o;
    struct hv_dom *d;
    int rc = hv_dm_target(c, b->domid, &d);

    if (rc < 0) {
        return rc;
    }
    memset(&o, 0, sizeof(o));
    o.isa_levels = d->isa_levels;
    o.irq_events = d->irq_events;
    memcpy(o.link_route, d->link_route, sizeof(o.link_route));
    memcpy(o.intx_levels, d->intx_levels, sizeof(o.intx_levels));
    o.modified_pages = d->modified_pages;
    o.modified_ops = d->modified_ops;
    o.ioreqs = d->ioreqs + hv_fast_done(d);
    o.unclaimed = d->unclaimed;
    return hv_reply_put(r, &o, sizeof(o));
}

int hv_h_dm_dirty(struct hv_conn *c, const struct hvp_msg *m,
                  struct hv_reply *r)
{
    const struct hvp_dm_dirty *b = m->body;
    struct hvp_dirty_r o = {b->first_pfn, b->nr, 0};
    uint8_t *bits = r->buf + sizeof(o);
    struct hv_dom *d;
    uint64_t i;
    int rc = hv_dm_target(c, b->domid, &d);

    if (rc < 0) {
        return rc;
    }
    if (b->nr > 8u * (HVP_MAX_MSG - 64) || b->first_pfn >= d->mem_pages ||
        b->nr > d->mem_pages - b->first_pfn) {
        return -EINVAL;
    }
    hv_reply_put(r, &o, sizeof(o));
    memset(bits, 0, (b->nr + 7) / 8);
    for (i = 0; i < b->nr; i++) {
        uint64_t pfn = b->first_pfn + i;

        if (d->dirty[pfn / 8] & (1u << (pfn % 8))) {
            bits[i / 8] |= (uint8_t)(1u << (i % 8));
            if (b->clear) {
                d->dirty[pfn / 8] &= (uint8_t) ~(1u << (pfn % 8));
                d->modified_pages--;
            }
        }
    }
    r->len += (b->nr + 7) / 8;
    return 0;
}
