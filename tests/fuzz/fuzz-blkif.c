/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer harness for the blkif request path: the input becomes a
 * guest's shared ring page (indices and slots) and two pages of
 * indirect descriptors; the real request path (blkif.c, blkback.c,
 * io-engine.c) serves it against a memfd disk through the test grant
 * provider.  Byte 0 picks the ABI, grant copy or mapping, persistent
 * mapping and a read-only disk; byte 1 the number of kicks.  The
 * harness checks that nothing crashes, every request completes, and
 * no temporary grant mapping leaks.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hw/block/blkback.h"
#include "src/log.h"
#include "src/loop.h"
#include "tests/unit/blk-harness.h"

#define PAGES 64
#define DISK_BYTES (256 * 1024)

struct fz {
    struct loop *loop;
    struct fguest g;
    struct blkback_disk disk;
};

static struct fz *fz_get(void)
{
    static struct fz *z;

    if (z == NULL) {
        z = calloc(1, sizeof(*z));
        log_init("fuzz-blkif", LOG_LEVEL_WARN);
        z->loop = loop_new();
        if (z->loop == NULL || fguest_init(&z->g, PAGES) < 0) {
            abort();
        }
        z->disk.fd = memfd_create("disk", MFD_CLOEXEC);
        if (z->disk.fd < 0 || ftruncate(z->disk.fd, DISK_BYTES) < 0) {
            abort();
        }
        z->disk.eng = ioeng_new(z->loop, IOENG_THREADS, 64);
        if (z->disk.eng == NULL) {
            abort();
        }
    }
    return z;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz *z = fz_get();
    struct blkback_queue_cfg cfg;
    struct blkback_queue *q;
    uint8_t mode, kicks;
    size_t n;

    if (size < 2) {
        return 0;
    }
    mode = data[0];
    kicks = (uint8_t)(1 + data[1] % 3);
    data += 2;
    size -= 2;
    memset(z->g.mem, 0, 3 * 4096);
    n = size < 3 * 4096 ? size : 3 * 4096;
    memcpy(z->g.mem, data, n);
    /* The ring starts fresh: rsp_prod 0 so req_cons starts at 0. */
    memset(z->g.mem + 8, 0, 4);
    z->disk.lim = (struct blkif_limits){
        .sectors = DISK_BYTES / 512,
        .max_indirect_segs = BLKIF_MAX_INDIRECT_SEGS,
        .read_only = (mode & 0x10) != 0,
        .discard = (mode & 0x20) == 0,
        .flush = true,
    };
    cfg = (struct blkback_queue_cfg){
        .disk = &z->disk,
        .grants = &z->g.grants,
        .domid = 1,
        .proto = (enum blkif_proto)(mode % 3),
        .sring = z->g.mem,
        .sring_bytes = 4096,
        .use_copy = (mode & 0x4) != 0,
        .persistent = (mode & 0x8) != 0,
        .copy_fallback = (mode & 0x40) != 0,
        .name = "fuzz",
    };
    q = blkback_queue_new(&cfg);
    if (q == NULL) {
        abort();
    }
    for (uint8_t k = 0; k < kicks; k++) {
        blkback_queue_kick(q);
        for (int spins = 0; blkback_queue_inflight(q) > 0 && spins < 10000;
             spins++) {
            loop_run_once(z->loop, 10);
        }
        if (blkback_queue_inflight(q) > 0) {
            abort();
        }
        /* A second pass as if the frontend had moved req_prod on. */
        if (size >= 4 * (size_t)(k + 1)) {
            uint32_t prod;

            memcpy(&prod, data + size - 4 * (size_t)(k + 1), 4);
            memcpy(z->g.mem, &prod, 4);
        }
    }
    blkback_queue_free(q);
    if (z->g.live_maps != 0) {
        abort();
    }
    return 0;
}
