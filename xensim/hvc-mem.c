/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim hypervisor client: guest memory, foreign mapping and grants.
 *
 * Each domain's memory reaches us once as a memfd (MEM_FD for our own
 * or, when privileged, any domain's; attached to a grant reply
 * otherwise) and is mapped whole, lazily, for copies.  Mappings the
 * caller asks for (foreign or granted frames) are built page by page
 * with MAP_FIXED into a reserved range, so frames need not be
 * contiguous in the guest.  The daemon checks every grant; this side
 * also checks every frame number it is given against the memory size.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xen/grant_table.h>

#include "xensim/hvclient-internal.h"

struct hvc_mem *hvc_mem_find(struct hvc *c, uint32_t domid)
{
    unsigned i;

    for (i = 0; i < c->nmems; i++) {
        if (c->mems[i].domid == domid) {
            return &c->mems[i];
        }
    }
    return NULL;
}

struct hvc_mem *hvc_mem_adopt(struct hvc *c, uint32_t domid, int fd,
                              uint64_t pages)
{
    struct hvc_mem *m = hvc_mem_find(c, domid), *grown;
    off_t size;

    if (m) {
        close(fd);
        return m;
    }
    size = lseek(fd, 0, SEEK_END);
    if (size <= 0 || size % HVP_PAGE != 0 ||
        (pages && (uint64_t)size != pages * HVP_PAGE)) {
        close(fd);
        return NULL;
    }
    grown = realloc(c->mems, (c->nmems + 1) * sizeof(*grown));
    if (!grown) {
        close(fd);
        return NULL;
    }
    c->mems = grown;
    m = &c->mems[c->nmems];
    memset(m, 0, sizeof(*m)); /* realloc'd: every field starts known */
    m->base =
        mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m->base == MAP_FAILED) {
        close(fd);
        return NULL;
    }
    m->domid = domid;
    m->fd = fd;
    m->pages = (uint64_t)size / HVP_PAGE;
    /* gnt_gfn/gnt_frames stay 0 until the first grant copy tells us */
    c->nmems++;
    return m;
}

void hvc_mem_fini(struct hvc *c)
{
    unsigned i;

    while (c->gmaps) {
        struct hvc_gmap *g = c->gmaps;

        c->gmaps = g->next;
        munmap(g->addr, (size_t)g->count * HVP_PAGE);
        free(g);
    }
    for (i = 0; i < c->nmems; i++) {
        munmap(c->mems[i].base, c->mems[i].pages * HVP_PAGE);
        close(c->mems[i].fd);
    }
    free(c->mems);
    c->mems = NULL;
    c->nmems = 0;
}

static struct hvc_mem *hvc_mem_get(struct hvc *c, uint32_t domid, int *err)
{
    struct hvp_domid b = {domid, 0};
    struct hvc_mem *m = hvc_mem_find(c, domid);
    struct hvc_reply rep;
    int rc;

    if (m) {
        return m;
    }
    rc = hvc_call(c, HVP_MEM_FD, &b, sizeof(b), NULL, 0, &rep);
    if (rc < 0) {
        *err = rc;
        return NULL;
    }
    if (rep.nfds != 1) {
        hvc_reply_close(&rep);
        *err = -EPROTO;
        return NULL;
    }
    m = hvc_mem_adopt(c, domid, rep.fds[0],
                      ((const struct hvp_mem_r *)rep.m.body)->pages);
    if (!m) {
        *err = -ENOMEM;
    }
    return m;
}

void *hvc_memory(struct hvc *c, uint64_t *pages)
{
    int err = 0;
    struct hvc_mem *m = hvc_mem_get(c, c->domid, &err);

    if (!m) {
        errno = -err;
        return NULL;
    }
    if (pages) {
        *pages = m->pages;
    }
    return m->base;
}

static int hvc_prot(int prot)
{
    return ((prot & HVC_PROT_READ) ? PROT_READ : 0) |
           ((prot & HVC_PROT_WRITE) ? PROT_WRITE : 0);
}

/* Maps frames of m at consecutive pages of a new range; NULL + errno. */
static void *hvc_map_frames(struct hvc_mem *m, int prot, size_t n,
                            const uint64_t *gfns, int *errs)
{
    uint8_t *base;
    size_t i;
    bool failed = false;

    if (n == 0 || n > m->pages) {
        errno = EINVAL;
        return NULL;
    }
    base =
        mmap(NULL, n * HVP_PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        int e = 0;

        if (gfns[i] >= m->pages) {
            e = -EINVAL;
        } else if (mmap(base + i * HVP_PAGE, HVP_PAGE, hvc_prot(prot),
                        MAP_SHARED | MAP_FIXED, m->fd,
                        (off_t)(gfns[i] * HVP_PAGE)) == MAP_FAILED) {
            e = -errno;
        }
        if (errs) {
            errs[i] = e;
        } else if (e) {
            failed = true;
        }
    }
    if (failed) {
        munmap(base, n * HVP_PAGE);
        errno = EINVAL;
        return NULL;
    }
    return base;
}

