/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The HVM machine's device logic and its save/restore, without Xen:
 * the platform device's unplug protocol, PCI config masks and BARs
 * through 0xcf8/0xcfc, PIIX3 link routes and reset control, the
 * i8042's reset, hostile sizes and addresses, and a save taken in the
 * middle of activity (UART FIFO holding received bytes, keyboard queue
 * holding scancodes and a command reply, platform device unplugged
 * and ROM-locked, guest bytes in the CMOS NVRAM with an index selected) restored into a fresh machine that must then answer
 * every guest read exactly as the original does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "hvm-util.h"
#include "savevm.h"

static uint32_t cfg_read(struct machine *m, unsigned devfn, unsigned reg,
                         unsigned size)
{
    test_pio_out(m, 0xcf8, 4, 0x80000000u | devfn << 8 | (reg & 0xfc));
    return test_pio_in(m, (uint16_t)(0xcfc + (reg & 3)), size);
}

static void cfg_write(struct machine *m, unsigned devfn, unsigned reg,
                      unsigned size, uint32_t v)
{
    test_pio_out(m, 0xcf8, 4, 0x80000000u | devfn << 8 | (reg & 0xfc));
    test_pio_out(m, (uint16_t)(0xcfc + (reg & 3)), size, v);
}

static void new_xenfv(struct machine *m, struct test_host *h)
{
    struct machine_config cfg;

    test_host_init(h);
    machine_config_xenfv(&cfg, 1024);
    machine_init(m, &cfg, &test_host_ops, h);
}

static void test_platform(void)
{
    struct machine m;
    struct test_host h;

    new_xenfv(&m, &h);
    is_int(test_pio_in(&m, 0x10, 2), 0x49d2, "platform: magic at 0x10");
    is_int(test_pio_in(&m, 0x12, 1), 1, "platform: version 1 at 0x12");
    is_int(test_pio_in(&m, 0x10, 4), 0xffffffffu, "platform: 32-bit read: ones");
    test_pio_out(&m, 0x12, 2, 3);            /* product number */
    test_pio_out(&m, 0x10, 4, 0x1234);       /* build number */
    is_int(m.platform.product, 3, "platform: product number recorded");
    test_pio_out(&m, 0x10, 2, 0x0003);
    is_int(h.unplugged, 3, "platform: unplug disks + NICs reaches host");
    test_pio_out(&m, 0x10, 1, 1);
    is_int(h.rom_locked, 1, "platform: ROM lock reaches host");
    is_int(test_pio_in(&m, 0x10, 1), 1, "platform: flags read back");
    for (const char *p = "hello from the guest\n"; *p; p++) {
        test_pio_out(&m, 0x12, 1, (uint8_t)*p);
    }
    is_int(m.platform.log_len, 0, "platform: log line flushed at newline");

    is_int(cfg_read(&m, 0x10, 0, 4), 0x00015853, "platform: 5853:0001");
    is_int(cfg_read(&m, 0x10, 8, 4), 0xff800001, "platform: class, rev");
    is_int(cfg_read(&m, 0x10, 0x2c, 4), 0x00015853, "platform: subsystem");
    is_int(cfg_read(&m, 0x10, 0x3d, 1), 1, "platform: INTA");
    cfg_write(&m, 0x10, 0, 4, 0xdeadbeef);
    is_int(cfg_read(&m, 0x10, 0, 4), 0x00015853, "platform: ids read-only");
    cfg_write(&m, 0x10, 0x10, 4, 0xffffffff);
    cfg_write(&m, 0x10, 0x14, 4, 0xffffffff);
    is_int(cfg_read(&m, 0x10, 0x10, 4), 0xffffff01, "BAR0: 256 bytes I/O");
    is_int(cfg_read(&m, 0x10, 0x14, 4), 0xff000008,
           "BAR1: 16 MiB prefetchable");
    cfg_write(&m, 0x10, 0x10, 4, 0xc000);
    cfg_write(&m, 0x10, 0x14, 4, 0xf2000000);
    is_int(test_pio_in(&m, 0xc000, 1), 0xff, "BAR0 unmapped while I/O disabled");
    cfg_write(&m, 0x10, 4, 2, 0x0003);
    is_int(test_pio_in(&m, 0xc000, 1), 1, "BAR0 offset 0: flags");
    test_pio_out(&m, 0xc008, 1, 2);
    is_int(h.unplugged, 3, "BAR0 offset 8 = 2: NIC unplug");
    {
        uint64_t v = 1;
        struct machine_range r[4];

        is_int(machine_mmio(&m, 0xf2000010, 4, false, &v), 0,
               "BAR1 claimed");
        is_int(v, 0, "BAR1 reads 0");
        is_int(machine_mmio(&m, 0xf3000000, 4, false, &v), -ENODEV,
               "past BAR1 unclaimed");
        is_int(machine_mmio_ranges(&m, r, 4), 1, "one MMIO range");
        ok(r[0].start == 0xf2000000 && r[0].end == 0xf2ffffff,
           "MMIO range is BAR1");
    }
}

