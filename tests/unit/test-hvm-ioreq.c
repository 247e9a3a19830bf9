/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xendm's machine behind its ioreq server, on xensim: a child process
 * brings the server up through the seam (xen/hv-sim.c) exactly as the
 * daemon does and serves the xenfv machine; the test is the simulated
 * vCPU doing port I/O, MMIO, PCI config (cf8/cfc decoded by the
 * simulated Xen), rep string I/O through guest memory, buffered
 * writes and hostile requests, and then a guest reset, which must
 * reach Xen as a reboot shutdown.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>


#include "hw/emu/ioreq.h"
#include "hw/emu/pc-hv.h"
#include "tests/tap.h"
#include "tests/unit/hv-harness.h"
#include "tests/unit/ioreq-harness.h"
#include "xen/hv.h"
#include "xensim/hvclient.h"

static struct hv_harness H;

static void dm_main(uint32_t domid, uint32_t vcpus, int ready_fd)
{
    static struct machine m;
    static struct ioreq_server s;
    static struct pc_hv_host host;
    struct machine_config cfg;
    char err[256];
    struct hv *hv = hv_open(err, sizeof(err));
    struct pollfd pfd;
    int rc = hv ? hv_restrict(hv, domid) : -ENOENT;

    if (rc == 0) {
        pc_hv_host_init(&host, hv, domid);
        machine_config_xenfv(&cfg, 8);
        rc = machine_init(&m, &cfg, &pc_hv_ops, &host);
    }
    if (rc == 0) {
        rc = ioreq_server_start(&s, hv, domid, vcpus, &m, err, sizeof(err));
    }
    if (rc != 0) {
        fprintf(stderr, "dm: %s\n", err);
    }
    dmproc_ready(ready_fd, rc);
    pfd = (struct pollfd){ hv_evtchn_fd(hv), POLLIN, 0 };
    for (;;) {
        int64_t next = machine_run_timers(&m, pc_hv_ops.now(&host));
        int64_t wait_ms = next < 0 ? 1000 : 1;

        poll(&pfd, 1, (int)wait_ms);
        ioreq_server_poll(&s);
    }
}

static int rep(struct hvc *g, uint32_t d, uint8_t dir, uint16_t port,
               uint32_t count, uint64_t gpa, uint8_t df)
{
    struct hvc_io x = { IOREQ_TYPE_PIO, dir, df, 1, 1, count, false, port,
                        gpa, 0 };

    return hvc_vcpu_io(g, d, 0, &x);
}

#define PIO IOREQ_TYPE_PIO
#define CFG IOREQ_TYPE_PCI_CONFIG

