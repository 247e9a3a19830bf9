/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A hostile block backend for the simulated guest's blkfront: run as
 * the control domain against a paused domain created by `xensim create
 * -p` (guest = "disk-verify"), it adds a vbd the way libxl would, plays
 * the backend side of the handshake for real (grant-maps the ring,
 * binds the event channel), then answers the first request with a
 * broken response chosen by MODE:
 *
 *   badid    a response whose id matches nothing in flight
 *   overrun  rsp_prod claiming far more responses than the ring holds
 *   geometry sector-size 4096 (the frontend must refuse it)
 *
 * Usage: ts-hostile-blk DOMID MODE.  Exits 0 once its part is done;
 * the test script then checks that the guest program ended with a
 * protocol error instead of crashing or hanging.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include <stdint.h>
#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/io/blkif.h>

#include "xensim/hvclient.h"

static struct xs_handle *xs;
static char be[128], fe[128];

static void put(const char *dir, const char *key, const char *val,
                unsigned owner, unsigned reader)
{
    char path[256];
    struct xs_permissions p[2] = { { owner, XS_PERM_NONE },
                                   { reader, XS_PERM_READ } };

    snprintf(path, sizeof(path), "%s%s%s", dir, key[0] ? "/" : "", key);
    if (!xs_write(xs, XBT_NULL, path, val, strlen(val)) ||
        !xs_set_permissions(xs, XBT_NULL, path, p, 2)) {
        fprintf(stderr, "hostile: write %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

static long get(const char *dir, const char *key)
{
    char path[256], *v;
    unsigned len;
    long n;

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    v = xs_read(xs, XBT_NULL, path, &len);
    n = v != NULL ? strtol(v, NULL, 10) : -1;
    free(v);
    return n;
}

static int wait_front(long state)
{
    int i;

    for (i = 0; i < 4800; i++) { /* 2 min: a bound, not a delay */
        struct timespec t = { 0, 25 * 1000 * 1000 };
        if (get(fe, "state") == state) {
            return 0;
        }
        nanosleep(&t, NULL);
    }
    return -ETIMEDOUT;
}

int main(int argc, char **argv)
{
    const char *dir = getenv("XENSIM_DIR");
    struct hvc *hv;
    blkif_back_ring_t ring;
    blkif_sring_t *sring;
    uint32_t domid, ref;
    int port, i;
    char num[16];

    if (argc != 3 || dir == NULL) {
        fprintf(stderr, "usage: XENSIM_DIR=... ts-hostile-blk DOMID MODE\n");
        return 2;
    }
    domid = (uint32_t)strtoul(argv[1], NULL, 10);
    hv = hvc_open(dir, HVC_CONTROL);
    xs = xs_open(0);
    if (hv == NULL || xs == NULL) {
        fprintf(stderr, "hostile: cannot connect\n");
        return 1;
    }
    snprintf(be, sizeof(be), "/local/domain/0/backend/qdisk/%u/51712", domid);
    snprintf(fe, sizeof(fe), "/local/domain/%u/device/vbd/51712", domid);
    snprintf(num, sizeof(num), "%u", domid);
    put(be, "", "", 0, domid);
    put(be, "frontend", fe, 0, domid);
    put(be, "frontend-id", num, 0, domid);
    put(be, "online", "1", 0, domid);
    put(be, "sectors", "2048", 0, domid);
    put(be, "sector-size", strcmp(argv[2], "geometry") == 0 ? "4096" : "512",
        0, domid);
    put(be, "state", "2", 0, domid);
    put(fe, "", "", domid, 0);
    put(fe, "backend", be, domid, 0);
    put(fe, "backend-id", "0", domid, 0);
    put(fe, "virtual-device", "51712", domid, 0);
    put(fe, "state", "1", domid, 0);
    hvc_domain_unpause(hv, domid);

    if (wait_front(3) < 0) {
        fprintf(stderr, "hostile: the frontend never initialised\n");
        return 1;
    }
    ref = (uint32_t)get(fe, "ring-ref");
    port = hvc_evtchn_bind_interdomain(hv, domid,
                                       (uint32_t)get(fe, "event-channel"));
    sring = hvc_grant_map(hv, domid, 1, &ref, HVC_PROT_READ | HVC_PROT_WRITE);
    if (sring == NULL || port < 0) {
        fprintf(stderr, "hostile: cannot map the ring or bind the port\n");
        return 1;
    }
    BACK_RING_INIT(&ring, sring, HVC_PAGE_SIZE);
    put(be, "state", "4", 0, domid);
    if (strcmp(argv[2], "geometry") == 0) {
        goto out;                /* the frontend must refuse and stop */
    }
    for (i = 0; i < 4800 && sring->req_prod == 0; i++) {
        struct timespec t = { 0, 25 * 1000 * 1000 };
        nanosleep(&t, NULL);
    }
    if (sring->req_prod == 0) {
        fprintf(stderr, "hostile: no request came\n");
        return 1;
    }
    if (strcmp(argv[2], "badid") == 0) {
        blkif_response_t *r = RING_GET_RESPONSE(&ring, 0);
        r->id = 0xdeadbeefull;
        r->operation = BLKIF_OP_WRITE;
        r->status = BLKIF_RSP_OKAY;
        wmb();
        sring->rsp_prod = 1;
    } else {
        wmb();
        sring->rsp_prod = 100000;   /* far past the ring */
    }
    hvc_evtchn_notify(hv, (uint32_t)port);
    printf("hostile: sent a %s response\n", argv[2]);
out:
    hvc_grant_unmap(hv, sring, 1);
    xs_close(xs);
    hvc_close(hv);
    return 0;
}
