/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The xenbus framework and the qdisk backend end to end, in process:
 * a small in-memory store with watches and test event channels stand
 * in for xenstore and Xen (xen/store.h and the hv seam were not merged
 * when this was written), the test guest of blk-harness.c plays the
 * frontend, and the disks are real files in a private temp dir.
 * Covers: discovery and the state machine, keys written, data through
 * one and two queues with a two-page ring, read-only, non-raw refusal,
 * hostile frontend keys, state abuse, an event flood throttled while
 * another disk keeps serving, reconnect after the frontend closes
 * (the restore path), and removal with online = 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/block/qdisk.h"
#include "qapi/json.h"
#include "src/loop.h"
#include "tests/tap.h"
#include "tests/unit/blk-harness.h"

#include "tests/unit/xb-harness.h"

static const struct xenbus_type types[] = {
    {"qdisk", &qdisk_ops},
};

struct world {
    struct loop *loop;
    struct fhost h;
    struct fguest g;
    struct xenbus *bus;
    char dir[64];
};

static void pump(struct world *w)
{
    fhost_pump(&w->h, w->bus);
}

static void put(struct world *w, const char *path, const char *val)
{
    fh_write(&w->h, path, val);
    pump(w);
}

static char *get(struct world *w, const char *path)
{
    struct kv *k = kv_find(&w->h, path);

    return k ? k->val : NULL;
}

static bool is(struct world *w, const char *path, const char *want)
{
    char *v = get(w, path);

    return v && strcmp(v, want) == 0;
}

static void add_disk(struct world *w, unsigned devid, const char *params,
                     const char *mode)
{
    char be[128], fe[128], p[192];

    snprintf(be, sizeof(be), "/local/domain/0/backend/qdisk/1/%u", devid);
    snprintf(fe, sizeof(fe), "/local/domain/1/device/vbd/%u", devid);
#define BE(k, v) snprintf(p, sizeof(p), "%s/%s", be, k), fh_write(&w->h, p, v)
    BE("frontend", fe);
    BE("params", params);
    BE("frontend-id", "1");
    BE("mode", mode);
    BE("device-type", "disk");
    BE("discard-enable", "1");
    BE("state", "1");
    BE("online", "1");
#undef BE
    snprintf(p, sizeof(p), "%s/state", fe);
    fh_write(&w->h, p, "1");
    pump(w);
}

static void fe_put(struct world *w, unsigned devid, const char *key,
                   const char *val)
{
    char p[192];

    snprintf(p, sizeof(p), "/local/domain/1/device/vbd/%u/%s", devid, key);
    put(w, p, val);
}

static bool be_is(struct world *w, unsigned devid, const char *key,
                  const char *want)
{
    char p[192];

    snprintf(p, sizeof(p), "/local/domain/0/backend/qdisk/1/%u/%s", devid,
             key);
    return is(w, p, want);
}

static char *make_image(struct world *w, const char *name, size_t bytes)
{
    static char path[128];
    int fd;

    snprintf(path, sizeof(path), "%s/%s", w->dir, name);
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)bytes) < 0) {
        return NULL;
    }
    close(fd);
    return path;
}

/* Pushes one request, kicks, waits for its response's status. */
static int fe_one(struct world *w, struct fring *f, uint32_t port, uint8_t op,
                  uint64_t sector, uint32_t ref)
{
    struct blkif_seg seg = {ref, 0, 7};
    uint64_t id;
    uint8_t rop;
    int16_t st;

    fring_put_rw(f, op, 1, sector, 1, &seg);
    fring_push(f);
    xenbus_evtchn_fired(w->bus, port);
    for (int spins = 0; spins < 5000; spins++) {
        if (fring_get_rsp(f, &id, &rop, &st) == 1) {
            return st;
        }
        harness_step(w->loop, 10);
    }
    return 99;
}

