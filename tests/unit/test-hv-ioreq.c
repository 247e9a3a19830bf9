/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ioreq round trips through xensim: a device model in a child process
 * (using xendm's seam, xen/hv-sim.c, exactly as xendm's ioreq server
 * will) serves a small register file on ports 0x3f8-0x3ff, MMIO at
 * 0xfe000000 and 0xa0000, PCI config space for 00:03.0, and an info
 * port at 0x504/0x508; the test is the simulated vCPU issuing PIO,
 * MMIO, PCI config and buffered writes through hvclient's guest API.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xen/hvm/ioreq.h>

#include "tests/tap.h"
#include "tests/unit/hv-harness.h"
#include "tests/unit/ioreq-harness.h"
#include "xen/hv.h"
#include "xensim/hvclient.h"

static struct hv_harness H;

struct dm {
    struct hv *hv;
    uint32_t domid;
    uint16_t id;
    shared_iopage_t *iop;
    buffered_iopage_t *bp;
    uint32_t vcpus;
    int vport[4];
    int bufport;
    uint8_t regs[8];
    uint8_t mmio[4096];
    uint8_t vga[4096];
    uint8_t cfg[256];
    ioreq_t last;
    uint32_t buf_slots;
};

static void dm_write(uint8_t *mem, size_t memlen, uint64_t off, uint32_t size,
                     uint64_t val)
{
    if (off + size <= memlen) {
        memcpy(mem + off, &val, size); /* little-endian host */
    }
}

static uint64_t dm_read(const uint8_t *mem, size_t memlen, uint64_t off,
                        uint32_t size)
{
    uint64_t v = 0;

    if (off + size <= memlen) {
        memcpy(&v, mem + off, size);
    }
    return v;
}

static uint64_t dm_access(struct dm *dm, uint8_t type, uint64_t addr,
                          uint32_t size, int dir, uint64_t data)
{
    uint8_t *mem = NULL;
    size_t len = 0;
    uint64_t off = 0;

    if (type == IOREQ_TYPE_PIO && addr == 0x504) {
        return dm->last.count | (uint64_t)dm->last.df << 16 |
               (uint64_t)dm->last.data_is_ptr << 17 |
               (uint64_t)dm->last.type << 24;
    }
    if (type == IOREQ_TYPE_PIO && addr == 0x508) {
        return dm->buf_slots;
    }
    if (type == IOREQ_TYPE_PIO && addr == 0x3ff && dir == IOREQ_READ) {
        _exit(0); /* a device model that dies mid-request */
    }
    if (type == IOREQ_TYPE_PIO) {
        mem = dm->regs, len = sizeof(dm->regs), off = addr - 0x3f8;
    } else if (type == IOREQ_TYPE_COPY && addr >= 0xfe000000) {
        mem = dm->mmio, len = sizeof(dm->mmio), off = addr - 0xfe000000;
    } else if (type == IOREQ_TYPE_COPY) {
        mem = dm->vga, len = sizeof(dm->vga), off = addr - 0xa0000;
    } else if (type == IOREQ_TYPE_PCI_CONFIG) {
        mem = dm->cfg, len = sizeof(dm->cfg), off = (uint32_t)addr;
    }
    if (!mem) {
        return ~0ull;
    }
    if (dir == IOREQ_WRITE) {
        dm_write(mem, len, off, size, data);
        return 0;
    }
    return dm_read(mem, len, off, size);
}

/*
 * As QEMU's handle_buffered_iopage: both pointers are read afresh on
 * every slot (one 64-bit load), since the hypervisor renormalises them
 * (both minus 511) while we drain; the read pointer only ever moves by
 * an atomic add.
 */
