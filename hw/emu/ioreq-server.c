/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ioreq server on Xen (through xen/hv.h) and its mapping cache.
 *
 * Theory of operation.  Bring-up follows demu and varstored: the
 * caller has already restricted the handles to the domain
 * (-xen-domid-restrict); we create a server with buffered ioreqs, map
 * its pages (hv.c tries the resource mapping first and the legacy PFN
 * route second), enable it, bind each vCPU's port and the buffered
 * port, and only then claim port and MMIO ranges and PCI functions, so
 * Xen never sends a request we cannot yet answer.  Every step records
 * what it did and ioreq_server_stop undoes exactly that, in reverse,
 * so a failure half-way leaves nothing behind.
 *
 * Serving a vCPU slot: the state must be IOREQ_READY; an acquire
 * fence orders the reads of the slot after the state; the request is
 * copied and handled on the copy (a guest racing the shared page
 * cannot change it under us); a read result is written back; a reset
 * or poweroff the request caused goes to Xen before the answer, as
 * qemu-xen does; a release fence orders all of that before the state
 * becomes IORESP_READY and the port is notified.
 *
 * The mapping cache holds at most MAPCACHE_ENTRIES single-page
 * foreign mappings, evicting the least recently used; frames beyond
 * the domain's memory are refused before Xen is asked, and an
 * INVALIDATE request (Xen changed the guest's physmap) drops them all.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ioreq.h"
#include "xen/hv.h"

/* ---- mapping cache ---- */

static void mapcache_init(struct mapcache *mc, struct hv *hv, uint32_t domid,
                          uint64_t max_gfn)
{
    unsigned i;

    memset(mc, 0, sizeof(*mc));
    mc->hv = hv;
    mc->domid = domid;
    mc->max_gfn = max_gfn;
    for (i = 0; i < MAPCACHE_ENTRIES; i++) {
        mc->e[i].gfn = UINT64_MAX;
    }
}

static void mapcache_flush(void *opaque)
{
    struct mapcache *mc = opaque;
    unsigned i;

    for (i = 0; i < MAPCACHE_ENTRIES; i++) {
        if (mc->e[i].gfn != UINT64_MAX) {
            hv_fmem_unmap(mc->hv, mc->e[i].va, 1);
            mc->e[i].gfn = UINT64_MAX;
            mc->e[i].va = NULL;
        }
    }
}

static uint8_t *mapcache_page(struct mapcache *mc, uint64_t gfn)
{
    struct mapcache_entry *victim = &mc->e[0];
    unsigned i;
    void *va;
    int err = 0;

    if (gfn >= mc->max_gfn) {
        return NULL;
    }
    mc->tick++;
    for (i = 0; i < MAPCACHE_ENTRIES; i++) {
        if (mc->e[i].gfn == gfn) {
            mc->e[i].used = mc->tick;
            return mc->e[i].va;
        }
        if (mc->e[i].used < victim->used) {
            victim = &mc->e[i];
        }
    }
    va = hv_fmem_map(mc->hv, mc->domid, HV_PROT_READ | HV_PROT_WRITE, 1,
                     &gfn, &err);
    if (va == NULL || err != 0) {
        if (va) {
            hv_fmem_unmap(mc->hv, va, 1);
        }
        return NULL;
    }
    if (victim->gfn != UINT64_MAX) {
        hv_fmem_unmap(mc->hv, victim->va, 1);
    }
    victim->gfn = gfn;
    victim->va = va;
    victim->used = mc->tick;
    return va;
}

static int mapcache_rw(struct mapcache *mc, uint64_t gpa, uint8_t *buf,
                       size_t len, bool write)
{
    while (len > 0) {
        uint64_t off = gpa & (HV_PAGE_SIZE - 1);
        size_t n = HV_PAGE_SIZE - off < len ? HV_PAGE_SIZE - off : len;
        uint8_t *page = mapcache_page(mc, gpa >> HV_PAGE_SHIFT);

        if (page == NULL) {
            return -EFAULT;
        }
        if (write) {
            memcpy(page + off, buf, n);
            if (mc->dirty_log) {
                hv_modified_memory(mc->hv, mc->domid, gpa >> HV_PAGE_SHIFT,
                                   1);
            }
        } else {
            memcpy(buf, page + off, n);
        }
        gpa += n;
        buf += n;
        len -= n;
    }
    return 0;
}

static int mapcache_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    return mapcache_rw(opaque, gpa, buf, len, false);
}

