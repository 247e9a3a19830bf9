/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PCI core: configuration spaces, masks, BARs and the saved forms
 * of QEMU's PCIDevice, PCIHost and PCIBUS descriptions.
 *
 * Masks are computed from the function's constant identity rather
 * than stored, so a function's state stays one plain struct: the
 * write mask allows the command bits QEMU allows (I/O, memory, bus
 * master, SERR, INTx disable), the cache-line and interrupt-line
 * bytes, BAR address bits, and the whole device-specific area
 * 0x40-0xff; status error bits are write-1-to-clear; identity bytes
 * are checked on load.  Everything here trusts only the identity
 * tables, which are compiled in.
 */
#include <stddef.h>
#include <string.h>

#include "pci.h"

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* Which BAR (0..5) covers config offset `off`, or -1. */
static int bar_of(unsigned off)
{
    if (off < PCI_BAR0 || off >= PCI_BAR0 + 4 * PCI_NUM_BARS) {
        return -1;
    }
    return (int)((off - PCI_BAR0) / 4);
}

uint8_t pci_wmask(const struct pci_ident *id, unsigned off)
{
    static const uint16_t command_wmask = 0x0507;
    int bar;

    if (off >= PCI_CONFIG_SIZE) {
        return 0;
    }
    if (off >= 0x40) {
        return 0xff;
    }
    if (off == PCI_COMMAND || off == PCI_COMMAND + 1) {
        return (uint8_t)(command_wmask >> (8 * (off - PCI_COMMAND)));
    }
    if (off == 0x0c || off == PCI_INTERRUPT_LINE) {
        return 0xff;
    }
    bar = bar_of(off);
    if (bar >= 0 && id->bars[bar].size) {
        uint32_t m = ~(id->bars[bar].size - 1);

        return (uint8_t)(m >> (8 * ((off - PCI_BAR0) % 4)));
    }
    return 0;
}

uint8_t pci_w1cmask(const struct pci_ident *id, unsigned off)
{
    (void)id;
    /* parity, target/master aborts, SERR, detected parity */
    return off == PCI_STATUS + 1 ? 0xf9 : 0;
}

uint8_t pci_cmask(const struct pci_ident *id, unsigned off)
{
    int bar = bar_of(off);

    if (off < 4 || (off >= 8 && off < 12) || off == 0x0e || off == 0x34) {
        return 0xff;
    }
    if (off == PCI_STATUS) {
        return 0x10;        /* capability list */
    }
    if (bar >= 0 && id->bars[bar].size) {
        return 0xff;
    }
    return 0;
}

void pci_config_reset(struct pci_config *cfg, const struct pci_ident *id)
{
    uint8_t *c = cfg->config;
    unsigned i;

    memset(cfg, 0, sizeof(*cfg));
    cfg->version_id = PCI_DEVICE_VMSTATE_VERSION;
    put16(c + 0, id->vendor);
    put16(c + 2, id->device);
    put16(c + PCI_STATUS, id->status);
    put32(c + 8, id->class_rev);
    c[0x0e] = id->header_type;
    for (i = 0; i < PCI_NUM_BARS; i++) {
        if (id->bars[i].size) {
            put32(c + PCI_BAR0 + 4 * i, id->bars[i].type);
        }
    }
    put16(c + 0x2c, id->subsys_vendor);
    put16(c + 0x2e, id->subsys_id);
    c[PCI_INTERRUPT_PIN] = id->int_pin;
    for (i = 0; i < id->n_extra; i++) {
        c[id->extra[i][0]] = id->extra[i][1];
    }
}

uint32_t pci_config_read(const struct pci_config *cfg, unsigned off,
                         unsigned len)
{
    uint32_t v = 0;
    unsigned i;

    if (len == 0 || len > 4 || off >= PCI_CONFIG_SIZE) {
        return UINT32_MAX;
    }
    for (i = 0; i < len; i++) {
        uint8_t b = off + i < PCI_CONFIG_SIZE ? cfg->config[off + i] : 0xff;

        v |= (uint32_t)b << (8 * i);
    }
    return v;
}

void pci_config_write(struct pci_config *cfg, const struct pci_ident *id,
                      unsigned off, uint32_t val, unsigned len)
{
    unsigned i;

    if (len == 0 || len > 4 || off >= PCI_CONFIG_SIZE) {
        return;
    }
    for (i = 0; i < len && off + i < PCI_CONFIG_SIZE; i++, val >>= 8) {
        uint8_t w = pci_wmask(id, off + i);
        uint8_t w1c = pci_w1cmask(id, off + i);
        uint8_t *b = &cfg->config[off + i];

        *b = (uint8_t)((*b & ~w) | (val & w));
        *b = (uint8_t)(*b & ~(val & w1c));
    }
}