static void test_chipset(void)
{
    struct machine m;
    struct test_host h;

    new_xenfv(&m, &h);
    is_int(cfg_read(&m, 0, 0, 4), 0x12378086, "i440FX ids");
    is_int(cfg_read(&m, 0, 0x57, 1), 128, "i440FX: RAM size / 8 MiB");
    is_int(cfg_read(&m, 8, 0, 4), 0x70008086, "PIIX3 ids");
    is_int(cfg_read(&m, 8, 0x0e, 1), 0x80, "PIIX3 multi-function");
    cfg_write(&m, 8, 0x60, 4, 0x0b0a8b05);
    ok(h.link[0] == 5 && h.link[1] == 0 && h.link[2] == 10 &&
       h.link[3] == 11, "PIIX3 PIRQ writes become link routes");
    is_int(cfg_read(&m, 0x18, 0, 4), 0xffffffffu, "empty slot: ones");
    test_pio_out(&m, 0xcf8, 4, 0x80010000);
    is_int(test_pio_in(&m, 0xcfc, 4), 0xffffffffu, "bus 1: ones");
    {
        uint32_t v = 0;

        is_int(machine_pci_config(&m, 0x10, 300, 4, false, &v), -ENODEV,
               "config beyond 256: refused");
        is_int(v, 0xffffffffu, "... reads ones");
        is_int(machine_pci_config(&m, 0x10, 254, 4, false, &v), 0,
               "config straddling the end: clamped");
        is_int(v, 0xffff0000u, "... upper half ones");
        is_int(machine_pio(&m, 0x3f8, 3, false, &v), -EINVAL, "size 3");
        is_int(v, 0xffffffffu, "... reads ones");
        is_int(machine_pio(&m, 0x1234, 8, true, &v), -EINVAL, "size 8 PIO");
    }
    is_int(test_pio_in(&m, 0x5555, 2), 0xffff, "unclaimed port: ones");
    test_pio_out(&m, 0xcf9, 1, 0x02);
    is_int(test_pio_in(&m, 0xcf9, 1), 2, "RCR keeps the reset type");
    is_int(machine_take_shutdown(&m), MACHINE_SHUTDOWN_NONE, "no reset yet");
    test_pio_out(&m, 0xcf9, 1, 0x06);
    is_int(machine_take_shutdown(&m), MACHINE_SHUTDOWN_REBOOT,
           "RCR bit 2: reboot request");
    test_pio_out(&m, 0x64, 1, 0xfe);
    is_int(machine_take_shutdown(&m), MACHINE_SHUTDOWN_REBOOT,
           "i8042 0xfe: reboot request");
    test_pio_out(&m, 0x64, 1, 0xd1);
    test_pio_out(&m, 0x60, 1, 0x00);
    is_int(machine_take_shutdown(&m), MACHINE_SHUTDOWN_REBOOT,
           "i8042 outport bit 0 low: reboot request");
}

static void test_serial_irq(void)
{
    struct machine m;
    struct test_host h;
    static const uint8_t msg[] = "hi";

    new_xenfv(&m, &h);
    test_pio_out(&m, 0x3f9, 1, 0x01);        /* RDI */
    is_int(h.isa[4], 0, "COM1 IRQ low");
    serial_receive(&m.serial[0], msg, 1);
    is_int(h.isa[4], 1, "COM1 IRQ 4 raised by a received byte");
    is_int(test_pio_in(&m, 0x3f8, 1), 'h', "byte read");
    is_int(h.isa[4], 0, "IRQ lowered");
    test_pio_out(&m, 0x3fa, 1, 0x01);        /* FIFO on, trigger 1 */
    serial_receive(&m.serial[0], msg, 2);
    h.now = 10 * 1000 * 1000;
    ok(machine_run_timers(&m, h.now) == -1, "timeout fired");
    is_int(test_pio_in(&m, 0x3fa, 1) & 0x0f, 0x0c, "IIR: character timeout");
}