static int mapcache_write(void *opaque, uint64_t gpa, const void *buf,
                          size_t len)
{
    return mapcache_rw(opaque, gpa, (uint8_t *)(uintptr_t)buf, len, true);
}

static const struct ioreq_mem_ops mapcache_ops = {
    .read = mapcache_read,
    .write = mapcache_write,
    .invalidate = mapcache_flush,
};

/* ---- claimed ranges ---- */

static bool range_in(const struct machine_range *r, unsigned n,
                     const struct machine_range *x)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        if (r[i].start == x->start && r[i].end == x->end) {
            return true;
        }
    }
    return false;
}

/* Makes Xen's claimed set of one kind equal `want`. */
static int ranges_sync(struct ioreq_server *s, int type,
                       struct machine_range *have, unsigned *nhave,
                       const struct machine_range *want, unsigned nwant)
{
    unsigned i, n = 0;
    int rc = 0;

    for (i = 0; i < *nhave; i++) {
        if (range_in(want, nwant, &have[i])) {
            have[n++] = have[i];
        } else {
            hv_ioreq_server_unmap_range(s->hv, s->domid, s->id, type,
                                        have[i].start, have[i].end);
        }
    }
    *nhave = n;
    for (i = 0; i < nwant && rc == 0; i++) {
        if (range_in(have, *nhave, &want[i])) {
            continue;
        }
        rc = hv_ioreq_server_map_range(s->hv, s->domid, s->id, type,
                                       want[i].start, want[i].end);
        if (rc == 0) {
            have[(*nhave)++] = want[i];
        }
    }
    return rc;
}

/*
 * Xen refuses a range overlapping one the server already claimed
 * (-EEXIST), and the machine's ranges overlap where one register sits
 * inside another's window (0xcf9 in 0xcf8-0xcfb): claim the union,
 * sorted, overlapping and adjacent ranges merged.
 */
static unsigned ranges_normalize(struct machine_range *r, unsigned n)
{
    unsigned i, j, out = 0;

    for (i = 1; i < n; i++) {
        struct machine_range x = r[i];

        for (j = i; j > 0 && r[j - 1].start > x.start; j--) {
            r[j] = r[j - 1];
        }
        r[j] = x;
    }
    for (i = 0; i < n; i++) {
        if (out > 0 && r[i].start <= r[out - 1].end + 1) {
            if (r[i].end > r[out - 1].end) {
                r[out - 1].end = r[i].end;
            }
        } else {
            r[out++] = r[i];
        }
    }
    return out;
}

static int ioreq_server_sync(struct ioreq_server *s)
{
    struct machine_range want[IOREQ_MAX_RANGES];
    unsigned n;
    int rc;

    n = ranges_normalize(want, machine_pio_ranges(s->m, want,
                                                  IOREQ_MAX_RANGES));
    rc = ranges_sync(s, HV_IOREQ_RANGE_PORT, s->pio, &s->npio, want, n);
    n = ranges_normalize(want, machine_mmio_ranges(s->m, want,
                                                   IOREQ_MAX_RANGES));
    return rc ? rc : ranges_sync(s, HV_IOREQ_RANGE_MMIO, s->mmio, &s->nmmio,
                                 want, n);
}

/* ---- bring-up and teardown ---- */

