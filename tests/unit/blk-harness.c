/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test guest for the blkif tests: see blk-harness.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/unit/blk-harness.h"
#include "src/loop.h"

#define PAGE 4096u

static int fg_copy(void *ctx, struct hv_grant_copy_seg *segs, uint32_t n)
{
    struct fguest *g = ctx;

    g->copies++;
    for (uint32_t i = 0; i < n; i++) {
        struct hv_grant_copy_seg *s = &segs[i];

        if (s->ref >= g->npages || (uint32_t)s->offset + s->len > PAGE) {
            s->status = -4; /* GNTST_bad_gntref */
            continue;
        }
        if (s->to_guest && g->ro[s->ref]) {
            s->status = -8; /* GNTST_permission_denied */
            continue;
        }
        if (s->to_guest) {
            memcpy(g->mem + (size_t)s->ref * PAGE + s->offset, s->local,
                   s->len);
        } else {
            memcpy(s->local, g->mem + (size_t)s->ref * PAGE + s->offset,
                   s->len);
        }
        s->status = 0;
    }
    return 0;
}

static void *fg_map(void *ctx, uint32_t domid, uint32_t n,
                    const uint32_t *refs, int prot)
{
    struct fguest *g = ctx;
    uint8_t *base;
    int mprot = 0;

    g->maps++;
    if (n == 0 || n > 1024) {
        errno = EINVAL;
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (refs[i] >= g->npages ||
            ((prot & HV_PROT_WRITE) && g->ro[refs[i]])) {
            errno = EINVAL;
            return NULL;
        }
    }
    mprot |= (prot & HV_PROT_READ) ? PROT_READ : 0;
    mprot |= (prot & HV_PROT_WRITE) ? PROT_WRITE : 0;
    base = mmap(NULL, (size_t)n * PAGE, PROT_NONE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (mmap(base + (size_t)i * PAGE, PAGE, mprot, MAP_SHARED | MAP_FIXED,
                 g->memfd, (off_t)refs[i] * PAGE) == MAP_FAILED) {
            munmap(base, (size_t)n * PAGE);
            return NULL;
        }
    }
    g->live_maps += (int)n;
    return base;
}

static int fg_unmap(void *ctx, void *addr, uint32_t n)
{
    struct fguest *g = ctx;

    g->live_maps -= (int)n;
    return munmap(addr, (size_t)n * PAGE) < 0 ? -errno : 0;
}

static bool fg_copy_supported(void *ctx)
{
    return true;
}

static const struct pv_grant_ops fg_ops = {
    .copy = fg_copy,
    .map = fg_map,
    .unmap = fg_unmap,
    .copy_supported = fg_copy_supported,
};

int fguest_init(struct fguest *g, uint32_t npages)
{
    memset(g, 0, sizeof(*g));
    g->memfd = memfd_create("fguest", MFD_CLOEXEC);
    if (g->memfd < 0 || ftruncate(g->memfd, (off_t)npages * PAGE) < 0) {
        return -errno;
    }
    g->mem = mmap(NULL, (size_t)npages * PAGE, PROT_READ | PROT_WRITE,
                  MAP_SHARED, g->memfd, 0);
    if (g->mem == MAP_FAILED) {
        return -errno;
    }
    g->ro = calloc(npages, 1);
    g->npages = npages;
    g->grants.ops = &fg_ops;
    g->grants.ctx = g;
    return g->ro ? 0 : -ENOMEM;
}

void fguest_fini(struct fguest *g)
{
    munmap(g->mem, (size_t)g->npages * PAGE);
    close(g->memfd);
    free(g->ro);
}

uint8_t *fguest_page(struct fguest *g, uint32_t ref)
{
    return g->mem + (size_t)ref * PAGE;
}

/* ---- frontend ---- */

#define HDR 64

/* The x86_32 ABI, laid out by hand (uint64_t 4-aligned on i386). */
struct fe32_req {
    uint8_t op, nseg;
    uint16_t handle;
    uint32_t id_lo, id_hi;
    uint32_t sec_lo, sec_hi;
    struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};

static uint32_t fe_slot(const struct fring *f)
{
    return f->proto == BLKIF_PROTO_X86_32 ? 108 : 112;
}

void fring_init(struct fring *f, enum blkif_proto p, void *mem, size_t bytes)
{
    uint32_t slot;

    memset(mem, 0, bytes);
    f->proto = p;
    f->sring = mem;
    slot = fe_slot(f);
    f->nr = 1;
    while ((size_t)f->nr * 2 * slot <= bytes - HDR) {
        f->nr *= 2;
    }
    f->req_prod_pvt = 0;
    f->rsp_cons = 0;
    /* req_event = rsp_event = 1, as SHARED_RING_INIT does. */
    ((uint32_t *)mem)[1] = 1;
    ((uint32_t *)mem)[3] = 1;
}

static uint8_t *fe_next(struct fring *f)
{
    uint8_t *s = f->sring + HDR + (size_t)(f->req_prod_pvt & (f->nr - 1)) *
                                      fe_slot(f);

    f->req_prod_pvt++;
    memset(s, 0, fe_slot(f));
    return s;
}