static void dm_drain_buffered(struct dm *dm)
{
    uint64_t *ptrs = (uint64_t *)(void *)dm->bp;

    for (;;) {
        uint64_t both = __atomic_load_n(ptrs, __ATOMIC_ACQUIRE);
        uint32_t rd = (uint32_t)both, wr = (uint32_t)(both >> 32);
        buf_ioreq_t *s;
        uint32_t size, qw;
        uint64_t data;

        if (rd == wr) {
            return;
        }
        s = &dm->bp->buf_ioreq[rd % IOREQ_BUFFER_SLOT_NUM];
        size = 1u << s->size;
        qw = size == 8 ? 2 : 1;
        data = s->data;
        if (qw == 2) {
            data |=
                (uint64_t)dm->bp->buf_ioreq[(rd + 1) % IOREQ_BUFFER_SLOT_NUM]
                    .data
                << 32;
        }
        dm_access(dm, s->type, s->addr, size, IOREQ_WRITE, data);
        dm->buf_slots += qw;
        __atomic_fetch_add(&dm->bp->read_pointer, qw, __ATOMIC_RELEASE);
    }
}

static void dm_serve_vcpu(struct dm *dm, uint32_t v)
{
    ioreq_t *r = &dm->iop->vcpu_ioreq[v];
    ioreq_t req;

    if (r->state != STATE_IOREQ_READY) {
        return;
    }
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    r->state = STATE_IOREQ_INPROCESS;
    req = *r;
    if (!req.data_is_ptr) {
        uint64_t got =
            dm_access(dm, req.type, req.addr, req.size, req.dir, req.data);

        if (req.dir == IOREQ_READ) {
            r->data = got;
        }
    }
    dm->last = req;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    r->state = STATE_IORESP_READY;
    hv_evtchn_notify(dm->hv, (uint32_t)dm->vport[v]);
}

static int dm_setup(struct dm *dm)
{
    char err[256];
    void *iop, *bp;
    uint32_t bufport, v;
    int rc;

    dm->hv = hv_open(err, sizeof(err));
    if (!dm->hv) {
        return -1;
    }
    /* demu/varstored order: restrict, create, map, enable, bind, claim */
    rc = hv_restrict(dm->hv, dm->domid);
    rc = rc ? rc : hv_ioreq_server_create(dm->hv, dm->domid, true, &dm->id);
    rc = rc ? rc
            : hv_ioreq_server_map(dm->hv, dm->domid, dm->id, &iop, &bp,
                                  &bufport);
    if (rc) {
        return rc;
    }
    dm->iop = iop;
    dm->bp = bp;
    rc = hv_ioreq_server_set_state(dm->hv, dm->domid, dm->id, true);
    for (v = 0; rc == 0 && v < dm->vcpus; v++) {
        dm->vport[v] = hv_evtchn_bind_interdomain(
            dm->hv, dm->domid, dm->iop->vcpu_ioreq[v].vp_eport);
        rc = dm->vport[v] < 0 ? dm->vport[v] : 0;
    }
    dm->bufport =
        rc ? rc : hv_evtchn_bind_interdomain(dm->hv, dm->domid, bufport);
    rc = dm->bufport < 0 ? dm->bufport : 0;
    rc = rc ? rc
            : hv_ioreq_server_map_range(dm->hv, dm->domid, dm->id,
                                        HV_IOREQ_RANGE_PORT, 0x3f8, 0x3ff);
    rc = rc ? rc
            : hv_ioreq_server_map_range(dm->hv, dm->domid, dm->id,
                                        HV_IOREQ_RANGE_PORT, 0x504, 0x50b);
    rc = rc ? rc
            : hv_ioreq_server_map_range(dm->hv, dm->domid, dm->id,
                                        HV_IOREQ_RANGE_MMIO, 0xfe000000,
                                        0xfe000fff);
    rc = rc ? rc
            : hv_ioreq_server_map_range(dm->hv, dm->domid, dm->id,
                                        HV_IOREQ_RANGE_MMIO, 0xa0000, 0xa0fff);
    rc = rc ? rc
            : hv_ioreq_server_map_pcidev(dm->hv, dm->domid, dm->id, 0, 0, 3, 0);
    dm->cfg[0] = 0x53, dm->cfg[1] = 0x58, dm->cfg[2] = 0x01;
    return rc;
}