void ioreq_server_stop(struct ioreq_server *s)
{
    unsigned i;

    for (i = 0; s->created && i < s->ndevfn; i++) {
        hv_ioreq_server_unmap_pcidev(s->hv, s->domid, s->id, 0, 0,
                                     s->devfn[i] >> 3, s->devfn[i] & 7);
    }
    s->ndevfn = 0;
    for (i = 0; s->created && i < s->nmmio; i++) {
        hv_ioreq_server_unmap_range(s->hv, s->domid, s->id,
                                    HV_IOREQ_RANGE_MMIO, s->mmio[i].start,
                                    s->mmio[i].end);
    }
    for (i = 0; s->created && i < s->npio; i++) {
        hv_ioreq_server_unmap_range(s->hv, s->domid, s->id,
                                    HV_IOREQ_RANGE_PORT, s->pio[i].start,
                                    s->pio[i].end);
    }
    s->nmmio = s->npio = 0;
    if (s->bufport >= 0) {
        hv_evtchn_unbind(s->hv, (uint32_t)s->bufport);
        s->bufport = -1;
    }
    for (i = 0; i < s->nvcpus && i < IOREQ_MAX_VCPUS; i++) {
        if (s->vport[i] >= 0) {
            hv_evtchn_unbind(s->hv, (uint32_t)s->vport[i]);
            s->vport[i] = -1;
        }
    }
    if (s->enabled) {
        hv_ioreq_server_set_state(s->hv, s->domid, s->id, false);
        s->enabled = false;
    }
    if (s->hv) {
        mapcache_flush(&s->mc);
    }
    if (s->iop) {
        hv_ioreq_server_unmap(s->hv, s->iop, s->bp);
        s->iop = s->bp = NULL;
    }
    if (s->created) {
        hv_ioreq_server_destroy(s->hv, s->domid, s->id);
        s->created = false;
    }
}

static int fail(char *err, size_t errlen, const char *what, int rc)
{
    if (err) {
        snprintf(err, errlen, "ioreq server: %s: %s", what, strerror(-rc));
    }
    return rc;
}

static int ioreq_server_bind(struct ioreq_server *s, uint32_t bufport)
{
    shared_iopage_t *iop = s->iop;
    uint32_t v;
    int port;

    for (v = 0; v < s->nvcpus; v++) {
        port = hv_evtchn_bind_interdomain(s->hv, s->domid,
                                          iop->vcpu_ioreq[v].vp_eport);
        if (port < 0) {
            return port;
        }
        s->vport[v] = port;
    }
    if (s->bp) {
        port = hv_evtchn_bind_interdomain(s->hv, s->domid, bufport);
        if (port < 0) {
            return port;
        }
        s->bufport = port;
    }
    return 0;
}

static int ioreq_server_claim(struct ioreq_server *s)
{
    uint8_t devfn[8];
    unsigned i, n = machine_pci_devfns(s->m, devfn, 8);
    int rc = ioreq_server_sync(s);

    for (i = 0; rc == 0 && i < n; i++) {
        rc = hv_ioreq_server_map_pcidev(s->hv, s->domid, s->id, 0, 0,
                                        devfn[i] >> 3, devfn[i] & 7);
        if (rc == 0) {
            s->devfn[s->ndevfn++] = devfn[i];
        }
    }
    return rc;
}

