/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CMOS NVRAM (see cmos.h).  The layout of the bytes firmware reads
 * follows QEMU's hw/i386/pc.c (pc_cmos_init, pc_cmos_init_late,
 * set_boot_dev) for a machine without floppy or IDE drives, which is
 * what xendm's xenfv machine is.  QEMU writes no checksum at
 * 0x2e/0x2f (checked: QEMU 7.2's pc-i440fx-3.1 saves zeros there), so
 * neither does xendm.  The data port follows QEMU's cmos_ioport_*:
 * index 0x37 (the IBM PS/2 century byte) is an alias that selects
 * 0x32; registers 0x00-0x0d are Xen's, which never forwards them, so
 * their bytes here are QEMU's shadow copy: readable, never written by
 * the guest (a shadow the guest could change might not load back).
 */
#include "config.h"

#include <string.h>

#include "hw/emu/cmos.h"

#define CMOS_FLOPPY 0x10
#define CMOS_SHUTDOWN 0x0f
#define CMOS_EQUIPMENT 0x14
#define CMOS_BASEMEM_LO 0x15
#define CMOS_EXTMEM_LO 0x17
#define CMOS_EXTMEM2_LO 0x30
#define CMOS_MEM16M_LO 0x34
#define CMOS_BOOT_38 0x38
#define CMOS_BOOT_3D 0x3d
#define CMOS_MEM4G 0x5b
#define CMOS_CPUS 0x5f
#define CMOS_FIRST_NVRAM 0x0e

static void put16(struct cmos *c, unsigned at, uint64_t v)
{
    c->st.cmos_data[at] = (uint8_t)v;
    c->st.cmos_data[at + 1] = (uint8_t)(v >> 8);
}

/* QEMU's boot device codes: floppy 1, hard disk 2, CD-ROM 3, network 4. */
static unsigned boot_code(char d)
{
    switch (d) {
    case 'a':
        return 1;
    case 'c':
        return 2;
    case 'd':
        return 3;
    case 'n':
        return 4;
    default:
        return 0;
    }
}

void cmos_init(struct cmos *c, const struct cmos_config *cfg)
{
    const char *order = cfg->boot_order ? cfg->boot_order : "cad";
    unsigned bds[3] = {0, 0, 0};
    uint8_t *d = c->st.cmos_data;
    uint64_t v;
    unsigned i;

    memset(c, 0, sizeof(*c));
    cmos_init_clock(&c->st, cfg->rtc_base, cfg->rtc_clock_ns);
    v = cfg->below_4g / 1024 < 640 ? cfg->below_4g / 1024 : 640;
    put16(c, CMOS_BASEMEM_LO, v);
    v = cfg->below_4g > (1u << 20) ? (cfg->below_4g - (1u << 20)) / 1024 : 0;
    v = v > 65535 ? 65535 : v;
    put16(c, CMOS_EXTMEM_LO, v);
    put16(c, CMOS_EXTMEM2_LO, v);
    v = cfg->below_4g > (16u << 20) ? (cfg->below_4g - (16u << 20)) / 65536
                                    : 0;
    v = v > 65535 ? 65535 : v;
    put16(c, CMOS_MEM16M_LO, v);
    v = cfg->above_4g / 65536;
    d[CMOS_MEM4G] = (uint8_t)v;
    d[CMOS_MEM4G + 1] = (uint8_t)(v >> 8);
    d[CMOS_MEM4G + 2] = (uint8_t)(v >> 16);
    for (i = 0; i < 3 && order[i] != '\0'; i++) {
        bds[i] = boot_code(order[i]);
    }
    d[CMOS_BOOT_3D] = (uint8_t)((bds[1] << 4) | bds[0]);
    /* fd_bootchk is on: the low bit stays clear */
    d[CMOS_BOOT_38] = (uint8_t)(bds[2] << 4);
    /* FPU present, PS/2 mouse; no floppy drives, so no floppy bits */
    d[CMOS_EQUIPMENT] = 0x02 | 0x04;
    d[CMOS_FLOPPY] = 0;
    if (cfg->cpus >= 1 && cfg->cpus <= 256) {
        d[CMOS_CPUS] = (uint8_t)(cfg->cpus - 1);
    }
}

void cmos_reset(struct cmos *c)
{
    uint8_t *d = c->st.cmos_data;

    /* 0xfe there is an S3 resume the firmware must see after reset */
    if (d[CMOS_SHUTDOWN] != 0xfe) {
        d[CMOS_SHUTDOWN] = 0;
    }
    d[CMOS_REG_B] &= (uint8_t)~0x68u;    /* PIE, AIE, SQWE */
    d[CMOS_REG_C] &= (uint8_t)~0xf0u;    /* IRQF, PF, AF, UF */
}

void cmos_ioport_write(struct cmos *c, unsigned off, uint8_t val)
{
    struct cmos_state *st = &c->st;

    if (off == 0) {
        st->cmos_index = val & 0x7f;
        return;
    }
    if (st->cmos_index == CMOS_PS2_CENTURY) {
        st->cmos_index = CMOS_CENTURY;
    }
    if (st->cmos_index >= CMOS_FIRST_NVRAM) {
        st->cmos_data[st->cmos_index & 0x7f] = val;
    }
}

uint8_t cmos_ioport_read(struct cmos *c, unsigned off)
{
    struct cmos_state *st = &c->st;

    if (off == 0) {
        return 0xff;
    }
    if (st->cmos_index == CMOS_PS2_CENTURY) {
        st->cmos_index = CMOS_CENTURY;
    }
    return st->cmos_data[st->cmos_index & 0x7f];
}