static void dm_main(uint32_t domid, uint32_t vcpus, int ready_fd)
{
    struct dm *dm = calloc(1, sizeof(*dm));
    struct pollfd pfd;
    int port;

    dm->domid = domid;
    dm->vcpus = vcpus;
    dmproc_ready(ready_fd, dm_setup(dm));
    pfd = (struct pollfd){hv_evtchn_fd(dm->hv), POLLIN, 0};
    for (;;) {
        if (poll(&pfd, 1, -1) < 0) {
            continue;
        }
        while ((port = hv_evtchn_pending(dm->hv)) >= 0) {
            uint32_t v;

            hv_evtchn_unmask(dm->hv, (uint32_t)port);
            dm_drain_buffered(dm);
            for (v = 0; v < dm->vcpus; v++) {
                if (port == dm->vport[v]) {
                    dm_serve_vcpu(dm, v);
                }
            }
        }
    }
}

static void test_round_trips(struct hvc *g, uint32_t d)
{
    struct hvc_io x;
    uint64_t before;
    int i;

    is_int(vcpu_wr(g, d, IOREQ_TYPE_PIO, 0x3f9, 1, 0xab), 0, "PIO write");
    is_int(vcpu_rd(g, d, IOREQ_TYPE_PIO, 0x3f9, 1), 0xab, "PIO read back");
    vcpu_wr(g, d, IOREQ_TYPE_PIO, 0x3fa, 2, 0xbeef);
    is_int(vcpu_rd(g, d, IOREQ_TYPE_PIO, 0x3fa, 2), 0xbeef, "PIO word");
    is_int(vcpu_rd(g, d, IOREQ_TYPE_PIO, 0x80, 1), 0xff, "unclaimed inb: ones");
    is_int(vcpu_rd(g, d, IOREQ_TYPE_PIO, 0x80, 2), 0xffff,
           "unclaimed inw: ones");
    is_int(vcpu_rd(g, d, IOREQ_TYPE_PIO, 0x80, 4), 0xffffffffu,
           "unclaimed inl: ones");
    ok(vcpu_rd(g, d, IOREQ_TYPE_COPY, 0xd0000000, 8) == ~0ull,
       "unclaimed 8-byte MMIO read: ones");
    is_int(vcpu_wr(g, d, IOREQ_TYPE_PIO, 0x80, 1, 1), 0, "unclaimed write ok");
    vcpu_wr(g, d, IOREQ_TYPE_COPY, 0xfe000010, 4, 0xdeadbeef);
    is_int(vcpu_rd(g, d, IOREQ_TYPE_COPY, 0xfe000010, 4), 0xdeadbeef,
           "MMIO dword");
    is_int(vcpu_rd(g, d, IOREQ_TYPE_COPY, 0xfe000012, 2), 0xdead, "MMIO word");
    ok(vcpu_rd(g, d, IOREQ_TYPE_COPY, 0xfe000ffc, 8) == ~0ull,
       "MMIO straddling the range end is unclaimed");
    is_int(vcpu_rd(g, d, IOREQ_TYPE_PCI_CONFIG, 0x18ull << 32, 4), 0x15853,
           "PCI config read of 00:03.0");
    is_int(vcpu_rd(g, d, IOREQ_TYPE_PCI_CONFIG, 0x20ull << 32, 4), 0xffffffffu,
           "unclaimed PCI device: ones");
    vcpu_wr(g, d, IOREQ_TYPE_PIO, 0xcf8, 4, 0x80001800);
    is_int(vcpu_rd(g, d, IOREQ_TYPE_PIO, 0xcfc, 2), 0x5853, "cf8/cfc: vendor");
    is_int(vcpu_rd(g, d, IOREQ_TYPE_PIO, 0xcfe, 2), 0x0001, "cf8/cfc: device");
    vcpu_wr(g, d, IOREQ_TYPE_PIO, 0xcf8, 4, 0x80002000);
    is_int(vcpu_rd(g, d, IOREQ_TYPE_PIO, 0xcfc, 4), 0xffffffffu,
           "cf8/cfc to an unclaimed device: ones");

    x = (struct hvc_io){IOREQ_TYPE_PIO, IOREQ_READ, 1,      1, 1, 3,
                        false,          0x3f8,      0x1000, 0};
    is_int(hvc_vcpu_io(g, d, 0, &x), 0, "rep insb with data_is_ptr");
    is_int(vcpu_rd(g, d, IOREQ_TYPE_PIO, 0x504, 4), 3 | 1 << 16 | 1 << 17,
           "count, df and data_is_ptr reach the server");

    before = vcpu_rd(g, d, IOREQ_TYPE_PIO, 0x508, 4);
    is_int(vcpu_bwr(g, d, IOREQ_TYPE_PIO, 0x3fb, 1, 0x5c), 0, "buffered outb");
    is_int(vcpu_rd(g, d, IOREQ_TYPE_PIO, 0x3fb, 1), 0x5c,
           "buffered write landed");
    is_int(vcpu_rd(g, d, IOREQ_TYPE_PIO, 0x508, 4), before + 1, "one slot");
    before += 1;
    is_int(vcpu_bwr(g, d, IOREQ_TYPE_COPY, 0xa0008, 8, 0x1122334455667788ull),
           0, "buffered 8-byte write");
    ok(vcpu_rd(g, d, IOREQ_TYPE_COPY, 0xa0008, 8) == 0x1122334455667788ull,
       "8-byte buffered write landed whole");
    is_int(vcpu_rd(g, d, IOREQ_TYPE_PIO, 0x508, 4), before + 2,
           "an 8-byte write takes two slots");
    for (i = 0; i < 1200; i++) {
        vcpu_bwr(g, d, IOREQ_TYPE_COPY, 0xa0000 + (i % 512) * 8, 8,
                 0x0101010101010101ull * (uint64_t)(i & 0xff));
    }
    ok(vcpu_rd(g, d, IOREQ_TYPE_COPY, 0xa0000 + (1199 % 512) * 8, 8) ==
           0x0101010101010101ull * (1199 & 0xff),
       "1200 buffered writes wrap the ring and all land");
}

