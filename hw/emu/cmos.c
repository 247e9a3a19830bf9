/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CMOS NVRAM (see cmos.h).  The layout of the bytes firmware reads
 * follows QEMU's hw/i386/pc.c (pc_cmos_init, pc_cmos_init_late,
 * set_boot_dev) for a machine without floppy or IDE drives, which is
 * what xendm's xenfv machine is.
 */
#include "config.h"

#include <string.h>

#include "hw/emu/cmos.h"

/* Bytes in 0x10-0x2d are covered by the checksum at 0x2e/0x2f. */
#define CMOS_FLOPPY 0x10
#define CMOS_EQUIPMENT 0x14
#define CMOS_BASEMEM_LO 0x15
#define CMOS_EXTMEM_LO 0x17
#define CMOS_CSUM_HI 0x2e
#define CMOS_EXTMEM2_LO 0x30
#define CMOS_CENTURY 0x32
#define CMOS_MEM16M_LO 0x34
#define CMOS_BOOT_38 0x38
#define CMOS_BOOT_3D 0x3d
#define CMOS_MEM4G 0x5b
#define CMOS_CPUS 0x5f

static void put16(struct cmos *c, unsigned at, uint64_t v)
{
    c->nvram[at] = (uint8_t)v;
    c->nvram[at + 1] = (uint8_t)(v >> 8);
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
    uint64_t v;
    unsigned i, sum = 0;

    memset(c, 0, sizeof(*c));
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
    c->nvram[CMOS_MEM4G] = (uint8_t)v;
    c->nvram[CMOS_MEM4G + 1] = (uint8_t)(v >> 8);
    c->nvram[CMOS_MEM4G + 2] = (uint8_t)(v >> 16);
    for (i = 0; i < 3 && order[i] != '\0'; i++) {
        bds[i] = boot_code(order[i]);
    }
    c->nvram[CMOS_BOOT_3D] = (uint8_t)((bds[1] << 4) | bds[0]);
    /* fd_bootchk is on: the low bit stays clear */
    c->nvram[CMOS_BOOT_38] = (uint8_t)(bds[2] << 4);
    /* FPU present, PS/2 mouse; no floppy drives, so no floppy bits */
    c->nvram[CMOS_EQUIPMENT] = 0x02 | 0x04;
    c->nvram[CMOS_FLOPPY] = 0;
    c->nvram[CMOS_CENTURY] = 0x20;
    if (cfg->cpus >= 1 && cfg->cpus <= 256) {
        c->nvram[CMOS_CPUS] = (uint8_t)(cfg->cpus - 1);
    }
    for (i = CMOS_FLOPPY; i < CMOS_CSUM_HI; i++) {
        sum += c->nvram[i];
    }
    c->nvram[CMOS_CSUM_HI] = (uint8_t)(sum >> 8);
    c->nvram[CMOS_CSUM_HI + 1] = (uint8_t)sum;
}

void cmos_ioport_write(struct cmos *c, unsigned off, uint8_t val)
{
    if (off == 0) {
        c->index = val & 0x7f;
    } else {
        c->nvram[c->index & 0x7f] = val;
    }
}

uint8_t cmos_ioport_read(const struct cmos *c, unsigned off)
{
    return off == 0 ? 0xff : c->nvram[c->index & 0x7f];
}
