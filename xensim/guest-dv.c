/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `disk-verify` workload: over blkfront (guest-blk.c) it writes a
 * pattern derived from (seed, sector) over a region of every PV disk,
 * reads it back and compares, with a configurable request size,
 * alignment, queue depth, ring order, number of queues, persistent
 * grants or not, indirect descriptors or not, and number of loops.
 * With --random 1 every request has its own size (1 sector up to
 * --io) and starts at a sector offset inside its first page, and the
 * verify pass cuts the region differently from the write pass, so
 * requests straddle each other's boundaries.  Its
 * progress is kept in the guest state page, so a save/restore in the
 * middle resumes: sectors written before the save are verified after
 * it.  Exit 0 when every sector matched, 1 on a mismatch, 2 for bad
 * options, 3 for a protocol failure, 4 without a disk.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "xensim/guest-blk.h"
#include "xensim/hvclient.h"

struct dv_opts {
    uint64_t size;        /* bytes verified per disk */
    uint64_t io;          /* bytes per request */
    uint64_t align;       /* request offset alignment */
    unsigned qd;          /* per queue */
    unsigned ring_order;  /* wanted; capped by the backend */
    bool indirect;
    uint64_t seed;
    uint64_t loops;       /* whole write+verify cycles, seed+loop each */
    unsigned queues;      /* wanted; capped by the backend */
    bool persistent;
    bool random;          /* random sizes and in-page offsets */
    bool unplug;          /* HVM: unplug emulated disks first */
    bool vkbd;            /* connect every vkbd too */
};

/* One request of a round: where it went and what it covers. */
struct dv_req {
    unsigned qi, slot, first, nsect;
    uint64_t sector;
};

/* ---------------------------------------------------------------- pattern */

static void pattern_fill(uint8_t *p, uint64_t sector, uint64_t seed)
{
    uint64_t x = (sector + 1) * 0x9e3779b97f4a7c15ull ^ seed;
    unsigned i;

    for (i = 0; i < 512; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(p + i, &x, 8);
    }
}

static bool pattern_check(const uint8_t *p, uint64_t sector, uint64_t seed)
{
    uint8_t want[512];

    pattern_fill(want, sector, seed);
    return memcmp(p, want, 512) == 0;
}

/* ---------------------------------------------------------------- workload */

static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 0);

    if (*end == 'k' || *end == 'K') {
        v <<= 10;
        end++;
    } else if (*end == 'm' || *end == 'M') {
        v <<= 20;
        end++;
    }
    if (*end != '\0' || s[0] == '-') {
        return -EINVAL;
    }
    *out = v;
    return 0;
}

static int parse_opts(int argc, char **argv, struct dv_opts *o)
{
    int i;

    *o = (struct dv_opts){ 4u << 20, 16384, 4096, 8, 2, true, 1, 1, 1,
                           true, false, false, false };
    /* Options come in pairs: NAME VALUE. */
    for (i = 0; i < argc; i += 2) {
        uint64_t v;
        if (i + 1 >= argc || parse_size(argv[i + 1], &v) < 0) {
            return -EINVAL;
        }
        if (strcmp(argv[i], "--size") == 0) {
            o->size = v;
        } else if (strcmp(argv[i], "--io") == 0) {
            o->io = v;
        } else if (strcmp(argv[i], "--align") == 0) {
            o->align = v;
        } else if (strcmp(argv[i], "--qd") == 0) {
            o->qd = (unsigned)v;
        } else if (strcmp(argv[i], "--ring-order") == 0) {
            o->ring_order = (unsigned)v;
        } else if (strcmp(argv[i], "--indirect") == 0) {
            o->indirect = v != 0;
        } else if (strcmp(argv[i], "--seed") == 0) {
            o->seed = v;
        } else if (strcmp(argv[i], "--loops") == 0) {
            o->loops = v;
        } else if (strcmp(argv[i], "--queues") == 0) {
            o->queues = (unsigned)v;
        } else if (strcmp(argv[i], "--persistent") == 0) {
            o->persistent = v != 0;
        } else if (strcmp(argv[i], "--random") == 0) {
            o->random = v != 0;
        } else if (strcmp(argv[i], "--unplug") == 0) {
            o->unplug = v != 0;
        } else if (strcmp(argv[i], "--vkbd") == 0) {
            o->vkbd = v != 0;
        } else {
            return -EINVAL;
        }
    }
    if (o->io < 4096 || o->io % 4096 != 0 ||
        o->io / 4096 > BLK_MAX_SEGS - 1 || o->align < 512 ||
        o->queues < 1 || o->queues > BLK_MAX_QUEUES ||
        o->align % 512 != 0 || o->qd < 1 || o->qd > BLK_MAX_QD ||
        o->size < o->io || o->ring_order > 4 || o->loops < 1 ||
        o->loops > 1000000) {
        return -EINVAL;
    }
    return 0;
}

