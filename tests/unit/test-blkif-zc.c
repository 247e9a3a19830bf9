/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of the zero-copy request path: I/O straight between the
 * file and mapped guest pages (hw/block/blkback-seg.c) and the I/O
 * engine's scatter lists (hw/block/io-engine.c).  Covers requests
 * mixing persistently mapped segments with grant-copied or
 * temporarily mapped ones, a persistent page reused across requests,
 * real short reads (a file cut under the disk) and short writes
 * (RLIMIT_FSIZE) resumed by advancing the iovec, with both engines.
 * The guest is blk-harness's memfd of pages, whose grant provider
 * counts copies and live mappings; the disk is a real temp file.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "hw/block/blkback.h"
#include "src/loop.h"
#include "tests/tap.h"
#include "tests/unit/blk-harness.h"

#define DISK_SECTORS 4096u      /* 2 MiB */
#define DATA_BASE 16
#define GUEST_PAGES 4400
/* Persistent set of an order-0 ring with indirect requests (blkback.c). */
#define PG_MAX 4096u

struct zctx {
    struct loop *loop;
    struct fguest g;
    struct fring f;
    struct blkback_disk disk;
    struct blkback_queue *q;
    uint8_t *shadow;
    char dir[64], path[96];
    uint32_t seed;
};

static uint8_t rnd8(struct zctx *t)
{
    t->seed = t->seed * 1103515245u + 12345u;
    return (uint8_t)(t->seed >> 16);
}

static int zsetup(struct zctx *t, enum ioeng_kind kind, bool persistent,
                  bool fallback)
{
    struct blkback_queue_cfg cfg;

    memset(t, 0, sizeof(*t));
    t->seed = 777;
    snprintf(t->dir, sizeof(t->dir), "/tmp/xendm-blkzc-XXXXXX");
    t->loop = loop_new();
    if (t->loop == NULL || fguest_init(&t->g, GUEST_PAGES) < 0 ||
        mkdtemp(t->dir) == NULL) {
        return -1;
    }
    snprintf(t->path, sizeof(t->path), "%s/disk.img", t->dir);
    t->disk.fd = open(t->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    t->shadow = calloc(DISK_SECTORS, 512);
    if (t->disk.fd < 0 || t->shadow == NULL ||
        ftruncate(t->disk.fd, DISK_SECTORS * 512) < 0) {
        return -1;
    }
    t->disk.eng = ioeng_new(t->loop, kind, 64);
    t->disk.lim = (struct blkif_limits){
        .sectors = DISK_SECTORS,
        .max_indirect_segs = BLKIF_MAX_INDIRECT_SEGS,
    };
    fring_init(&t->f, BLKIF_PROTO_X86_64, fguest_page(&t->g, 0), 4096);
    cfg = (struct blkback_queue_cfg){
        .disk = &t->disk,
        .grants = &t->g.grants,
        .domid = 1,
        .proto = BLKIF_PROTO_X86_64,
        .sring = fguest_page(&t->g, 0),
        .sring_bytes = 4096,
        .persistent = persistent,
        .copy_fallback = fallback,
        .name = "zc",
    };
    t->q = t->disk.eng ? blkback_queue_new(&cfg) : NULL;
    return t->q ? 0 : -1;
}

static void zteardown(struct zctx *t)
{
    blkback_queue_free(t->q);
    ioeng_free(t->disk.eng);
    close(t->disk.fd);
    unlink(t->path);
    rmdir(t->dir);
    fguest_fini(&t->g);
    free(t->shadow);
    loop_free(t->loop);
}

/* Pushes, kicks and waits for one response; its status or -100. */
static int zwait(struct zctx *t)
{
    uint64_t id;
    uint8_t op;
    int16_t st;

    fring_push(&t->f);
    blkback_queue_kick(t->q);
    for (int spins = 0; spins < 20000; spins++) {
        if (fring_get_rsp(&t->f, &id, &op, &st) == 1) {
            return st;
        }
        harness_step(t->loop, 10);
    }
    return -100;
}

/* n segments on pages first..first+n-1 with random sector ranges. */
static uint32_t zsegs(struct zctx *t, struct blkif_seg *s, uint32_t n,
                      uint32_t first)
{
    uint32_t secs = 0;

    for (uint32_t i = 0; i < n; i++) {
        uint8_t a = rnd8(t) % 8, b = rnd8(t) % 8;

        s[i] = (struct blkif_seg){.gref = first + i,
                                  .first_sect = a < b ? a : b,
                                  .last_sect = a < b ? b : a};
        secs += s[i].last_sect - s[i].first_sect + 1u;
    }
    return secs;
}

/* Fills (write) or compares (read) the segments against the shadow. */
static bool zdata(struct zctx *t, const struct blkif_seg *s, uint32_t n,
                  uint64_t sector, bool fill)
{
    uint8_t *sh = t->shadow + sector * 512;

    for (uint32_t i = 0; i < n; i++) {
        uint8_t *p = fguest_page(&t->g, s[i].gref) + s[i].first_sect * 512u;
        size_t len = (s[i].last_sect - s[i].first_sect + 1u) * 512u;

        if (fill) {
            for (size_t j = 0; j < len; j++) {
                p[j] = rnd8(t);
            }
            memcpy(sh, p, len);
        } else if (memcmp(p, sh, len) != 0) {
            return false;
        }
        sh += len;
    }
    return true;
}

static void zclear(struct zctx *t, const struct blkif_seg *s, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        memset(fguest_page(&t->g, s[i].gref), 0x5a, 4096);
    }
}

