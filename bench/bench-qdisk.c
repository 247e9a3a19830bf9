/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * qdisk request-path benchmark, in process: a frontend (the test guest
 * of tests/unit/blk-harness.c, grant copy) drives blkif requests
 * through xendm's request path (blkif.c, blkback.c, io-engine.c) to a
 * file, and the same pattern is then issued directly on the same file
 * by a host loop over the same I/O engine at the same queue depth.
 * Prints ops/s for both and their ratio, plus the peak RSS.
 *
 * Usage: bench-qdisk FILE [SECONDS_PER_SIDE_PER_CASE
 *                           [odirect|xensim|xensim-odirect [CASE]]]
 * (CASE: run only the cases whose name contains it, for profiling;
 * BENCH_QDISK_SIDE=xendm or direct runs only that side, likewise)
 * xensim mode (FILE unused): the real xendm binary serves the ring on a
 * private xensim host, this program is the guest's blkfront (its own
 * memory, grants and event channels); the direct side runs in this
 * process on the same image file.
 * What it does not measure: Xen's grant-copy hypercall and event
 * channel latency (the test grant provider copies with memcpy), so
 * the ratio is the overhead of our own code, not of a real guest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/block/blkback.h"
#include "src/loop.h"
#include "tests/unit/blk-harness.h"
#include "tests/unit/pvsim-harness.h"
#include "xensim/hvclient.h"

#define FILE_BYTES (256ull << 20)
#define MAXQD 32
#define MAXSEG 256

struct bcase {
    const char *name;
    bool write;
    bool random;
    uint32_t bytes;
    unsigned qd;
};

static const struct bcase cases[] = {
    {"4k-randread-qd1", false, true, 4096, 1},
    {"4k-randread-qd32", false, true, 4096, 32},
    {"4k-randwrite-qd1", true, true, 4096, 1},
    {"4k-randwrite-qd32", true, true, 4096, 32},
    {"1m-seqread-qd8", false, false, 1 << 20, 8},
    {"1m-seqwrite-qd8", true, false, 1 << 20, 8},
};

struct bench {
    struct loop *loop;
    struct fguest g;
    struct fring f;
    struct blkback_disk disk;
    struct blkback_queue *q;
    uint64_t seed, seqpos;
    uint64_t done;
    uint8_t *dbuf[MAXQD];
    struct ioeng_req dreq[MAXQD];
    const struct bcase *c;
    /* xensim mode: xendm serves the ring, we are the guest. */
    struct env *sim;
    struct disk *sd;
    unsigned outstanding;
};

/* Guest page idx (0 = ring) and its grant reference. */
static uint8_t *bpage(struct bench *b, uint32_t idx)
{
    return b->sim ? gpage(b->sim, RING_GFN + idx) : fguest_page(&b->g, idx);
}

static uint32_t bref(struct bench *b, uint32_t idx)
{
    return b->sim ? idx + 1 : idx;
}

static void fe_kick(struct bench *b)
{
    if (b->sim) {
        /* As Linux blkfront: notify only when the backend asked to be. */
        if (fring_push_check(&b->f)) {
            hvc_evtchn_notify(b->sim->guest, b->sd->port);
        }
    } else {
        fring_push(&b->f);
        blkback_queue_kick(b->q);
    }
}

static void fe_wait(struct bench *b)
{
    int p;

    if (!b->sim) {
        harness_step(b->loop, 100);
        return;
    }
    /* wait hands back a pending port (masked): unmask it too. */
    p = hvc_evtchn_wait(b->sim->guest, 100);
    if (p >= 0) {
        hvc_evtchn_unmask(b->sim->guest, (uint32_t)p);
    }
    while ((p = hvc_evtchn_pending(b->sim->guest)) >= 0) {
        hvc_evtchn_unmask(b->sim->guest, (uint32_t)p);
    }
}

static uint64_t next_off(struct bench *b)
{
    uint64_t off;

    if (b->c->random) {
        b->seed = b->seed * 6364136223846793005ull + 1442695040888963407ull;
        return ((b->seed >> 20) % (FILE_BYTES / b->c->bytes)) * b->c->bytes;
    }
    off = b->seqpos;
    b->seqpos = (b->seqpos + b->c->bytes) % FILE_BYTES;
    return off;
}

/* Guest pages: 1 ring, then per slot 1 indirect page and 256 data pages. */
static uint32_t slot_base(unsigned slot)
{
    return 1 + slot * (1 + MAXSEG);
}

