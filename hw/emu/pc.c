/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The xenfv machine: access dispatch (construction is in pc-init.c).
 *
 * Theory of operation.  Devices are embedded in `struct machine` and
 * created in QEMU's order (host bridge, PIIX3, serial ports, i8042
 * with its PS/2 devices, platform device).  Guest accesses are
 * dispatched by two `static const` tables: port ranges (the first
 * range containing the first byte takes the whole access, as QEMU's
 * I/O address space does, which is how the 1-byte reset control
 * register at 0xcf9 coexists with the 4-byte address register at
 * 0xcf8) and PCI functions by devfn.  A range that implements only
 * narrower accesses gets a wide access split into little-endian
 * pieces.  BARs are looked up from live config space on every
 * access, so a guest reprogramming a BAR needs no bookkeeping.
 * Interrupt levels are forwarded only when they change.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "pc.h"

/* ---- port I/O ---- */

typedef uint32_t pio_read_fn(struct machine *m, unsigned arg, unsigned off,
                             unsigned size);
typedef void pio_write_fn(struct machine *m, unsigned arg, unsigned off,
                          unsigned size, uint32_t val);

struct pio_range {
    uint16_t start;
    uint16_t len;
    uint8_t impl_max;       /* wider accesses are split */
    unsigned arg;
    bool (*present)(const struct machine *m, unsigned arg);
    pio_read_fn *read;
    pio_write_fn *write;
};

static bool has_platform(const struct machine *m, unsigned arg)
{
    (void)arg;
    return m->cfg.xen_platform;
}

static bool has_serial(const struct machine *m, unsigned arg)
{
    return arg < m->cfg.nr_serial;
}

static bool always(const struct machine *m, unsigned arg)
{
    (void)m;
    (void)arg;
    return true;
}

static uint32_t pio_platform_read(struct machine *m, unsigned arg,
                                  unsigned off, unsigned size)
{
    (void)arg;
    return platform_fixed_read(&m->platform, off, size);
}

static void pio_platform_write(struct machine *m, unsigned arg, unsigned off,
                               unsigned size, uint32_t val)
{
    (void)arg;
    platform_fixed_write(&m->platform, off, size, val);
}

static uint32_t pio_kbd_data_read(struct machine *m, unsigned arg,
                                  unsigned off, unsigned size)
{
    (void)arg;
    (void)off;
    (void)size;
    return pckbd_read_data(&m->kbd);
}

static void pio_kbd_data_write(struct machine *m, unsigned arg, unsigned off,
                               unsigned size, uint32_t val)
{
    (void)arg;
    (void)off;
    (void)size;
    pckbd_write_data(&m->kbd, (uint8_t)val);
}

static uint32_t pio_kbd_cmd_read(struct machine *m, unsigned arg,
                                 unsigned off, unsigned size)
{
    (void)arg;
    (void)off;
    (void)size;
    return pckbd_read_status(&m->kbd);
}

static void pio_kbd_cmd_write(struct machine *m, unsigned arg, unsigned off,
                              unsigned size, uint32_t val)
{
    (void)arg;
    (void)off;
    (void)size;
    pckbd_write_command(&m->kbd, (uint8_t)val);
}

static uint32_t pio_serial_read(struct machine *m, unsigned arg, unsigned off,
                                unsigned size)
{
    (void)size;
    return serial_pio_read(&m->serial[arg], off);
}

static void pio_serial_write(struct machine *m, unsigned arg, unsigned off,
                             unsigned size, uint32_t val)
{
    (void)size;
    serial_pio_write(&m->serial[arg], off, (uint8_t)val);
}

static bool has_fwcfg(const struct machine *m, unsigned arg)
{
    /* arg 1: the DMA ports, only when the device has the interface */
    return m->fwcfg != NULL && (arg == 0 || m->fwcfg->st.dma_enabled);
}

static uint32_t pio_port92_read(struct machine *m, unsigned arg,
                                unsigned off, unsigned size)
{
    (void)arg;
    (void)size;
    return off == 0 ? port92_read(&m->port92) : 0xff;
}