static void test_invalid(struct hvc *g, struct hvc *ctl, uint32_t d)
{
    struct hvc_io x = {IOREQ_TYPE_PIO, IOREQ_READ, 0, 0, 3, 1,
                       false,          0x3f8,      0, 0};
    struct hvc_domain_config pv = {HVC_DOM_PV, 1, 1024, 0, 0};
    uint32_t pvd = 0;
    uint16_t id;

    is_int(hvc_vcpu_io(g, d, 0, &x), -EINVAL, "size 3 refused");
    x.size = 1;
    is_int(hvc_vcpu_io(g, d, 7, &x), -EINVAL, "vCPU beyond the domain");
    x.type = 9;
    is_int(hvc_vcpu_io(g, d, 0, &x), -EINVAL, "unknown type refused");
    x.type = IOREQ_TYPE_PIO;
    x.addr = 0x10000;
    is_int(hvc_vcpu_io(g, d, 0, &x), -EINVAL, "port beyond 0xffff");
    x.addr = 0x3f8;
    x.count = 0;
    is_int(hvc_vcpu_io(g, d, 0, &x), -EINVAL, "count 0 refused");
    x.count = 1;
    is_int(hvc_vcpu_io(g, 0, 0, &x), -EPERM, "a guest drives only itself");
    hvc_domain_create(ctl, &pv, &pvd);
    is_int(hvc_vcpu_io(ctl, pvd, 0, &x), -EOPNOTSUPP, "no ioreqs for PV");
    is_int(hvc_ioreq_server_create(ctl, pvd, true, &id), -EOPNOTSUPP,
           "no ioreq server for PV");
    is_int(hvc_ioreq_server_create(g, d, true, &id), -EPERM,
           "a guest cannot create an ioreq server");
    hvc_domain_destroy(ctl, pvd);
    x.data = 0;
    x.addr = 0x3f9;
    is_int(hvc_vcpu_io(ctl, d, 1, &x), 0, "control drives vCPU 1");
    is_int(x.data, 0xab, "and reads the device");
}