/* Everything a guest can read, as one string, to compare machines. */
static void guest_view(struct machine *m, char *buf, size_t len)
{
    size_t n = 0;
    int i;

    /* first, the byte at the CMOS index the guest left selected */
    n += (size_t)snprintf(buf + n, len - n, "cmos[sel]=%02x cmos=",
                          test_pio_in(m, 0x71, 1));
    for (i = 0x0e; i < 0x80; i++) {
        test_pio_out(m, 0x70, 1, (uint32_t)i);
        n += (size_t)snprintf(buf + n, len - n, "%02x",
                              test_pio_in(m, 0x71, 1));
    }
    n += (size_t)snprintf(buf + n, len - n, " lsr=%02x iir=%02x ier=%02x "
                          "lcr=%02x msr=%02x scr=%02x rx=",
                          test_pio_in(m, 0x3fd, 1), test_pio_in(m, 0x3fa, 1), test_pio_in(m, 0x3f9, 1),
                          test_pio_in(m, 0x3fb, 1), test_pio_in(m, 0x3fe, 1), test_pio_in(m, 0x3ff, 1));
    for (i = 0; i < 20 && (test_pio_in(m, 0x3fd, 1) & 1); i++) {
        n += (size_t)snprintf(buf + n, len - n, "%02x", test_pio_in(m, 0x3f8, 1));
    }
    n += (size_t)snprintf(buf + n, len - n, " kbd=");
    for (i = 0; i < 24 && (test_pio_in(m, 0x64, 1) & 1); i++) {
        n += (size_t)snprintf(buf + n, len - n, "%02x", test_pio_in(m, 0x60, 1));
    }
    n += (size_t)snprintf(buf + n, len - n, " st=%02x pf=%02x magic=%04x "
                          "bar0=%08x pirq=%08x",
                          test_pio_in(m, 0x64, 1), test_pio_in(m, 0x10, 1), test_pio_in(m, 0x10, 2),
                          cfg_read(m, 0x10, 0x10, 4), cfg_read(m, 8, 0x60, 4));
}

static void drive_activity(struct machine *m)
{
    static const uint8_t rx[] = "hello, world";
    static const uint8_t key_a[] = { 0x1c }, key_b_up[] = { 0xf0, 0x32 };

    test_pio_out(m, 0x3fb, 1, 0x83);
    test_pio_out(m, 0x3f8, 1, 0x01);
    test_pio_out(m, 0x3fb, 1, 0x03);
    test_pio_out(m, 0x3fa, 1, 0xc7);
    test_pio_out(m, 0x3f9, 1, 0x05);
    test_pio_out(m, 0x3ff, 1, 0x42);
    serial_receive(&m->serial[0], rx, sizeof(rx) - 1);
    test_pio_in(m, 0x3f8, 1);
    ps2kbd_put_set2(&m->kbd.kbd, key_a, 1);
    ps2kbd_put_set2(&m->kbd.kbd, key_b_up, 2);
    test_pio_out(m, 0x60, 1, 0xed);          /* set LEDs: ACK queued, unread */
    test_pio_out(m, 0x10, 2, 0x0003);        /* unplug disks and NICs */
    test_pio_out(m, 0x10, 1, 1);             /* ROM lock */
    cfg_write(m, 0x10, 0x10, 4, 0xc100);
    cfg_write(m, 0x10, 4, 2, 0x0003);
    cfg_write(m, 8, 0x60, 4, 0x0b0a0b05);
    /* CMOS NVRAM: guest bytes, the shutdown status byte, then index
     * 0x52 selected (NMI bit set) with no data access yet */
    for (unsigned i = 0x40; i < 0x50; i++) {
        test_pio_out(m, 0x70, 1, i);
        test_pio_out(m, 0x71, 1, i ^ 0xa5);
    }
    test_pio_out(m, 0x70, 1, 0x0f);
    test_pio_out(m, 0x71, 1, 0x05);
    test_pio_out(m, 0x70, 1, 0x52);
    test_pio_out(m, 0x71, 1, 0x3c);
    test_pio_out(m, 0x70, 1, 0x80 | 0x52);
}

