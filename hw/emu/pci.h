/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small conventional-PCI core: 256-byte configuration spaces with
 * QEMU's write, write-1-to-clear and check masks, BAR decoding, INTx
 * state, and the saved forms QEMU uses for them ("PCIDevice" nested in
 * every PCI section, "PCIHost", "PCIBUS").
 *
 * A PCI function is described by a `static const struct pci_ident`
 * (ids, class, BARs, subsystem) and keeps its saved part in a
 * `struct pci_config` that the function's own state struct embeds,
 * so the function's description can nest `pci_config_vmsd` exactly
 * where QEMU's VMSTATE_PCI_DEVICE sits.  Config accesses come from a
 * guest and are hostile: offsets and sizes are bounded here, never
 * trusted by the functions.
 */
#ifndef XENDM_HW_PCI_H
#define XENDM_HW_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "vmstate.h"

#define PCI_CONFIG_SIZE 256
#define PCI_NUM_BARS 6
#define PCI_NUM_PINS 4
#define PCI_DEVICE_VMSTATE_VERSION 2

#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_BAR0 0x10
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d
#define PCI_COMMAND_IO 0x1
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_STATUS_INTERRUPT 0x08

#define PCI_BAR_IO 0x1
#define PCI_BAR_MEM_PREFETCH 0x8
#define PCI_BAR_UNMAPPED UINT64_MAX

struct pci_bar_desc {
    uint32_t size;          /* power of two; 0 = no BAR */
    uint8_t type;           /* PCI_BAR_IO or memory flags */
};

/* The constant identity of a function: what a reset restores. */
struct pci_ident {
    const char *name;
    uint8_t devfn;          /* slot << 3 | function, bus 0 */
    uint16_t vendor, device;
    uint16_t subsys_vendor, subsys_id;
    uint32_t class_rev;     /* class << 8 | revision */
    uint8_t header_type;
    uint8_t int_pin;        /* 0 = none, 1 = INTA ... */
    uint16_t status;        /* reset value of the status register */
    struct pci_bar_desc bars[PCI_NUM_BARS];
    /* Device-specific reset values at offsets >= 0x40: {off, val}. */
    const uint8_t (*extra)[2];
    unsigned n_extra;
};

/* The saved part (QEMU's "PCIDevice", version 2). */
struct pci_config {
    int32_t version_id;
    uint8_t config[PCI_CONFIG_SIZE];
    int32_t irq_state[PCI_NUM_PINS];
};

extern const struct vmstate_desc pci_config_vmsd;

/* Puts `cfg` in the reset state of `id`. */
void pci_config_reset(struct pci_config *cfg, const struct pci_ident *id);

/* Masks of `id`, derived as QEMU derives them. */
uint8_t pci_wmask(const struct pci_ident *id, unsigned off);
uint8_t pci_w1cmask(const struct pci_ident *id, unsigned off);
uint8_t pci_cmask(const struct pci_ident *id, unsigned off);

/*
 * Default config read/write of `len` (1, 2, 4) bytes at `off`; the
 * access is clamped to the space.  Reads past it give all ones.
 */
uint32_t pci_config_read(const struct pci_config *cfg, unsigned off,
                         unsigned len);
void pci_config_write(struct pci_config *cfg, const struct pci_ident *id,
                      unsigned off, uint32_t val, unsigned len);

/*
 * A function's state struct starts with `uint8_t realized`, set when a
 * machine created it: only then does a load check the identity (a bare
 * copy of the description, as the analyzer and stream tests make, has
 * no identity to check against).
 *
 * Validates a loaded config against the function's identity (QEMU's
 * "Bad config data" check: checked bytes that the guest cannot write
 * must equal the reset value; skipped when `id` is NULL) and the irq
 * state (each pin 0 or 1).
 */
bool pci_config_valid(const struct pci_config *cfg,
                      const struct pci_ident *id);

/* Current address of BAR `i`, or PCI_BAR_UNMAPPED. */
uint64_t pci_bar_address(const struct pci_config *cfg,
                         const struct pci_ident *id, unsigned i);

/* Sets the level of INTx pin (0..3); returns true if it changed. */
bool pci_set_irq_state(struct pci_config *cfg, unsigned pin, int level);

/* ---- the host bridge's address register and the bus irq counts ---- */

struct pci_host_state {
    uint32_t config_reg;    /* "PCIHost" */
};

#define PCI_BUS_MAX_IRQS 128

/*
 * State structs keep what is not on the wire before the saved fields:
 * other users of a description (the analyzer, the stream tests) size
 * their copies by the description's extent, and loads decode into
 * shadows of that span.
 */
struct pci_bus_state {
    int32_t nirq_cfg;       /* not saved: this machine's count, 0 = any */
    int32_t nirq;           /* "PCIBUS": 4 on plain pc, 128 under Xen */
    int32_t irq_count[PCI_BUS_MAX_IRQS];
};

extern const struct vmstate_desc pci_host_vmsd;
extern const struct vmstate_desc pci_bus_vmsd;

#endif