static void test_dm_ops(struct hvc *ctl, uint32_t d)
{
    struct hvc_dm_state st;
    uint8_t bits[2];

    hvc_set_isa_irq_level(ctl, d, 5, 1);
    hvc_set_isa_irq_level(ctl, d, 4, 1);
    hvc_set_isa_irq_level(ctl, d, 4, 0);
    hvc_set_pci_intx_level(ctl, d, 0, 0, 3, 0, 1);
    hvc_set_pci_link_route(ctl, d, 1, 10);
    is_int(hvc_set_isa_irq_level(ctl, d, 16, 1), -EINVAL, "ISA IRQ 16 refused");
    hvc_modified_memory(ctl, d, 3, 4);
    hvc_modified_memory(ctl, d, 5, 1);
    is_int(hvc_modified_memory(ctl, d, 2047, 2), -EINVAL,
           "modified memory beyond the domain refused");
    is_int(hvc_dm_state(ctl, d, &st), 0, "dm state");
    ok(st.isa_levels == 1u << 5 && st.irq_events == 5, "ISA levels recorded");
    ok(st.intx_levels[0] == 1u << 3 && st.link_route[1] == 10,
       "INTx level and link route recorded");
    ok(st.modified_pages == 4 && st.modified_ops == 2, "modified pages");
    ok(st.ioreqs > 0 && st.unclaimed > 0, "ioreq counters");
    is_int(hvc_dm_dirty(ctl, d, 0, 16, true, bits), 0, "dirty bitmap");
    ok(bits[0] == 0x78 && bits[1] == 0, "pages 3-6 dirty");
    hvc_dm_state(ctl, d, &st);
    is_int(st.modified_pages, 0, "cleared");
}

