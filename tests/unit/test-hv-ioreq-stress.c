/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stress of the vCPU answer path through xensim: two simulated vCPUs,
 * each driven by its own client process, do thousands of synchronous
 * round trips against a device model that answers each one in one of
 * the orders a real device model may use (notify at once; yield the
 * CPU between IORESP_READY and the notify, so the client can take the
 * answer before its wake-up arrives; notify twice), mixed with
 * unclaimed accesses (answered on the socket) and posted writes
 * (the buffered ring).  A lost wake-up shows as a client that does
 * not finish within a generous bound; a wrong answer as a mismatch.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xen/hvm/ioreq.h>

#include "tests/tap.h"
#include "tests/unit/hv-harness.h"
#include "tests/unit/ioreq-harness.h"
#include "xen/hv.h"
#include "xensim/hvclient.h"

#define STRESS_VCPUS    2
#define STRESS_CLIENTS  3     /* two share vCPU 0, one drives vCPU 1 */
#define STRESS_ROUNDS   3000  /* per client */
#define STRESS_PORT     0x3f8 /* client k owns port 0x3f8 + 4k (a dword) */
#define STRESS_BOUND_MS (240 * 1000)

static struct hv_harness H;

struct sdm {
    struct hv *hv;
    shared_iopage_t *iop;
    buffered_iopage_t *bp;
    uint32_t vcpus;
    int vport[STRESS_VCPUS];
    uint32_t regs[STRESS_CLIENTS];
    uint32_t posted[STRESS_CLIENTS];
    uint64_t rng;
};

static uint32_t sdm_rand(struct sdm *dm)
{
    dm->rng ^= dm->rng << 13;
    dm->rng ^= dm->rng >> 7;
    dm->rng ^= dm->rng << 17;
    return (uint32_t)dm->rng;
}

static uint32_t *sdm_reg(struct sdm *dm, uint64_t addr)
{
    uint64_t v = (addr - STRESS_PORT) / 4;

    if (addr < STRESS_PORT || v >= STRESS_CLIENTS) {
        return NULL;
    }
    return (addr - STRESS_PORT) % 4 ? &dm->posted[v] : &dm->regs[v];
}

static void sdm_drain_buffered(struct sdm *dm)
{
    uint64_t *ptrs = (uint64_t *)(void *)dm->bp;

    for (;;) {
        uint64_t both = __atomic_load_n(ptrs, __ATOMIC_ACQUIRE);
        uint32_t rd = (uint32_t)both, wr = (uint32_t)(both >> 32);
        buf_ioreq_t *s;
        uint32_t *reg;

        if (rd == wr) {
            return;
        }
        s = &dm->bp->buf_ioreq[rd % IOREQ_BUFFER_SLOT_NUM];
        reg = sdm_reg(dm, s->addr);
        if (reg) {
            *reg = s->data;
        }
        __atomic_fetch_add(&dm->bp->read_pointer, 1, __ATOMIC_RELEASE);
    }
}

static void sdm_serve(struct sdm *dm, uint32_t v)
{
    ioreq_t *r = &dm->iop->vcpu_ioreq[v];
    uint32_t *reg, how;

    if (r->state != STATE_IOREQ_READY) {
        return;
    }
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    r->state = STATE_IOREQ_INPROCESS;
    sdm_drain_buffered(dm); /* posted writes land before later accesses */
    reg = r->type == IOREQ_TYPE_PIO ? sdm_reg(dm, r->addr) : NULL;
    if (reg && r->dir == IOREQ_WRITE) {
        *reg = (uint32_t)r->data;
    } else if (r->dir == IOREQ_READ) {
        r->data = reg ? *reg : ~0ull;
    }
    how = sdm_rand(dm) % 8;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    r->state = STATE_IORESP_READY;
    if (how == 0) {
        sched_yield(); /* the client may take the answer before the notify */
    }
    hv_evtchn_notify(dm->hv, (uint32_t)dm->vport[v]);
    if (how == 1) {
        hv_evtchn_notify(dm->hv, (uint32_t)dm->vport[v]); /* a spurious one */
    }
}

static int sdm_setup(struct sdm *dm, uint32_t domid)
{
    char err[256];
    void *iop, *bp;
    uint32_t bufport, v;
    uint16_t id;
    int rc, port;

    dm->hv = hv_open(err, sizeof(err));
    if (!dm->hv) {
        return -ENOENT;
    }
    rc = hv_restrict(dm->hv, domid);
    rc = rc ? rc : hv_ioreq_server_create(dm->hv, domid, true, &id);
    rc = rc ? rc : hv_ioreq_server_map(dm->hv, domid, id, &iop, &bp, &bufport);
    rc = rc ? rc : hv_ioreq_server_set_state(dm->hv, domid, id, true);
    if (rc) {
        return rc;
    }
    dm->iop = iop;
    dm->bp = bp;
    for (v = 0; v < dm->vcpus; v++) {
        port = hv_evtchn_bind_interdomain(dm->hv, domid,
                                          dm->iop->vcpu_ioreq[v].vp_eport);
        if (port < 0) {
            return port;
        }
        dm->vport[v] = port;
    }
    port = hv_evtchn_bind_interdomain(dm->hv, domid, bufport);
    if (port < 0) {
        return port;
    }
    return hv_ioreq_server_map_range(dm->hv, domid, id, HV_IOREQ_RANGE_PORT,
                                     STRESS_PORT,
                                     STRESS_PORT + 4 * STRESS_CLIENTS - 1);
}