static void pio_port92_write(struct machine *m, unsigned arg, unsigned off,
                             unsigned size, uint32_t val)
{
    (void)arg;
    (void)size;
    if (off == 0) {
        port92_write(&m->port92, (uint8_t)val);
    }
}

static uint32_t pio_fwcfg_read(struct machine *m, unsigned arg, unsigned off,
                               unsigned size)
{
    return arg ? fwcfg_dma_io_read(m->fwcfg, off, size)
               : fwcfg_io_read(m->fwcfg, off, size);
}

static void pio_fwcfg_write(struct machine *m, unsigned arg, unsigned off,
                            unsigned size, uint32_t val)
{
    if (arg) {
        fwcfg_dma_io_write(m->fwcfg, off, size, val);
    } else {
        fwcfg_io_write(m->fwcfg, off, size, val);
    }
}

static uint32_t pio_rcr_read(struct machine *m, unsigned arg, unsigned off,
                             unsigned size)
{
    (void)arg;
    (void)off;
    (void)size;
    return piix3_rcr_read(&m->piix3);
}

static void pio_rcr_write(struct machine *m, unsigned arg, unsigned off,
                          unsigned size, uint32_t val)
{
    (void)arg;
    (void)off;
    (void)size;
    piix3_rcr_write(&m->piix3, (uint8_t)val);
}

static uint32_t pio_cf8_read(struct machine *m, unsigned arg, unsigned off,
                             unsigned size)
{
    (void)arg;
    (void)size;
    return m->host.config_reg >> (8 * off);
}

static void pio_cf8_write(struct machine *m, unsigned arg, unsigned off,
                          unsigned size, uint32_t val)
{
    (void)arg;
    if (off == 0 && size == 4) {
        m->host.config_reg = val;
    }
}

static uint32_t pio_cfc_read(struct machine *m, unsigned arg, unsigned off,
                             unsigned size)
{
    uint32_t addr = m->host.config_reg | off, v = UINT32_MAX;

    (void)arg;
    if (!(m->host.config_reg & 0x80000000u) || ((addr >> 16) & 0xff)) {
        return UINT32_MAX;
    }
    machine_pci_config(m, (addr >> 8) & 0xff, addr & 0xff, size, false, &v);
    return v;
}

static void pio_cfc_write(struct machine *m, unsigned arg, unsigned off,
                          unsigned size, uint32_t val)
{
    uint32_t addr = m->host.config_reg | off;

    (void)arg;
    if (!(m->host.config_reg & 0x80000000u) || ((addr >> 16) & 0xff)) {
        return;
    }
    machine_pci_config(m, (addr >> 8) & 0xff, addr & 0xff, size, true, &val);
}

static const struct pio_range pio_table[] = {
    { 0x10, PLATFORM_IOPORT_LEN, 4, 0, has_platform, pio_platform_read,
      pio_platform_write },
    { 0x60, 1, 1, 0, always, pio_kbd_data_read, pio_kbd_data_write },
    { 0x64, 1, 1, 0, always, pio_kbd_cmd_read, pio_kbd_cmd_write },
    { PORT92_IOPORT, 1, 1, 0, always, pio_port92_read, pio_port92_write },
    { FWCFG_IOPORT, FWCFG_IOPORT_LEN, 4, 0, has_fwcfg, pio_fwcfg_read,
      pio_fwcfg_write },
    { FWCFG_DMA_IOPORT, FWCFG_DMA_IOPORT_LEN, 4, 1, has_fwcfg, pio_fwcfg_read,
      pio_fwcfg_write },
    { 0x3f8, 8, 1, 0, has_serial, pio_serial_read, pio_serial_write },
    { 0x2f8, 8, 1, 1, has_serial, pio_serial_read, pio_serial_write },
    { 0x3e8, 8, 1, 2, has_serial, pio_serial_read, pio_serial_write },
    { 0x2e8, 8, 1, 3, has_serial, pio_serial_read, pio_serial_write },
    { PIIX_RCR_IOPORT, 1, 1, 0, always, pio_rcr_read, pio_rcr_write },
    { 0xcf8, 4, 4, 0, always, pio_cf8_read, pio_cf8_write },
    { 0xcfc, 4, 4, 0, always, pio_cfc_read, pio_cfc_write },
};