static void test_machine(struct hvc *g, struct hvc *ctl, uint32_t d)
{
    struct hvc_dm_state st;
    uint64_t pages = 0;
    uint8_t *mem = hvc_memory(g, &pages);
    struct hvc_io x;

    is_int(vcpu_rd(g, d, PIO, 0x10, 2), 0x49d2, "platform magic via the server");
    is_int(vcpu_rd(g, d, PIO, 0x12, 1), 1, "platform version");
    is_int(vcpu_rd(g, d, CFG, 0x10ull << 32, 4), 0x00015853,
           "PCI_CONFIG ioreq: 00:02.0 is 5853:0001");
    vcpu_wr(g, d, PIO, 0xcf8, 4, 0x80001008);
    is_int(vcpu_rd(g, d, PIO, 0xcfc, 4), 0xff800001, "cf8/cfc: class ff80 rev 1");
    is_int(vcpu_rd(g, d, CFG, 0x08ull << 32, 4), 0x70008086, "PIIX3 at 00:01.0");
    ok(vcpu_rd(g, d, IOREQ_TYPE_COPY, 0xf1000000, 4) == 0xffffffff,
       "BAR1 not yet claimed: ones");
    vcpu_wr(g, d, CFG, 0x10ull << 32 | 0x14, 4, 0xf1000000);
    vcpu_wr(g, d, CFG, 0x10ull << 32 | 0x10, 4, 0xc000);
    vcpu_wr(g, d, CFG, 0x10ull << 32 | 0x04, 2, 0x0003);
    is_int(vcpu_rd(g, d, IOREQ_TYPE_COPY, 0xf1000000, 4), 0,
           "BAR1 claimed once enabled: reads 0");
    is_int(vcpu_rd(g, d, PIO, 0xc000, 1), 0, "BAR0 claimed: flags");
    vcpu_wr(g, d, CFG, 0x08ull << 32 | 0x60, 1, 0x0b);
    hvc_dm_state(ctl, d, &st);
    is_int(st.link_route[0], 11, "PIRQA write reached Xen as a link route");

    /* UART in loopback with FIFOs: rep outsb from guest memory, rep insb
     * back into it */
    vcpu_wr(g, d, PIO, 0x3fb, 1, 0x03);
    vcpu_wr(g, d, PIO, 0x3fa, 1, 0xc7);
    vcpu_wr(g, d, PIO, 0x3fc, 1, 0x10);
    vcpu_wr(g, d, PIO, 0x3f9, 1, 0x01);
    if (!ok(mem != NULL && pages > 4, "guest memory")) {
        return;
    }
    memcpy(mem + 0x1000, "hello", 5);
    memset(mem + 0x2000, 0, 8);
    is_int(rep(g, d, IOREQ_WRITE, 0x3f8, 5, 0x1000, 0), 0, "rep outsb");
    is_int(vcpu_rd(g, d, PIO, 0x3fd, 1) & 1, 1, "looped back: data ready");
    is_int(rep(g, d, IOREQ_READ, 0x3f8, 5, 0x2000, 0), 0, "rep insb");
    ok(memcmp(mem + 0x2000, "hello", 5) == 0, "guest memory got 'hello'");
    is_int(rep(g, d, IOREQ_WRITE, 0x3f8, 3, 0x1002, 1), 0, "rep outsb, df");
    is_int(rep(g, d, IOREQ_READ, 0x3f8, 3, 0x2010, 0), 0, "rep insb");
    ok(memcmp(mem + 0x2010, "leh", 3) == 0, "df=1 walks memory down");

    x = (struct hvc_io){ PIO, IOREQ_WRITE, 0, 0, 1, 1, true, 0x3ff, 0x77, 0 };
    is_int(hvc_vcpu_io(g, d, 0, &x), 0, "buffered outb");
    is_int(vcpu_rd(g, d, PIO, 0x3ff, 1), 0x77, "buffered write landed");

    /* hostile: pointers outside the guest, out-of-range config */
    is_int(rep(g, d, IOREQ_READ, 0x3f8, 4, 0x7ffff0000ull, 0), 0,
           "rep insb to a pointer outside the guest is answered");
    is_int(vcpu_rd(g, d, CFG, 0x10ull << 32 | 0x200, 4), 0xffffffff,
           "config beyond 256: ones");
    is_int(vcpu_rd(g, d, PIO, 0x10, 2), 0x49d2, "server still serving");
}

/*
 * The platform device's ROM lock (port 0x10, byte write, bit 0) makes
 * 0xc0000-0xfffff read-only through set_mem_type: the guest CPU's
 * stores there are discarded from then on, and applied again once
 * unlocked.  Checked through the daemon's vCPU store and the guest's
 * own view of its memory.
 */