static void fe_issue(struct bench *b, unsigned slot)
{
    uint64_t sector = next_off(b) >> 9;
    uint32_t nseg = b->c->bytes / 4096, base = slot_base(slot);
    struct blkif_seg segs[MAXSEG];
    uint8_t op = b->c->write ? BLKIF_OP_WRITE : BLKIF_OP_READ;

    uint32_t ind = bref(b, base);

    for (uint32_t i = 0; i < nseg; i++) {
        segs[i] = (struct blkif_seg){bref(b, base + 1 + i), 0, 7};
    }
    if (nseg <= BLKIF_MAX_SEGMENTS_PER_REQUEST) {
        fring_put_rw(&b->f, op, slot, sector, (uint8_t)nseg, segs);
    } else {
        fring_fill_indirect(bpage(b, base), segs, nseg);
        fring_put_indirect(&b->f, op, slot, sector, (uint16_t)nseg, &ind, 1);
    }
    b->outstanding++;
}

static double run_backend(struct bench *b, double secs)
{
    uint64_t t0 = loop_now_ns(), end = t0 + (uint64_t)(secs * 1e9);
    uint64_t id;
    uint8_t op;
    int16_t st;

    b->done = 0;
    b->outstanding = 0;
    for (unsigned s = 0; s < b->c->qd; s++) {
        fe_issue(b, s);
    }
    fe_kick(b);
    while (loop_now_ns() < end) {
        bool more = false;

        fe_wait(b);
        while (fring_get_rsp(&b->f, &id, &op, &st) == 1) {
            if (st != BLKIF_RSP_OKAY) {
                fprintf(stderr, "request failed: %d\n", st);
                exit(1);
            }
            b->done++;
            b->outstanding--;
            fe_issue(b, (unsigned)id);
            more = true;
        }
        if (more) {
            fe_kick(b);
        }
    }
    /* Drain what is still in flight before the next case. */
    for (int spins = 0; b->outstanding > 0 && spins < 10000; spins++) {
        fe_wait(b);
        while (fring_get_rsp(&b->f, &id, &op, &st) == 1) {
            b->outstanding--;
        }
    }
    return (double)b->done / ((double)(loop_now_ns() - t0) / 1e9);
}

static void direct_done(struct ioeng_req *r, int res);

static void direct_issue(struct bench *b, unsigned slot)
{
    b->dreq[slot] = (struct ioeng_req){
        .op = b->c->write ? IOENG_WRITE : IOENG_READ,
        .fd = b->disk.fd,
        .off = next_off(b),
        .len = b->c->bytes,
        .buf = b->dbuf[slot],
        .done = direct_done,
        .opaque = b,
    };
    if (ioeng_submit(b->disk.eng, &b->dreq[slot]) < 0) {
        exit(1);
    }
}

static bool direct_running;

static void direct_done(struct ioeng_req *r, int res)
{
    struct bench *b = r->opaque;

    if (res < 0) {
        exit(1);
    }
    b->done++;
    if (direct_running) {
        direct_issue(b, (unsigned)(r - b->dreq));
    }
}

static double run_direct(struct bench *b, double secs)
{
    uint64_t t0 = loop_now_ns(), end = t0 + (uint64_t)(secs * 1e9);

    b->done = 0;
    direct_running = true;
    for (unsigned s = 0; s < b->c->qd; s++) {
        direct_issue(b, s);
    }
    while (loop_now_ns() < end) {
        harness_step(b->loop, 100);
    }
    direct_running = false;
    while (ioeng_inflight(b->disk.eng) > 0) {
        harness_step(b->loop, 100);
    }
    return (double)b->done / ((double)(loop_now_ns() - t0) / 1e9);
}

#define REPS 5

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static long peak_rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[128];
    long kb = -1;

    while (f && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "VmHWM:", 6) == 0) {
            kb = strtol(line + 6, NULL, 10);
        }
    }
    if (f) {
        fclose(f);
    }
    return kb;
}

