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
 * order, the equipment byte and the CPU count (no checksum).  SeaBIOS on
 * Xen reads them (RamSizeOver4G, floppy types, boot order); all ones
 * there make it invent a terabyte of RAM above 4 GiB, which hangs Linux
 * early — seen in make check-xen before this device existed.
 *
 * Saved as QEMU's "mc146818rtc" v3 (cmos-state.c), so a guest's own
 * NVRAM writes survive a save and a stream moves between qemu-xen and
 * xendm.  Besides the NVRAM and the index, that section carries QEMU's
 * whole RTC: its copy of registers 0x00-0x0d and its clock (base_rtc,
 * last_update, offset: "RTC time = base_rtc + (now - last_update +
 * offset) / 1e9" on QEMU's RTC clock, which is the host's realtime
 * clock in qemu-xen, started without -rtc) and timer deadlines on that
 * clock.  Xen runs the guest's real RTC and saves it in its own HVM
 * context, so xendm never runs this clock: it builds these fields as
 * QEMU's realize does when the machine is created (cmos_config's
 * rtc_base and rtc_clock_ns), carries loaded ones unchanged, and
 * writes them back as they are.  Because they describe an affine map
 * of a clock that kept running, carried values stay right: a qemu-xen
 * that loads them reads the same wall-clock time, and a deadline that
 * passed meanwhile just fires at once and is re-armed by QEMU.
 *
 * Trust: ports take any byte (index masked to 7 bits); a loaded state
 * is validated field by field (cmos-state.c) before any of it is used.
 */
#ifndef XENDM_HW_EMU_CMOS_H
#define XENDM_HW_EMU_CMOS_H

#include <stdint.h>

#include "vmstate.h"

#define CMOS_IOPORT 0x70
#define CMOS_SIZE 128

struct cmos_config {
    uint64_t below_4g;      /* guest RAM below 4 GiB, bytes */
    uint64_t above_4g;      /* guest RAM above 4 GiB, bytes */
    unsigned cpus;          /* boot vCPUs */
    const char *boot_order; /* -boot order=, e.g. "cda"; NULL: "cad" */
    /* QEMU's RTC at creation: the date (seconds since 1970, UTC, at
     * most CMOS_MAX_BASE) and its clock's value (ns, >= 0) then */
    int64_t rtc_base;
    int64_t rtc_clock_ns;
};

/* Registers A-D and the century byte (QEMU's mc146818rtc_regs.h). */
#define CMOS_REG_A 0x0a
#define CMOS_REG_B 0x0b
#define CMOS_REG_C 0x0c
#define CMOS_REG_D 0x0d
#define CMOS_CENTURY 0x32
#define CMOS_PS2_CENTURY 0x37   /* IBM PS/2 alias of the century byte */
/* 9999-12-31 23:59:59: the last date four BCD year digits can hold */
#define CMOS_MAX_BASE 253402300799LL

/* Everything "mc146818rtc" saves, in QEMU's wire order. */
struct cmos_state {
    uint8_t cmos_data[CMOS_SIZE];   /* 0x00-0x0d QEMU's shadow; NVRAM */
    uint8_t cmos_index;             /* 0..0x7f */
    int64_t periodic_timer;         /* deadline on the RTC clock, -1 off */
    int64_t next_periodic_time;
    uint32_t irq_coalesced;
    uint32_t period;                /* 32 kHz ticks: 0 or 4..16384 */
    uint64_t base_rtc;              /* seconds */
    uint64_t last_update;           /* RTC clock, ns */
    int64_t offset;                 /* ns, 0 <= offset < 1e9 */
    int64_t update_timer;
    uint64_t next_alarm_time;
    uint16_t irq_reinject_on_ack_count; /* subsection, when non-zero */
};

struct cmos {
    struct cmos_state st;
};

extern const struct vmstate_desc cmos_vmsd;

/* Fills the NVRAM as QEMU's pc_cmos_init does for a xenfv machine and
 * the RTC part as QEMU's realize does (cmos-state.c). */
void cmos_init(struct cmos *c, const struct cmos_config *cfg);
/* QEMU's RTC reset: shutdown status, interrupt enables and flags. */
void cmos_reset(struct cmos *c);
/* The RTC fields of a new machine (called by cmos_init). */
void cmos_init_clock(struct cmos_state *st, int64_t base, int64_t now_ns);

/* Port 0x70 (index, bit 7 is NMI-disable) and 0x71 (data), byte wide. */
void cmos_ioport_write(struct cmos *c, unsigned off, uint8_t val);
uint8_t cmos_ioport_read(struct cmos *c, unsigned off);

#endif
