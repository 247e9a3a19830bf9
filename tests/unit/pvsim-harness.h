/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A private xensim host with the real xendm binary serving a PV domain,
 * for the PV integration test and the qdisk bench: xensim's hypervisor
 * services (hv-harness.c) and its xenstored (`xensim start`) in a
 * mktemp dir, a PV domain, xendm started with libxl's argv, and a
 * (with -chardev socket,id=libxl-channel1 at DIR/chan1 for a PV console
 * channel) blkfront played by the caller through xensim's guest connection
 * (its memory, grant table and event channels) and libxenstore.
 */
#ifndef XENDM_PVSIM_HARNESS_H
#define XENDM_PVSIM_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "tests/unit/blk-harness.h"
#include "tests/unit/hv-harness.h"

#define RING_GFN 64

struct disk {
    unsigned devid;
    char img[300];
    uint64_t bytes;
    struct fring f;
    uint32_t ring_ref, port, data_ref0, data_gfn0, ndata;
    uint8_t *shadow;
    const char *mode;        /* "w" (default) or "r" */
};

struct env {
    struct hv_harness h;
    char xensim[512], xendm[512];
    pid_t dm;
    pid_t xs_pid;            /* the `xensim start` daemon */
    struct store *st;
    struct hvc *ctl, *guest;
    uint8_t *mem;
    uint64_t pages;
    uint64_t mem_kib;        /* guest memory; 0: 16 MiB */
    uint32_t domid;
    uint32_t seed;
};

/* 0, -ENOENT when xensim or xendm is not built, -EIO on failure. */
int env_start(struct env *e);
void env_stop(struct env *e);
bool wait_key(struct env *e, const char *path, const char *want, int ms);
int put(struct env *e, const char *fmt, const char *val, ...)
    __attribute__((format(printf, 2, 4)));
uint8_t *gpage(struct env *e, uint32_t gfn);
/* libxl's dirs for a disk of `bytes` whose ring is at guest frame gfn0
 * and whose `ndata` data pages follow it. */
void disk_add(struct env *e, struct disk *d, unsigned devid, uint32_t gfn0,
              uint64_t bytes, uint32_t ndata);
bool disk_connect(struct env *e, struct disk *d);
/*
 * Several queues of one disk (multi-queue-num-queues): qs[0] made by
 * disk_add, queue i > 0 by disk_queue_add with its own ring frame
 * gfn0 (its data pages follow); all share the image and its shadow.
 */
void disk_queue_add(struct disk *qs, unsigned i, uint32_t gfn0);
bool disk_connect_mq(struct env *e, struct disk *qs, unsigned n);
/* A random write then read back (1..11 segments, random sector
 * ranges), checked against d->shadow, which records what was written. */
bool disk_roundtrip(struct env *e, struct disk *d);
/* The image file holds exactly d->shadow. */
bool disk_file_matches(const struct disk *d);
int disk_wait(struct env *e, struct disk *d, unsigned n, int16_t *st);
void msleep(int ms);
/* False (and reaped, with a TAP comment) once xendm has exited. */
bool env_dm_alive(struct env *e);
/* VmRSS of the xendm process in KiB, or -1. */
long env_dm_rss_kb(struct env *e);

#endif