/* A frontend that writes then reads back `n` random 4 KiB pages. */
static bool fe_io(struct world *w, struct fring *f, uint32_t port,
                  uint32_t data_ref, unsigned n, uint64_t sector0)
{
    uint8_t want[4096];

    for (unsigned i = 0; i < n; i++) {
        for (int b = 0; b < 4096; b++) {
            want[b] = (uint8_t)rand();
        }
        memcpy(fguest_page(&w->g, data_ref), want, 4096);
        memset(fguest_page(&w->g, data_ref + 1), 0, 4096);
        if (fe_one(w, f, port, BLKIF_OP_WRITE, sector0 + 8 * i, data_ref) !=
                BLKIF_RSP_OKAY ||
            fe_one(w, f, port, BLKIF_OP_READ, sector0 + 8 * i,
                   data_ref + 1) != BLKIF_RSP_OKAY ||
            memcmp(fguest_page(&w->g, data_ref + 1), want, 4096) != 0) {
            return false;
        }
    }
    return true;
}

static uint32_t port_for(struct world *w, uint32_t remote)
{
    return fhost_port_for(&w->h, remote);
}

static void connect_fe(struct world *w, unsigned devid, struct fring *f,
                       uint32_t ring_ref, const char *evtchn)
{
    char v[16];

    fring_init(f, BLKIF_PROTO_X86_64, fguest_page(&w->g, ring_ref), 4096);
    snprintf(v, sizeof(v), "%u", ring_ref);
    fe_put(w, devid, "ring-ref", v);
    fe_put(w, devid, "event-channel", evtchn);
    fe_put(w, devid, "protocol", "x86_64-abi");
    fe_put(w, devid, "feature-persistent", "1");
    fe_put(w, devid, "state", "3");
}