/* An indirect request of n segments; its status. */
static int zio(struct zctx *t, uint8_t op, uint64_t sector,
               const struct blkif_seg *s, uint32_t n, uint32_t ind)
{
    fring_fill_indirect(fguest_page(&t->g, ind), s, n);
    fring_put_indirect(&t->f, op, sector, sector, (uint16_t)n, &ind, 1);
    return zwait(t);
}

/*
 * Fills the persistent set (PG_MAX: the indirect page, then data pages)
 * to 102 short of full with 256-segment writes at sector 0; the next
 * request, at sector 2048, has 100 of those pages (persistent hits),
 * then 150 new ones of which 102 still fit (persistent, new) and 48 do
 * not (leftovers: grant copy with the fallback, else one temporary
 * mapping), all in one request.
 */
static void test_mixed(enum ioeng_kind kind, bool fallback)
{
    const char *what = fallback ? "mixed persistent+copy"
                                : "mixed persistent+map";
    static struct blkif_seg a[256], b[250];
    uint32_t fill = PG_MAX - 102 - 1, page = DATA_BASE, n = 0;
    struct zctx t;
    bool okay = true;
    unsigned copies;

    if (zsetup(&t, kind, true, fallback) < 0) {
        ok(0, "%s: setup", what);
        return;
    }
    for (; fill > 0; fill -= n, page += n) {
        n = fill < 256 ? fill : 256;
        zsegs(&t, a, n, page);
        okay &= zdata(&t, a, n, 0, true);
        okay &= zio(&t, BLKIF_OP_WRITE, 0, a, n, 1) == BLKIF_RSP_OKAY;
    }
    is_int(t.g.live_maps, PG_MAX - 102, "%s: persistent set filled to 102"
           " short", what);
    copies = t.g.copies;
    zsegs(&t, b, 250, page - 100);
    okay &= zdata(&t, b, 250, 2048, true);
    okay &= zio(&t, BLKIF_OP_WRITE, 2048, b, 250, 1) == BLKIF_RSP_OKAY;
    ok(okay, "%s: writes OKAY", what);
    is_int(t.g.live_maps, PG_MAX, "%s: persistent set full, leftovers"
           " released", what);
    ok(fallback ? t.g.copies > copies : t.g.copies == copies,
       "%s: leftovers went by %s (copies %u -> %u)", what,
       fallback ? "grant copy" : "mapping", copies, t.g.copies);
    zclear(&t, b, 250);
    ok(zio(&t, BLKIF_OP_READ, 2048, b, 250, 1) == BLKIF_RSP_OKAY &&
       zdata(&t, b, 250, 2048, false), "%s: read back intact", what);
    zclear(&t, a, n);
    ok(zio(&t, BLKIF_OP_READ, 0, a, n, 1) == BLKIF_RSP_OKAY &&
       zdata(&t, a, n, 0, false), "%s: the last fill's data intact", what);
    is_int(t.g.live_maps, PG_MAX, "%s: no mapping leaked", what);
    zteardown(&t);
}