int main(int argc, char **argv)
{
    struct bench b;
    double secs = argc > 2 ? atof(argv[2]) : 1.0;
    uint8_t *fill;
    const char *cache = "writeback", *mode, *path = argv[1];
    const char *backend = "in-process request path (memcpy grant copy)";
    const char *side = getenv("BENCH_QDISK_SIDE");
    bool odirect;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [SECONDS]\n", argv[0]);
        return 2;
    }
    memset(&b, 0, sizeof(b));
    b.seed = 42;
    b.loop = loop_new();
    mode = argc > 3 ? argv[3] : "";
    odirect = strstr(mode, "odirect") != NULL;
    if (strncmp(mode, "xensim", 6) == 0) {
        static struct env env;
        static struct disk d;
        char key[160];
        int rc;

        env.mem_kib = 64 * 1024;
        rc = env_start(&env);
        if (rc < 0) {
            printf("xensim not available (%s): skipped\n", strerror(-rc));
            env_stop(&env);
            return rc == -ENOENT ? 0 : 1;
        }
        b.sim = &env;
        b.sd = &d;
        snprintf(key, sizeof(key), "/local/domain/0/device-model/%u/state",
                 env.domid);
        if (!wait_key(&env, key, "running", 10000)) {
            env_stop(&env);
            return 1;
        }
        snprintf(key, sizeof(key),
                 "/local/domain/0/backend/qdisk/%u/51712/direct-io-safe",
                 env.domid);
        if (odirect) {
            put(&env, "%s", "1", key);
        }
        disk_add(&env, &d, 51712, RING_GFN, FILE_BYTES, MAXQD * (1 + MAXSEG));
        path = d.img;
        backend = "xendm serving the ring on xensim (grant copy through"
                  " xensim's hypervisor, event channels)";
    } else if (fguest_init(&b.g, 1 + MAXQD * (1 + MAXSEG)) < 0) {
        return 1;
    }
    b.disk.fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    fill = malloc(1 << 20);
    memset(fill, 0x5a, 1 << 20);
    for (uint64_t off = 0; b.disk.fd >= 0 && off < FILE_BYTES;
         off += 1 << 20) {
        if (pwrite(b.disk.fd, fill, 1 << 20, (off_t)off) != 1 << 20) {
            return 1;
        }
    }
    free(fill);
    if (b.sim && !disk_connect(b.sim, b.sd)) {
        fprintf(stderr, "xendm did not connect the disk\n");
        env_stop(b.sim);
        return 1;
    }
    if (b.sim) {
        b.f = b.sd->f;
    }
    if (odirect) {
        int fd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);

        if (fd < 0) {
            printf("O_DIRECT not supported on %s: skipped\n", path);
            return 0;
        }
        fdatasync(b.disk.fd);
        close(b.disk.fd);
        b.disk.fd = fd;
        cache = "O_DIRECT";
    }
    b.disk.eng = ioeng_new(b.loop, IOENG_AUTO, 64);
    b.disk.lim = (struct blkif_limits){
        .sectors = FILE_BYTES >> 9,
        .max_indirect_segs = BLKIF_MAX_INDIRECT_SEGS,
        .flush = true,
        .discard = true,
    };
    for (unsigned s = 0; s < MAXQD; s++) {
        if (posix_memalign((void **)&b.dbuf[s], 4096, 1 << 20) != 0) {
            return 1;
        }
    }
    if (!b.sim) {
        fring_init(&b.f, BLKIF_PROTO_X86_64, fguest_page(&b.g, 0), 4096);
    }
    b.q = b.sim ? NULL : blkback_queue_new(&(struct blkback_queue_cfg){
        .disk = &b.disk,
        .grants = &b.g.grants,
        .domid = 1,
        .proto = BLKIF_PROTO_X86_64,
        .sring = fguest_page(&b.g, 0),
        .sring_bytes = 4096,
        .use_copy = true,
        .name = "bench",
    });
    if (b.disk.eng == NULL || (b.q == NULL && b.sim == NULL)) {
        return 1;
    }
    printf("backend: %s\n", backend);
    printf("engine: %s, cache: %s, file: %llu MiB, %.1f s per side per case"
           " (median of 5 alternating runs)\n",
           ioeng_name(b.disk.eng), cache, (unsigned long long)(FILE_BYTES >> 20),
           secs);
    printf("%-20s %12s %12s %8s\n", "case", "xendm ops/s", "direct ops/s",
           "ratio");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double be[REPS], di[REPS];

        if (argc > 4 && strstr(cases[i].name, argv[4]) == NULL) {
            continue;
        }
        b.c = &cases[i];
        /* Alternate the two sides and keep the medians: the machine is
         * shared, and a burst of someone else's work should hit both. */
        for (int r = 0; r < REPS; r++) {
            b.seqpos = 0;
            be[r] = side && strcmp(side, "direct") == 0
                        ? 0 : run_backend(&b, secs / REPS);
            b.seqpos = 0;
            di[r] = side && strcmp(side, "xendm") == 0
                        ? 0 : run_direct(&b, secs / REPS);
        }
        qsort(be, REPS, sizeof(double), cmp_double);
        qsort(di, REPS, sizeof(double), cmp_double);
        printf("%-20s %12.0f %12.0f %8.2f\n", cases[i].name, be[REPS / 2],
               di[REPS / 2], di[REPS / 2] > 0 ? be[REPS / 2] / di[REPS / 2]
                                              : 0);
    }
    if (b.sim) {
        printf("xendm VmRSS while serving: %ld KiB\n", env_dm_rss_kb(b.sim));
        env_stop(b.sim);
    } else {
        printf("peak RSS of the whole bench process (guest memory"
               " included): %ld KiB\n", peak_rss_kb());
        fguest_fini(&b.g);
    }
    blkback_queue_free(b.q);
    ioeng_free(b.disk.eng);
    close(b.disk.fd);
    loop_free(b.loop);
    return 0;
}