void *hvc_foreign_map(struct hvc *c, uint32_t domid, int prot, size_t n,
                      const uint64_t *gfns, int *errs)
{
    int err = 0;
    struct hvc_mem *m;

    if (!c->priv) {
        errno = EPERM;
        return NULL;
    }
    m = hvc_mem_get(c, domid, &err);
    if (!m) {
        errno = -err;
        return NULL;
    }
    return hvc_map_frames(m, prot, n, gfns, errs);
}

int hvc_foreign_unmap(struct hvc *c, void *addr, size_t n)
{
    return munmap(addr, n * HVP_PAGE) < 0 ? -errno : 0;
}

static grant_entry_v1_t *hvc_gnt(struct hvc *c, uint32_t ref)
{
    struct hvc_mem *m;
    int err;

    if (c->priv || ref >= hvc_grant_entries(c)) {
        return NULL;
    }
    m = hvc_mem_get(c, c->domid, &err);
    if (!m || c->self.gnttab_gfn + c->self.gnttab_frames > m->pages) {
        return NULL;
    }
    return (grant_entry_v1_t *)(m->base + c->self.gnttab_gfn * HVP_PAGE) + ref;
}

uint32_t hvc_grant_entries(struct hvc *c)
{
    return c->priv ? 0
                   : c->self.gnttab_frames *
                         (HVP_PAGE / (uint32_t)sizeof(grant_entry_v1_t));
}

int hvc_grant_access(struct hvc *c, uint32_t ref, uint32_t domid, uint64_t gfn,
                     bool readonly)
{
    grant_entry_v1_t *e = hvc_gnt(c, ref);

    if (!e || gfn > UINT32_MAX || domid > UINT16_MAX) {
        return -EINVAL;
    }
    e->frame = (uint32_t)gfn;
    e->domid = (domid_t)domid;
    __atomic_store_n(
        &e->flags,
        (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0)),
        __ATOMIC_RELEASE);
    return 0;
}

