/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim hypervisor services: grant tables (v1), map, unmap and copy.
 *
 * A guest's grant table is the top gnttab_frames frames of its memory;
 * the guest writes grant_entry_v1_t entries there, so every field we
 * read is guest-controlled and may change under us.  Map checks each
 * entry (GTF_permit_access, domid == the mapper's, GTF_readonly
 * against a writable map, frame inside guest memory) and pins it with
 * a compare-and-swap on the entry's flags, setting GTF_reading (and
 * GTF_writing for writable maps) as Xen does; unmap drops the pins
 * and clears the flags when the last one goes.  The mapper then maps
 * the returned frames from the guest's memfd.  Copy validates each
 * segment and returns the frame; the client copies through its own
 * mapping (Xen's transient pin during a copy is not simulated).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xen/grant_table.h>

#include "xensim/hv-internal.h"

static uint32_t hv_gnt_entries(const struct hv_dom *d)
{
    return d->gnttab_frames * (HVP_PAGE / sizeof(grant_entry_v1_t));
}

static grant_entry_v1_t *hv_gnt_entry(struct hv_dom *d, uint32_t ref)
{
    return (grant_entry_v1_t *)(d->mem + d->gnttab_gfn * HVP_PAGE) + ref;
}

/*
 * Checks entry `ref` for use by `grantee`; returns the frame or a
 * GNTST_* error (negative).
 */
static int64_t hv_gnt_check(struct hv_dom *d, uint32_t ref, uint32_t grantee,
                            bool write)
{
    grant_entry_v1_t *e;
    uint16_t flags;
    uint32_t frame;

    if (ref >= hv_gnt_entries(d)) {
        return GNTST_bad_gntref;
    }
    e = hv_gnt_entry(d, ref);
    flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
    frame = __atomic_load_n(&e->frame, __ATOMIC_RELAXED);
    if ((flags & GTF_type_mask) != GTF_permit_access ||
        __atomic_load_n(&e->domid, __ATOMIC_RELAXED) != grantee) {
        return GNTST_bad_gntref;
    }
    if (write && (flags & GTF_readonly)) {
        return GNTST_permission_denied;
    }
    if (frame >= d->mem_pages) {
        return GNTST_bad_page;
    }
    return frame;
}

/* Sets GTF_reading (and GTF_writing) unless the guest changed the entry. */
static int hv_gnt_pin(struct hv_dom *d, uint32_t ref, uint32_t grantee,
                      bool write)
{
    grant_entry_v1_t *e = hv_gnt_entry(d, ref);
    uint16_t old = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE), want;
    int tries;

    for (tries = 0; tries < 16; tries++) {
        if ((old & GTF_type_mask) != GTF_permit_access || e->domid != grantee ||
            (write && (old & GTF_readonly))) {
            return GNTST_general_error;
        }
        want = old | GTF_reading | (write ? GTF_writing : 0);
        if (__atomic_compare_exchange_n(&e->flags, &old, want, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            d->gnt_pins[ref]++;
            if (write) {
                d->gnt_wpins[ref]++;
            }
            return 0;
        }
    }
    return GNTST_general_error; /* a guest flipping flags forever */
}

static void hv_gnt_unpin(struct hv_dom *d, uint32_t ref, bool write)
{
    grant_entry_v1_t *e = hv_gnt_entry(d, ref);
    uint16_t clear = 0;

    if (d->gnt_pins[ref] == 0) {
        return;
    }
    d->gnt_pins[ref]--;
    if (write && d->gnt_wpins[ref] > 0 && --d->gnt_wpins[ref] == 0) {
        clear |= GTF_writing;
    }
    if (d->gnt_pins[ref] == 0) {
        clear |= GTF_reading | GTF_writing;
    }
    if (clear) {
        __atomic_fetch_and(&e->flags, (uint16_t)~clear, __ATOMIC_ACQ_REL);
    }
}

static int hv_gnt_status_errno(int64_t st)
{
    switch (st) {
    case GNTST_permission_denied:
        return -EPERM;
    case GNTST_bad_domain:
        return -ESRCH;
    default:
        return -EINVAL;
    }
}

int hv_h_gnt_map(struct hv_conn *c, const struct hvp_msg *m, struct hv_reply *r)
{
    const struct hvp_gnt_map *b = m->body;
    const uint32_t *refs = m->elems;
    bool write = b->flags & HVP_GNT_WRITE;
    struct hv_dom *d = hv_dom_find(c->hs, b->domid);
    struct hvp_gnt_map_r out = {0, 0};
    struct hv_gmap *gm;
    uint32_t i, n = m->nelems;

    if (!d || !d->mem) {
        return -ESRCH;
    }
    if (n == 0 || (b->flags & ~(HVP_GNT_WRITE | HVP_GNT_WANT_FD))) {
        return -EINVAL;
    }
    if (c->mapped_refs + n > HV_MAX_PINS) {
        return -ENOSPC;
    }
    gm = malloc(sizeof(*gm) + n * sizeof(uint32_t));
    if (!gm) {
        return -ENOMEM;
    }
    out.handle = ++c->next_handle;
    hv_reply_put(r, &out, sizeof(out));
    for (i = 0; i < n; i++) {
        int64_t frame = hv_gnt_check(d, refs[i], c->domid, write);
        uint64_t gfn;

        if (frame < 0 || hv_gnt_pin(d, refs[i], c->domid, write) < 0) {
            while (i-- > 0) {
                hv_gnt_unpin(d, refs[i], write);
            }
            free(gm);
            return frame < 0 ? hv_gnt_status_errno(frame) : -EAGAIN;
        }
        gfn = (uint64_t)frame;
        hv_reply_put(r, &gfn, sizeof(gfn));
    }
    gm->handle = out.handle;
    gm->domid = d->domid;
    gm->writable = write;
    gm->count = n;
    memcpy(gm->refs, refs, n * sizeof(uint32_t));
    gm->next = c->gmaps;
    c->gmaps = gm;
    c->mapped_refs += n;
    if (b->flags & HVP_GNT_WANT_FD) {
        hv_reply_fd(r, d->memfd);
    }
    return 0;
}

static void hv_gmap_release(struct hyp *hs, struct hv_gmap *gm)
{
    struct hv_dom *d = hv_dom_find(hs, gm->domid);
    uint32_t i;

    if (d && d->mem) {
        for (i = 0; i < gm->count; i++) {
            if (gm->refs[i] < hv_gnt_entries(d)) {
                hv_gnt_unpin(d, gm->refs[i], gm->writable);
            }
        }
    }
    free(gm);
}

int hv_h_gnt_unmap(struct hv_conn *c, const struct hvp_msg *m,
                   struct hv_reply *r)
{
    const struct hvp_handle *b = m->body;
    struct hv_gmap **pp;

    for (pp = &c->gmaps; *pp; pp = &(*pp)->next) {
        if ((*pp)->handle == b->handle) {
            struct hv_gmap *gm = *pp;

            *pp = gm->next;
            c->mapped_refs -= gm->count;
            hv_gmap_release(c->hs, gm);
            return 0;
        }
    }
    return -ENOENT;
}

void hv_gnttab_conn_gone(struct hyp *hs, struct hv_conn *c)
{
    while (c->gmaps) {
        struct hv_gmap *gm = c->gmaps;

        c->gmaps = gm->next;
        hv_gmap_release(hs, gm);
    }
}

int hv_h_gnt_copy(struct hv_conn *c, const struct hvp_msg *m,
                  struct hv_reply *r)
{
    const struct hvp_gnt_copy *b = m->body;
    const struct hvp_copy_seg *segs = m->elems;
    struct hv_dom *d = hv_dom_find(c->hs, b->domid);
    struct hvp_copy_info info = {0, 0, 0};
    uint32_t i;

    if (b->flags & ~HVP_GNT_WANT_FD) {
        return -EINVAL;
    }
    if (d && d->mem) {
        info.gnttab_gfn = d->gnttab_gfn;
        info.gnttab_frames = d->gnttab_frames;
    }
    hv_reply_put(r, &info, sizeof(info));
    for (i = 0; i < m->nelems; i++) {
        struct hvp_copy_r o = {GNTST_okay, 0, 0};
        int64_t frame;

        if (!d || !d->mem) {
            o.status = GNTST_bad_domain;
        } else if ((uint32_t)segs[i].offset + segs[i].len > HVP_PAGE) {
            o.status = GNTST_bad_copy_arg;
        } else {
            frame =
                hv_gnt_check(d, segs[i].ref, c->domid, segs[i].to_guest != 0);
            if (frame < 0) {
                o.status = (int32_t)frame;
            } else {
                o.gfn = (uint64_t)frame;
            }
        }
        hv_reply_put(r, &o, sizeof(o));
    }
    if (d && d->mem && (b->flags & HVP_GNT_WANT_FD)) {
        hv_reply_fd(r, d->memfd);
    }
    return 0;
}