static void test_rom_lock(struct hvc *g, struct hvc *ctl, uint32_t d)
{
    static const uint8_t pat[4] = { 0xde, 0xad, 0xbe, 0xef };
    static const uint8_t other[4] = { 0x11, 0x22, 0x33, 0x44 };
    uint64_t pages = 0;
    uint8_t *mem = hvc_memory(g, &pages), back[4];
    uint32_t dropped = 99;

    if (!ok(mem != NULL && pages > 0x100, "guest memory covers the ROM")) {
        return;
    }
    is_int(hvc_vcpu_mem_write(g, d, 0xc0000, pat, 4, &dropped), 0,
           "unlocked: vCPU store to 0xc0000");
    is_int(dropped, 0, "unlocked: nothing discarded");
    ok(memcmp(mem + 0xc0000, pat, 4) == 0, "unlocked: store applied");
    is_int(vcpu_rd(g, d, PIO, 0x10, 1), 0, "platform flags 0");

    is_int(vcpu_wr(g, d, PIO, 0x10, 1, 1), 0, "guest sets the ROM lock");
    is_int(vcpu_rd(g, d, PIO, 0x10, 1), 1, "platform flags read back 1");
    is_int(hvc_vcpu_mem_write(g, d, 0xc0000, other, 4, &dropped), 0,
           "locked: vCPU store to 0xc0000 is answered");
    is_int(dropped, 4, "locked: all 4 bytes discarded");
    ok(memcmp(mem + 0xc0000, pat, 4) == 0, "locked: memory unchanged");
    is_int(hvc_vcpu_mem_read(g, d, 0xc0000, back, 4), 0, "locked: vCPU load");
    ok(memcmp(back, pat, 4) == 0, "locked: reads still work");
    is_int(hvc_vcpu_mem_write(g, d, 0xffffe, other, 4, &dropped), 0,
           "locked: store across 0x100000");
    is_int(dropped, 2, "only the 2 bytes below 0x100000 discarded");
    ok(mem[0xffffe] == 0 && mem[0x100000] == 0x33 && mem[0x100001] == 0x44,
       "the bytes above the ROM window landed");
    is_int(hvc_vcpu_mem_write(g, d, 0xbfffe, other, 4, &dropped), 0,
           "locked: store across 0xc0000");
    ok(dropped == 2 && mem[0xbffff] == 0x22 && mem[0xc0000] == 0xde,
       "below the window applied, inside discarded");

    is_int(vcpu_wr(g, d, PIO, 0x10, 1, 0), 0, "guest clears the ROM lock");
    is_int(hvc_vcpu_mem_write(g, d, 0xc0000, other, 4, &dropped), 0,
           "unlocked again: store");
    ok(dropped == 0 && memcmp(mem + 0xc0000, other, 4) == 0,
       "unlocked again: store applied");

    /* the seam's refusals, as Xen's dm_op refuses them */
    is_int(hvc_set_mem_type(ctl, d, HVC_MEM_RAM_RO, pages - 1, 2), -EINVAL,
           "set_mem_type past the end of memory refused");
    is_int(hvc_set_mem_type(ctl, d, (enum hvc_mem_type)3, 0xc0, 1), -EINVAL,
           "set_mem_type HVMMEM_unused refused");
    is_int(hvc_set_mem_type(g, d, HVC_MEM_RAM_RO, 0xc0, 1), -EPERM,
           "a guest cannot set its own memory types");
    is_int(hvc_vcpu_mem_write(g, d, pages * 4096 - 2, other, 4, NULL),
           -EINVAL, "vCPU store past the end of memory refused");
}

static void test_reset(struct hvc *g, struct hvc *ctl, uint32_t d)
{
    struct hvc_domain_info info;

    vcpu_wr(g, d, PIO, 0x64, 1, 0xfe);
    is_int(hvc_domain_info(ctl, d, &info), 0, "domain info");
    ok(info.shutdown && info.shutdown_reason == 1,
       "i8042 reset reached Xen as SHUTDOWN_reboot");
}

int main(void)
{
    struct hvc_domain_config cfg = { HVC_DOM_HVM, 2, 8192, 0, 0 };
    struct hvc *ctl = NULL, *g = NULL;
    uint32_t d = 0;
    pid_t dm = -1;

    signal(SIGPIPE, SIG_IGN);
    if (!ok(harness_start(&H) == 0, "service starts")) {
        return tap_done();
    }
    setenv("XENSIM_DIR", H.dir, 1);
    ctl = hvc_open(H.dir, HVC_CONTROL);
    ok(ctl && hvc_domain_create(ctl, &cfg, &d) == 0, "HVM domain");
    dm = ctl ? dmproc_start(dm_main, d, 2) : -1;
    ok(dm > 0, "xendm's ioreq server up on the seam");
    g = dm > 0 ? hvc_open(H.dir, d) : NULL;
    if (g) {
        test_machine(g, ctl, d);
        test_rom_lock(g, ctl, d);
        test_reset(g, ctl, d);
        hvc_close(g);
    }
    dmproc_stop(dm);
    hvc_close(ctl);
    is_int(harness_stop(&H), 0, "service stops cleanly");
    return tap_done();
}