int hvc_grant_end(struct hvc *c, uint32_t ref)
{
    grant_entry_v1_t *e = hvc_gnt(c, ref);
    uint16_t flags;

    if (!e) {
        return -EINVAL;
    }
    flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
    do {
        if (flags & (GTF_reading | GTF_writing)) {
            return -EBUSY;
        }
    } while (!__atomic_compare_exchange_n(&e->flags, &flags, 0, false,
                                          __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
    return 0;
}

int hvc_grant_flags(struct hvc *c, uint32_t ref)
{
    grant_entry_v1_t *e = hvc_gnt(c, ref);

    return e ? __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE) : -EINVAL;
}

void *hvc_grant_map(struct hvc *c, uint32_t domid, uint32_t count,
                    const uint32_t *refs, int prot)
{
    struct hvp_gnt_map b = {domid, 0};
    struct hvc_mem *m = hvc_mem_find(c, domid);
    struct hvc_gmap *g;
    struct hvc_reply rep;
    struct hvp_handle un;
    void *addr;
    int rc;

    if (count == 0 || count > HVP_MAX_GRANT_BATCH) {
        errno = EINVAL;
        return NULL;
    }
    b.flags = ((prot & HVC_PROT_WRITE) ? HVP_GNT_WRITE : 0) |
              (m ? 0 : HVP_GNT_WANT_FD);
    rc = hvc_call(c, HVP_GNT_MAP, &b, sizeof(b), refs,
                  count * (uint32_t)sizeof(uint32_t), &rep);
    if (rc < 0) {
        errno = -rc;
        return NULL;
    }
    un.handle = ((const struct hvp_gnt_map_r *)rep.m.body)->handle;
    un.pad = 0;
    if (!m && rep.nfds == 1) {
        m = hvc_mem_adopt(c, domid, rep.fds[0], 0);
        rep.nfds = 0;
    }
    hvc_reply_close(&rep);
    addr = NULL;
    g = malloc(sizeof(*g));
    if (m && g && rep.m.nelems == count) {
        addr = hvc_map_frames(m, prot, count, rep.m.elems, NULL);
    }
    if (!addr) {
        free(g);
        hvc_simple(c, HVP_GNT_UNMAP, &un, sizeof(un));
        errno = EINVAL;
        return NULL;
    }
    g->addr = addr;
    g->count = count;
    g->handle = un.handle;
    g->next = c->gmaps;
    c->gmaps = g;
    return addr;
}

int hvc_grant_unmap(struct hvc *c, void *addr, uint32_t count)
{
    struct hvc_gmap **pp;

    for (pp = &c->gmaps; *pp; pp = &(*pp)->next) {
        struct hvc_gmap *g = *pp;
        struct hvp_handle un = {g->handle, 0};

        if (g->addr != addr || g->count != count) {
            continue;
        }
        *pp = g->next;
        munmap(g->addr, (size_t)g->count * HVP_PAGE);
        free(g);
        return hvc_simple(c, HVP_GNT_UNMAP, &un, sizeof(un));
    }
    return -EINVAL;
}

/*
 * The checks hv-gnttab.c makes, on the granting domain's table in our
 * own mapping of its memory: GNTST_okay and the frame, or an error.
 */
static int hvc_copy_check(struct hvc *c, struct hvc_mem *m,
                          const struct hvc_copy_seg *s, uint64_t *gfn)
{
    uint32_t entries = m->gnt_frames * (HVP_PAGE / 8);
    grant_entry_v1_t *e;
    uint16_t flags;
    uint32_t frame;

    if ((uint32_t)s->offset + s->len > HVP_PAGE) {
        return GNTST_bad_copy_arg;
    }
    if (s->ref >= entries) {
        return GNTST_bad_gntref;
    }
    e = (grant_entry_v1_t *)(m->base + m->gnt_gfn * HVP_PAGE) + s->ref;
    flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
    frame = __atomic_load_n(&e->frame, __ATOMIC_RELAXED);
    if ((flags & GTF_type_mask) != GTF_permit_access ||
        __atomic_load_n(&e->domid, __ATOMIC_RELAXED) != c->domid) {
        return GNTST_bad_gntref;
    }
    if (s->to_guest && (flags & GTF_readonly)) {
        return GNTST_permission_denied;
    }
    if (frame >= m->pages) {
        return GNTST_bad_page;
    }
    *gfn = frame;
    return GNTST_okay;
}

static void hvc_copy_one(struct hvc_mem *m, struct hvc_copy_seg *s,
                         uint64_t gfn)
{
    uint8_t *page = m->base + gfn * HVP_PAGE + s->offset;

    if (s->to_guest) {
        memcpy(page, s->local, s->len);
    } else {
        memcpy(s->local, page, s->len);
    }
}

/*
 * One batch of segments, all for the same domain.  The first batch
 * for a domain goes through the daemon, which checks the segments and
 * tells us where the domain's grant table is; later batches are
 * checked here against the same entries, with no round trip (the
 * daemon's check would add no protection: we hold the memory).
 */
static int hvc_copy_batch(struct hvc *c, struct hvc_copy_seg *segs, uint32_t n)
{
    struct hvp_copy_seg w[HVP_MAX_GRANT_BATCH];
    struct hvp_gnt_copy b = {segs[0].domid, 0};
    struct hvc_mem *m = hvc_mem_find(c, segs[0].domid);
    const struct hvp_copy_info *info;
    const struct hvp_copy_r *o;
    struct hvc_reply rep;
    uint64_t gfn;
    uint32_t i;
    int rc;

    if (m && m->gnt_frames) {
        for (i = 0; i < n; i++) {
            segs[i].status = (int16_t)hvc_copy_check(c, m, &segs[i], &gfn);
            if (segs[i].status == GNTST_okay) {
                hvc_copy_one(m, &segs[i], gfn);
            }
        }
        return 0;
    }
    for (i = 0; i < n; i++) {
        w[i] = (struct hvp_copy_seg){segs[i].ref, segs[i].offset, segs[i].len,
                                     segs[i].to_guest, 0};
    }
    b.flags = m ? 0 : HVP_GNT_WANT_FD;
    rc = hvc_call(c, HVP_GNT_COPY, &b, sizeof(b), w, n * sizeof(w[0]), &rep);
    if (rc < 0) {
        return rc;
    }
    if (!m && rep.nfds == 1) {
        m = hvc_mem_adopt(c, segs[0].domid, rep.fds[0], 0);
        rep.nfds = 0;
    }
    hvc_reply_close(&rep);
    if (rep.m.nelems != n) {
        return -EPROTO;
    }
    info = rep.m.body;
    if (m && info->gnttab_frames &&
        info->gnttab_frames <= HVP_MAX_GNTTAB_FRAMES &&
        info->gnttab_gfn + info->gnttab_frames <= m->pages) {
        m->gnt_gfn = info->gnttab_gfn;
        m->gnt_frames = info->gnttab_frames;
    }
    o = rep.m.elems;
    for (i = 0; i < n; i++) {
        segs[i].status = (int16_t)o[i].status;
        if (o[i].status != GNTST_okay) {
            continue;
        }
        if (!m || o[i].gfn >= m->pages) {
            segs[i].status = GNTST_general_error;
            continue;
        }
        hvc_copy_one(m, &segs[i], o[i].gfn);
    }
    return 0;
}

int hvc_grant_copy(struct hvc *c, struct hvc_copy_seg *segs, uint32_t n)
{
    uint32_t start = 0;

    while (start < n) {
        uint32_t end = start + 1;
        int rc;

        while (end < n && end - start < HVP_MAX_GRANT_BATCH &&
               segs[end].domid == segs[start].domid) {
            end++;
        }
        rc = hvc_copy_batch(c, segs + start, end - start);
        if (rc < 0) {
            return rc;
        }
        start = end;
    }
    return 0;
}