/* A vCPU of a paused domain waits; unpause lets it through. */
static void test_pause(struct hvc *ctl, uint32_t d)
{
    struct pollfd pfd;
    uint64_t v = 0;
    int p[2];
    pid_t pid;

    hvc_domain_pause(ctl, d);
    if (pipe(p) < 0) {
        return;
    }
    pid = fork();
    if (pid == 0) {
        struct hvc *g = hvc_open(H.dir, d);

        v = g ? vcpu_rd(g, d, IOREQ_TYPE_PIO, 0x3f9, 1) : 0;
        _exit(write(p[1], &v, sizeof(v)) == sizeof(v) ? 0 : 1);
    }
    pfd = (struct pollfd){p[0], POLLIN, 0};
    is_int(poll(&pfd, 1, 200), 0, "vCPU of a paused domain waits");
    hvc_domain_unpause(ctl, d);
    ok(poll(&pfd, 1, 5000) == 1 && read(p[0], &v, sizeof(v)) == sizeof(v) &&
           v == 0xab,
       "and completes after unpause");
    waitpid(pid, NULL, 0);
    close(p[0]);
    close(p[1]);

    /* a vCPU client killed while its access is queued frees the vCPU */
    hvc_domain_pause(ctl, d);
    pid = fork();
    if (pid == 0) {
        struct hvc *g = hvc_open(H.dir, d);

        v = g ? vcpu_rd(g, d, IOREQ_TYPE_PIO, 0x3f9, 1) : 0;
        _exit(0);
    }
    {
        struct timespec ts = {0, 100 * 1000 * 1000};

        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    hvc_domain_unpause(ctl, d);
    is_int(vcpu_rd(ctl, d, IOREQ_TYPE_PIO, 0x3f9, 1), 0xab,
           "a vCPU whose client died while queued is free again");
}

/*
 * With the device model stopped, 511 one-byte posted writes fill the
 * ring and return at once; the next one finds it full and falls back
 * to a synchronous request, which waits for the device model, and
 * every write lands in order.
 */
static void test_ring_full(struct hvc *g, uint32_t d, pid_t dm)
{
    struct pollfd pfd;
    uint64_t before = vcpu_rd(g, d, IOREQ_TYPE_PIO, 0x508, 4), v = 0;
    int i, okays = 0, p[2];
    pid_t pid;

    kill(dm, SIGSTOP);
    for (i = 0; i < IOREQ_BUFFER_SLOT_NUM; i++) {
        okays +=
            vcpu_bwr(g, d, IOREQ_TYPE_PIO, 0x3fc, 1, (uint64_t)i & 0xff) == 0;
    }
    is_int(okays, IOREQ_BUFFER_SLOT_NUM, "511 posted writes fill the ring");
    if (pipe(p) < 0) {
        return;
    }
    pid = fork();
    if (pid == 0) {
        struct hvc *g2 = hvc_open(H.dir, d);
        int rc = g2 ? vcpu_bwr(g2, d, IOREQ_TYPE_PIO, 0x3fc, 1, 0xee) : -1;

        _exit(write(p[1], &rc, sizeof(rc)) == sizeof(rc) ? 0 : 1);
    }
    pfd = (struct pollfd){p[0], POLLIN, 0};
    is_int(poll(&pfd, 1, 200), 0,
           "a posted write to a full ring waits for the device model");
    kill(dm, SIGCONT);
    ok(poll(&pfd, 1, 5000) == 1 && read(p[0], &i, sizeof(i)) == sizeof(i) &&
           i == 0,
       "and completes once it drains");
    waitpid(pid, NULL, 0);
    close(p[0]);
    close(p[1]);
    v = vcpu_rd(g, d, IOREQ_TYPE_PIO, 0x3fc, 1);
    is_int(v, 0xee, "the synchronous write landed after the ring's");
    is_int(vcpu_rd(g, d, IOREQ_TYPE_PIO, 0x508, 4) - before,
           IOREQ_BUFFER_SLOT_NUM, "the ring carried 511 slots");
}

int main(void)
{
    struct hvc_domain_config cfg = {HVC_DOM_HVM, 2, 8192, 0, 0};
    struct hvc *ctl = NULL, *g = NULL;
    uint32_t d = 0;
    pid_t dm = -1;

    signal(SIGPIPE, SIG_IGN);
    alarm(300); /* a hang fails the test instead of stalling the suite */
    if (!ok(harness_start(&H) == 0, "service starts")) {
        return tap_done();
    }
    setenv("XENSIM_DIR", H.dir, 1);
    ctl = hvc_open(H.dir, HVC_CONTROL);
    if (!ok(ctl != NULL, "control connects")) {
        printf("# %s\n", strerror(errno));
    }
    is_int(ctl ? hvc_domain_create(ctl, &cfg, &d) : -1, 0, "HVM domain");
    dm = ctl ? dmproc_start(dm_main, d, 2) : -1;
    ok(dm > 0, "device model up through the seam");
    g = dm > 0 ? hvc_open(H.dir, d) : NULL;
    ok(g != NULL, "vCPU (guest) connects");
    if (g) {
        test_round_trips(g, d);
        test_invalid(g, ctl, d);
        test_dm_ops(ctl, d);
        test_pause(ctl, d);
        test_ring_full(g, d, dm);
        is_int(vcpu_rd(g, d, IOREQ_TYPE_PIO, 0x3ff, 1), 0xff,
               "a device model dying mid-request: the vCPU reads ones");
        is_int(vcpu_rd(g, d, IOREQ_TYPE_PIO, 0x3f9, 1), 0xff,
               "its ranges are gone with it");
        hvc_close(g);
    }
    dmproc_stop(dm);
    hvc_close(ctl);
    is_int(harness_stop(&H), 0, "service stops cleanly");
    return tap_done();
}
