/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test-side stand-ins for a guest: a grant provider over a memfd of
 * "guest pages" (copies check references, offsets and read-only
 * grants; maps really map the pages contiguously with MAP_FIXED, as
 * gnttab does), and a blkif frontend that writes requests into a
 * shared ring in any of the three ABIs and reads responses back.
 * Used by the blkif unit tests, the fuzzer and the in-process bench.
 * The frontend encoders are written independently of hw/block/blkif.c
 * (the native one uses io/blkif.h's own structs) so the two check
 * each other.
 */
#ifndef XENDM_BLK_HARNESS_H
#define XENDM_BLK_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/block/blkif.h"
#include "hw/pv/grants.h"

struct fguest {
    int memfd;
    uint8_t *mem;
    uint32_t npages;
    uint8_t *ro;          /* per page: granted read-only */
    int live_maps;        /* pages currently mapped (leak check) */
    unsigned copies, maps;
    struct pv_grants grants;
};

int fguest_init(struct fguest *g, uint32_t npages);
void fguest_fini(struct fguest *g);
uint8_t *fguest_page(struct fguest *g, uint32_t ref);

struct fring {
    enum blkif_proto proto;
    uint8_t *sring;
    uint32_t nr;
    uint32_t req_prod_pvt;
    uint32_t rsp_cons;
};

void fring_init(struct fring *f, enum blkif_proto p, void *mem, size_t bytes);
void fring_put_rw(struct fring *f, uint8_t op, uint64_t id, uint64_t sector,
                  uint8_t nseg, const struct blkif_seg *segs);
void fring_put_discard(struct fring *f, uint64_t id, uint64_t sector,
                       uint64_t nr_sectors);
void fring_put_indirect(struct fring *f, uint8_t io_op, uint64_t id,
                        uint64_t sector, uint16_t nseg,
                        const uint32_t *ind_grefs, uint32_t nind);
/* Writes indirect segment descriptors into a guest page. */
void fring_fill_indirect(uint8_t *page, const struct blkif_seg *segs,
                         uint32_t n);
void fring_push(struct fring *f);
/*
 * One step of the loop for a test waiting on the request path: deferred
 * work first (the io_uring engine may complete page-cache I/O inline,
 * with no fd event to wake for), and only if nothing ran, a wait of at
 * most ms for an fd event.
 */
struct loop;
void harness_step(struct loop *loop, int ms);
/* Publishes like RING_PUSH_REQUESTS_AND_CHECK_NOTIFY: true when the
 * backend asked (req_event) to be notified of these requests. */
bool fring_push_check(struct fring *f);
/* 1 and the fields, or 0 when no response is waiting. */
int fring_get_rsp(struct fring *f, uint64_t *id, uint8_t *op, int16_t *st);

#endif
