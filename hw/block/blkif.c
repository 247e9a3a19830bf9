/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * blkif ring protocol, backend side: ABI decoding, validation, ring
 * index handling.  See blkif.h for the layouts and the trust model.
 *
 * Theory of operation: the ring is a power-of-two array of slots
 * after a 64-byte header {req_prod, req_event, rsp_prod, rsp_event}.
 * The frontend advances req_prod; we keep req_cons and rsp_prod_pvt
 * privately and publish rsp_prod.  Because the indices live in guest
 * memory, we read req_prod once per call with acquire ordering and
 * accept it only if it is at most nr_ents ahead of req_cons (unsigned
 * distance, so wrap-around is fine); anything else is a frontend that
 * is not following the protocol and the ring is marked broken.  Slots
 * are copied out with memcpy before decoding so a frontend rewriting
 * a slot while we look at it cannot make two reads disagree.
 */
#include <errno.h>
#include <string.h>

#include "hw/block/blkif.h"

#define SRING_REQ_PROD 0
#define SRING_REQ_EVENT 4
#define SRING_RSP_PROD 8
#define SRING_RSP_EVENT 12

struct blkif_abi {
    const char *name;
    uint32_t req_size;
    uint32_t rsp_size;
    uint32_t off_id;       /* read/write/discard/indirect share it */
    uint32_t off_sector;
    uint32_t off_seg;      /* direct segments; discard nr_sectors too */
    uint32_t off_ind_handle;
    uint32_t off_ind_grefs;
};

/* Indexed by enum blkif_proto; native is x86_64 on our hosts. */
static const struct blkif_abi blkif_abis[] = {
    [BLKIF_PROTO_NATIVE] = {"native", 112, 16, 8, 16, 24, 24, 28},
    [BLKIF_PROTO_X86_32] = {"x86_32-abi", 108, 12, 4, 12, 20, 20, 24},
    [BLKIF_PROTO_X86_64] = {"x86_64-abi", 112, 16, 8, 16, 24, 24, 28},
};

static const struct blkif_abi *blkif_abi(enum blkif_proto p)
{
    if ((unsigned)p >= sizeof(blkif_abis) / sizeof(blkif_abis[0])) {
        p = BLKIF_PROTO_NATIVE;
    }
    return &blkif_abis[p];
}

int blkif_proto_parse(const char *s, enum blkif_proto *out)
{
    if (s == NULL || *s == '\0') {
        *out = BLKIF_PROTO_NATIVE;
        return 0;
    }
    for (unsigned i = 0; i < sizeof(blkif_abis) / sizeof(blkif_abis[0]);
         i++) {
        if (i != BLKIF_PROTO_NATIVE && strcmp(s, blkif_abis[i].name) == 0) {
            *out = (enum blkif_proto)i;
            return 0;
        }
    }
    return -EINVAL;
}

const char *blkif_proto_name(enum blkif_proto p)
{
    return blkif_abi(p)->name;
}

static uint16_t get16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static void put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, sizeof(v));
}

static uint32_t sring_load(const struct blkif_ring *r, size_t off)
{
    return __atomic_load_n((const uint32_t *)(r->sring + off),
                           __ATOMIC_ACQUIRE);
}

static void sring_store(struct blkif_ring *r, size_t off, uint32_t v)
{
    __atomic_store_n((uint32_t *)(r->sring + off), v, __ATOMIC_RELEASE);
}

uint32_t blkif_ring_size(enum blkif_proto p, size_t bytes)
{
    const struct blkif_abi *a = blkif_abi(p);
    uint32_t slot = a->req_size > a->rsp_size ? a->req_size : a->rsp_size;
    size_t n;
    uint32_t pow = 1;

    if (bytes <= BLKIF_RING_HEADER) {
        return 0;
    }
    n = (bytes - BLKIF_RING_HEADER) / slot;
    if (n == 0) {
        return 0;
    }
    while ((size_t)pow * 2 <= n && pow < (1u << 30)) {
        pow *= 2;
    }
    return pow;
}

