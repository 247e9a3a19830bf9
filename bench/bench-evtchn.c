/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Benchmark of xensim's hypervisor services, each against a raw
 * eventfd ping-pong between two processes measured in the same run:
 *   1. event-channel notify round trip: xendm's seam (xen/hv-sim.c)
 *      in one process, a simulated guest (hvclient guest API) in the
 *      other, notifying each other back and forth;
 *   2. port-I/O ioreq round trip: a simulated vCPU issues `inb`, the
 *      xensim daemon writes the ioreq page and notifies a device model
 *      (on the seam), which answers; the daemon replies to the vCPU.
 * Usage: bench-evtchn [ROUNDS]   (XENSIM_DIR: an xensim to use; else
 * the service runs in a child process in a temporary directory).
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xen/hvm/ioreq.h>

#include "bench/bench-floor.h"
#include "src/loop.h"
#include "tests/unit/hv-harness.h"
#include "xen/hv.h"
#include "xensim/hvclient.h"

static int seam_wait(struct hv *hv)
{
    struct pollfd pfd = {hv_evtchn_fd(hv), POLLIN, 0};
    int port;

    while ((port = hv_evtchn_pending(hv)) == -EAGAIN) {
        poll(&pfd, 1, -1);
    }
    if (port >= 0) {
        hv_evtchn_unmask(hv, (uint32_t)port);
    }
    return port;
}

static double bench_evtchn(const char *dir, struct hvc *ctl, unsigned rounds)
{
    struct hvc_domain_config cfg = {HVC_DOM_PV, 1, 1024, 0, 0};
    char err[256];
    struct hv *hv;
    uint32_t d;
    uint64_t t0;
    unsigned i;
    int p[2], gp = -1, bp;
    pid_t pid;

    if (hvc_domain_create(ctl, &cfg, &d) < 0 || pipe(p) < 0) {
        return -1;
    }
    pid = fork();
    if (pid == 0) {
        struct hvc *g = hvc_open(dir, d);
        int port = g ? hvc_evtchn_alloc_unbound(g, 0) : -1;

        if (write(p[1], &port, sizeof(port)) != sizeof(port) || port < 0) {
            _exit(1);
        }
        for (i = 0; i < rounds; i++) {
            if (hvc_evtchn_wait(g, -1) != port) {
                _exit(1);
            }
            hvc_evtchn_unmask(g, (uint32_t)port);
            hvc_evtchn_notify(g, (uint32_t)port);
        }
        _exit(0);
    }
    if (read(p[0], &gp, sizeof(gp)) != sizeof(gp) || gp < 0) {
        return -1;
    }
    hv = hv_open(err, sizeof(err));
    bp = hv ? hv_evtchn_bind_interdomain(hv, d, (uint32_t)gp) : -1;
    if (bp < 0) {
        fprintf(stderr, "bind failed: %s\n", hv ? strerror(-bp) : err);
        return -1;
    }
    t0 = loop_now_ns();
    for (i = 0; i < rounds; i++) {
        hv_evtchn_notify(hv, (uint32_t)bp);
        if (seam_wait(hv) != bp) {
            break;
        }
    }
    t0 = loop_now_ns() - t0;
    waitpid(pid, NULL, 0);
    hv_close(hv);
    hvc_domain_destroy(ctl, d);
    close(p[0]);
    close(p[1]);
    return i == rounds ? (double)t0 / rounds : -1;
}

