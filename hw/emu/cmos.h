/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The CMOS NVRAM of the MC146818 RTC, the part of ports 0x70/0x71 that
 * Xen leaves to the device model.
 *
 * Xen 4.17 emulates the RTC itself (xen/arch/x86/hvm/rtc.c): it answers
 * reads of port 0x70 and every access to registers 0x00-0x0d, and
 * forwards to the ioreq server only an index write of 0x0e or above and
 * data-port accesses while such an index is selected.  QEMU's
 * mc146818rtc serves those from its 128-byte cmos_data, which
 * pc_cmos_init fills with what firmware reads: memory sizes, the boot
 * order, the equipment byte, the CPU count and a checksum.  SeaBIOS on
 * Xen reads them (RamSizeOver4G, floppy types, boot order); all ones
 * there make it invent a terabyte of RAM above 4 GiB, which hangs Linux
 * early — seen in make check-xen before this device existed.
 *
 * Not saved: QEMU saves the whole RTC as "mc146818rtc" v3; xendm does
 * not write that section yet (docs/devices/hvm.md), and rebuilds the
 * NVRAM from the command line on restore.  Guest writes to it are kept
 * for the life of the process only.
 */
#ifndef XENDM_HW_EMU_CMOS_H
#define XENDM_HW_EMU_CMOS_H

#include <stdint.h>

#define CMOS_IOPORT 0x70
#define CMOS_SIZE 128

struct cmos_config {
    uint64_t below_4g;      /* guest RAM below 4 GiB, bytes */
    uint64_t above_4g;      /* guest RAM above 4 GiB, bytes */
    unsigned cpus;          /* boot vCPUs */
    const char *boot_order; /* -boot order=, e.g. "cda"; NULL: "cad" */
};

struct cmos {
    uint8_t index;
    uint8_t nvram[CMOS_SIZE];
};

/* Fills the NVRAM as QEMU's pc_cmos_init does for a xenfv machine. */
void cmos_init(struct cmos *c, const struct cmos_config *cfg);

/* Port 0x70 (index, bit 7 is NMI-disable) and 0x71 (data), byte wide. */
void cmos_ioport_write(struct cmos *c, unsigned off, uint8_t val);
uint8_t cmos_ioport_read(const struct cmos *c, unsigned off);

#endif
