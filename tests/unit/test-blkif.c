/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of the blkif request path (hw/block/blkif.c, blkback.c,
 * io-engine.c) against a real file in a private temp dir, an
 * in-memory ring and the test grant provider (blk-harness.c), with
 * both I/O engines, grant copy, mapping and persistent mapping, all
 * three ABIs.  Data is checked against a shadow copy of the disk and
 * against the file itself.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/block/blkback.h"
#include "src/loop.h"
#include "tests/tap.h"
#include "tests/unit/blk-harness.h"

#define DISK_SECTORS 4096u      /* 2 MiB */
#define RING_PAGES 1
#define DATA_BASE 16            /* first guest page used for data */
#define GUEST_PAGES 600

struct tctx {
    struct loop *loop;
    struct fguest g;
    struct fring f;
    struct blkback_disk disk;
    struct blkback_queue *q;
    uint8_t *shadow;
    char path[256];
    unsigned notifies;
    uint32_t seed;
};

static uint32_t rnd(struct tctx *t)
{
    t->seed = t->seed * 1103515245u + 12345u;
    return t->seed >> 8;
}

static int setup_fb(struct tctx *t, enum ioeng_kind kind, enum blkif_proto p,
                    bool copy, bool persistent, bool ro, bool fallback);

static void on_notify(void *opaque)
{
    struct tctx *t = opaque;

    t->notifies++;
}

static int setup(struct tctx *t, enum ioeng_kind kind, enum blkif_proto p,
                 bool copy, bool persistent, bool ro)
{
    return setup_fb(t, kind, p, copy, persistent, ro, false);
}