int blkif_ring_attach(struct blkif_ring *r, enum blkif_proto p, void *sring,
                      size_t bytes)
{
    const struct blkif_abi *a = blkif_abi(p);

    memset(r, 0, sizeof(*r));
    r->proto = p;
    r->sring = sring;
    r->nr_ents = blkif_ring_size(p, bytes);
    r->slot_size = a->req_size > a->rsp_size ? a->req_size : a->rsp_size;
    if (r->nr_ents == 0 || sring == NULL) {
        return -EINVAL;
    }
    r->rsp_prod_pvt = sring_load(r, SRING_RSP_PROD);
    r->req_cons = r->rsp_prod_pvt;
    return 0;
}

static uint8_t *ring_slot(struct blkif_ring *r, uint32_t idx)
{
    return r->sring + BLKIF_RING_HEADER +
           (size_t)(idx & (r->nr_ents - 1)) * r->slot_size;
}

static void decode_segs(struct blkif_seg *seg, const uint8_t *p, uint16_t n)
{
    for (uint16_t i = 0; i < n; i++, p += 8) {
        seg[i].gref = get32(p);
        seg[i].first_sect = p[4];
        seg[i].last_sect = p[5];
    }
}

void blkif_decode(enum blkif_proto p, const uint8_t *s, struct blkif_req *out)
{
    const struct blkif_abi *a = blkif_abi(p);

    out->op = s[0];
    out->io_op = s[0];
    out->discard_flag = 0;
    out->nr_sectors = 0;
    out->id = get64(s + a->off_id);
    out->sector = get64(s + a->off_sector);
    switch (out->op) {
    case BLKIF_OP_INDIRECT:
        out->io_op = s[1];
        out->nr_segments = get16(s + 2);
        out->handle = get16(s + a->off_ind_handle);
        for (unsigned i = 0; i < BLKIF_INDIRECT_PAGES; i++) {
            out->indirect_grefs[i] = get32(s + a->off_ind_grefs + 4 * i);
        }
        break;
    case BLKIF_OP_DISCARD:
        out->discard_flag = s[1];
        out->nr_segments = 0;
        out->handle = get16(s + 2);
        out->nr_sectors = get64(s + a->off_seg);
        break;
    default:
        out->nr_segments = s[1];
        out->handle = get16(s + 2);
        decode_segs(out->seg, s + a->off_seg,
                    out->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST
                        ? BLKIF_MAX_SEGMENTS_PER_REQUEST
                        : out->nr_segments);
        break;
    }
}

void blkif_decode_indirect_segs(struct blkif_req *req, const uint8_t *pages,
                                uint16_t n)
{
    if (n > BLKIF_MAX_SEGS) {
        n = BLKIF_MAX_SEGS;
    }
    decode_segs(req->seg, pages, n);
}

uint32_t blkif_indirect_pages(const struct blkif_req *req)
{
    return ((uint32_t)req->nr_segments + BLKIF_SEGS_PER_INDIRECT_PAGE - 1) /
           BLKIF_SEGS_PER_INDIRECT_PAGE;
}

int blkif_ring_next(struct blkif_ring *r, struct blkif_req *out)
{
    uint8_t slot[128];
    uint32_t prod;

    if (r->broken) {
        return -EPROTO;
    }
    prod = sring_load(r, SRING_REQ_PROD);
    if (prod == r->req_cons) {
        return 0;
    }
    /* Unsigned distance: a producer behind us or more than a ring
     * ahead is impossible for an honest frontend. */
    if (prod - r->req_cons > r->nr_ents ||
        prod - r->rsp_prod_pvt > r->nr_ents) {
        r->broken = true;
        return -EPROTO;
    }
    memcpy(slot, ring_slot(r, r->req_cons), r->slot_size);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    r->req_cons++;
    blkif_decode(r->proto, slot, out);
    return 1;
}

void blkif_ring_respond(struct blkif_ring *r, uint64_t id, uint8_t op,
                        int16_t status)
{
    uint8_t *s = ring_slot(r, r->rsp_prod_pvt);
    uint8_t buf[16];

    memset(buf, 0, sizeof(buf));
    put64(buf, id);
    buf[8] = op;
    put16(buf + 10, (uint16_t)status);
    memcpy(s, buf, blkif_abi(r->proto)->rsp_size);
    r->rsp_prod_pvt++;
}