static void sdm_main(uint32_t domid, uint32_t vcpus, int ready_fd)
{
    static struct sdm dm;
    struct pollfd pfd;
    int port;

    dm.vcpus = vcpus < STRESS_VCPUS ? vcpus : STRESS_VCPUS;
    dm.rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
    dmproc_ready(ready_fd, sdm_setup(&dm, domid));
    pfd = (struct pollfd){hv_evtchn_fd(dm.hv), POLLIN, 0};
    for (;;) {
        if (poll(&pfd, 1, -1) < 0) {
            continue;
        }
        while ((port = hv_evtchn_pending(dm.hv)) >= 0) {
            uint32_t v;

            hv_evtchn_unmask(dm.hv, (uint32_t)port);
            sdm_drain_buffered(&dm);
            for (v = 0; v < dm.vcpus; v++) {
                if (port == dm.vport[v]) {
                    sdm_serve(&dm, v);
                }
            }
        }
    }
}

/*
 * One access, retried while the vCPU is busy with the other client's
 * (Xen has one ioreq slot per vCPU; xensim answers a second client
 * EBUSY instead of queueing it).
 */
static int stress_io(struct hvc *g, uint32_t domid, uint32_t v, bool posted,
                     uint8_t dir, uint64_t addr, uint32_t size, uint64_t *val)
{
    struct hvc_io x = {IOREQ_TYPE_PIO, dir, 0, 0, size, 1, posted, addr, 0, 0};
    int rc;

    do {
        x.data = *val;
        rc = hvc_vcpu_io(g, domid, v, &x);
        if (rc == -EBUSY) {
            sched_yield();
        }
    } while (rc == -EBUSY);
    *val = x.data;
    return rc;
}

/*
 * Client k's run on its vCPU: a write and a read back of its own
 * register every round, an unclaimed read every 16th, a posted write
 * every 8th (read back through the same register file).  Returns the
 * mismatches, or -errno when an access failed.
 */
static int stress_client(uint32_t domid, uint32_t k)
{
    struct hvc *g = hvc_open(H.dir, domid);
    uint32_t v = k % STRESS_VCPUS, want;
    uint64_t port = STRESS_PORT + 4 * k, val;
    int i, bad = 0, rc = 0;

    if (!g) {
        return -errno;
    }
    for (i = 0; i < STRESS_ROUNDS && rc == 0; i++) {
        want = (uint32_t)i * 2654435761u ^ k;
        val = want;
        rc = stress_io(g, domid, v, false, IOREQ_WRITE, port, 4, &val);
        val = 0;
        rc = rc ? rc : stress_io(g, domid, v, false, IOREQ_READ, port, 4, &val);
        bad += val != want;
        if (rc == 0 && i % 16 == 0) {
            val = 0;
            rc = stress_io(g, domid, v, false, IOREQ_READ, 0x80, 1, &val);
            bad += val != 0xff;
        }
        if (rc == 0 && i % 8 == 0) {
            val = (uint64_t)i & 0xff;
            rc = stress_io(g, domid, v, true, IOREQ_WRITE, port + 1, 1, &val);
            val = 0;
            rc = rc ? rc
                    : stress_io(g, domid, v, false, IOREQ_READ, port + 1, 1,
                                &val);
            bad += val != ((uint64_t)i & 0xff);
        }
    }
    hvc_close(g);
    return rc ? rc : bad;
}

int main(void)
{
    struct hvc_domain_config cfg = {HVC_DOM_HVM, STRESS_VCPUS, 4096, 0, 0};
    struct pollfd pfd[STRESS_CLIENTS];
    int result[STRESS_CLIENTS];
    pid_t kid[STRESS_CLIENTS];
    struct hvc *ctl = NULL;
    uint32_t d = 0, v, done = 0;
    pid_t dm = -1;

    signal(SIGPIPE, SIG_IGN);
    if (!ok(harness_start(&H) == 0, "service starts")) {
        return tap_done();
    }
    setenv("XENSIM_DIR", H.dir, 1);
    ctl = hvc_open(H.dir, HVC_CONTROL);
    is_int(ctl ? hvc_domain_create(ctl, &cfg, &d) : -1, 0, "HVM domain");
    dm = ctl ? dmproc_start(sdm_main, d, STRESS_VCPUS) : -1;
    if (!ok(dm > 0, "device model up")) {
        hvc_close(ctl);
        harness_stop(&H);
        return tap_done();
    }
    for (v = 0; v < STRESS_CLIENTS; v++) {
        int p[2];

        result[v] = -ETIMEDOUT;
        if (pipe(p) < 0) {
            return 1;
        }
        kid[v] = fork();
        if (kid[v] == 0) {
            int r = stress_client(d, v);

            _exit(write(p[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
        }
        close(p[1]);
        pfd[v] = (struct pollfd){p[0], POLLIN, 0};
    }
    /* a bound, not a timing: the runs take a second or two unloaded */
    while (done < STRESS_CLIENTS &&
           poll(pfd, STRESS_CLIENTS, STRESS_BOUND_MS) > 0) {
        for (v = 0; v < STRESS_CLIENTS; v++) {
            if (pfd[v].fd >= 0 && pfd[v].revents) {
                if (read(pfd[v].fd, &result[v], sizeof(result[v])) !=
                    sizeof(result[v])) {
                    result[v] = -EPIPE;
                }
                close(pfd[v].fd);
                pfd[v].fd = -1;
                done++;
            }
        }
    }
    for (v = 0; v < STRESS_CLIENTS; v++) {
        kill(kid[v], SIGKILL);
        waitpid(kid[v], NULL, 0);
        if (!ok(result[v] == 0,
                "client %u on vCPU %u: every round trip answered, right", v,
                v % STRESS_VCPUS)) {
            printf("#   %d: %s\n", result[v],
                   result[v] < 0 ? strerror(-result[v]) : "mismatches");
        }
    }
    dmproc_stop(dm);
    hvc_close(ctl);
    is_int(harness_stop(&H), 0, "service stops cleanly");
    return tap_done();
}
