/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The CMOS NVRAM xendm serves behind Xen's RTC: the bytes SeaBIOS reads
 * (values worked out from QEMU's pc_cmos_init for the same machine), the
 * index/data port protocol, and that it reaches the machine's port map.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "hw/emu/cmos.h"
#include "hw/emu/pc.h"
#include "tests/tap.h"

static int64_t host_now(void *o)
{
    (void)o;
    return 0;
}

static const struct machine_host_ops host = {.now = host_now};

static unsigned rd(struct cmos *c, uint8_t idx)
{
    cmos_ioport_write(c, 0, idx);
    return cmos_ioport_read(c, 1);
}

int main(void)
{
    struct cmos_config cfg = {.below_4g = 192ull << 20, .above_4g = 0,
                              .cpus = 2, .boot_order = "cda"};
    static struct machine m;
    struct machine_config mc;
    struct cmos c;
    unsigned sum = 0, i;
    uint32_t v;

    cmos_init(&c, &cfg);
    is_int(rd(&c, 0x15) | rd(&c, 0x16) << 8, 640, "base memory 640 KiB");
    is_int(rd(&c, 0x17) | rd(&c, 0x18) << 8, 65535,
           "extended memory capped at 65535 KiB");
    is_int(rd(&c, 0x30) | rd(&c, 0x31) << 8, 65535, "and its copy at 0x30");
    is_int(rd(&c, 0x34) | rd(&c, 0x35) << 8, (192 - 16) * 16,
           "memory above 16 MiB in 64 KiB units");
    is_int(rd(&c, 0x5b) | rd(&c, 0x5c) << 8 | rd(&c, 0x5d) << 16, 0,
           "no memory above 4 GiB (SeaBIOS's RamSizeOver4G)");
    is_int(rd(&c, 0x10), 0, "no floppy drives");
    is_int(rd(&c, 0x14), 0x06, "equipment: FPU and PS/2 mouse");
    is_int(rd(&c, 0x3d), 0x32, "boot order c, d in 0x3d");
    is_int(rd(&c, 0x38), 0x10, "then a in 0x38, floppy check on");
    is_int(rd(&c, 0x5f), 1, "CPU count - 1");
    for (i = 0x10; i < 0x2e; i++) {
        sum += rd(&c, (uint8_t)i);
    }
    ok(sum != 0 && (rd(&c, 0x2e) << 8 | rd(&c, 0x2f)) == 0,
       "no checksum at 0x2e/0x2f, as QEMU's pc_cmos_init");

    cfg.below_4g = 0xf0000000ull;
    cfg.above_4g = 4ull << 30;
    cmos_init(&c, &cfg);
    is_int(rd(&c, 0x5b) | rd(&c, 0x5c) << 8 | rd(&c, 0x5d) << 16,
           65536, "4 GiB above 4 GiB in 64 KiB units");
    is_int(rd(&c, 0x34) | rd(&c, 0x35) << 8, (0xf0000000u - (16u << 20)) / 65536,
           "memory from 16 MiB to the 0xf0000000 hole");

    cmos_ioport_write(&c, 0, 0x80 | 0x40);
    cmos_ioport_write(&c, 1, 0xab);
    is_int(rd(&c, 0x40), 0xab, "NMI bit ignored in the index; data kept");
    is_int(cmos_ioport_read(&c, 0), 0xff, "the index port reads 0xff");

    machine_config_xenfv(&mc, 64);
    mc.cmos.boot_order = "dc";
    if (machine_init(&m, &mc, &host, NULL) < 0) {
        ok(0, "machine_init");
        return tap_done();
    }
    v = 0x35;
    machine_pio(&m, 0x70, 1, true, &v);
    v = 0;
    machine_pio(&m, 0x71, 1, false, &v);
    is_int(v, ((64 - 16) * 16) >> 8,
           "the machine answers 0x70/0x71 from its NVRAM");
    v = 0x3d;
    machine_pio(&m, 0x70, 1, true, &v);
    machine_pio(&m, 0x71, 1, false, &v);
    is_int(v, 0x23, "with the machine's boot order");
    return tap_done();
}
