/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The machine's entries in the save-state registry.
 *
 * One table lists every section the machine saves, in the order
 * qemu-xen registers them for `xenfv` (PCI bus, host bridge, PIIX3,
 * then the ISA devices of pc_superio_init: serial ports, the PS/2
 * keyboard and mouse the i8042 creates before itself, the i8042, and
 * last the platform device pc_xen_hvm_init adds after pc_init1), so a
 * registry built with the rest of qemu-xen's sections interleaved the
 * same way writes the same section ids.  The RTC ("mc146818rtc",
 * pc_basic_device_init) comes after the chipset and before the ISA
 * devices of pc_superio_init.  Each entry's `loaded` hook
 * forgets the interrupt levels last sent for its lines and re-drives
 * them, so a restored machine tells Xen its real line state.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>

#include "pc.h"
#include "savevm.h"

#define container_of(p, T, m) ((T *)(void *)((char *)(p)-offsetof(T, m)))

static void serial_entry_loaded(void *opaque)
{
    struct serial *s = container_of(opaque, struct serial, st);
    struct machine *m = s->opaque;
    unsigned i;

    for (i = 0; i < MACHINE_NR_ISA_IRQS; i++) {
        m->isa_level[i] = -1;
    }
    serial_loaded(s);
}

static void pckbd_entry_loaded(void *opaque)
{
    struct pckbd *k = container_of(opaque, struct pckbd, st);
    struct machine *m = k->opaque;

    m->isa_level[1] = -1;
    m->isa_level[12] = -1;
    pckbd_loaded(k);
}

static void piix3_entry_loaded(void *opaque)
{
    piix3_loaded(container_of(opaque, struct piix3, st));
}

static void platform_entry_loaded(void *opaque)
{
    platform_loaded(container_of(opaque, struct platform, st));
}

static int reg_one(struct savevm *sv, const char *idstr, int alias,
                   const struct vmstate_desc *vmsd, void *opaque,
                   size_t size, void (*loaded)(void *))
{
    struct savevm_reg r = {
        .idstr = idstr,
        .instance_id = -1,
        .alias_id = alias,
        .vmsd = vmsd,
        .opaque = opaque,
        .size = size,
        .loaded = loaded,
    };
    int rc = savevm_register(sv, &r);

    return rc < 0 ? rc : 0;
}

static int reg_pci(struct savevm *sv, const struct pci_ident *id,
                   const struct vmstate_desc *vmsd, void *opaque,
                   size_t size, void (*loaded)(void *))
{
    char idstr[64];
    int rc = savevm_pci_idstr(idstr, sizeof(idstr), 0, 0, id->devfn >> 3,
                              id->devfn & 7, vmsd->name);

    return rc < 0 ? rc : reg_one(sv, idstr, -1, vmsd, opaque, size, loaded);
}

int machine_register_state(struct machine *m, struct savevm *sv)
{
    static const uint16_t serial_base[MACHINE_MAX_SERIAL] = {
        0x3f8, 0x2f8, 0x3e8, 0x2e8,
    };
    unsigned i;
    int rc = 0;

    /* qemu-xen creates fw_cfg (xen_load_linux) before the PCI host */
    if (m->fwcfg) {
        rc = reg_one(sv, "fw_cfg", -1, &fwcfg_vmsd, &m->fwcfg->st,
                     sizeof(m->fwcfg->st), NULL);
    }
    if (!rc && m->cfg.pcihost_migration) {
        rc = reg_one(sv, "PCIHost", -1, &pci_host_vmsd, &m->host,
                     sizeof(m->host), NULL);
    }
    rc = rc ? rc : reg_one(sv, "PCIBUS", -1, &pci_bus_vmsd, &m->bus,
                           sizeof(m->bus), NULL);
    rc = rc ? rc : reg_pci(sv, &i440fx_ident, &i440fx_vmsd, &m->i440fx,
                           sizeof(m->i440fx), NULL);
    rc = rc ? rc : reg_pci(sv, &piix3_ident, &piix3_vmsd, &m->piix3.st,
                           sizeof(m->piix3.st), piix3_entry_loaded);
    /* pc_basic_device_init: the RTC (legacy alias id: its port) */
    rc = rc ? rc : reg_one(sv, "mc146818rtc", CMOS_IOPORT, &cmos_vmsd,
                           &m->cmos.st, sizeof(m->cmos.st), NULL);
    for (i = 0; !rc && i < m->cfg.nr_serial; i++) {
        rc = reg_one(sv, "serial", serial_base[i], &serial_isa_vmsd,
                     &m->serial[i].st, sizeof(m->serial[i].st),
                     serial_entry_loaded);
    }
    rc = rc ? rc : reg_one(sv, "ps2kbd", -1, &ps2_kbd_vmsd, &m->kbd.kbd.st,
                           sizeof(m->kbd.kbd.st), NULL);
    rc = rc ? rc : reg_one(sv, "ps2mouse", -1, &ps2_mouse_vmsd,
                           &m->kbd.mouse.st, sizeof(m->kbd.mouse.st), NULL);
    rc = rc ? rc : reg_one(sv, "pckbd", -1, &pckbd_isa_vmsd, &m->kbd.st,
                           sizeof(m->kbd.st), pckbd_entry_loaded);
    /* pc_superio_init: port92 right after the i8042 (no vmport on Xen) */
    rc = rc ? rc : reg_one(sv, "port92", -1, &port92_vmsd, &m->port92.st,
                           sizeof(m->port92.st), NULL);
    if (!rc && m->cfg.xen_platform) {
        rc = reg_pci(sv, &platform_ident, &platform_vmsd, &m->platform.st,
                     sizeof(m->platform.st), platform_entry_loaded);
    }
    return rc;
}
