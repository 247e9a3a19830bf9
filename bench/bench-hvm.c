/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Benchmark of xendm's HVM machine behind its ioreq server on xensim,
 * each figure against a baseline measured in the same run:
 *   1. port-I/O round trip: the simulated vCPU reads the UART scratch
 *      register (vCPU -> xensim -> xendm's ioreq server -> machine ->
 *      back), against a blocking eventfd ping-pong between two
 *      processes (the floor of any cross-process round trip);
 *   2. buffered ioreq writes per second (outb to the scratch register
 *      through the buffered ring, drained by the server), against
 *      synchronous writes per second of the same register.
 * Usage: bench-hvm [ROUNDS [rt|rings]]   (XENSIM_DIR: an xensim to use;
 * else the service runs in a child process in a temporary directory).
 * With "rt" only the round trips run, nothing else: for profiling
 * (`strace -f -c`, `perf stat`) per round trip.  With "rings" the
 * three-process rings of bench-floor.h are measured too and printed
 * beside the round trip (where the remaining cost lies).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hw/emu/ioreq.h"
#include "hw/emu/pc-hv.h"
#include "bench/bench-floor.h"
#include "src/loop.h"
#include "tests/unit/hv-harness.h"
#include "xen/hv.h"
#include "xensim/hvclient.h"

static void dm_evtchn(struct loop *loop, int fd, unsigned events,
                      void *opaque)
{
    (void)loop;
    (void)fd;
    (void)events;
    ioreq_server_poll(opaque);
}

/* xendm's machine and ioreq server, as the daemon runs them. */
static void dm_main(uint32_t domid, int ready_fd)
{
    struct loop *loop;
    static struct machine m;
    static struct ioreq_server s;
    static struct pc_hv_host host;
    struct machine_config cfg;
    char err[256] = "";
    struct hv *hv = hv_open(err, sizeof(err));
    int rc = hv ? hv_restrict(hv, domid) : -ENOENT;

    if (rc == 0) {
        pc_hv_host_init(&host, hv, domid);
        machine_config_xenfv(&cfg, 16);
        rc = machine_init(&m, &cfg, &pc_hv_ops, &host);
    }
    rc = rc ? rc : ioreq_server_start(&s, hv, domid, 1, &m, err, sizeof(err));
    if (write(ready_fd, &rc, sizeof(rc)) != sizeof(rc) || rc != 0) {
        _exit(1);
    }
    /* the daemon's epoll loop, as hvm-machine.c registers the fd */
    loop = loop_new();
    if (loop == NULL || loop_fd_add(loop, hv_evtchn_fd(hv), LOOP_READ,
                                    dm_evtchn, &s) < 0) {
        _exit(1);
    }
    loop_run(loop);
    _exit(0);
}

static int io(struct hvc *g, uint32_t d, uint8_t dir, bool buffered,
              uint64_t *v)
{
    struct hvc_io x = { IOREQ_TYPE_PIO, dir, 0, 0, 1, 1, buffered, 0x3ff,
                        *v, 0 };
    int rc = hvc_vcpu_io(g, d, 0, &x);

    *v = x.data;
    return rc;
}

struct result {
    double rt_ns;           /* read round trip */
    double sync_wps;        /* synchronous writes per second */
    double buf_wps;         /* buffered writes per second */
};

static int bench_machine(const char *dir, struct hvc *ctl, unsigned rounds,
                         bool rt_only, struct result *r)
{
    struct hvc_domain_config cfg = { HVC_DOM_HVM, 1, 16384, 0, 0 };
    struct hvc *g = NULL;
    uint32_t d;
    uint64_t t0, v = 0x5a;
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
        rc = -1;
        goto out;
    }
    io(g, d, IOREQ_WRITE, false, &v);
    t0 = loop_now_ns();
    for (i = 0; i < rounds; i++) {
        v = 0;
        if (io(g, d, IOREQ_READ, false, &v) < 0 || v != 0x5a) {
            break;
        }
    }
    r->rt_ns = (double)(loop_now_ns() - t0) / rounds;
    rc = i == rounds ? 0 : -1;
    if (rt_only) {
        goto out;
    }
    t0 = loop_now_ns();
    for (i = 0; rc == 0 && i < rounds; i++) {
        v = i & 0xff;
        rc = io(g, d, IOREQ_WRITE, false, &v);
    }
    r->sync_wps = rounds * 1e9 / (double)(loop_now_ns() - t0);
    t0 = loop_now_ns();
    for (i = 0; rc == 0 && i < rounds; i++) {
        v = i & 0xff;
        rc = io(g, d, IOREQ_WRITE, true, &v);
    }
    v = 0;
    rc = rc ? rc : io(g, d, IOREQ_READ, false, &v);   /* all landed */
    r->buf_wps = rounds * 1e9 / (double)(loop_now_ns() - t0);
    if (rc == 0 && v != ((rounds - 1) & 0xff)) {
        rc = -1;
    }
out:
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    if (g) {
        hvc_close(g);
    }
    hvc_domain_destroy(ctl, d);
    close(p[0]);
    close(p[1]);
    return rc;
}

int main(int argc, char **argv)
{
    unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : 20000;
    bool rt_only = argc > 2 && strcmp(argv[2], "rt") == 0;
    bool rings = argc > 2 && strcmp(argv[2], "rings") == 0;
    struct hv_harness h = { .pid = 0 };
    const char *dir;
    struct result r = { 0, 0, 0 };
    double raw;
    struct hvc *ctl;
    int rc;

    ctl = bench_hv_open(&h, &dir);
    if (ctl == NULL) {
        return 1;
    }
    raw = rt_only ? 1 : bench_eventfd(rounds);
    rc = bench_machine(dir, ctl, rounds, rt_only, &r);
    if (rc == 0 && rings) {
        double r3 = bench_ring3(rounds, false), r3s = bench_ring3(rounds, true);

        printf("three-process rings (the round trip's shape, no work): "
               "eventfd %.0f ns (%.2f x ping-pong), first hop a SEQPACKET "
               "message %.0f ns (%.2f x); round trip %.2f x the latter\n",
               r3, r3 / raw, r3s, r3s / raw, r.rt_ns / r3s);
    }
    if (rc == 0 && rt_only) {
        printf("port-I/O round trip: %.0f ns\n", r.rt_ns);
    } else if (rc == 0) {
        printf("port-I/O round trip (vCPU -> xensim -> xendm ioreq server "
               "-> UART -> vCPU): %.0f ns; eventfd ping-pong: %.0f ns; "
               "ratio %.2f\n", r.rt_ns, raw, r.rt_ns / raw);
        printf("buffered ioreq writes: %.0f /s; synchronous writes: %.0f /s;"
               " ratio %.2f\n", r.buf_wps, r.sync_wps, r.buf_wps / r.sync_wps);
    } else {
        fprintf(stderr, "bench-hvm: the machine run failed\n");
    }
    bench_hv_close(&h, ctl);
    return rc != 0;
}