int ioreq_server_start(struct ioreq_server *s, struct hv *hv,
                       uint32_t domid, uint32_t nvcpus, struct machine *m,
                       char *err, size_t errlen)
{
    struct hv_domain_info info;
    uint32_t bufport = 0, v;
    int rc;

    memset(s, 0, sizeof(*s));
    s->hv = hv;
    s->domid = domid;
    s->m = m;
    s->bufport = -1;
    if (nvcpus == 0 || nvcpus > IOREQ_MAX_VCPUS) {
        return fail(err, errlen, "vCPU count", -EINVAL);
    }
    s->nvcpus = nvcpus;
    for (v = 0; v < IOREQ_MAX_VCPUS; v++) {
        s->vport[v] = -1;
    }
    rc = hv_domain_info(hv, domid, &info);
    if (rc < 0) {
        return fail(err, errlen, "domain info", rc);
    }
    mapcache_init(&s->mc, hv, domid, info.max_pages);
    ioreq_dispatch_init(&s->d, m, &mapcache_ops, &s->mc);
    rc = hv_ioreq_server_create(hv, domid, true, &s->id);
    if (rc < 0) {
        return fail(err, errlen, "create", rc);
    }
    s->created = true;
    rc = hv_ioreq_server_map(hv, domid, s->id, &s->iop, &s->bp, &bufport);
    if (rc < 0) {
        s->iop = s->bp = NULL;
        ioreq_server_stop(s);
        return fail(err, errlen, "map pages", rc);
    }
    rc = hv_ioreq_server_set_state(hv, domid, s->id, true);
    if (rc < 0) {
        ioreq_server_stop(s);
        return fail(err, errlen, "enable", rc);
    }
    s->enabled = true;
    rc = ioreq_server_bind(s, bufport);
    if (rc < 0) {
        ioreq_server_stop(s);
        return fail(err, errlen, "bind event channels", rc);
    }
    rc = ioreq_server_claim(s);
    if (rc < 0) {
        ioreq_server_stop(s);
        return fail(err, errlen, "claim ranges", rc);
    }
    return 0;
}

/* ---- serving ---- */

static void ioreq_server_shutdown(struct ioreq_server *s)
{
    enum machine_shutdown r = machine_take_shutdown(s->m);

    if (r == MACHINE_SHUTDOWN_REBOOT) {
        hv_shutdown(s->hv, s->domid, HV_SHUTDOWN_REBOOT);
    } else if (r == MACHINE_SHUTDOWN_POWEROFF) {
        hv_shutdown(s->hv, s->domid, HV_SHUTDOWN_POWEROFF);
    }
}

static void ioreq_server_serve(struct ioreq_server *s, uint32_t v)
{
    ioreq_t *slot = &((shared_iopage_t *)s->iop)->vcpu_ioreq[v];
    ioreq_t req;

    if (slot->state != STATE_IOREQ_READY) {
        return;     /* spurious or already answered */
    }
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    memcpy(&req, slot, sizeof(req));
    slot->state = STATE_IOREQ_INPROCESS;
    ioreq_dispatch(&s->d, &req);
    if (req.dir == IOREQ_READ && !req.data_is_ptr) {
        slot->data = req.data;
    }
    if (s->d.config_written) {
        s->d.config_written = false;
        ioreq_server_sync(s);
    }
    ioreq_server_shutdown(s);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    slot->state = STATE_IORESP_READY;
    hv_evtchn_notify(s->hv, (uint32_t)s->vport[v]);
}

bool ioreq_server_port_event(struct ioreq_server *s, int port)
{
    bool ours = false;
    uint32_t v;

    if (s->bp) {
        ioreq_drain_buffered(&s->d, s->bp);
        ioreq_server_shutdown(s);
        ours = port == s->bufport;
    }
    for (v = 0; v < s->nvcpus; v++) {
        if (s->vport[v] == port) {
            ioreq_server_serve(s, v);
            ours = true;
        }
    }
    return ours;
}

bool ioreq_server_owns_port(const struct ioreq_server *s, int port)
{
    uint32_t v;

    if (port < 0) {
        return false;
    }
    if (s->bp && port == s->bufport) {
        return true;
    }
    for (v = 0; v < s->nvcpus; v++) {
        if (s->vport[v] == port) {
            return true;
        }
    }
    return false;
}

void ioreq_server_poll(struct ioreq_server *s)
{
    int port;

    while ((port = hv_evtchn_pending(s->hv)) >= 0) {
        hv_evtchn_unmask(s->hv, (uint32_t)port);
        ioreq_server_port_event(s, port);
    }
}

void ioreq_server_set_dirty_log(struct ioreq_server *s, bool on)
{
    s->mc.dirty_log = on;
}