int main(void)
{
    struct world w;
    struct fring f1, f2, fq0, fq1;
    char *img;
    struct xenbus_cfg cfg;

    memset(&w, 0, sizeof(w));
    snprintf(w.dir, sizeof(w.dir), "/tmp/xendm-qdisk-XXXXXX");
    if (mkdtemp(w.dir) == NULL || fguest_init(&w.g, 256) < 0) {
        return 1;
    }
    w.loop = loop_new();
    w.h.next_port = 5;
    cfg = (struct xenbus_cfg){
        .loop = w.loop,
        .host = &fh_ops,
        .host_ctx = &w.h,
        .grants = w.g.grants,
        .domid = 1,
        .be_domid = 0,
        .types = types,
        .ntypes = 1,
        .evtchn_allowance = 100,
    };
    w.bus = xenbus_new(&cfg);
    ok(xenbus_start(w.bus) == 0, "bus started");
    pump(&w);
    ok(is(&w, "/local/domain/0/device-model/1/backends/qdisk", ""),
       "device-model/1/backends/qdisk advertised");
    ok(w.h.nwatch == 1 &&
           strcmp(w.h.watches[0].path, "/local/domain/0/backend/qdisk/1") ==
               0,
       "watches only backend/qdisk/<domid>");

    /* Disk 51712: libxl's "aio:" params. */
    img = make_image(&w, "a.img", 1 << 20);
    {
        char params[160];

        snprintf(params, sizeof(params), "aio:%s", img);
        add_disk(&w, 51712, params, "w");
    }
    ok(be_is(&w, 51712, "state", "2"), "backend in InitWait");
    ok(be_is(&w, 51712, "hotplug-status", "connected"),
       "hotplug-status connected");
    ok(be_is(&w, 51712, "sectors", "2048") &&
           be_is(&w, 51712, "sector-size", "512") &&
           be_is(&w, 51712, "info", "0") &&
           be_is(&w, 51712, "feature-flush-cache", "1") &&
           be_is(&w, 51712, "feature-discard", "1") &&
           be_is(&w, 51712, "feature-persistent", "1") &&
           be_is(&w, 51712, "feature-max-indirect-segments", "256") &&
           be_is(&w, 51712, "max-ring-page-order", "4") &&
           be_is(&w, 51712, "multi-queue-max-queues", "4"),
       "disk geometry and features written");
    connect_fe(&w, 51712, &f1, 10, "9");
    ok(be_is(&w, 51712, "state", "4"), "backend Connected");
    ok(fe_io(&w, &f1, port_for(&w, 9), 20, 16, 0),
       "16 write+read round trips through the ring");

    /* Disk 51728: read-only, two queues with two-page rings. */
    img = make_image(&w, "b.img", 1 << 20);
    add_disk(&w, 51728, img, "r");
    ok(be_is(&w, 51728, "info", "4"), "read-only disk: info VDISK_READONLY");
    fring_init(&fq0, BLKIF_PROTO_X86_64, fguest_page(&w.g, 40), 8192);
    fring_init(&fq1, BLKIF_PROTO_X86_64, fguest_page(&w.g, 42), 8192);
    fe_put(&w, 51728, "multi-queue-num-queues", "2");
    fe_put(&w, 51728, "ring-page-order", "1");
    fe_put(&w, 51728, "queue-0/ring-ref0", "40");
    fe_put(&w, 51728, "queue-0/ring-ref1", "41");
    fe_put(&w, 51728, "queue-0/event-channel", "11");
    fe_put(&w, 51728, "queue-1/ring-ref0", "42");
    fe_put(&w, 51728, "queue-1/ring-ref1", "43");
    fe_put(&w, 51728, "queue-1/event-channel", "12");
    fe_put(&w, 51728, "state", "4");
    ok(be_is(&w, 51728, "state", "4"), "two-queue disk Connected");
    {
        struct blkif_seg seg = {50, 0, 7};
        uint64_t id;
        uint8_t op;
        int16_t st = 99;

        fring_put_rw(&fq1, BLKIF_OP_WRITE, 1, 0, 1, &seg);
        fring_push(&fq1);
        xenbus_evtchn_fired(w.bus, port_for(&w, 12));
        for (int i = 0; i < 100 && fring_get_rsp(&fq1, &id, &op, &st) == 0;
             i++) {
            harness_step(w.loop, 10);
        }
        ok(st == BLKIF_RSP_ERROR, "queue 1: write to read-only disk fails");
        seg.gref = 51;
        st = 99;
        fring_put_rw(&fq0, BLKIF_OP_READ, 2, 0, 1, &seg);
        fring_push(&fq0);
        xenbus_evtchn_fired(w.bus, port_for(&w, 11));
        for (int i = 0; i < 100 && fring_get_rsp(&fq0, &id, &op, &st) == 0;
             i++) {
            harness_step(w.loop, 10);
        }
        ok(st == BLKIF_RSP_OKAY, "queue 0 (two-page ring): read works");
    }

    /* A qcow2 image is refused clearly. */
    add_disk(&w, 51744, "qcow2:/nonexistent.qcow2", "w");
    ok(be_is(&w, 51744, "state", "6") &&
           be_is(&w, 51744, "hotplug-error", "Operation not supported"),
       "qcow2 refused: state Closed, hotplug-error written");

    /* Hostile frontend keys on a third disk. */
    img = make_image(&w, "c.img", 1 << 20);
    add_disk(&w, 51760, img, "w");
    fe_put(&w, 51760, "ring-ref", "12abc");
    fe_put(&w, 51760, "event-channel", "13");
    fe_put(&w, 51760, "state", "3");
    ok(be_is(&w, 51760, "state", "5"), "malformed ring-ref: backend Closing");
    fe_put(&w, 51760, "state", "1");
    ok(be_is(&w, 51760, "state", "2"), "frontend re-initialises: InitWait");
    fe_put(&w, 51760, "ring-ref", "99999");
    fe_put(&w, 51760, "state", "3");
    ok(be_is(&w, 51760, "state", "5"), "ungranted ring-ref: backend Closing");
    fe_put(&w, 51760, "state", "1");
    fe_put(&w, 51760, "ring-ref", "60");
    fe_put(&w, 51760, "protocol", "sparc-abi");
    fe_put(&w, 51760, "state", "3");
    ok(be_is(&w, 51760, "state", "5"), "unknown protocol: backend Closing");
    fe_put(&w, 51760, "state", "banana");
    ok(be_is(&w, 51760, "state", "6"), "garbage frontend state: Closed");
    ok(fe_io(&w, &f1, port_for(&w, 9), 20, 4, 64),
       "first disk still serving after the abuse");

    /* Event flood on disk 1: throttled, disk still works. */
    {
        uint32_t p = port_for(&w, 9);
        unsigned before = w.h.unmasks[p];
        uint64_t t0 = loop_now_ns(), periods;

        for (int i = 0; i < 5000; i++) {
            xenbus_evtchn_fired(w.bus, p);
        }
        /* At most 99 unmasks (allowance 100) per 10 ms period begun. */
        periods = (loop_now_ns() - t0) / 10000000 + 2;
        ok(w.h.unmasks[p] - before <= 99 * periods &&
               w.h.unmasks[p] - before < 5000,
           "event flood: port left masked past its allowance (%u unmasks"
           " in %llu periods)", w.h.unmasks[p] - before,
           (unsigned long long)periods);
        before = w.h.unmasks[p];
        for (int i = 0; i < 5; i++) {
            harness_step(w.loop, 10);
        }
        ok(w.h.unmasks[p] > before, "throttled port unmasked by the period"
           " timer");
        ok(fe_io(&w, &f1, p, 20, 4, 128),
           "flooded disk serves again next period");
    }

    /* Frontend closes and comes back (save/restore): data intact. */
    fe_put(&w, 51712, "state", "5");
    ok(be_is(&w, 51712, "state", "5"), "frontend Closing: backend Closing");
    fe_put(&w, 51712, "state", "6");
    ok(be_is(&w, 51712, "state", "6"), "frontend Closed: backend Closed");
    fe_put(&w, 51712, "state", "1");
    ok(be_is(&w, 51712, "state", "2"), "frontend back: backend InitWait");
    connect_fe(&w, 51712, &f2, 70, "19");
    ok(be_is(&w, 51712, "state", "4"), "reconnected");
    {
        struct blkif_seg seg = {21, 0, 7};
        uint64_t id;
        uint8_t op;
        int16_t st = 99;
        uint8_t copy[4096];

        /* Page 20 still holds the last page written at sector 128+24. */
        memcpy(copy, fguest_page(&w.g, 20), 4096);
        memset(fguest_page(&w.g, 21), 0, 4096);
        fring_put_rw(&f2, BLKIF_OP_READ, 5, 128 + 24, 1, &seg);
        fring_push(&f2);
        xenbus_evtchn_fired(w.bus, port_for(&w, 19));
        for (int i = 0; i < 100 && fring_get_rsp(&f2, &id, &op, &st) == 0;
             i++) {
            harness_step(w.loop, 10);
        }
        ok(st == BLKIF_RSP_OKAY &&
               memcmp(fguest_page(&w.g, 21), copy, 4096) == 0,
           "data written before the reconnect reads back intact");
    }

    /* query-blockstats. */
    {
        struct json *j = qdisk_query_blockstats(w.bus);
        struct json *b = qdisk_query_block(w.bus);
        uint64_t wr = 0;
        const struct json *s0 = json_get(json_array_at(j, 2), "stats");
        bool have = json_uint64(json_get(s0, "wr_bytes"), &wr);

        is_int(json_array_len(j), 3, "query-blockstats lists 3 disks");
        ok(have && wr >= 24 * 4096,
           "wr_bytes of the first disk counts its writes (%llu)",
           (unsigned long long)wr);
        is_int(json_array_len(b), 3, "query-block lists 3 disks");
        json_free(j);
        json_free(b);
    }

    /* Removal. */
    put(&w, "/local/domain/0/backend/qdisk/1/51712/online", "0");
    fe_put(&w, 51712, "state", "6");
    ok(be_is(&w, 51712, "state", "6"), "online=0 then frontend Closed:"
       " backend Closed");
    {
        struct json *b = qdisk_query_block(w.bus);

        is_int(json_array_len(b), 2, "removed disk gone from query-block");
        json_free(b);
    }

    xenbus_free(w.bus);
    fhost_fini(&w.h);
    is_int(w.g.live_maps, 0, "every grant mapping released at teardown");
    fguest_fini(&w.g);
    loop_free(w.loop);
    {
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf %s", w.dir);
        if (system(cmd) != 0) {
            printf("# cleanup failed\n");
        }
    }
    return tap_done();
}
