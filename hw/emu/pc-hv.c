/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host ops of the machine on Xen.  Each call is one device-model
 * operation; failures are logged (rate-limited: a guest toggling a
 * line must not flood the log) and otherwise ignored, as qemu-xen
 * does, because the guest cannot be answered with an error for an
 * interrupt.  The ROM lock is Xen's set_mem_type on the 64 frames at
 * 0xc0000 (QEMU's platform_fixed_ioport_writeb: HVMMEM_ram_ro when
 * locked, HVMMEM_ram_rw when not); its failure is returned, so the
 * platform device keeps its old flags as QEMU does.
 */
#include <errno.h>
#include <time.h>

#include "pc-hv.h"
#include "cpu-timers.h"
#include "log.h"
#include "xen/hv.h"
#include "src/loop.h"

static const struct ratelimit pc_hv_rl_init = RATELIMIT_INIT(1000, 5);

void pc_hv_host_init(struct pc_hv_host *h, struct hv *hv, uint32_t domid)
{
    h->hv = hv;
    h->clock = NULL;
    h->domid = domid;
    h->unplugged = 0;
    h->rl = pc_hv_rl_init;
}

static void hvh_isa_irq(void *opaque, unsigned irq, int level)
{
    struct pc_hv_host *h = opaque;

    if (hv_set_isa_irq_level(h->hv, h->domid, (uint8_t)irq,
                             (unsigned)level) < 0) {
        log_ratelimited(&h->rl, "dom%u: set ISA IRQ %u failed",
                        h->domid, irq);
    }
}

static void hvh_pci_intx(void *opaque, unsigned dev, unsigned intx,
                         int level)
{
    struct pc_hv_host *h = opaque;

    if (hv_set_pci_intx_level(h->hv, h->domid, 0, 0, (uint8_t)dev,
                              (uint8_t)intx, (unsigned)level) < 0) {
        log_ratelimited(&h->rl, "dom%u: set INTx failed", h->domid);
    }
}

static void hvh_link_route(void *opaque, unsigned link, unsigned irq)
{
    struct pc_hv_host *h = opaque;

    if (hv_set_pci_link_route(h->hv, h->domid, (uint8_t)link,
                              (uint8_t)irq) < 0) {
        log_ratelimited(&h->rl, "dom%u: PCI link route failed",
                        h->domid);
    }
}

#define PC_HV_ROM_PFN 0xc0u
#define PC_HV_ROM_PAGES 0x40u

static int hvh_rom_lock(void *opaque, int locked)
{
    struct pc_hv_host *h = opaque;
    int rc = h->hv ? hv_set_mem_type(h->hv, h->domid,
                                     locked ? HV_MEM_RAM_RO : HV_MEM_RAM_RW,
                                     PC_HV_ROM_PFN, PC_HV_ROM_PAGES)
                   : -ENODEV;

    if (rc < 0) {
        log_ratelimited(&h->rl, "dom%u: ROM %s failed: %d", h->domid,
                        locked ? "lock" : "unlock", rc);
    }
    return rc;
}

static void hvh_unplug(void *opaque, unsigned mask)
{
    struct pc_hv_host *h = opaque;

    h->unplugged |= mask;
    log_info("dom%u: guest unplugged emulated devices (mask %#x)", h->domid,
             mask);
}

static int64_t hvh_now(void *opaque)
{
    const struct pc_hv_host *h = opaque;
    uint64_t host = loop_now_ns();

    return h->clock ? cpu_timers_now(h->clock, host) : (int64_t)host;
}

const struct machine_host_ops pc_hv_ops = {
    .isa_irq = hvh_isa_irq,
    .pci_intx = hvh_pci_intx,
    .pci_link_route = hvh_link_route,
    .rom_lock = hvh_rom_lock,
    .unplug = hvh_unplug,
    .now = hvh_now,
};