static const struct pio_range *pio_find(const struct machine *m,
                                        uint16_t port)
{
    size_t i;

    for (i = 0; i < sizeof(pio_table) / sizeof(pio_table[0]); i++) {
        const struct pio_range *r = &pio_table[i];

        if (port >= r->start && port - r->start < r->len &&
            r->present(m, r->arg)) {
            return r;
        }
    }
    return NULL;
}

static uint32_t size_mask(unsigned size)
{
    return size >= 4 ? UINT32_MAX : (1u << (8 * size)) - 1;
}

static void pio_range_access(struct machine *m, const struct pio_range *r,
                             unsigned off, unsigned size, bool is_write,
                             uint32_t *val)
{
    unsigned step = size < r->impl_max ? size : r->impl_max, i;
    uint32_t acc = 0;

    for (i = 0; i < size; i += step) {
        if (is_write) {
            r->write(m, r->arg, off + i, step,
                     (*val >> (8 * i)) & size_mask(step));
        } else {
            acc |= (r->read(m, r->arg, off + i, step) & size_mask(step))
                   << (8 * i);
        }
    }
    if (!is_write) {
        *val = acc;
    }
}

int machine_pio(struct machine *m, uint16_t port, unsigned size,
                bool is_write, uint32_t *val)
{
    const struct pio_range *r;
    uint64_t bar;

    if (size != 1 && size != 2 && size != 4) {
        if (!is_write) {
            *val = UINT32_MAX;
        }
        return -EINVAL;
    }
    r = pio_find(m, port);
    if (r) {
        pio_range_access(m, r, port - r->start, size, is_write, val);
        return 0;
    }
    bar = m->cfg.xen_platform
              ? pci_bar_address(&m->platform.st.pci, &platform_ident, 0)
              : PCI_BAR_UNMAPPED;
    if (bar != PCI_BAR_UNMAPPED && port >= bar && port - bar < 0x100) {
        if (is_write) {
            platform_bar0_write(&m->platform, port - (unsigned)bar, size,
                                *val & size_mask(size));
        } else {
            *val = platform_bar0_read(&m->platform, port - (unsigned)bar,
                                      size) & size_mask(size);
        }
        return 0;
    }
    if (!is_write) {
        *val = size_mask(size);
    }
    return 0;
}

/* ---- MMIO ---- */

int machine_mmio(struct machine *m, uint64_t addr, unsigned size,
                 bool is_write, uint64_t *val)
{
    uint64_t bar;

    if (size != 1 && size != 2 && size != 4 && size != 8) {
        if (!is_write) {
            *val = UINT64_MAX;
        }
        return -EINVAL;
    }
    bar = m->cfg.xen_platform
              ? pci_bar_address(&m->platform.st.pci, &platform_ident, 1)
              : PCI_BAR_UNMAPPED;
    if (bar != PCI_BAR_UNMAPPED && addr >= bar &&
        addr - bar < platform_ident.bars[1].size) {
        if (!is_write) {
            *val = 0;       /* grant-frame space: nothing behind it */
        }
        return 0;
    }
    if (!is_write) {
        *val = UINT64_MAX;
    }
    return -ENODEV;
}

/* ---- PCI configuration ---- */

struct pci_fn {
    uint8_t devfn;
    const struct pci_ident *id;
    bool (*present)(const struct machine *m, unsigned arg);
    struct pci_config *(*config)(struct machine *m);
    void (*write)(struct machine *m, unsigned off, uint32_t val,
                  unsigned len);
};

static struct pci_config *i440fx_cfg(struct machine *m)
{
    return &m->i440fx.pci;
}

