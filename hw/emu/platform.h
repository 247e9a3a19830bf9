/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Xen platform PCI device at 00:02.0 (5853:0001, class 0xff80),
 * saved as QEMU's "0000:00:02.0/platform" v4.
 *
 * It has a fixed 16-port window at 0x10 speaking the emulated-device
 * unplug protocol of Xen's docs/misc/hvm-emulated-unplug.pandoc
 * (magic 0x49d2, version 1, unplug mask, product and build numbers,
 * a log port, platform flags with the ROM lock), a 256-byte I/O BAR
 * with the older SUSE/VMDP unplug offsets, and a 16 MiB prefetchable
 * MMIO BAR that PV drivers use as address space for grant frames
 * (reads give 0, writes are ignored).  Unplug requests and the ROM
 * lock go to the machine through hooks; the guest's log bytes are
 * logged line by line with a rate limit.
 */
#ifndef XENDM_HW_PLATFORM_H
#define XENDM_HW_PLATFORM_H

#include <stdint.h>

#include "log.h"
#include "pci.h"
#include "vmstate.h"

#define PLATFORM_IOPORT 0x10
#define PLATFORM_IOPORT_LEN 16
#define PLATFORM_MAGIC 0x49d2
#define PLATFORM_VERSION 1
#define PLATFORM_FLAG_ROM_LOCK 0x1

/* unplug mask bits */
#define PLATFORM_UNPLUG_DISKS 0x1
#define PLATFORM_UNPLUG_NICS 0x2
#define PLATFORM_UNPLUG_AUX_IDE 0x4
#define PLATFORM_UNPLUG_NVME 0x8

struct platform_state {
    uint8_t realized;           /* identity checks apply (see pci.h) */
    struct pci_config pci;
    uint8_t flags;
};

struct platform_hooks {
    /* Unplugs emulated disks/NICs (PLATFORM_UNPLUG_* bits). */
    void (*unplug)(void *opaque, unsigned mask);
    /* Makes 0xc0000-0xfffff read-only (1) or writable (0); 0 or -errno. */
    int (*rom_lock)(void *opaque, int locked);
};

struct platform {
    struct platform_state st;
    const struct platform_hooks *hooks;
    void *opaque;
    /* not saved, as in QEMU */
    unsigned unplugged;
    uint16_t product;
    uint32_t build;
    char log_line[256];
    unsigned log_len;
    struct ratelimit log_rl;
};

extern const struct pci_ident platform_ident;
extern const struct vmstate_desc platform_vmsd;

void platform_init(struct platform *p, const struct platform_hooks *hooks,
                   void *opaque);
void platform_reset(struct platform *p);

/* The fixed window 0x10-0x1f: `off` is relative to 0x10. */
uint32_t platform_fixed_read(struct platform *p, unsigned off,
                             unsigned size);
void platform_fixed_write(struct platform *p, unsigned off, unsigned size,
                          uint32_t val);
/* BAR0 (I/O, 256 bytes), `off` relative to the BAR. */
uint32_t platform_bar0_read(struct platform *p, unsigned off, unsigned size);
void platform_bar0_write(struct platform *p, unsigned off, unsigned size,
                         uint32_t val);

void platform_config_write(struct platform *p, unsigned off, uint32_t val,
                           unsigned len);

/* After a committed load: re-apply the ROM lock. */
void platform_loaded(struct platform *p);

#endif