bool blkif_ring_push(struct blkif_ring *r)
{
    uint32_t old = sring_load(r, SRING_RSP_PROD);
    uint32_t new = r->rsp_prod_pvt;
    uint32_t ev;

    if (r->broken) {
        return false;
    }
    sring_store(r, SRING_RSP_PROD, new);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    ev = sring_load(r, SRING_RSP_EVENT);
    return (uint32_t)(new - ev) < (uint32_t)(new - old);
}

bool blkif_ring_final_check(struct blkif_ring *r)
{
    if (r->broken) {
        return false;
    }
    if (sring_load(r, SRING_REQ_PROD) != r->req_cons) {
        return true;
    }
    sring_store(r, SRING_REQ_EVENT, r->req_cons + 1);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return sring_load(r, SRING_REQ_PROD) != r->req_cons;
}

static int check_rw(const struct blkif_req *req,
                    const struct blkif_limits *lim, uint16_t max)
{
    if (req->io_op == BLKIF_OP_WRITE && lim->read_only) {
        return BLKIF_RSP_ERROR;
    }
    if (req->nr_segments == 0 || req->nr_segments > max) {
        return BLKIF_RSP_ERROR;
    }
    return BLKIF_RSP_OKAY;
}

static int check_discard(const struct blkif_req *req,
                         const struct blkif_limits *lim)
{
    if (!lim->discard) {
        return BLKIF_RSP_EOPNOTSUPP;
    }
    if (lim->read_only) {
        return BLKIF_RSP_ERROR;
    }
    if (req->sector > lim->sectors ||
        req->nr_sectors > lim->sectors - req->sector) {
        return BLKIF_RSP_ERROR;
    }
    return BLKIF_RSP_OKAY;
}

int blkif_check_header(const struct blkif_req *req,
                       const struct blkif_limits *lim)
{
    switch (req->op) {
    case BLKIF_OP_READ:
    case BLKIF_OP_WRITE:
        return check_rw(req, lim, BLKIF_MAX_SEGMENTS_PER_REQUEST);
    case BLKIF_OP_WRITE_BARRIER:
    case BLKIF_OP_FLUSH_DISKCACHE:
        if (!lim->flush) {
            return BLKIF_RSP_EOPNOTSUPP;
        }
        /* A barrier or flush may carry data to write after the flush. */
        if (req->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
            return BLKIF_RSP_ERROR;
        }
        if (req->nr_segments > 0 && lim->read_only) {
            return BLKIF_RSP_ERROR;
        }
        return BLKIF_RSP_OKAY;
    case BLKIF_OP_DISCARD:
        return check_discard(req, lim);
    case BLKIF_OP_INDIRECT:
        if (lim->max_indirect_segs == 0) {
            return BLKIF_RSP_EOPNOTSUPP;
        }
        if (req->io_op != BLKIF_OP_READ && req->io_op != BLKIF_OP_WRITE) {
            return BLKIF_RSP_ERROR;
        }
        return check_rw(req, lim, lim->max_indirect_segs);
    default:
        return BLKIF_RSP_EOPNOTSUPP;
    }
}

int blkif_check_segs(const struct blkif_req *req,
                     const struct blkif_limits *lim, uint64_t *bytes)
{
    uint64_t sectors = 0;

    for (uint16_t i = 0; i < req->nr_segments && i < BLKIF_MAX_SEGS; i++) {
        const struct blkif_seg *s = &req->seg[i];

        if (s->first_sect > s->last_sect ||
            s->last_sect >= BLKIF_SECTORS_PER_PAGE) {
            return BLKIF_RSP_ERROR;
        }
        sectors += (uint64_t)(s->last_sect - s->first_sect) + 1;
    }
    if (req->sector > lim->sectors || sectors > lim->sectors - req->sector) {
        return BLKIF_RSP_ERROR;
    }
    *bytes = sectors << BLKIF_SECTOR_SHIFT;
    return BLKIF_RSP_OKAY;
}