static void test_save_restore(void)
{
    struct machine a, b;
    struct test_host ha, hb;
    struct savevm *sva = savevm_new(), *svb = savevm_new();
    struct wbuf s1, s2;
    char err[256] = "", va[1024], vb[1024];
    int rc;

    new_xenfv(&a, &ha);
    new_xenfv(&b, &hb);
    is_int(machine_register_state(&a, sva), 0, "register machine A");
    is_int(machine_register_state(&b, svb), 0, "register machine B");
    drive_activity(&a);
    wbuf_init(&s1, 0);
    wbuf_init(&s2, 0);
    is_int(savevm_save_buf(sva, &s1, 0, err, sizeof(err)), 0,
           "save mid-activity %s", err);
    ok(s1.len > 0 && test_find_section(s1.data, s1.len,
                                       "0000:00:02.0/platform", 0, NULL) > 0,
       "stream has the platform section");
    ok(test_find_section(s1.data, s1.len, "PCIHost", 0, NULL) < 0,
       "no PCIHost at 3.1");

    /* B's own NVRAM differs before the load (as another command line's
     * CPU count would); the loaded bytes must replace it */
    test_pio_out(&b, 0x70, 1, 0x5f);
    test_pio_out(&b, 0x71, 1, 0x07);
    hb.isa_calls = 0;
    rc = savevm_load_buf(svb, s1.data, s1.len, err, sizeof(err));
    is_int(rc, 0, "load into a fresh machine %s", err);
    ok(hb.isa_calls >= 3 && hb.isa[1] == ha.isa[1] && ha.isa[1] == 1 &&
       hb.isa[4] == ha.isa[4] && hb.isa[12] == ha.isa[12],
       "loaded hooks re-drive IRQs 1, 4, 12 to A's levels (%d %d %d)",
       hb.isa[1], hb.isa[4], hb.isa[12]);
    ok(hb.link[0] == 5 && hb.link[1] == 11 && hb.link[3] == 11,
       "loaded hooks resend link routes");
    is_int(hb.rom_locked, 1, "loaded hooks re-apply the ROM lock");
    is_int(savevm_save_buf(svb, &s2, 0, err, sizeof(err)), 0, "save B");
    ok(s1.len == s2.len && memcmp(s1.data, s2.data, s1.len) == 0,
       "B saves the same %zu bytes as A", s1.len);

    guest_view(&a, va, sizeof(va));
    guest_view(&b, vb, sizeof(vb));
    ok(strcmp(va, vb) == 0, "guest sees the same after restore: %s", vb);
    ok(strstr(vb, "rx=656c6c6f2c20776f726c64") != NULL,
       "UART still held 'ello, world'");
    ok(strstr(vb, "kbd=fa1cf032") != NULL,
       "keyboard: reply then scancodes, in order");
    ok(strncmp(vb, "cmos[sel]=3c cmos=00", 20) == 0 &&
       strstr(vb, "e5e4e7e6e1e0e3e2edecefeee9e8ebea") != NULL,
       "CMOS: the selected index, shutdown byte and guest NVRAM bytes");

    /* hostile stream: change the platform's vendor id: refused, no change */
    {
        long at = test_find_section(s1.data, s1.len,
                                    "0000:00:02.0/platform", 0, NULL);
        struct wbuf s3, before;

        wbuf_init(&before, 0);
        savevm_save_buf(svb, &before, 0, NULL, 0);
        s1.data[at + 4] ^= 0xff;
        wbuf_init(&s3, 0);
        rc = savevm_load_buf(svb, s1.data, s1.len, err, sizeof(err));
        ok(rc < 0, "bad platform config refused: %s", err);
        savevm_save_buf(svb, &s3, 0, NULL, 0);
        ok(s3.len == before.len &&
           memcmp(s3.data, before.data, before.len) == 0,
           "B unchanged by the refused load");
        wbuf_free(&before);
        s1.data[at + 4] ^= 0xff;
        wbuf_free(&s3);
    }
    wbuf_free(&s1);
    wbuf_free(&s2);
    savevm_free(sva);
    savevm_free(svb);
}

int main(void)
{
    test_platform();
    test_chipset();
    test_serial_irq();
    test_save_restore();
    return tap_done();
}