/* A device model answering every read of port 0x3f8 with 0x5a. */
static void dm_main(uint32_t d, int ready)
{
    char err[256];
    struct hv *hv = hv_open(err, sizeof(err));
    shared_iopage_t *iop;
    void *ip = NULL, *bp = NULL;
    uint32_t bufport;
    uint16_t id;
    int port, rc;

    rc = hv ? hv_ioreq_server_create(hv, d, false, &id) : -1;
    rc = rc ? rc : hv_ioreq_server_map(hv, d, id, &ip, &bp, &bufport);
    rc = rc ? rc : hv_ioreq_server_set_state(hv, d, id, true);
    iop = ip;
    port = rc ? rc
              : hv_evtchn_bind_interdomain(hv, d, iop->vcpu_ioreq[0].vp_eport);
    rc = port < 0 ? port : 0;
    rc = rc ? rc
            : hv_ioreq_server_map_range(hv, d, id, HV_IOREQ_RANGE_PORT, 0x3f8,
                                        0x3ff);
    if (write(ready, &rc, sizeof(rc)) != sizeof(rc) || rc) {
        _exit(1);
    }
    for (;;) {
        ioreq_t *r = &iop->vcpu_ioreq[0];

        if (seam_wait(hv) != port || r->state != STATE_IOREQ_READY) {
            continue;
        }
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        r->state = STATE_IOREQ_INPROCESS;
        if (r->dir == IOREQ_READ) {
            r->data = 0x5a;
        }
        __atomic_thread_fence(__ATOMIC_RELEASE);
        r->state = STATE_IORESP_READY;
        hv_evtchn_notify(hv, (uint32_t)port);
    }
}

static double bench_ioreq(const char *dir, struct hvc *ctl, unsigned rounds)
{
    struct hvc_domain_config cfg = {HVC_DOM_HVM, 1, 4096, 0, 0};
    struct hvc *g;
    uint32_t d;
    uint64_t t0;
    unsigned i;
    int p[2], rc = -1;
    pid_t pid;

    if (hvc_domain_create(ctl, &cfg, &d) < 0 || pipe(p) < 0) {
        return -1;
    }
    pid = fork();
    if (pid == 0) {
        dm_main(d, p[1]);
    }
    if (read(p[0], &rc, sizeof(rc)) != sizeof(rc) || rc != 0 ||
        !(g = hvc_open(dir, d))) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return -1;
    }
    t0 = loop_now_ns();
    for (i = 0; i < rounds; i++) {
        struct hvc_io x = {IOREQ_TYPE_PIO, IOREQ_READ, 0, 0, 1, 1,
                           false,          0x3f8,      0, 0};

        if (hvc_vcpu_io(g, d, 0, &x) < 0 || x.data != 0x5a) {
            break;
        }
    }
    t0 = loop_now_ns() - t0;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    hvc_close(g);
    hvc_domain_destroy(ctl, d);
    close(p[0]);
    close(p[1]);
    return i == rounds ? (double)t0 / rounds : -1;
}

static double min_of(double a, double b)
{
    return (a < 0 || (b >= 0 && b < a)) ? b : a;
}

int main(int argc, char **argv)
{
    unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : 20000;
    struct hv_harness h = {.pid = 0};
    const char *dir;
    double raw = -1, evt = -1, ior = -1;
    struct hvc *ctl;
    int rep;

    ctl = bench_hv_open(&h, &dir);
    if (ctl == NULL) {
        return 1;
    }
    /*
     * Interleaved, best of three, one eventfd floor (the best of all
     * its runs) for both ratios: the machine is shared and noisy.
     */
    for (rep = 0; rep < 3; rep++) {
        raw = min_of(raw, bench_eventfd(rounds / 3));
        evt = min_of(evt, bench_evtchn(dir, ctl, rounds / 3));
        raw = min_of(raw, bench_eventfd(rounds / 6));
        ior = min_of(ior, bench_ioreq(dir, ctl, rounds / 6));
    }
    printf("event-channel notify round trip (seam <-> guest): %.0f ns; "
           "eventfd ping-pong: %.0f ns; ratio %.2f\n",
           evt, raw, evt / raw);
    printf("port-I/O ioreq round trip (vCPU -> xensim -> DM -> vCPU): "
           "%.0f ns; eventfd ping-pong: %.0f ns; ratio %.2f\n",
           ior, raw, ior / raw);
    bench_hv_close(&h, ctl);
    return evt < 0 || ior < 0;
}
