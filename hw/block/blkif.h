/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The blkif ring protocol, backend side: decoding requests in the
 * three ABIs a frontend may speak (native, x86_32-abi, x86_64-abi),
 * validating them against the disk, and producing responses.
 *
 * Used by the qdisk backend's request path (hw/block/blkback.c) and by
 * the unit tests and fuzzer, which hand it in-memory rings.  Nothing
 * here talks to Xen: the shared ring is just memory.
 *
 * Trust: every byte of the shared ring belongs to the guest and may
 * change under us.  A request slot is copied once into a private
 * buffer and decoded from that copy only; indices are read once per
 * pass.  A producer index more than a ring ahead of our consumer
 * marks the ring broken (the caller stops serving it); a malformed
 * request only earns BLKIF_RSP_ERROR / BLKIF_RSP_EOPNOTSUPP.
 *
 * Layouts (from io/blkif.h and io/ring.h; i386 aligns uint64_t to 4):
 *   shared ring header 64 bytes, then slots of max(req, rsp) size.
 *   x86_64 request: op 0, nseg 1, handle 2, id 8, sector 16, seg 24
 *                   (11 x 8 bytes) -> 112 bytes; response 16 bytes.
 *   x86_32 request: op 0, nseg 1, handle 2, id 4, sector 12, seg 20
 *                   -> 108 bytes; response 12 bytes.
 *   discard: flag at 1, nr_sectors after sector (24 / 20).
 *   indirect: indirect_op 1, nseg u16 at 2, id, sector, handle
 *             (24 / 20), 8 grefs (28 / 24).
 *   segment {gref u32, first_sect u8, last_sect u8, pad u16}.
 */
#ifndef XENDM_BLKIF_H
#define XENDM_BLKIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Protocol constants (BLKIF_OP_*, BLKIF_RSP_*, VDISK_*) come from the
 * public header; the per-ABI structs are ours. */
#include <xen/io/blkif.h>

#define BLKIF_SECTOR_SHIFT 9
#define BLKIF_SECTORS_PER_PAGE 8
#define BLKIF_DIRECT_SEGS 11
#define BLKIF_INDIRECT_PAGES 8
#define BLKIF_SEGS_PER_INDIRECT_PAGE 512
/* What we advertise in feature-max-indirect-segments (Linux blkback's). */
#define BLKIF_MAX_INDIRECT_SEGS 256
#define BLKIF_MAX_SEGS BLKIF_MAX_INDIRECT_SEGS
#define BLKIF_MAX_RING_ORDER 4
#define BLKIF_RING_HEADER 64

enum blkif_proto {
    BLKIF_PROTO_NATIVE = 0,
    BLKIF_PROTO_X86_32,
    BLKIF_PROTO_X86_64,
};

struct blkif_seg {
    uint32_t gref;
    uint8_t first_sect;
    uint8_t last_sect;
};

/* One decoded request, private to us. */
struct blkif_req {
    uint8_t op;            /* as on the ring (INDIRECT kept here) */
    uint8_t io_op;         /* READ/WRITE/...: indirect_op for INDIRECT */
    uint8_t discard_flag;
    uint16_t handle;
    uint16_t nr_segments;
    uint64_t id;
    uint64_t sector;
    uint64_t nr_sectors;   /* DISCARD only */
    uint32_t indirect_grefs[BLKIF_INDIRECT_PAGES];
    struct blkif_seg seg[BLKIF_MAX_SEGS];
};

/* What validation needs to know about the disk. */
struct blkif_limits {
    uint64_t sectors;          /* disk size in 512-byte sectors */
    uint16_t max_indirect_segs; /* 0: indirect not offered */
    bool read_only;
    bool discard;
    bool flush;
};

struct blkif_ring {
    enum blkif_proto proto;
    uint8_t *sring;        /* shared pages (guest-owned contents) */
    uint32_t nr_ents;      /* power of two */
    uint32_t slot_size;
    uint32_t req_cons;
    uint32_t rsp_prod_pvt;
    bool broken;
};

/* Parses a "protocol" node value; unknown strings give -EINVAL. */
int blkif_proto_parse(const char *s, enum blkif_proto *out);
const char *blkif_proto_name(enum blkif_proto p);

/* Ring slots that fit in `bytes` of shared ring for this ABI. */
uint32_t blkif_ring_size(enum blkif_proto p, size_t bytes);

/*
 * Attaches to `bytes` of shared ring at `sring`.  Starts consuming
 * at the ring's current indices (req_cons = rsp_prod, as a backend
 * that connects to a freshly initialised ring sees 0 and 0).
 */
int blkif_ring_attach(struct blkif_ring *r, enum blkif_proto p, void *sring,
                      size_t bytes);

/*
 * Takes the next request: 1 with *out filled, 0 if none is pending,
 * -EPROTO if the producer index is impossible (the ring is then
 * marked broken and stays so).
 */
int blkif_ring_next(struct blkif_ring *r, struct blkif_req *out);

/* Queues a response; call blkif_ring_push to publish. */
void blkif_ring_respond(struct blkif_ring *r, uint64_t id, uint8_t op,
                        int16_t status);

/* Publishes queued responses; true if the frontend wants an event. */
bool blkif_ring_push(struct blkif_ring *r);

/*
 * Re-arms req_event and re-checks: true if requests arrived meanwhile
 * (the caller should consume again), false to sleep.
 */
bool blkif_ring_final_check(struct blkif_ring *r);

/* Decodes one raw request slot (already copied out of the ring). */
void blkif_decode(enum blkif_proto p, const uint8_t *slot,
                  struct blkif_req *out);

/*
 * Decodes `n` segments from indirect pages (copied locally) into
 * req->seg.  `pages` holds ceil(n / 512) pages back to back.
 */
void blkif_decode_indirect_segs(struct blkif_req *req, const uint8_t *pages,
                                uint16_t n);

/* Indirect pages a validated indirect request needs. */
uint32_t blkif_indirect_pages(const struct blkif_req *req);

/*
 * Checks the header of a request (operation, counts, range for
 * discard).  Returns BLKIF_RSP_OKAY, _ERROR or _EOPNOTSUPP.  For
 * INDIRECT, segments are checked later with blkif_check_segs.
 */
int blkif_check_header(const struct blkif_req *req,
                       const struct blkif_limits *lim);

/*
 * Checks every segment (first_sect <= last_sect < 8) and that the
 * transfer lies inside the disk; *bytes gets the total length.
 */
int blkif_check_segs(const struct blkif_req *req,
                     const struct blkif_limits *lim, uint64_t *bytes);

#endif