static int setup_fb(struct tctx *t, enum ioeng_kind kind, enum blkif_proto p,
                    bool copy, bool persistent, bool ro, bool fallback)
{
    char dir[] = "/tmp/xendm-blkif-XXXXXX";
    struct blkback_queue_cfg cfg;

    memset(t, 0, sizeof(*t));
    t->seed = 12345;
    t->loop = loop_new();
    if (t->loop == NULL || fguest_init(&t->g, GUEST_PAGES) < 0 ||
        mkdtemp(dir) == NULL) {
        return -1;
    }
    snprintf(t->path, sizeof(t->path), "%s/disk.img", dir);
    t->disk.fd = open(t->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (t->disk.fd < 0 || ftruncate(t->disk.fd, DISK_SECTORS * 512) < 0) {
        return -1;
    }
    t->shadow = calloc(DISK_SECTORS, 512);
    t->disk.eng = ioeng_new(t->loop, kind, 64);
    if (t->disk.eng == NULL) {
        return -1;
    }
    t->disk.lim = (struct blkif_limits){
        .sectors = DISK_SECTORS,
        .max_indirect_segs = BLKIF_MAX_INDIRECT_SEGS,
        .read_only = ro,
        .discard = true,
        .flush = true,
    };
    fring_init(&t->f, p, fguest_page(&t->g, 0), RING_PAGES * 4096);
    cfg = (struct blkback_queue_cfg){
        .disk = &t->disk,
        .grants = &t->g.grants,
        .domid = 1,
        .proto = p,
        .sring = fguest_page(&t->g, 0),
        .sring_bytes = RING_PAGES * 4096,
        .use_copy = copy,
        .persistent = persistent,
        .copy_fallback = fallback,
        .notify = on_notify,
        .opaque = t,
        .name = "test",
    };
    t->q = blkback_queue_new(&cfg);
    return t->q ? 0 : -1;
}

static void teardown(struct tctx *t)
{
    char *slash;

    blkback_queue_free(t->q);
    ioeng_free(t->disk.eng);
    close(t->disk.fd);
    unlink(t->path);
    slash = strrchr(t->path, '/');
    *slash = '\0';
    rmdir(t->path);
    fguest_fini(&t->g);
    free(t->shadow);
    loop_free(t->loop);
}

/* Kicks and runs the loop until `want` responses arrive; returns them. */
static int collect(struct tctx *t, unsigned want, int16_t *st, uint64_t *ids)
{
    unsigned got = 0;
    uint64_t id;
    uint8_t op;
    int16_t s;

    fring_push(&t->f);
    blkback_queue_kick(t->q);
    for (int spins = 0; spins < 20000 && got < want; spins++) {
        while (got < want && fring_get_rsp(&t->f, &id, &op, &s) == 1) {
            st[got] = s;
            ids[got] = id;
            got++;
        }
        if (got < want) {
            harness_step(t->loop, 10);
        }
    }
    return (int)got;
}

/* One request of random shape; fills segs, returns sectors. */
static uint32_t random_segs(struct tctx *t, struct blkif_seg *segs,
                            uint32_t nseg, uint32_t first_page)
{
    uint32_t total = 0;

    for (uint32_t i = 0; i < nseg; i++) {
        uint8_t a = (uint8_t)(rnd(t) % 8), b = (uint8_t)(rnd(t) % 8);

        segs[i].gref = first_page + i;
        segs[i].first_sect = a < b ? a : b;
        segs[i].last_sect = a < b ? b : a;
        total += (uint32_t)(segs[i].last_sect - segs[i].first_sect + 1);
    }
    return total;
}

static void guest_fill(struct tctx *t, const struct blkif_seg *segs,
                       uint32_t nseg, uint64_t sector, bool to_shadow)
{
    uint64_t pos = sector * 512;

    for (uint32_t i = 0; i < nseg; i++) {
        uint8_t *p = fguest_page(&t->g, segs[i].gref);
        size_t off = (size_t)segs[i].first_sect * 512;
        size_t len = (size_t)(segs[i].last_sect - segs[i].first_sect + 1) *
                     512;

        for (size_t j = 0; j < len; j++) {
            p[off + j] = (uint8_t)rnd(t);
        }
        if (to_shadow) {
            memcpy(t->shadow + pos, p + off, len);
        }
        pos += len;
    }
}

static bool guest_matches(struct tctx *t, const struct blkif_seg *segs,
                          uint32_t nseg, uint64_t sector)
{
    uint64_t pos = sector * 512;

    for (uint32_t i = 0; i < nseg; i++) {
        uint8_t *p = fguest_page(&t->g, segs[i].gref);
        size_t off = (size_t)segs[i].first_sect * 512;
        size_t len = (size_t)(segs[i].last_sect - segs[i].first_sect + 1) *
                     512;

        if (memcmp(p + off, t->shadow + pos, len) != 0) {
            return false;
        }
        pos += len;
    }
    return true;
}

static bool file_matches(struct tctx *t)
{
    uint8_t *buf = malloc(DISK_SECTORS * 512);
    bool same = buf &&
                pread(t->disk.fd, buf, DISK_SECTORS * 512, 0) ==
                    DISK_SECTORS * 512 &&
                memcmp(buf, t->shadow, DISK_SECTORS * 512) == 0;

    free(buf);
    return same;
}

/* Random direct writes then reads, batches of up to 8 per kick. */
static void test_integrity(const char *what, enum ioeng_kind kind,
                           enum blkif_proto p, bool copy, bool persistent)
{
    struct tctx t;
    struct blkif_seg segs[8][BLKIF_MAX_SEGMENTS_PER_REQUEST];
    uint32_t nsegs[8];
    uint64_t sectors[8], ids[8];
    int16_t st[8];
    bool all_ok = true, reads_ok = true;

    if (setup(&t, kind, p, copy, persistent, false) < 0) {
        ok(0, "%s: setup", what);
        return;
    }
    for (int round = 0; round < 40; round++) {
        bool write = round < 25;
        unsigned n = 1 + rnd(&t) % 8;

        for (unsigned r = 0; r < n; r++) {
            uint32_t nseg = 1 + rnd(&t) % BLKIF_MAX_SEGMENTS_PER_REQUEST;
            uint32_t secs = random_segs(&t, segs[r], nseg,
                                        DATA_BASE + r * 12);

            nsegs[r] = nseg;
            sectors[r] = rnd(&t) % (DISK_SECTORS - secs);
            if (write) {
                guest_fill(&t, segs[r], nseg, sectors[r], true);
            }
            fring_put_rw(&t.f, write ? BLKIF_OP_WRITE : BLKIF_OP_READ,
                         1000 + r, sectors[r], (uint8_t)nseg, segs[r]);
            /* Writes in one batch must not overlap: serialise them. */
            if (write) {
                n = r + 1;
                break;
            }
        }
        if (collect(&t, n, st, ids) != (int)n) {
            all_ok = false;
            break;
        }
        for (unsigned r = 0; r < n; r++) {
            all_ok &= st[r] == BLKIF_RSP_OKAY;
            if (!write) {
                reads_ok &= guest_matches(&t, segs[ids[r] - 1000],
                                          nsegs[ids[r] - 1000],
                                          sectors[ids[r] - 1000]);
            }
        }
    }
    ok(all_ok, "%s: every request answered OKAY", what);
    ok(reads_ok, "%s: reads return what was written", what);
    ok(file_matches(&t), "%s: file holds exactly the written data", what);
    is_int(blkback_queue_inflight(t.q), 0, "%s: nothing left in flight",
           what);
    ok(t.notifies > 0, "%s: frontend was notified", what);
    if (!copy && !persistent) {
        is_int(t.g.live_maps, 0, "%s: every temporary mapping released",
               what);
    }
    teardown(&t);
}

static void test_indirect(enum ioeng_kind kind, bool copy)
{
    struct tctx t;
    struct blkif_seg segs[BLKIF_MAX_INDIRECT_SEGS];
    uint32_t ind = 3, nseg = 200, secs;
    uint64_t id;
    int16_t st;

    if (setup(&t, kind, BLKIF_PROTO_X86_64, copy, false, false) < 0) {
        ok(0, "indirect: setup");
        return;
    }
    secs = random_segs(&t, segs, nseg, DATA_BASE);
    guest_fill(&t, segs, nseg, 100, true);
    fring_fill_indirect(fguest_page(&t.g, ind), segs, nseg);
    fring_put_indirect(&t.f, BLKIF_OP_WRITE, 7, 100, (uint16_t)nseg, &ind, 1);
    ok(collect(&t, 1, &st, &id) == 1 && st == BLKIF_RSP_OKAY && id == 7,
       "indirect %s: 200-segment write (%u sectors) OKAY",
       copy ? "copy" : "map", secs);
    for (uint32_t i = 0; i < nseg; i++) {
        memset(fguest_page(&t.g, segs[i].gref), 0, 4096);
    }
    fring_put_indirect(&t.f, BLKIF_OP_READ, 8, 100, (uint16_t)nseg, &ind, 1);
    ok(collect(&t, 1, &st, &id) == 1 && st == BLKIF_RSP_OKAY,
       "indirect %s: 200-segment read OKAY", copy ? "copy" : "map");
    ok(guest_matches(&t, segs, nseg, 100) && file_matches(&t),
       "indirect %s: data intact", copy ? "copy" : "map");
    teardown(&t);
}

/* 2 x 200 persistent grants in indirect requests, with the grant-copy
 * fallback on (a full persistent set, and requests that overflow it,
 * are test-blkif-zc's). */
static void test_persistent_overflow(void)
{
    struct tctx t;
    struct blkif_seg a[200], b[200];
    uint32_t ia = 3, ib = 4;
    uint64_t id;
    int16_t st;
    bool okay = true;

    if (setup_fb(&t, IOENG_AUTO, BLKIF_PROTO_X86_64, false, true, false,
                 true) < 0) {
        ok(0, "persistent indirect: setup");
        return;
    }
    random_segs(&t, a, 200, DATA_BASE);
    random_segs(&t, b, 200, DATA_BASE + 200);
    guest_fill(&t, a, 200, 0, true);
    guest_fill(&t, b, 200, 2000, true);
    fring_fill_indirect(fguest_page(&t.g, ia), a, 200);
    fring_fill_indirect(fguest_page(&t.g, ib), b, 200);
    fring_put_indirect(&t.f, BLKIF_OP_WRITE, 1, 0, 200, &ia, 1);
    okay &= collect(&t, 1, &st, &id) == 1 && st == BLKIF_RSP_OKAY;
    fring_put_indirect(&t.f, BLKIF_OP_WRITE, 2, 2000, 200, &ib, 1);
    okay &= collect(&t, 1, &st, &id) == 1 && st == BLKIF_RSP_OKAY;
    ok(okay && file_matches(&t), "persistent indirect: both writes land");
    for (uint32_t i = 0; i < 400; i++) {
        memset(fguest_page(&t.g, DATA_BASE + i), 0, 4096);
    }
    fring_put_indirect(&t.f, BLKIF_OP_READ, 3, 0, 200, &ia, 1);
    fring_put_indirect(&t.f, BLKIF_OP_READ, 4, 2000, 200, &ib, 1);
    {
        int16_t st2[2];
        uint64_t id2[2];

        ok(collect(&t, 2, st2, id2) == 2 && st2[0] == 0 && st2[1] == 0 &&
               guest_matches(&t, a, 200, 0) &&
               guest_matches(&t, b, 200, 2000),
           "persistent indirect: both reads return the data");
    }
    teardown(&t);
}

struct bad_case {
    const char *what;
    uint8_t op;
    uint8_t nseg;
    uint64_t sector;
    struct blkif_seg seg;
    int16_t want;
};

static const struct bad_case bad_cases[] = {
    {"bad gref", BLKIF_OP_WRITE, 1, 0, {GUEST_PAGES + 5, 0, 7},
     BLKIF_RSP_ERROR},
    {"bad gref on read", BLKIF_OP_READ, 1, 0, {0xffffffffu, 0, 7},
     BLKIF_RSP_ERROR},
    {"sector past the end", BLKIF_OP_READ, 1, DISK_SECTORS, {20, 0, 0},
     BLKIF_RSP_ERROR},
    {"range past the end", BLKIF_OP_READ, 1, DISK_SECTORS - 4, {20, 0, 7},
     BLKIF_RSP_ERROR},
    {"huge sector", BLKIF_OP_WRITE, 1, ~0ull, {20, 0, 0}, BLKIF_RSP_ERROR},
    {"nr_segments 12", BLKIF_OP_READ, 12, 0, {20, 0, 0}, BLKIF_RSP_ERROR},
    {"nr_segments 255", BLKIF_OP_WRITE, 255, 0, {20, 0, 0},
     BLKIF_RSP_ERROR},
    {"nr_segments 0", BLKIF_OP_READ, 0, 0, {20, 0, 0}, BLKIF_RSP_ERROR},
    {"last_sect < first_sect", BLKIF_OP_READ, 1, 0, {20, 5, 2},
     BLKIF_RSP_ERROR},
    {"last_sect 8", BLKIF_OP_WRITE, 1, 0, {20, 0, 8}, BLKIF_RSP_ERROR},
    {"first_sect 200", BLKIF_OP_WRITE, 1, 0, {20, 200, 255},
     BLKIF_RSP_ERROR},
    {"reserved op 4", 4, 1, 0, {20, 0, 0}, BLKIF_RSP_EOPNOTSUPP},
    {"unknown op 7", 7, 1, 0, {20, 0, 0}, BLKIF_RSP_EOPNOTSUPP},
    {"unknown op 255", 255, 1, 0, {20, 0, 0}, BLKIF_RSP_EOPNOTSUPP},
};

static void test_bad_requests(bool copy)
{
    struct tctx t;
    size_t n = sizeof(bad_cases) / sizeof(bad_cases[0]);
    uint64_t id;
    int16_t st;
    struct blkif_seg seg = {20, 0, 7};

    if (setup(&t, IOENG_AUTO, BLKIF_PROTO_X86_64, copy, false, false) < 0) {
        ok(0, "bad requests: setup");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct blkif_seg segs[BLKIF_MAX_SEGMENTS_PER_REQUEST];

        for (int j = 0; j < BLKIF_MAX_SEGMENTS_PER_REQUEST; j++) {
            segs[j] = bad_cases[i].seg;
        }
        fring_put_rw(&t.f, bad_cases[i].op, i, bad_cases[i].sector,
                     bad_cases[i].nseg, segs);
        ok(collect(&t, 1, &st, &id) == 1 && id == i &&
               st == bad_cases[i].want,
           "%s %s: answered %d", copy ? "copy" : "map", bad_cases[i].what,
           bad_cases[i].want);
    }
    /* Indirect abuse. */
    {
        uint32_t ind = 30, bad = 0x7fffffff;
        struct blkif_seg s[4] = {{20, 0, 7}, {21, 3, 1}, {22, 0, 7},
                                 {23, 0, 7}};

        fring_put_indirect(&t.f, BLKIF_OP_READ, 50, 0, 257, &ind, 1);
        ok(collect(&t, 1, &st, &id) == 1 && st == BLKIF_RSP_ERROR,
           "indirect with 257 segments refused");
        fring_put_indirect(&t.f, BLKIF_OP_FLUSH_DISKCACHE, 51, 0, 1, &ind, 1);
        ok(collect(&t, 1, &st, &id) == 1 && st == BLKIF_RSP_ERROR,
           "indirect with indirect_op FLUSH refused");
        fring_put_indirect(&t.f, BLKIF_OP_READ, 52, 0, 4, &bad, 1);
        ok(collect(&t, 1, &st, &id) == 1 && st == BLKIF_RSP_ERROR,
           "indirect with a bad descriptor-page gref refused");
        fring_fill_indirect(fguest_page(&t.g, ind), s, 4);
        fring_put_indirect(&t.f, BLKIF_OP_READ, 53, 0, 4, &ind, 1);
        ok(collect(&t, 1, &st, &id) == 1 && st == BLKIF_RSP_ERROR,
           "indirect with last_sect < first_sect in a descriptor refused");
    }
    /* Still healthy after all that. */
    fring_put_rw(&t.f, BLKIF_OP_WRITE, 99, 8, 1, &seg);
    ok(collect(&t, 1, &st, &id) == 1 && st == BLKIF_RSP_OKAY && id == 99,
       "%s: a good request still works after the bad ones",
       copy ? "copy" : "map");
    ok(!blkback_queue_broken(t.q), "bad requests do not break the ring");
    teardown(&t);
}

static void test_read_only(void)
{
    struct tctx t;
    struct blkif_seg seg = {20, 0, 7};
    uint64_t id;
    int16_t st;

    if (setup(&t, IOENG_AUTO, BLKIF_PROTO_X86_64, true, false, true) < 0) {
        ok(0, "read-only: setup");
        return;
    }
    fring_put_rw(&t.f, BLKIF_OP_WRITE, 1, 0, 1, &seg);
    ok(collect(&t, 1, &st, &id) == 1 && st == BLKIF_RSP_ERROR,
       "write to a read-only disk fails");
    fring_put_discard(&t.f, 2, 0, 8);
    ok(collect(&t, 1, &st, &id) == 1 && st == BLKIF_RSP_ERROR,
       "discard on a read-only disk fails");
    fring_put_rw(&t.f, BLKIF_OP_READ, 3, 0, 1, &seg);
    ok(collect(&t, 1, &st, &id) == 1 && st == BLKIF_RSP_OKAY,
       "read from a read-only disk works");
    teardown(&t);
}

static void test_flush_discard(void)
{
    struct tctx t;
    struct blkif_seg seg = {20, 0, 7};
    struct stat sb1, sb2;
    uint64_t id;
    int16_t st;
    bool zero = true;

    if (setup(&t, IOENG_AUTO, BLKIF_PROTO_X86_64, true, false, false) < 0) {
        ok(0, "flush/discard: setup");
        return;
    }
    for (uint32_t s = 0; s < 512; s += 8) {
        guest_fill(&t, &seg, 1, s, true);
        fring_put_rw(&t.f, BLKIF_OP_WRITE, s, s, 1, &seg);
        collect(&t, 1, &st, &id);
    }
    fring_put_rw(&t.f, BLKIF_OP_FLUSH_DISKCACHE, 77, 0, 0, &seg);
    ok(collect(&t, 1, &st, &id) == 1 && st == BLKIF_RSP_OKAY && id == 77,
       "flush answered OKAY");
    /* Linux's blkfront sends an empty flush with sector all ones. */
    fring_put_rw(&t.f, BLKIF_OP_FLUSH_DISKCACHE, 76, UINT64_MAX, 0, &seg);
    ok(collect(&t, 1, &st, &id) == 1 && st == BLKIF_RSP_OKAY && id == 76,
       "empty flush with sector ~0 (Linux blkfront) answered OKAY");
    fsync(t.disk.fd);
    fstat(t.disk.fd, &sb1);
    fring_put_discard(&t.f, 78, 0, 256);
    ok(collect(&t, 1, &st, &id) == 1 && st == BLKIF_RSP_OKAY,
       "discard answered OKAY");
    fstat(t.disk.fd, &sb2);
    ok(sb2.st_blocks < sb1.st_blocks, "discard punched a hole (%lld -> %lld"
       " blocks)", (long long)sb1.st_blocks, (long long)sb2.st_blocks);
    memset(t.shadow, 0, 256 * 512);
    seg.first_sect = 0;
    fring_put_rw(&t.f, BLKIF_OP_READ, 79, 16, 1, &seg);
    collect(&t, 1, &st, &id);
    for (int i = 0; i < 4096; i++) {
        zero &= fguest_page(&t.g, 20)[i] == 0;
    }
    ok(zero && file_matches(&t), "discarded range reads as zeroes, rest kept");
    fring_put_discard(&t.f, 80, DISK_SECTORS - 4, 8);
    ok(collect(&t, 1, &st, &id) == 1 && st == BLKIF_RSP_ERROR,
       "discard past the end refused");
    guest_fill(&t, &seg, 1, 600, true);
    fring_put_rw(&t.f, BLKIF_OP_WRITE_BARRIER, 81, 600, 1, &seg);
    ok(collect(&t, 1, &st, &id) == 1 && st == BLKIF_RSP_OKAY &&
           file_matches(&t),
       "barrier carrying data flushes then writes");
    teardown(&t);
}

static void test_ring_games(void)
{
    struct tctx t;
    struct tctx t2;
    struct blkif_seg seg = {20, 0, 7};
    uint64_t id;
    int16_t st;

    if (setup(&t, IOENG_AUTO, BLKIF_PROTO_X86_64, true, false, false) < 0 ||
        setup(&t2, IOENG_AUTO, BLKIF_PROTO_X86_64, true, false, false) < 0) {
        ok(0, "ring games: setup");
        return;
    }
    is_int(t.f.nr, 32, "one page holds 32 x86_64 slots");
    *(uint32_t *)t.f.sring = 33; /* req_prod a ring and one ahead */
    is_int(blkback_queue_kick(t.q), -EPROTO,
           "req_prod more than a ring ahead: ring broken");
    ok(blkback_queue_broken(t.q), "queue reports broken");
    *(uint32_t *)t.f.sring = 1;
    is_int(blkback_queue_kick(t.q), -EPROTO, "a broken ring stays broken");
    fring_put_rw(&t2.f, BLKIF_OP_WRITE, 5, 0, 1, &seg);
    ok(collect(&t2, 1, &st, &id) == 1 && st == BLKIF_RSP_OKAY,
       "another queue keeps serving");
    /* Producer behind the consumer (wrapped backwards). */
    fring_push(&t2.f);
    *(uint32_t *)t2.f.sring = 0xfffffff0u;
    is_int(blkback_queue_kick(t2.q), -EPROTO,
           "req_prod moved backwards: ring broken");
    teardown(&t);
    teardown(&t2);
}

static void test_abi_layouts(void)
{
    struct blkif_req r;
    uint8_t slot[112];
    struct blkif_request n;

    is_int(blkif_ring_size(BLKIF_PROTO_X86_32, 4096), 32, "x86_32 ring: 32");
    is_int(blkif_ring_size(BLKIF_PROTO_X86_64, 4096 << 4), 512,
           "x86_64 order-4 ring: 512");
    is_int(sizeof(struct blkif_request), 112, "native request is 112 bytes");
    memset(&n, 0, sizeof(n));
    n.operation = BLKIF_OP_WRITE;
    n.nr_segments = 2;
    n.handle = 0x1234;
    n.id = 0x1122334455667788ull;
    n.sector_number = 0xabcdef01234ull;
    n.seg[1].gref = 77;
    n.seg[1].first_sect = 2;
    n.seg[1].last_sect = 6;
    memcpy(slot, &n, sizeof(n));
    blkif_decode(BLKIF_PROTO_NATIVE, slot, &r);
    ok(r.op == 1 && r.nr_segments == 2 && r.handle == 0x1234 &&
           r.id == n.id && r.sector == n.sector_number &&
           r.seg[1].gref == 77 && r.seg[1].first_sect == 2 &&
           r.seg[1].last_sect == 6,
       "native decode matches io/blkif.h's struct");
    {
        enum blkif_proto p;

        ok(blkif_proto_parse("x86_32-abi", &p) == 0 &&
               p == BLKIF_PROTO_X86_32,
           "protocol x86_32-abi parsed");
        ok(blkif_proto_parse("arm-abi", &p) == -EINVAL,
           "unknown protocol refused");
    }
}

static void test_engines(void)
{
    struct loop *loop = loop_new();
    struct ioeng *e = ioeng_new(loop, IOENG_URING, 8);

#ifdef HAVE_URING
    ok(e != NULL && strcmp(ioeng_name(e), "io_uring") == 0,
       "io_uring engine starts");
#else
    ok(e == NULL, "io_uring engine unavailable without liburing");
#endif
    ioeng_free(e);
    e = ioeng_new(loop, IOENG_THREADS, 8);
    ok(e != NULL && strcmp(ioeng_name(e), "threads") == 0,
       "thread-pool engine starts");
    ioeng_free(e);
    loop_free(loop);
}

int main(void)
{
    test_abi_layouts();
    test_engines();
    test_integrity("uring/copy/x86_64", IOENG_URING, BLKIF_PROTO_X86_64, true,
                   false);
    test_integrity("threads/copy/x86_32", IOENG_THREADS, BLKIF_PROTO_X86_32,
                   true, false);
    test_integrity("uring/map/native", IOENG_URING, BLKIF_PROTO_NATIVE, false,
                   false);
    test_integrity("threads/persistent/x86_64", IOENG_THREADS,
                   BLKIF_PROTO_X86_64, false, true);
    test_integrity("uring/persistent/x86_32", IOENG_URING, BLKIF_PROTO_X86_32,
                   false, true);
    test_indirect(IOENG_AUTO, true);
    test_persistent_overflow();
    test_indirect(IOENG_THREADS, false);
    test_bad_requests(true);
    test_bad_requests(false);
    test_read_only();
    test_flush_discard();
    test_ring_games();
    return tap_done();
}
