/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Direct Linux boot for the HVM machine: what qemu-xen's
 * xen_load_linux() and x86_load_linux() put into fw_cfg for
 * `-kernel/-initrd/-append`, so that SeaBIOS (started by hvmloader)
 * runs QEMU's linuxboot option ROM, which copies the setup code, the
 * kernel, the initrd and the command line into guest memory and jumps
 * to the kernel's real-mode setup.  The ROM is linuxboot_dma.bin (DMA)
 * when the fw_cfg device has the DMA interface and linuxboot.bin (`rep
 * insb` from the data port) when not -- qemu-xen's case: its fw_cfg has
 * no DMA, and the lab's SeaBIOS log shows "/rom@genroms/linuxboot.bin".
 *
 * The kernel must be a Linux bzImage (boot protocol 2.00 or newer,
 * LOADED_HIGH set); QEMU's other loaders (zImage below 1 MiB,
 * multiboot, PVH ELF) are not offered and such files are refused.
 * The setup header is patched as QEMU does (loader type 0xb0, heap
 * end, command line pointer, initrd address and size, vga= mode) and
 * the initrd placed below min(initrd_addr_max, RAM below 4 GiB - ACPI
 * data) on a page boundary.  pc-i440fx-3.1 (xenfv) adds no RNG seed
 * setup_data.  The option ROM is read at run time from QEMU's firmware
 * directory (-L DIR first, then QEMU's usual data directories); it is
 * never part of xendm.
 *
 * Trust: the files are named by the toolstack (trusted) but parsed
 * defensively: sizes bounded, header fields range-checked, every read
 * checked.  Everything is read before the privilege drop.
 */
#ifndef XENDM_HW_LINUXBOOT_H
#define XENDM_HW_LINUXBOOT_H

#include <stddef.h>
#include <stdint.h>

#include "fwcfg.h"

#define LINUXBOOT_ROM_DMA  "linuxboot_dma.bin"
#define LINUXBOOT_ROM_PIO  "linuxboot.bin"
#define LINUXBOOT_MAX_DIRS 8
/* pc-i440fx-2.1 and newer (so xenfv): 128 KiB of ACPI tables + 32 KiB */
#define LINUXBOOT_ACPI_DATA_SIZE (0x20000 + 0x8000)

struct linuxboot_config {
    const char *kernel;
    const char *initrd;  /* NULL: none */
    const char *cmdline; /* NULL: empty */
    uint64_t below_4g;   /* guest RAM below 4 GiB, bytes */
    uint16_t nb_cpus;    /* FW_CFG_NB_CPUS */
    /* -L directories, searched before the defaults; NULL-terminated */
    const char *const *rom_dirs;
};

/*
 * Fills `f` (initialized by fwcfg_init) with the boot items, files
 * "bootorder", "bios-geometry" and "genroms/<the ROM>", and
 * FW_CFG_NB_CPUS.  0, or -errno with a one-line reason in `err` (the
 * caller then frees `f` with fwcfg_free).
 */
int linuxboot_load(struct fwcfg *f, const struct linuxboot_config *c, char *err,
                   size_t errlen);

#endif
