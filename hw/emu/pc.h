/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The emulated PC of an HVM guest: QEMU's `xenfv` machine (and
 * `pc,accel=xen`) as far as xendm models it.  It creates the devices
 * in QEMU's order, registers their saved state in qemu-xen's section
 * order, and dispatches the guest's port I/O, MMIO and PCI config
 * accesses through static range tables.
 *
 * Everything that leaves the machine goes through `struct
 * machine_host_ops`: ISA and PCI interrupt lines and PCI link routes
 * (to Xen through xen/hv.h in the daemon, to a recorder in tests), the
 * ROM lock, unplug notices, and the virtual clock.  Reset and
 * poweroff requests are latched and taken with machine_take_shutdown
 * by the ioreq server, which forwards them to Xen before answering the
 * request that caused them, as qemu-xen does.
 *
 * All entry points take guest-controlled ports, addresses, sizes and
 * values: sizes other than 1, 2 and 4 (8 for MMIO) are refused with
 * -EINVAL, unclaimed addresses read as all ones, and nothing a guest
 * does can make a call fail fatally.
 */
#ifndef XENDM_HW_PC_H
#define XENDM_HW_PC_H

#include <stdbool.h>
#include <stdint.h>

#include "chipset.h"
#include "cmos.h"
#include "fwcfg.h"
#include "pci.h"
#include "pckbd.h"
#include "platform.h"
#include "port92.h"
#include "serial.h"

#define MACHINE_MAX_SERIAL 4
#define MACHINE_NR_ISA_IRQS 16

enum machine_shutdown {
    MACHINE_SHUTDOWN_NONE = -1,
    MACHINE_SHUTDOWN_POWEROFF = 0,  /* values as enum hv_shutdown_reason */
    MACHINE_SHUTDOWN_REBOOT = 1,
};

struct machine_host_ops {
    void (*isa_irq)(void *opaque, unsigned irq, int level);
    void (*pci_intx)(void *opaque, unsigned dev, unsigned intx, int level);
    void (*pci_link_route)(void *opaque, unsigned link, unsigned irq);
    int (*rom_lock)(void *opaque, int locked);
    void (*unplug)(void *opaque, unsigned mask);
    int64_t (*now)(void *opaque);   /* virtual clock, ns */
};

struct machine_config {
    unsigned nr_serial;             /* -serial count, 0..4 */
    uint64_t ram_mb;                /* guest RAM, for the i440FX */
    bool xen_platform;              /* the platform device at 00:02.0 */
    unsigned pci_nirq;              /* 128 under Xen, 4 on plain pc */
    bool kbd_extended_state;        /* false for xenfv (3.1 compat) */
    /* "PCIHost" (the 0xcf8 register) is saved from QEMU 4.0 on only:
     * pc-i440fx-3.1 sets x-config-reg-migration-enabled=off. */
    bool pcihost_migration;
    /* what the CMOS NVRAM tells firmware (sizes, CPUs, boot order) */
    struct cmos_config cmos;
};

/* The xenfv defaults: one serial port, Xen platform, 128 bus irqs. */
void machine_config_xenfv(struct machine_config *cfg, uint64_t ram_mb);

struct machine {
    struct machine_config cfg;
    const struct machine_host_ops *ops;
    void *opaque;
    /* saved state (each registered as its own section) */
    struct pci_host_state host;
    struct pci_bus_state bus;
    struct i440fx_state i440fx;
    struct piix3 piix3;
    struct platform platform;
    struct serial serial[MACHINE_MAX_SERIAL];
    struct pckbd kbd;
    struct port92 port92;
    struct cmos cmos;               /* CMOS NVRAM + QEMU's RTC state */
    struct fwcfg *fwcfg;            /* only with -kernel; not owned */
    /* guest memory for DMA (the ioreq server's mapping cache) */
    struct fwcfg_mem_ops guest_mem;
    void *guest_mem_opaque;
    /* transient */
    int isa_level[MACHINE_NR_ISA_IRQS];
    enum machine_shutdown shutdown;
};

/* Creates the devices and resets them; 0 or -EINVAL (bad config). */
int machine_init(struct machine *m, const struct machine_config *cfg,
                 const struct machine_host_ops *ops, void *opaque);
void machine_reset(struct machine *m);

/*
 * Adds the fw_cfg device (QEMU creates it under Xen only for -kernel)
 * at 0x510-0x511 and 0x514-0x51b.  Call before machine_register_state;
 * `f` stays the caller's and must outlive the machine.
 */
void machine_attach_fwcfg(struct machine *m, struct fwcfg *f);
/* Guest-physical memory for device DMA; NULL read/write: none. */
void machine_set_guest_memory(struct machine *m,
                              int (*read)(void *, uint64_t, void *, size_t),
                              int (*write)(void *, uint64_t, const void *,
                                           size_t),
                              void *opaque);

/*
 * Port I/O of `size` (1, 2, 4) bytes; for reads *val gets the value
 * (all ones where nothing answers).  0, or -EINVAL for a bad size.
 */
int machine_pio(struct machine *m, uint16_t port, unsigned size,
                bool is_write, uint32_t *val);
/* MMIO of 1, 2, 4 or 8 bytes; 0, -EINVAL, or -ENODEV if unclaimed. */
int machine_mmio(struct machine *m, uint64_t addr, unsigned size,
                 bool is_write, uint64_t *val);
/* Config access to bus 0 device/function `devfn`, register `reg`. */
int machine_pci_config(struct machine *m, uint32_t sbdf, uint32_t reg,
                       unsigned size, bool is_write, uint32_t *val);

/* Fires timers due at `now`; returns the next deadline or -1. */
int64_t machine_run_timers(struct machine *m, int64_t now);

/* The latched reset/poweroff request, cleared by taking it. */
enum machine_shutdown machine_take_shutdown(struct machine *m);

/* What the ioreq server must claim from Xen. */
struct machine_range {
    uint64_t start, end;            /* inclusive */
};
/* Fills up to `max` port ranges (static and current BARs); returns n. */
unsigned machine_pio_ranges(const struct machine *m,
                            struct machine_range *out, unsigned max);
unsigned machine_mmio_ranges(const struct machine *m,
                             struct machine_range *out, unsigned max);
/* Bus-0 devfns of the PCI functions; returns n. */
unsigned machine_pci_devfns(const struct machine *m, uint8_t *out,
                            unsigned max);

struct savevm;
/* Registers every section in qemu-xen's relative order; 0 or -errno. */
int machine_register_state(struct machine *m, struct savevm *sv);

#endif