static struct pci_config *piix3_cfg(struct machine *m)
{
    return &m->piix3.st.pci;
}

static struct pci_config *platform_cfg(struct machine *m)
{
    return &m->platform.st.pci;
}

static void i440fx_wr(struct machine *m, unsigned off, uint32_t val,
                      unsigned len)
{
    i440fx_config_write(&m->i440fx, off, val, len);
}

static void piix3_wr(struct machine *m, unsigned off, uint32_t val,
                     unsigned len)
{
    piix3_config_write(&m->piix3, off, val, len);
}

static void platform_wr(struct machine *m, unsigned off, uint32_t val,
                        unsigned len)
{
    platform_config_write(&m->platform, off, val, len);
}

static const struct pci_fn pci_table[] = {
    { 0x00, &i440fx_ident, always, i440fx_cfg, i440fx_wr },
    { 0x08, &piix3_ident, always, piix3_cfg, piix3_wr },
    { 0x10, &platform_ident, has_platform, platform_cfg, platform_wr },
};

#define PCI_TABLE_LEN (sizeof(pci_table) / sizeof(pci_table[0]))

int machine_pci_config(struct machine *m, uint32_t sbdf, uint32_t reg,
                       unsigned size, bool is_write, uint32_t *val)
{
    size_t i;

    if (size != 1 && size != 2 && size != 4) {
        if (!is_write) {
            *val = UINT32_MAX;
        }
        return -EINVAL;
    }
    for (i = 0; sbdf <= 0xff && i < PCI_TABLE_LEN; i++) {
        const struct pci_fn *f = &pci_table[i];
        unsigned len;

        if (f->devfn != sbdf || !f->present(m, 0)) {
            continue;
        }
        if (reg >= PCI_CONFIG_SIZE) {
            break;
        }
        len = size < PCI_CONFIG_SIZE - reg ? size : PCI_CONFIG_SIZE - reg;
        if (is_write) {
            f->write(m, reg, *val, len);
        } else {
            *val = pci_config_read(f->config(m), reg, len) |
                   (~size_mask(len) & size_mask(size));
        }
        return 0;
    }
    if (!is_write) {
        *val = size_mask(size);
    }
    return -ENODEV;
}

/* ---- what the ioreq server claims ---- */

unsigned machine_pio_ranges(const struct machine *m,
                            struct machine_range *out, unsigned max)
{
    unsigned n = 0;
    size_t i;
    uint64_t bar;

    for (i = 0; i < sizeof(pio_table) / sizeof(pio_table[0]); i++) {
        const struct pio_range *r = &pio_table[i];

        if (n < max && r->present(m, r->arg)) {
            out[n].start = r->start;
            out[n].end = (uint64_t)r->start + r->len - 1;
            n++;
        }
    }
    if (m->cfg.xen_platform && n < max) {
        bar = pci_bar_address(&m->platform.st.pci, &platform_ident, 0);
        if (bar != PCI_BAR_UNMAPPED) {
            out[n].start = bar;
            out[n].end = bar + 0xff;
            n++;
        }
    }
    return n;
}

unsigned machine_mmio_ranges(const struct machine *m,
                             struct machine_range *out, unsigned max)
{
    uint64_t bar;

    if (!m->cfg.xen_platform || max == 0) {
        return 0;
    }
    bar = pci_bar_address(&m->platform.st.pci, &platform_ident, 1);
    if (bar == PCI_BAR_UNMAPPED) {
        return 0;
    }
    out[0].start = bar;
    out[0].end = bar + platform_ident.bars[1].size - 1;
    return 1;
}

unsigned machine_pci_devfns(const struct machine *m, uint8_t *out,
                            unsigned max)
{
    unsigned n = 0;
    size_t i;

    for (i = 0; i < PCI_TABLE_LEN && n < max; i++) {
        if (pci_table[i].present(m, 0)) {
            out[n++] = pci_table[i].devfn;
        }
    }
    return n;
}