bool pci_config_valid(const struct pci_config *cfg,
                      const struct pci_ident *id)
{
    struct pci_config ref;
    unsigned i;

    if (cfg->version_id < 0 ||
        cfg->version_id > PCI_DEVICE_VMSTATE_VERSION) {
        return false;
    }
    for (i = 0; i < PCI_NUM_PINS; i++) {
        if (cfg->irq_state[i] != 0 && cfg->irq_state[i] != 1) {
            return false;
        }
    }
    if (id == NULL) {
        return true;
    }
    pci_config_reset(&ref, id);
    for (i = 0; i < PCI_CONFIG_SIZE; i++) {
        uint8_t fixed = (uint8_t)(pci_cmask(id, i) & ~pci_wmask(id, i) &
                                  ~pci_w1cmask(id, i));

        if ((cfg->config[i] ^ ref.config[i]) & fixed) {
            return false;
        }
    }
    return true;
}

uint64_t pci_bar_address(const struct pci_config *cfg,
                         const struct pci_ident *id, unsigned i)
{
    uint16_t cmd = (uint16_t)pci_config_read(cfg, PCI_COMMAND, 2);
    uint32_t size, addr;
    uint64_t last;

    if (i >= PCI_NUM_BARS || !id->bars[i].size) {
        return PCI_BAR_UNMAPPED;
    }
    size = id->bars[i].size;
    if (id->bars[i].type & PCI_BAR_IO) {
        if (!(cmd & PCI_COMMAND_IO)) {
            return PCI_BAR_UNMAPPED;
        }
    } else if (!(cmd & PCI_COMMAND_MEMORY)) {
        return PCI_BAR_UNMAPPED;
    }
    addr = get32(cfg->config + PCI_BAR0 + 4 * i) & ~(size - 1);
    last = (uint64_t)addr + size - 1;
    if (addr == 0 || last >= UINT32_MAX) {
        return PCI_BAR_UNMAPPED;
    }
    if ((id->bars[i].type & PCI_BAR_IO) && last > 0xffff) {
        return PCI_BAR_UNMAPPED;
    }
    return addr;
}

bool pci_set_irq_state(struct pci_config *cfg, unsigned pin, int level)
{
    unsigned i;
    bool any = false;

    if (pin >= PCI_NUM_PINS || cfg->irq_state[pin] == !!level) {
        return false;
    }
    cfg->irq_state[pin] = !!level;
    for (i = 0; i < PCI_NUM_PINS; i++) {
        any = any || cfg->irq_state[i];
    }
    if (any) {
        cfg->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    } else {
        cfg->config[PCI_STATUS] &= (uint8_t)~PCI_STATUS_INTERRUPT;
    }
    return true;
}

static const struct vmstate_field pci_config_fields[] = {
    VMSTATE_I32(version_id, struct pci_config),
    VMSTATE_BUFFER(config, struct pci_config),
    VMSTATE_ARRAY_V(VMS_I32, irq_state, struct pci_config, PCI_NUM_PINS, 2),
    VMSTATE_END,
};

const struct vmstate_desc pci_config_vmsd = {
    .name = "PCIDevice",
    .version_id = 2,
    .minimum_version_id = 1,
    .fields = pci_config_fields,
};

static const struct vmstate_field pci_host_fields[] = {
    VMSTATE_U32(config_reg, struct pci_host_state),
    VMSTATE_END,
};

const struct vmstate_desc pci_host_vmsd = {
    .name = "PCIHost",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = pci_host_fields,
};

static bool pci_bus_nirq_ok(void *opaque, int version_id)
{
    const struct pci_bus_state *b = opaque;

    (void)version_id;
    if (b->nirq < 0 || b->nirq > PCI_BUS_MAX_IRQS) {
        return false;
    }
    return b->nirq_cfg == 0 || b->nirq == b->nirq_cfg;
}

static bool pci_bus_counts_ok(void *opaque, int version_id)
{
    const struct pci_bus_state *b = opaque;
    int32_t i;

    (void)version_id;
    for (i = 0; i < b->nirq; i++) {
        if (b->irq_count[i] < 0) {
            return false;
        }
    }
    return true;
}

static const struct vmstate_field pci_bus_fields[] = {
    VMSTATE_I32(nirq, struct pci_bus_state),
    VMSTATE_VALIDATE("nirq equal", pci_bus_nirq_ok),
    { .name = "irq_count", .kind = VMS_I32,
      .offset = offsetof(struct pci_bus_state, irq_count),
      .size = sizeof(int32_t), .num = PCI_BUS_MAX_IRQS,
      .count = VMS_COUNT_I32,
      .count_offset = offsetof(struct pci_bus_state, nirq) },
    VMSTATE_VALIDATE("irq_count", pci_bus_counts_ok),
    VMSTATE_END,
};

const struct vmstate_desc pci_bus_vmsd = {
    .name = "PCIBUS",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = pci_bus_fields,
};