/* A stateless hash of (seed, position, pass): resumable randomness. */
static uint64_t dv_hash(uint64_t seed, uint64_t pos, bool write)
{
    uint64_t x = seed ^ (pos * 0x9e3779b97f4a7c15ull) ^ (write ? 0 : ~0ull);

    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* The next request's shape at *pos; false when the region is done. */
static bool dv_next(struct blk *b, const struct dv_opts *o, bool write,
                    uint64_t *pos, uint64_t end, struct dv_req *r)
{
    unsigned max;

    if (!o->random) {
        if (*pos + o->io > end) {
            return false;
        }
        r->first = 0;
        r->nsect = (unsigned)(o->io / 512);
        r->sector = *pos / 512;
        *pos += o->align > o->io ? o->align : o->io;
        return true;
    }
    if (*pos + 512 > end) {
        return false;
    }
    uint64_t h = dv_hash(o->seed, *pos, write);
    r->first = (unsigned)(h & 7);
    max = blkfront_max_sectors(b, r->first);
    if (max > o->io / 512) {
        max = (unsigned)(o->io / 512);
    }
    r->nsect = 1 + (unsigned)((h >> 8) % max);
    if (*pos + (uint64_t)r->nsect * 512 > end) {
        r->nsect = (unsigned)((end - *pos) / 512);
    }
    r->sector = *pos / 512;
    *pos += (uint64_t)r->nsect * 512;
    return true;
}

/* Checks one completed request of a round. */
static void dv_check(struct blk *b, const struct dv_opts *o, bool write,
                     const struct dv_req *r, uint64_t *bad)
{
    struct blk_slot *sl = &b->q[r->qi].slot[r->slot];
    unsigned k;

    if (sl->status != BLKIF_RSP_OKAY) {
        fprintf(stderr, "blkfront %s: %s at sector %llu failed (%d)\n", b->fe,
                write ? "write" : "read", (unsigned long long)r->sector,
                sl->status);
        (*bad)++;
        return;
    }
    for (k = 0; !write && k < r->nsect; k++) {
        if (!pattern_check(blkfront_sector_ptr(b, r->qi, r->slot, r->first, k),
                           r->sector + k, o->seed)) {
            if (*bad < 5) {
                fprintf(stderr, "blkfront %s: sector %llu differs\n", b->fe,
                        (unsigned long long)(r->sector + k));
            }
            (*bad)++;
        }
    }
}

/* One pass (write or verify) over [start, end) of a disk. */
static int dv_pass(struct blk *b, const struct dv_opts *o, bool write,
                   uint64_t *pos, uint64_t end, uint64_t *bad)
{
    struct dv_req reqs[BLK_MAX_QUEUES * BLK_MAX_QD];

    while (*pos < end) {
        unsigned queued = 0, qi, i, k;
        int rc;

        if (guest_control(b->g, 0) == GUEST_CTL_SUSPEND) {
            return -EINTR;
        }
        /* A round: up to qd requests on every queue, spread evenly. */
        for (i = 0; i < b->qd; i++) {
            for (qi = 0; qi < b->nqueues; qi++) {
                struct dv_req *r = &reqs[queued];
                if (!dv_next(b, o, write, pos, end, r)) {
                    break;
                }
                r->qi = qi;
                r->slot = i;
                for (k = 0; write && k < r->nsect; k++) {
                    pattern_fill(blkfront_sector_ptr(b, qi, i, r->first, k),
                                 r->sector + k, o->seed);
                }
                if ((rc = blkfront_queue(b, qi, i, write, r->sector, r->first,
                                         r->nsect)) < 0) {
                    fprintf(stderr, "blkfront %s: cannot grant: %s\n", b->fe,
                            strerror(-rc));
                    return rc;
                }
                queued++;
            }
        }
        if (queued == 0) {
            break;
        }
        if ((rc = blkfront_kick(b)) < 0) {
            return rc;
        }
        for (unsigned done = 0; done < queued;) {
            rc = blkfront_reap(b, BLK_TIMEOUT_MS);
            if (rc < 0) {
                fprintf(stderr, "blkfront %s: no completion: %s\n", b->fe,
                        strerror(-rc));
                return rc;
            }
            done += (unsigned)rc;
        }
        for (i = 0; i < queued; i++) {
            dv_check(b, o, write, &reqs[i], bad);
        }
    }
    return 0;
}

int guest_disk_verify(struct guest *g, int argc, char **argv)
{
    static struct blk disks[BLK_MAX_DISKS];
    struct guest_state *st = g->state;
    struct dv_opts o;
    struct blk_params bp;
    unsigned n, i, ndisks = 0;
    char **ids;
    uint64_t bad = 0;
    int rc;

    if (parse_opts(argc, argv, &o) < 0) {
        fprintf(stderr, "disk-verify: usage: disk-verify [--size N] [--io N]"
                " [--align N] [--qd N] [--ring-order N] [--indirect 0|1]"
                " [--queues N] [--persistent 0|1] [--random 0|1]"
                " [--unplug 0|1] [--vkbd 0|1]"
                " [--seed N] [--loops N]\n");
        return 2;
    }
    /* A page more than --io: random requests start inside a page
     * (within a direct request's 11 segments without indirect). */
    bp = (struct blk_params){ (unsigned)(o.io / HVC_PAGE_SIZE) + o.random,
                              o.indirect, o.qd, o.ring_order, o.queues,
                              o.persistent };
    if (o.random && !o.indirect &&
        bp.segs > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
        bp.segs = BLKIF_MAX_SEGMENTS_PER_REQUEST;
    }
    if (o.unplug && !g->resumed) {
        if ((rc = guest_platform_unplug(g)) < 0) {
            fprintf(stderr, "disk-verify: unplug failed: %s\n",
                    strerror(-rc));
            return 3;
        }
        printf("disk-verify: emulated disks and NICs unplugged\n");
    }
    if (o.vkbd) {
        if ((rc = guest_vkbd_connect_all(g)) < 0) {
            fprintf(stderr, "disk-verify: vkbd connect failed: %s\n",
                    strerror(-rc));
            return 3;
        }
        printf("disk-verify: %d vkbd(s) connected\n", rc);
    }
    ids = xs_directory(g->xs, XBT_NULL, "device/vbd", &n);
    for (i = 0; ids != NULL && i < n && ndisks < BLK_MAX_DISKS; i++) {
        struct blk *b = &disks[ndisks];
        memset(b, 0, sizeof(*b));
        b->g = g;
        b->vdev = atoi(ids[i]);
        snprintf(b->fe, sizeof(b->fe), "device/vbd/%d", b->vdev);
        if ((rc = blkfront_connect(b, &bp)) < 0) {
            free(ids);
            if (rc == -EINTR) {
                guest_suspend(g);
            }
            fprintf(stderr, "disk-verify: vbd %d: connect failed: %s\n",
                    b->vdev, strerror(-rc));
            return 3;
        }
        printf("disk-verify: vbd %d connected: %llu sectors, %u queue(s), "
               "ring order %u, %s, indirect %u\n", b->vdev,
               (unsigned long long)b->sectors, b->nqueues, b->ring_order,
               b->persistent ? "persistent" : "not persistent",
               b->max_indirect);
        ndisks++;
    }
    free(ids);
    if (ndisks == 0) {
        fprintf(stderr, "disk-verify: no PV disk\n");
        return 4;
    }
    /*
     * progress[0] = disk index, [1] = byte position, [2] = bad sectors,
     * [3] = loop; workload_phase 0 = write, 1 = verify.
     */
    if (g->resumed) {
        printf("disk-verify: resuming at loop %llu, vbd #%llu, %s pass, "
               "byte %llu\n", (unsigned long long)st->progress[3],
               (unsigned long long)st->progress[0],
               st->workload_phase == 0 ? "write" : "verify",
               (unsigned long long)st->progress[1]);
    }
    for (; st->progress[3] < o.loops; st->progress[3]++) {
        struct dv_opts lo = o;
        lo.seed = o.seed + st->progress[3];
        for (i = (unsigned)st->progress[0]; i < ndisks; i++) {
            uint64_t end = disks[i].sectors * 512;
            if (end > o.size) {
                end = o.size;
            }
            while (st->workload_phase < 2) {
                uint64_t pos = st->progress[1];
                rc = dv_pass(&disks[i], &lo, st->workload_phase == 0, &pos,
                             end, &bad);
                st->progress[1] = pos;
                st->progress[2] += bad;
                bad = 0;
                if (rc == -EINTR) {
                    guest_suspend(g);  /* nothing in flight: resumable */
                }
                if (rc < 0) {
                    return 3;
                }
                st->workload_phase++;
                st->progress[1] = 0;
            }
            printf("disk-verify: loop %llu: vbd %d: %llu bytes written and "
                   "verified\n", (unsigned long long)st->progress[3],
                   disks[i].vdev, (unsigned long long)end);
            fflush(stdout);
            st->workload_phase = 0;
            st->progress[0] = i + 1;
        }
        st->progress[0] = 0;
    }
    printf("disk-verify: %s (%llu bad sectors, %u resumes)\n",
           st->progress[2] ? "FAILED" : "all sectors matched",
           (unsigned long long)st->progress[2], st->resumes);
    fflush(stdout);
    return st->progress[2] ? 1 : 0;
}
