/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vCPU port-I/O fast path (xensim/hvc-fast.c) against the
 * daemon-routed path it bypasses: a device model in a child process
 * (xendm's seam, xen/hv-sim.c) serves a register file on ports
 * 0x3f8-0x3ff and 0x500-0x503 and PCI config for 00:03.0; the test is
 * the simulated vCPU.  hvc_io_stats says which path each access took,
 * so every check knows the path it exercised: the same accesses give
 * the same answers both ways; PCI config, unclaimed ports, buffered
 * writes and MMIO go to the daemon; a range removed or re-added under
 * a client is honoured; a paused domain holds a fast-eligible access;
 * a client killed with a fast access in flight leaves the vCPU usable
 * once the device model answered;
 * a server destroyed with a fast access in flight answers all ones.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xen/hvm/ioreq.h>

#include "tests/tap.h"
#include "tests/unit/hv-harness.h"
#include "tests/unit/ioreq-harness.h"
#include "xen/hv.h"
#include "xensim/hvclient.h"

#define FAST_KILL_PORT 0x3ff /* the device model destroys its server */

static struct hv_harness H;

struct fdm {
    struct hv *hv;
    uint32_t domid;
    uint16_t id;
    shared_iopage_t *iop;
    buffered_iopage_t *bp;
    int vport[2];
    uint8_t regs[16];
    uint8_t cfg[256];
};

static uint64_t fdm_access(struct fdm *dm, const ioreq_t *r)
{
    uint32_t i, n = r->size > 4 ? 4 : r->size;
    uint8_t *base;
    uint64_t v = 0;

    if (r->type == IOREQ_TYPE_PCI_CONFIG) {
        base = dm->cfg + (r->addr & 0xfc);
    } else if (r->addr >= 0x3f8 && r->addr <= 0x3ff) {
        base = dm->regs + (r->addr - 0x3f8);
    } else if (r->addr >= 0x500 && r->addr <= 0x503) {
        base = dm->regs + 8 + (r->addr - 0x500);
    } else {
        return ~0ull;
    }
    if (r->type == IOREQ_TYPE_PCI_CONFIG) {
        base += r->addr & 3;
    }
    for (i = 0; i < n; i++) {
        if (r->dir == IOREQ_WRITE) {
            base[i] = (uint8_t)(r->data >> (8 * i));
        } else {
            v |= (uint64_t)base[i] << (8 * i);
        }
    }
    return v;
}

/* Posted writes (one-slot ones: this test posts bytes only). */
static void fdm_drain(struct fdm *dm)
{
    uint32_t rd, wr;

    for (;;) {
        rd = __atomic_load_n(&dm->bp->read_pointer, __ATOMIC_ACQUIRE);
        wr = __atomic_load_n(&dm->bp->write_pointer, __ATOMIC_ACQUIRE);
        if (rd == wr) {
            return;
        }
        {
            buf_ioreq_t b = dm->bp->buf_ioreq[rd % IOREQ_BUFFER_SLOT_NUM];
            ioreq_t r = {.addr = b.addr, .data = b.data, .size = 1,
                         .dir = IOREQ_WRITE, .type = b.type};

            fdm_access(dm, &r);
        }
        __atomic_fetch_add(&dm->bp->read_pointer, 1, __ATOMIC_RELEASE);
    }
}

static void fdm_serve(struct fdm *dm, uint32_t v)
{
    ioreq_t *r = &dm->iop->vcpu_ioreq[v];
    ioreq_t req;

    if (r->state != STATE_IOREQ_READY) {
        return;
    }
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    r->state = STATE_IOREQ_INPROCESS;
    req = *r;
    if (req.type == IOREQ_TYPE_PIO && req.addr == FAST_KILL_PORT &&
        req.dir == IOREQ_READ && req.size == 1) {
        hv_ioreq_server_destroy(dm->hv, dm->domid, dm->id); /* unanswered */
        return;
    }
    if (req.dir == IOREQ_READ) {
        r->data = fdm_access(dm, &req);
    } else {
        fdm_access(dm, &req);
    }
    __atomic_thread_fence(__ATOMIC_RELEASE);
    r->state = STATE_IORESP_READY;
    hv_evtchn_notify(dm->hv, (uint32_t)dm->vport[v]);
}

static int fdm_setup(struct fdm *dm, uint32_t domid)
{
    char err[256];
    void *iop, *bp;
    uint32_t bufport, v;
    int rc;

    dm->domid = domid;
    dm->hv = hv_open(err, sizeof(err));
    if (!dm->hv) {
        return -1;
    }
    rc = hv_restrict(dm->hv, domid);
    rc = rc ? rc : hv_ioreq_server_create(dm->hv, domid, true, &dm->id);
    rc = rc ? rc
            : hv_ioreq_server_map(dm->hv, domid, dm->id, &iop, &bp, &bufport);
    if (rc) {
        return rc;
    }
    dm->iop = iop;
    dm->bp = bp;
    rc = hv_ioreq_server_set_state(dm->hv, domid, dm->id, true);
    for (v = 0; rc == 0 && v < 2; v++) {
        dm->vport[v] = hv_evtchn_bind_interdomain(
            dm->hv, domid, dm->iop->vcpu_ioreq[v].vp_eport);
        rc = dm->vport[v] < 0 ? dm->vport[v] : 0;
    }
    if (rc == 0 && hv_evtchn_bind_interdomain(dm->hv, domid, bufport) < 0) {
        rc = -EIO;
    }
    rc = rc ? rc
            : hv_ioreq_server_map_range(dm->hv, domid, dm->id,
                                        HV_IOREQ_RANGE_PORT, 0x3f8, 0x3ff);
    rc = rc ? rc
            : hv_ioreq_server_map_range(dm->hv, domid, dm->id,
                                        HV_IOREQ_RANGE_PORT, 0x500, 0x503);
    rc = rc ? rc
            : hv_ioreq_server_map_pcidev(dm->hv, domid, dm->id, 0, 0, 3, 0);
    dm->cfg[0] = 0x53, dm->cfg[1] = 0x58, dm->cfg[2] = 0x01;
    return rc;
}

static void fdm_main(uint32_t domid, uint32_t vcpus, int ready_fd)
{
    struct fdm *dm = calloc(1, sizeof(*dm));
    struct pollfd pfd;
    int port;

    (void)vcpus;
    dmproc_ready(ready_fd, dm ? fdm_setup(dm, domid) : -ENOMEM);
    pfd = (struct pollfd){hv_evtchn_fd(dm->hv), POLLIN, 0};
    for (;;) {
        if (poll(&pfd, 1, -1) < 0) {
            continue;
        }
        while ((port = hv_evtchn_pending(dm->hv)) >= 0) {
            hv_evtchn_unmask(dm->hv, (uint32_t)port);
            fdm_drain(dm);
            if (port == dm->vport[0] || port == dm->vport[1]) {
                fdm_serve(dm, port == dm->vport[1] ? 1 : 0);
            }
        }
    }
}

/* An access by vCPU v; which path it took is added to *st. */
static int fio(struct hvc *g, uint32_t d, uint32_t v, uint8_t type,
               uint8_t dir, uint64_t addr, uint32_t size, uint64_t *val,
               bool buffered)
{
    struct hvc_io x = {type, dir, 0, 0, size, 1, buffered, addr, *val, 0};
    int rc = hvc_vcpu_io(g, d, v, &x);

    *val = x.data;
    return rc;
}

static uint64_t frd(struct hvc *g, uint32_t d, uint64_t port, uint32_t size)
{
    uint64_t v = 0x1234;

    return fio(g, d, 0, IOREQ_TYPE_PIO, IOREQ_READ, port, size, &v, false) < 0
               ? 0x1234
               : v;
}

static int fwr(struct hvc *g, uint32_t d, uint64_t port, uint32_t size,
               uint64_t v)
{
    return fio(g, d, 0, IOREQ_TYPE_PIO, IOREQ_WRITE, port, size, &v, false);
}

/* Fast or routed counts moved by (df, dr) since *before. */
static bool fmoved(struct hvc *g, struct hvc_io_stats *before, uint64_t df,
                   uint64_t dr)
{
    struct hvc_io_stats now;
    bool right;

    hvc_io_stats(g, &now);
    right = now.fast - before->fast == df && now.routed - before->routed == dr;
    if (!right) {
        printf("# fast +%llu routed +%llu, expected +%llu +%llu\n",
               (unsigned long long)(now.fast - before->fast),
               (unsigned long long)(now.routed - before->routed),
               (unsigned long long)df, (unsigned long long)dr);
    }
    *before = now;
    return right;
}

/* The same sequence both ways must read the same values. */
static void test_both_paths(struct hvc *g, uint32_t d)
{
    struct hvc_io_stats st;
    uint64_t got[2][6];
    int pass, i;

    fwr(g, d, 0x3f9, 1, 0); /* first contact: the daemon hands out EV_FAST */
    for (pass = 0; pass < 2; pass++) {
        hvc_set_io_fast(g, pass == 0);
        hvc_io_stats(g, &st);
        fwr(g, d, 0x3f9, 1, 0xa5 + pass);
        fwr(g, d, 0x3fa, 2, 0xbeef - pass);
        fwr(g, d, 0x500, 4, 0x11223344u + pass);
        got[pass][0] = frd(g, d, 0x3f9, 1);
        got[pass][1] = frd(g, d, 0x3fa, 2);
        got[pass][2] = frd(g, d, 0x500, 4);
        got[pass][3] = frd(g, d, 0x501, 2);
        got[pass][4] = frd(g, d, 0x3f8, 4);
        got[pass][5] = frd(g, d, 0x3fc, 1);
        ok(fmoved(g, &st, pass == 0 ? 9 : 0, pass == 0 ? 0 : 9),
           pass == 0 ? "fast path: nine accesses, none routed"
                     : "fast path off: nine accesses, all routed");
    }
    hvc_set_io_fast(g, true);
    for (pass = 0; pass < 2; pass++) {
        uint64_t want[6] = {0xa5u + pass,
                            0xbeefu - pass,
                            0x11223344u + pass,
                            0x2233,
                            (0xbeefu - pass) << 16 | (0xa5u + pass) << 8,
                            0};

        for (i = 0; i < 6; i++) {
            ok(got[pass][i] == want[i], "%s read %d: %#llx (want %#llx)",
               pass == 0 ? "fast" : "routed", i,
               (unsigned long long)got[pass][i], (unsigned long long)want[i]);
        }
    }
}

static void test_fallbacks(struct hvc *g, struct hvc *ctl, uint32_t d)
{
    struct hvc_io_stats st;
    struct hvc_dm_state ds0, ds1;
    uint64_t v;

    hvc_dm_state(ctl, d, &ds0);
    hvc_io_stats(g, &st);
    is_int(fwr(g, d, 0xcf8, 4, 0x80001800u), 0, "cf8 latch");
    is_int(frd(g, d, 0xcfc, 2), 0x5853, "cfc: vendor through the daemon");
    is_int(frd(g, d, 0xcfe, 2), 0x0001, "cfe: device through the daemon");
    ok(fmoved(g, &st, 0, 3), "PCI config mechanism: routed");
    is_int(frd(g, d, 0x80, 1), 0xff, "unclaimed port: ones");
    is_int(fwr(g, d, 0x80, 1, 1), 0, "unclaimed write");
    ok(fmoved(g, &st, 0, 2), "unclaimed: routed");
    v = 0x77;
    is_int(fio(g, d, 0, IOREQ_TYPE_PIO, IOREQ_WRITE, 0x3fc, 1, &v, true), 0,
           "buffered write");
    ok(fmoved(g, &st, 0, 1), "buffered write: routed");
    is_int(frd(g, d, 0x3fc, 1), 0x77, "and it landed (read fast)");
    ok(fmoved(g, &st, 1, 0), "the read back: fast");
    v = 0;
    is_int(fio(g, d, 0, IOREQ_TYPE_COPY, IOREQ_READ, 0xfe000000, 4, &v, false),
           0, "MMIO read");
    ok(v == 0xffffffffu && fmoved(g, &st, 0, 1), "MMIO: routed, unclaimed");
    is_int(frd(g, d, 0x3ff, 2), 0xffff, "a word across 0x3ff/0x400: ones");
    ok(fmoved(g, &st, 0, 1), "an access beyond a range: routed");
    hvc_dm_state(ctl, d, &ds1);
    /* 2 PCI config + 1 buffered + 1 fast read reached the server */
    is_int(ds1.ioreqs - ds0.ioreqs, 4, "DM_STATE counts fast ones too");
    is_int(vcpu_rd(ctl, d, IOREQ_TYPE_PIO, 0x3fc, 1), 0x77,
           "a second client on vCPU 0 (control) reads the same");
}

/* The control client maps and unmaps 0x500-0x503 under a vCPU. */
static void test_ranges(struct hvc *g, struct hvc *ctl, uint32_t d)
{
    struct hvc_io_stats st;
    int i, dev = 0, ones = 0, other = 0, flips = 0;
    pid_t pid;

    fwr(g, d, 0x500, 4, 0x5a5a5a5a);
    hvc_io_stats(g, &st);
    is_int(hvc_ioreq_server_range(ctl, d, 0, HVC_RANGE_PORT, false, 0x500,
                                  0x503),
           0, "range 0x500-0x503 removed");
    is_int(frd(g, d, 0x500, 4), 0xffffffffu, "its port reads ones now");
    ok(fmoved(g, &st, 0, 1), "routed (the snapshot moved)");
    is_int(hvc_ioreq_server_range(ctl, d, 0, HVC_RANGE_PORT, true, 0x500,
                                  0x503),
           0, "and mapped again");
    is_int(frd(g, d, 0x500, 4), 0x5a5a5a5a, "the device answers again");
    ok(fmoved(g, &st, 1, 0), "fast again");

    /* the range flips while the vCPU reads: device or ones, never else */
    pid = fork();
    if (pid == 0) {
        struct hvc *c2 = hvc_open(H.dir, HVC_CONTROL);

        for (;;) {
            hvc_ioreq_server_range(c2, d, 0, HVC_RANGE_PORT, flips & 1, 0x500,
                                   0x503);
            flips++;
        }
    }
    for (i = 0; i < 3000; i++) {
        uint64_t v = frd(g, d, 0x500, 4);

        dev += v == 0x5a5a5a5a;
        ones += v == 0xffffffffu;
        other += v != 0x5a5a5a5a && v != 0xffffffffu;
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    hvc_ioreq_server_range(ctl, d, 0, HVC_RANGE_PORT, true, 0x500, 0x503);
    is_int(other, 0, "range flipping under the vCPU: no wrong answer");
    ok(dev > 0 && ones > 0, "both answers seen (%d device, %d ones)", dev,
       ones);
    is_int(frd(g, d, 0x500, 4), 0x5a5a5a5a, "the range is back");
}

/*
 * A child vCPU client on vCPU 0: warms up (a routed access, then a
 * fast one), reports its fast count on *rd_fd, waits for a byte on
 * *go_fd, reads 0x3f9 and reports the value.
 */
static pid_t fchild(uint32_t d, int *rd_fd, int *go_fd)
{
    int p[2], q[2];
    pid_t pid;

    if (pipe(p) < 0 || pipe(q) < 0) {
        return -1;
    }
    pid = fork();
    if (pid == 0) {
        struct hvc *g = hvc_open(H.dir, d);
        struct hvc_io_stats st = {0, 0};
        uint64_t v;
        char go;

        if (g) {
            frd(g, d, 0x3f9, 1);
            frd(g, d, 0x3f9, 1);
            hvc_io_stats(g, &st);
        }
        v = st.fast;
        if (write(p[1], &v, sizeof(v)) != sizeof(v) ||
            read(q[0], &go, 1) != 1) {
            _exit(1);
        }
        v = g ? frd(g, d, 0x3f9, 1) : 0;
        _exit(write(p[1], &v, sizeof(v)) == sizeof(v) ? 0 : 1);
    }
    close(p[1]);
    close(q[0]);
    *rd_fd = p[0];
    *go_fd = q[1];
    return pid;
}

static void test_pause(struct hvc *g, struct hvc *ctl, uint32_t d)
{
    uint64_t want = frd(g, d, 0x3f9, 1), v = 0;
    struct pollfd pfd;
    pid_t pid;
    int fd, go;

    pid = fchild(d, &fd, &go);
    pfd = (struct pollfd){fd, POLLIN, 0};
    ok(poll(&pfd, 1, 5000) == 1 && read(fd, &v, sizeof(v)) == sizeof(v) &&
           v == 1,
       "a client warmed up: its second access was fast");
    hvc_domain_pause(ctl, d);
    ok(write(go, "g", 1) == 1, "it reads 0x3f9 now");
    is_int(poll(&pfd, 1, 300), 0, "a fast-eligible read waits while paused");
    hvc_domain_unpause(ctl, d);
    ok(poll(&pfd, 1, 5000) == 1 && read(fd, &v, sizeof(v)) == sizeof(v) &&
           v == want,
       "and completes after unpause (%#llx)", (unsigned long long)v);
    waitpid(pid, NULL, 0);
    close(fd);
    close(go);
}

/*
 * A client killed while its fast access waits for a stopped device
 * model: once the device model answers, the vCPU serves others again.
 */
static void test_client_dies(struct hvc *g, uint32_t d, pid_t dm)
{
    struct timespec ts = {0, 5 * 1000 * 1000};
    uint64_t want = frd(g, d, 0x3f9, 1), v = 0;
    struct pollfd pfd;
    pid_t pid;
    int fd, go, rc, tries;

    pid = fchild(d, &fd, &go);
    pfd = (struct pollfd){fd, POLLIN, 0};
    ok(poll(&pfd, 1, 5000) == 1 && read(fd, &v, sizeof(v)) == sizeof(v) &&
           v == 1,
       "a second client warmed up (fast)");
    kill(dm, SIGSTOP);
    ok(write(go, "g", 1) == 1, "it reads with the device model stopped");
    is_int(poll(&pfd, 1, 300), 0, "its fast access is in flight");
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(fd);
    close(go);
    kill(dm, SIGCONT);
    for (tries = 0; tries < 400; tries++) {
        v = 0;
        rc = fio(g, d, 0, IOREQ_TYPE_PIO, IOREQ_READ, 0x3f9, 1, &v, false);
        if (rc != -EBUSY) {
            break;
        }
        nanosleep(&ts, NULL);
    }
    ok(rc == 0 && v == want, "vCPU 0 serves the next client (rc %d, %#llx)",
       rc, (unsigned long long)v);
}

int main(void)
{
    struct hvc_domain_config cfg = {HVC_DOM_HVM, 2, 8192, 0, 0};
    struct hvc *ctl = NULL, *g = NULL;
    struct hvc_io_stats st;
    uint64_t v = 0;
    uint32_t d = 0;
    pid_t dm = -1;

    signal(SIGPIPE, SIG_IGN);
    alarm(120); /* a hang fails the test instead of stalling the suite */
    if (!ok(harness_start(&H) == 0, "service starts")) {
        return tap_done();
    }
    setenv("XENSIM_DIR", H.dir, 1);
    unsetenv("XENSIM_IO_FAST");
    ctl = hvc_open(H.dir, HVC_CONTROL);
    is_int(ctl ? hvc_domain_create(ctl, &cfg, &d) : -1, 0, "HVM domain");
    dm = ctl ? dmproc_start(fdm_main, d, 2) : -1;
    ok(dm > 0, "device model up through the seam");
    g = dm > 0 ? hvc_open(H.dir, d) : NULL;
    ok(g != NULL, "vCPU (guest) connects");
    if (g) {
        test_both_paths(g, d);
        test_fallbacks(g, ctl, d);
        test_ranges(g, ctl, d);
        test_pause(g, ctl, d);
        test_client_dies(g, d, dm);
        is_int(fio(g, d, 1, IOREQ_TYPE_PIO, IOREQ_WRITE, 0x3f9, 1, &v, false),
               0, "vCPU 1: first access (routed)");
        hvc_io_stats(g, &st);
        v = 0;
        is_int(fio(g, d, 1, IOREQ_TYPE_PIO, IOREQ_READ, FAST_KILL_PORT, 1, &v,
                   false),
               0, "server destroyed with a fast access in flight: answered");
        is_int(v, 0xff, "with all ones");
        ok(fmoved(g, &st, 1, 0), "that access went the fast way");
        v = 0;
        is_int(fio(g, d, 1, IOREQ_TYPE_PIO, IOREQ_READ, 0x3f9, 1, &v, false),
               0, "after the server is gone");
        ok(v == 0xff && fmoved(g, &st, 0, 1), "a read is unclaimed, routed");
        hvc_close(g);
    }
    dmproc_stop(dm);
    hvc_close(ctl);
    is_int(harness_stop(&H), 0, "service stops cleanly");
    return tap_done();
}