/* The same 11 pages serve several requests: mapped once, never copied. */
static void test_reuse(enum ioeng_kind kind)
{
    struct blkif_seg s[11];
    struct zctx t;
    bool okay = true;
    unsigned maps;

    if (zsetup(&t, kind, true, true) < 0) {
        ok(0, "reuse: setup");
        return;
    }
    for (uint64_t sec = 0; sec < 4 * 100; sec += 100) {
        zsegs(&t, s, 11, DATA_BASE);
        okay &= zdata(&t, s, 11, sec, true);
        fring_put_rw(&t.f, BLKIF_OP_WRITE, sec, sec, 11, s);
        okay &= zwait(&t) == BLKIF_RSP_OKAY;
    }
    maps = t.g.maps;
    for (uint64_t sec = 0; sec < 4 * 100; sec += 100) {
        zsegs(&t, s, 11, DATA_BASE);
        okay &= zdata(&t, s, 11, sec, true);
        fring_put_rw(&t.f, BLKIF_OP_WRITE, sec, sec, 11, s);
        okay &= zwait(&t) == BLKIF_RSP_OKAY;
        zclear(&t, s, 11);
        fring_put_rw(&t.f, BLKIF_OP_READ, sec, sec, 11, s);
        okay &= zwait(&t) == BLKIF_RSP_OKAY && zdata(&t, s, 11, sec, false);
    }
    ok(okay, "reuse: one page set rewritten and reread 4 times, data right");
    ok(t.g.maps == maps && t.g.copies == 0,
       "reuse: no new mapping and no grant copy (maps %u, copies %u)",
       t.g.maps, t.g.copies);
    zteardown(&t);
}

/* A file cut under the disk: a read across the new end is refused. */
static void test_short_read(enum ioeng_kind kind)
{
    struct blkif_seg s[11];
    struct zctx t;
    uint32_t secs;

    if (zsetup(&t, kind, true, false) < 0) {
        ok(0, "cut file: setup");
        return;
    }
    secs = zsegs(&t, s, 11, DATA_BASE);
    zdata(&t, s, 11, 60, true);
    fring_put_rw(&t.f, BLKIF_OP_WRITE, 1, 60, 11, s);
    ok(zwait(&t) == BLKIF_RSP_OKAY, "cut file: write OKAY");
    if (ftruncate(t.disk.fd, (60 + secs / 2) * 512) < 0) {
        ok(0, "cut file: truncate");
    }
    zclear(&t, s, 11);
    fring_put_rw(&t.f, BLKIF_OP_READ, 2, 60, 11, s);
    is_int(zwait(&t), BLKIF_RSP_ERROR, "cut file (%s): read across the end"
           " answered ERROR", kind == IOENG_URING ? "uring" : "threads");
    memset(t.shadow + (60 + secs / 2) * 512, 0, (secs - secs / 2) * 512);
    if (ftruncate(t.disk.fd, DISK_SECTORS * 512) < 0) {
        ok(0, "cut file: regrow");
    }
    fring_put_rw(&t.f, BLKIF_OP_READ, 3, 60, 11, s);
    ok(zwait(&t) == BLKIF_RSP_OKAY && zdata(&t, s, 11, 60, false),
       "cut file: after regrowing, the kept half and zeroes read back");
    is_int(t.g.live_maps, 11, "cut file: only the persistent maps live");
    zteardown(&t);
}

static void test_iov_advance(void)
{
    static const size_t len[5] = {3, 10, 1, 20, 6};
    uint8_t mem[64], *base[5];
    struct iovec v[5], *p;
    unsigned cnt;
    bool good = true;

    for (uint64_t n = 0; n <= 40; n++) {
        uint64_t left, skip = n;
        size_t pos = 0, i;

        for (i = 0; i < 5; i++) {
            base[i] = mem + pos;
            v[i] = (struct iovec){.iov_base = base[i], .iov_len = len[i]};
            pos += len[i] + 1;      /* gaps: no element runs into the next */
        }
        p = v;
        cnt = 5;
        left = ioeng_iov_advance(&p, &cnt, n);
        for (i = 0; i < 5 && skip >= len[i]; i++) {
            skip -= len[i];
        }
        /* What is left starts at byte n of the flattened list. */
        if (i == 5) {
            good &= cnt == 0 && left == 0;
        } else {
            good &= left == 0 && cnt == 5 - i && p == &v[i] &&
                    (uint8_t *)p->iov_base == base[i] + skip &&
                    p->iov_len == len[i] - skip;
        }
    }
    p = v;
    cnt = 1;
    v[0] = (struct iovec){.iov_base = mem, .iov_len = 4};
    ok(good && ioeng_iov_advance(&p, &cnt, 9) == 5 && cnt == 0,
       "iov_advance: every split point, and overrun reported");
}

