/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The i440FX host bridge (00:00.0, "0000:00:00.0/I440FX" v3) and the
 * PIIX3 PCI-to-ISA bridge (00:01.0, "0000:00:01.0/PIIX3" v3 with the
 * "PIIX3/rcr" subsection), as QEMU's xenfv machine has them.
 *
 * Under Xen the hypervisor emulates the PIC, IOAPIC and PIT, so the
 * PIIX3 here only forwards what Xen must know: writes to the PIRQ
 * route registers 0x60-0x63 become PCI link routes, and the reset
 * control register at 0xcf9 turns into a reset request.  The
 * machine passes these to its irq sink and reset hook.
 */
#ifndef XENDM_HW_CHIPSET_H
#define XENDM_HW_CHIPSET_H

#include <stdint.h>

#include "pci.h"
#include "vmstate.h"

struct i440fx_state {
    uint8_t realized;           /* identity checks apply (see pci.h) */
    struct pci_config pci;
};

#define PIIX_NUM_PIRQS 4
#define PIIX_PIRQCA 0x60
#define PIIX_RCR_IOPORT 0xcf9

struct piix3_state {
    uint8_t realized;
    struct pci_config pci;
    int32_t pci_irq_levels_vmstate[PIIX_NUM_PIRQS];
    uint8_t rcr;
};

struct piix3 {
    struct piix3_state st;
    void (*link_route)(void *opaque, unsigned link, unsigned irq);
    void (*reset)(void *opaque);
    void *opaque;
};

extern const struct pci_ident i440fx_ident;
extern const struct pci_ident piix3_ident;
extern const struct vmstate_desc i440fx_vmsd;
extern const struct vmstate_desc piix3_vmsd;

/* ram_mb sets the register QEMU derives from the RAM size (0x57). */
void i440fx_reset(struct i440fx_state *s, uint64_t ram_mb);
void i440fx_config_write(struct i440fx_state *s, unsigned off, uint32_t val,
                         unsigned len);

void piix3_init(struct piix3 *p,
                void (*link_route)(void *, unsigned, unsigned),
                void (*reset)(void *), void *opaque);
void piix3_reset(struct piix3 *p);
void piix3_config_write(struct piix3 *p, unsigned off, uint32_t val,
                        unsigned len);
uint8_t piix3_rcr_read(struct piix3 *p);
void piix3_rcr_write(struct piix3 *p, uint8_t val);
/* After a committed load: re-send the four link routes. */
void piix3_loaded(struct piix3 *p);

#endif
