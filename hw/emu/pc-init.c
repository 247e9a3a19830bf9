/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The xenfv machine's construction, reset, timers and the hooks its
 * devices call (interrupt lines, reset requests, link routes, the
 * platform device's unplug and ROM lock, the clock), each forwarded to
 * the host ops; interrupt levels only when they change.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "pc.h"

static const struct {
    uint16_t base;
    uint8_t irq;
} serial_ports[MACHINE_MAX_SERIAL] = {
    { 0x3f8, 4 }, { 0x2f8, 3 }, { 0x3e8, 4 }, { 0x2e8, 3 },
};


void machine_config_xenfv(struct machine_config *cfg, uint64_t ram_mb)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->nr_serial = 1;
    cfg->ram_mb = ram_mb;
    cfg->xen_platform = true;
    cfg->pci_nirq = 128;
    cfg->kbd_extended_state = false;
    cfg->cmos.below_4g = ram_mb << 20;
    cfg->cmos.cpus = 1;
}

/* ---- hooks the devices call ---- */

static void machine_isa_irq(void *opaque, unsigned irq, int level)
{
    struct machine *m = opaque;

    level = !!level;
    if (irq >= MACHINE_NR_ISA_IRQS || m->isa_level[irq] == level) {
        return;
    }
    m->isa_level[irq] = level;
    if (m->ops && m->ops->isa_irq) {
        m->ops->isa_irq(m->opaque, irq, level);
    }
}

/* One trampoline per port: the UART knows its line only as a level. */
#define SERIAL_IRQ_FN(N)                                                     \
    static void machine_serial##N##_irq(void *opaque, int level)             \
    {                                                                        \
        machine_isa_irq(opaque, serial_ports[N].irq, level);                 \
    }
SERIAL_IRQ_FN(0)
SERIAL_IRQ_FN(1)
SERIAL_IRQ_FN(2)
SERIAL_IRQ_FN(3)

static void (*const serial_irq_fns[MACHINE_MAX_SERIAL])(void *, int) = {
    machine_serial0_irq, machine_serial1_irq, machine_serial2_irq,
    machine_serial3_irq,
};

static int64_t machine_now(void *opaque)
{
    struct machine *m = opaque;

    return m->ops && m->ops->now ? m->ops->now(m->opaque) : 0;
}

static void machine_request_reset(void *opaque)
{
    struct machine *m = opaque;

    if (m->shutdown == MACHINE_SHUTDOWN_NONE) {
        m->shutdown = MACHINE_SHUTDOWN_REBOOT;
    }
}

static void machine_link_route(void *opaque, unsigned link, unsigned irq)
{
    struct machine *m = opaque;

    if (m->ops && m->ops->pci_link_route) {
        m->ops->pci_link_route(m->opaque, link, irq);
    }
}

static void machine_unplug(void *opaque, unsigned mask)
{
    struct machine *m = opaque;

    if (m->ops && m->ops->unplug) {
        m->ops->unplug(m->opaque, mask);
    }
}

static int machine_rom_lock(void *opaque, int locked)
{
    struct machine *m = opaque;

    return m->ops && m->ops->rom_lock ? m->ops->rom_lock(m->opaque, locked)
                                      : 0;
}

static const struct platform_hooks machine_platform_hooks = {
    .unplug = machine_unplug,
    .rom_lock = machine_rom_lock,
};

/* ---- lifecycle ---- */

int machine_init(struct machine *m, const struct machine_config *cfg,
                 const struct machine_host_ops *ops, void *opaque)
{
    unsigned i;

    if (cfg->nr_serial > MACHINE_MAX_SERIAL || cfg->pci_nirq == 0 ||
        cfg->pci_nirq > PCI_BUS_MAX_IRQS) {
        return -EINVAL;
    }
    memset(m, 0, sizeof(*m));
    m->cfg = *cfg;
    m->ops = ops;
    m->opaque = opaque;
    for (i = 0; i < MACHINE_NR_ISA_IRQS; i++) {
        m->isa_level[i] = -1;
    }
    m->bus.nirq_cfg = (int32_t)cfg->pci_nirq;
    piix3_init(&m->piix3, machine_link_route, machine_request_reset, m);
    for (i = 0; i < MACHINE_MAX_SERIAL; i++) {
        serial_init(&m->serial[i], serial_irq_fns[i], machine_now, m);
    }
    pckbd_init(&m->kbd, cfg->kbd_extended_state, machine_isa_irq,
               machine_request_reset, m);
    platform_init(&m->platform, &machine_platform_hooks, m);
    port92_init(&m->port92, machine_request_reset, m);
    cmos_init(&m->cmos, &cfg->cmos);
    machine_reset(m);
    return 0;
}

void machine_reset(struct machine *m)
{
    unsigned i;

    m->host.config_reg = 0;
    m->bus.nirq = m->bus.nirq_cfg;
    memset(m->bus.irq_count, 0, sizeof(m->bus.irq_count));
    i440fx_reset(&m->i440fx, m->cfg.ram_mb);
    piix3_reset(&m->piix3);
    for (i = 0; i < m->cfg.nr_serial; i++) {
        serial_reset(&m->serial[i]);
    }
    pckbd_reset(&m->kbd);
    port92_reset(&m->port92);
    cmos_reset(&m->cmos);
    if (m->fwcfg) {
        fwcfg_reset(m->fwcfg);
    }
    if (m->cfg.xen_platform) {
        platform_reset(&m->platform);
    }
    m->shutdown = MACHINE_SHUTDOWN_NONE;
}

void machine_attach_fwcfg(struct machine *m, struct fwcfg *f)
{
    m->fwcfg = f;
    if (f && m->guest_mem.read) {
        fwcfg_set_mem(f, &m->guest_mem, m->guest_mem_opaque);
    }
}

void machine_set_guest_memory(struct machine *m,
                              int (*read)(void *, uint64_t, void *, size_t),
                              int (*write)(void *, uint64_t, const void *,
                                           size_t),
                              void *opaque)
{
    m->guest_mem.read = read;
    m->guest_mem.write = write;
    m->guest_mem_opaque = opaque;
    if (m->fwcfg) {
        fwcfg_set_mem(m->fwcfg, read && write ? &m->guest_mem : NULL, opaque);
    }
}

int64_t machine_run_timers(struct machine *m, int64_t now)
{
    int64_t next = -1;
    unsigned i;

    for (i = 0; i < m->cfg.nr_serial; i++) {
        int64_t t;

        serial_run_timers(&m->serial[i], now);
        t = m->serial[i].st.fifo_timeout_timer;
        if (t >= 0 && (next < 0 || t < next)) {
            next = t;
        }
    }
    return next;
}

enum machine_shutdown machine_take_shutdown(struct machine *m)
{
    enum machine_shutdown s = m->shutdown;

    m->shutdown = MACHINE_SHUTDOWN_NONE;
    return s;
}