static void zdone(struct ioeng_req *r, int res)
{
    int *out = r->opaque;

    *out = res;
}

/* One scatter-list request through the engine; its result. */
static int zengine(enum ioeng_kind kind, enum ioeng_op op, int fd,
                   struct iovec *v, unsigned n, uint64_t len)
{
    struct loop *loop = loop_new();
    struct ioeng *e = loop ? ioeng_new(loop, kind, 8) : NULL;
    int res = 1;
    struct ioeng_req r = {
        .op = op, .fd = fd, .off = 0, .len = len,
        .iov = v, .iovcnt = n, .done = zdone, .opaque = &res,
    };

    if (e != NULL && ioeng_submit(e, &r) == 0) {
        for (int spins = 0; res == 1 && spins < 2000; spins++) {
            harness_step(loop, 10);
        }
    }
    ioeng_free(e);
    loop_free(loop);
    return res;
}

/* Real short transfers: EOF for reads, RLIMIT_FSIZE for writes. */
static void test_engine_short(enum ioeng_kind kind)
{
    const char *k = kind == IOENG_URING ? "uring" : "threads";
    static uint8_t src[16384], a[5000], b[3000], c[8384];
    char path[] = "/tmp/xendm-blkzc-XXXXXX";
    struct iovec v[3];
    struct rlimit old, lim;
    int fd = mkstemp(path), res;
    bool same;

    for (size_t i = 0; i < sizeof(src); i++) {
        src[i] = (uint8_t)(i * 7 + i / 4096);
    }
    if (fd < 0 || pwrite(fd, src, 10240, 0) != 10240) {
        ok(0, "%s short: temp file", k);
        return;
    }
    memset(a, 0xee, sizeof(a));
    memset(b, 0xee, sizeof(b));
    memset(c, 0xee, sizeof(c));
    v[0] = (struct iovec){a, sizeof(a)};
    v[1] = (struct iovec){b, sizeof(b)};
    v[2] = (struct iovec){c, sizeof(c)};
    res = zengine(kind, IOENG_READ, fd, v, 3, 16384);
    same = memcmp(a, src, 5000) == 0 && memcmp(b, src + 5000, 3000) == 0 &&
           memcmp(c, src + 8000, 2240) == 0 && c[2240] == 0xee;
    ok(res == -EIO && same, "%s short read: the 10240 bytes before EOF land"
       " across 3 iovecs, then -EIO (res %d)", k, res);

    /* A write past RLIMIT_FSIZE stops short at the limit, then EFBIG. */
    memcpy(a, src, 5000);
    memcpy(b, src + 5000, 3000);
    memcpy(c, src + 8000, 8384);
    if (ftruncate(fd, 0) < 0 || getrlimit(RLIMIT_FSIZE, &old) < 0) {
        ok(0, "%s short write: setup", k);
    }
    signal(SIGXFSZ, SIG_IGN);
    lim = old;
    lim.rlim_cur = 12288;
    setrlimit(RLIMIT_FSIZE, &lim);
    v[0] = (struct iovec){a, sizeof(a)};   /* the read advanced them */
    v[1] = (struct iovec){b, sizeof(b)};
    v[2] = (struct iovec){c, sizeof(c)};
    res = zengine(kind, IOENG_WRITE, fd, v, 3, 16384);
    setrlimit(RLIMIT_FSIZE, &old);
    {
        uint8_t back[16384];
        ssize_t got = pread(fd, back, sizeof(back), 0);

        ok(res == -EFBIG && got == 12288 && memcmp(back, src, 12288) == 0,
           "%s short write: 12288 bytes land in order, then -EFBIG"
           " (res %d, file %zd)", k, res, got);
    }
    close(fd);
    unlink(path);
}

int main(void)
{
    test_iov_advance();
    test_engine_short(IOENG_THREADS);
    test_engine_short(IOENG_URING);
    test_mixed(IOENG_URING, true);
    test_mixed(IOENG_THREADS, false);
    test_reuse(IOENG_URING);
    test_reuse(IOENG_THREADS);
    test_short_read(IOENG_URING);
    test_short_read(IOENG_THREADS);
    return tap_done();
}