void fring_put_rw(struct fring *f, uint8_t op, uint64_t id, uint64_t sector,
                  uint8_t nseg, const struct blkif_seg *segs)
{
    uint8_t *s = fe_next(f);
    uint8_t n = nseg > BLKIF_MAX_SEGMENTS_PER_REQUEST
                    ? BLKIF_MAX_SEGMENTS_PER_REQUEST
                    : nseg;

    if (f->proto == BLKIF_PROTO_X86_32) {
        struct fe32_req r = {.op = op, .nseg = nseg, .handle = 0};

        r.id_lo = (uint32_t)id;
        r.id_hi = (uint32_t)(id >> 32);
        r.sec_lo = (uint32_t)sector;
        r.sec_hi = (uint32_t)(sector >> 32);
        for (uint8_t i = 0; i < n; i++) {
            r.seg[i].gref = segs[i].gref;
            r.seg[i].first_sect = segs[i].first_sect;
            r.seg[i].last_sect = segs[i].last_sect;
        }
        memcpy(s, &r, 108);
    } else {
        struct blkif_request r;

        memset(&r, 0, sizeof(r));
        r.operation = op;
        r.nr_segments = nseg;
        r.id = id;
        r.sector_number = sector;
        for (uint8_t i = 0; i < n; i++) {
            r.seg[i].gref = segs[i].gref;
            r.seg[i].first_sect = segs[i].first_sect;
            r.seg[i].last_sect = segs[i].last_sect;
        }
        memcpy(s, &r, sizeof(r));
    }
}

void fring_put_discard(struct fring *f, uint64_t id, uint64_t sector,
                       uint64_t nr_sectors)
{
    uint8_t *s = fe_next(f);

    if (f->proto == BLKIF_PROTO_X86_32) {
        s[0] = BLKIF_OP_DISCARD;
        memcpy(s + 4, &id, 8);
        memcpy(s + 12, &sector, 8);
        memcpy(s + 20, &nr_sectors, 8);
    } else {
        struct blkif_request_discard d;

        memset(&d, 0, sizeof(d));
        d.operation = BLKIF_OP_DISCARD;
        d.id = id;
        d.sector_number = sector;
        d.nr_sectors = nr_sectors;
        memcpy(s, &d, sizeof(d));
    }
}

void fring_put_indirect(struct fring *f, uint8_t io_op, uint64_t id,
                        uint64_t sector, uint16_t nseg,
                        const uint32_t *ind_grefs, uint32_t nind)
{
    uint8_t *s = fe_next(f);

    if (f->proto == BLKIF_PROTO_X86_32) {
        s[0] = BLKIF_OP_INDIRECT;
        s[1] = io_op;
        memcpy(s + 2, &nseg, 2);
        memcpy(s + 4, &id, 8);
        memcpy(s + 12, &sector, 8);
        for (uint32_t i = 0; i < nind && i < 8; i++) {
            memcpy(s + 24 + 4 * i, &ind_grefs[i], 4);
        }
    } else {
        struct blkif_request_indirect r;

        memset(&r, 0, sizeof(r));
        r.operation = BLKIF_OP_INDIRECT;
        r.indirect_op = io_op;
        r.nr_segments = nseg;
        r.id = id;
        r.sector_number = sector;
        for (uint32_t i = 0; i < nind && i < 8; i++) {
            r.indirect_grefs[i] = ind_grefs[i];
        }
        memcpy(s, &r, sizeof(r));
    }
}

void fring_fill_indirect(uint8_t *page, const struct blkif_seg *segs,
                         uint32_t n)
{
    struct blkif_request_segment *d = (void *)page;

    for (uint32_t i = 0; i < n && i < PAGE / sizeof(*d); i++) {
        d[i].gref = segs[i].gref;
        d[i].first_sect = segs[i].first_sect;
        d[i].last_sect = segs[i].last_sect;
    }
}

void fring_push(struct fring *f)
{
    __atomic_store_n((uint32_t *)f->sring, f->req_prod_pvt, __ATOMIC_RELEASE);
}

bool fring_push_check(struct fring *f)
{
    uint32_t *sr = (uint32_t *)f->sring;
    uint32_t old = __atomic_load_n(&sr[0], __ATOMIC_RELAXED);
    uint32_t new = f->req_prod_pvt, ev;

    __atomic_store_n(&sr[0], new, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    ev = __atomic_load_n(&sr[1], __ATOMIC_ACQUIRE);
    return (uint32_t)(new - ev) < (uint32_t)(new - old);
}

int fring_get_rsp(struct fring *f, uint64_t *id, uint8_t *op, int16_t *st)
{
    uint32_t prod = __atomic_load_n((uint32_t *)(f->sring + 8),
                                    __ATOMIC_ACQUIRE);
    const uint8_t *s;

    if (prod == f->rsp_cons) {
        /* Ask for an event on the next response, then look again (one
         * may have come before the request was seen). */
        __atomic_store_n((uint32_t *)f->sring + 3, f->rsp_cons + 1,
                         __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        prod = __atomic_load_n((uint32_t *)(f->sring + 8), __ATOMIC_ACQUIRE);
        if (prod == f->rsp_cons) {
            return 0;
        }
    }
    s = f->sring + HDR + (size_t)(f->rsp_cons & (f->nr - 1)) * fe_slot(f);
    memcpy(id, s, 8);
    *op = s[8];
    memcpy(st, s + 10, 2);
    f->rsp_cons++;
    return 1;
}

void harness_step(struct loop *loop, int ms)
{
    if (loop_run_once(loop, 0) == 0) {
        loop_run_once(loop, ms);
    }
}
