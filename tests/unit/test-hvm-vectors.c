/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Byte-exact comparison of xendm's device sections with QEMU 7.2's.
 *
 * tests/vectors/xendm-made/hvm/make-vectors.py made each <name>.bin
 * with Debian's qemu-system-x86_64 (pc-i440fx-3.1, the xenfv compat
 * level) after the port writes, received bytes and input events in
 * <name>.ops.  This test replays the .ops on xendm's machine in the
 * same layout (one UART, no Xen platform device, 4 bus irqs: what
 * QEMU without Xen can build) and checks every modelled section's
 * body equals QEMU's byte for byte, including which subsections are
 * present, and that QEMU's body ends where ours does.  Reads recorded
 * with QEMU's result ("i SIZE PORT = VAL") must give the same value
 * here: the fwcfg scenario so compares every fixed fw_cfg item of a
 * direct kernel boot (header patching, addresses, sizes, data).  The
 * RTC ("mc146818rtc") is compared whole, clock fields included: QEMU
 * ran with -rtc base=2020-01-01T00:00:00,clock=vm and its VM clock
 * never reached one second, and xendm's machine is built with the
 * same date and clock value (test_config_pc).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "cursor.h"
#include "hvm-util.h"
#include "hw/emu/linuxboot.h"
#include "vmstate.h"

#define VEC_DIR "tests/vectors/xendm-made/hvm/"

static const char *const scenarios[] = {
    "serial-regs", "serial-rx", "serial-rx-nofifo", "kbd-cmds",
    "kbd-translate", "mouse", "pci", "fwcfg", "port92", "rtc",
};

struct section {
    const char *idstr;
    const struct vmstate_desc *vmsd;
    void *(*state)(struct machine *m);
};

static void *st_serial(struct machine *m) { return &m->serial[0].st; }
static void *st_pckbd(struct machine *m) { return &m->kbd.st; }
static void *st_ps2kbd(struct machine *m) { return &m->kbd.kbd.st; }
static void *st_ps2mouse(struct machine *m) { return &m->kbd.mouse.st; }
static void *st_piix3(struct machine *m) { return &m->piix3.st; }
static void *st_i440fx(struct machine *m) { return &m->i440fx; }
static void *st_bus(struct machine *m) { return &m->bus; }
static void *st_port92(struct machine *m) { return &m->port92.st; }
static void *st_rtc(struct machine *m) { return &m->cmos.st; }
static void *st_fwcfg(struct machine *m)
{
    return m->fwcfg ? (void *)&m->fwcfg->st : NULL;
}

static const struct section sections[] = {
    { "serial", &serial_isa_vmsd, st_serial },
    { "pckbd", &pckbd_isa_vmsd, st_pckbd },
    { "ps2kbd", &ps2_kbd_vmsd, st_ps2kbd },
    { "ps2mouse", &ps2_mouse_vmsd, st_ps2mouse },
    { "0000:00:01.0/PIIX3", &piix3_vmsd, st_piix3 },
    { "0000:00:00.0/I440FX", &i440fx_vmsd, st_i440fx },
    { "PCIBUS", &pci_bus_vmsd, st_bus },
    { "port92", &port92_vmsd, st_port92 },
    { "mc146818rtc", &cmos_vmsd, st_rtc },
    { "fw_cfg", &fwcfg_vmsd, st_fwcfg },    /* only with "kernel" */
};

static struct fwcfg fwcfg;
static char rom_dir[] = "/tmp/test-hvm-vectors-XXXXXX";
static unsigned read_mismatches;
static char first_mismatch[128];

/* "kernel K I CMDLINE": fw_cfg as xendm builds it for -kernel. */
static int replay_kernel(struct machine *m, const char *args)
{
    char k[128], i[128], kp[512], ip[512], rel[300], err[256];
    const char *dirs[2] = { rom_dir, NULL };
    struct linuxboot_config c = { .below_4g = 128u << 20, .nb_cpus = 1,
                                  .rom_dirs = dirs };
    int used = 0;

    if (sscanf(args, "%127s %127s %n", k, i, &used) != 2 || used == 0) {
        return -1;
    }
    snprintf(rel, sizeof(rel), VEC_DIR "%s", k);
    test_srcpath(kp, sizeof(kp), rel);
    snprintf(rel, sizeof(rel), VEC_DIR "%s", i);
    test_srcpath(ip, sizeof(ip), rel);
    c.kernel = kp;
    c.initrd = ip;
    c.cmdline = args + used;
    fwcfg_init(&fwcfg, false, true); /* plain pc QEMU has DMA */
    if (linuxboot_load(&fwcfg, &c, err, sizeof(err)) < 0) {
        printf("# linuxboot: %s\n", err);
        return -1;
    }
    machine_attach_fwcfg(m, &fwcfg);
    return 0;
}

static size_t parse_hex(const char *s, uint8_t *out, size_t max)
{
    size_t n = 0;
    unsigned v;
    int used;

    while (n < max && sscanf(s, " %2x%n", &v, &used) == 1) {
        out[n++] = (uint8_t)v;
        s += used;
    }
    return n;
}

/* Received bytes the UART has not taken yet (QEMU's chardev keeps
 * them in the socket and offers them whenever the UART can take more,
 * which happens between two monitor commands). */
static uint8_t rx_pending[256];
static size_t rx_len;

static void rx_flush(struct machine *m)
{
    size_t took;

    while (rx_len > 0 &&
           (took = serial_receive(&m->serial[0], rx_pending, rx_len)) > 0) {
        memmove(rx_pending, rx_pending + took, rx_len - took);
        rx_len -= took;
    }
}

static int replay_line(struct machine *m, char *line)
{
    unsigned size, port, val;
    uint32_t v;
    uint8_t buf[256];
    size_t n;
    int dx, dy;

    if (line[0] == '#' || line[0] == '\n' || line[0] == '\0') {
        return 0;
    }
    if (sscanf(line, "o %u %x %x", &size, &port, &val) == 3) {
        v = val;
        return machine_pio(m, (uint16_t)port, size, true, &v);
    }
    if (strncmp(line, "kernel ", 7) == 0) {
        line[strcspn(line, "\n")] = '\0';
        return replay_kernel(m, line + 7);
    }
    if (sscanf(line, "i %u %x = %x", &size, &port, &val) == 3) {
        int rc = machine_pio(m, (uint16_t)port, size, false, &v);

        if (rc == 0 && v != val && read_mismatches++ == 0) {
            snprintf(first_mismatch, sizeof(first_mismatch),
                     "in %u 0x%x gave 0x%x, QEMU 0x%x", size, port, v, val);
        }
        return rc;
    }
    if (sscanf(line, "i %u %x", &size, &port) == 2) {
        return machine_pio(m, (uint16_t)port, size, false, &v);
    }
    if (strncmp(line, "rx ", 3) == 0) {
        n = 0;
        while (sscanf(line + 3 + 2 * n, "%2x", &val) == 1 &&
               rx_len < sizeof(rx_pending)) {
            rx_pending[rx_len++] = (uint8_t)val;
            n++;
        }
        return 0;
    }
    if (strncmp(line, "key ", 4) == 0) {
        n = parse_hex(line + 4, buf, sizeof(buf));
        ps2kbd_put_set2(&m->kbd.kbd, buf, n);
        return 0;
    }
    if (sscanf(line, "mouse %d %d", &dx, &dy) == 2) {
        ps2mouse_event(&m->kbd.mouse, dx, dy, 0,
                       m->kbd.mouse.st.mouse_buttons);
        return 0;
    }
    return -1;
}

static void check_scenario(const char *name)
{
    char path[512], rel[256], line[1024];
    struct machine m;
    struct test_host h;
    struct machine_config cfg;
    uint8_t *qemu;
    size_t qlen, i;
    FILE *ops;
    int bad = 0;

    test_host_init(&h);
    test_config_pc(&cfg);
    machine_init(&m, &cfg, &test_host_ops, &h);
    snprintf(rel, sizeof(rel), VEC_DIR "%s.ops", name);
    ops = fopen(test_srcpath(path, sizeof(path), rel), "r");
    if (!ok(ops != NULL, "%s: ops file", name)) {
        return;
    }
    rx_len = 0;
    read_mismatches = 0;
    while (fgets(line, sizeof(line), ops)) {
        if (replay_line(&m, line) != 0) {
            bad++;
        }
        rx_flush(&m);
    }
    fclose(ops);
    is_int(bad, 0, "%s: every operation replayed", name);
    is_int(read_mismatches, 0, "%s: every recorded read gives QEMU's value%s%s",
           name, read_mismatches ? ": first " : "", first_mismatch);

    snprintf(rel, sizeof(rel), VEC_DIR "%s.bin", name);
    qemu = test_read_file(test_srcpath(path, sizeof(path), rel), &qlen);
    if (!ok(qemu != NULL, "%s: QEMU stream", name)) {
        return;
    }
    for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
        const struct section *s = &sections[i];
        void *st = s->state(&m);
        struct wbuf out;
        uint32_t version = 0;
        long at = test_find_section(qemu, qlen, s->idstr, 0, &version);
        int rc;

        if (st == NULL) {
            continue;
        }
        wbuf_init(&out, 0);
        rc = vmstate_save(&out, s->vmsd, st);
        if (!ok(at >= 0 && rc == 0, "%s/%s: present, saved", name,
                s->idstr)) {
            wbuf_free(&out);
            continue;
        }
        is_int(version, s->vmsd->version_id, "%s/%s: version", name,
               s->idstr);
        if ((size_t)at + out.len + 1 > qlen) {
            ok(0, "%s/%s: %zu bytes fit in QEMU's stream", name, s->idstr,
               out.len);
        } else {
            is_mem(out.data, qemu + at, out.len, "%s/%s: %zu bytes equal",
                   name, s->idstr, out.len);
            ok(qemu[at + out.len] == 0x04 || qemu[at + out.len] == 0x00,
               "%s/%s: QEMU's section ends there too", name, s->idstr);
        }
        wbuf_free(&out);
    }
    /* pc-i440fx-3.1 (and so xenfv) does not save the 0xcf8 register */
    ok(test_find_section(qemu, qlen, "PCIHost", 0, NULL) < 0 &&
       !m.cfg.pcihost_migration, "%s: no PCIHost section at 3.1", name);
    free(qemu);
    if (m.fwcfg) {
        fwcfg_free(&fwcfg);
    }
}

int main(void)
{
    static const uint8_t rom[512] = { 0x55, 0xaa, 1 };
    char path[128];
    FILE *f;
    size_t i;

    /* the option ROM's bytes are not compared: any ROM will do */
    if (mkdtemp(rom_dir) == NULL) {
        return 1;
    }
    snprintf(path, sizeof(path), "%s/%s", rom_dir, LINUXBOOT_ROM_DMA);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(rom, 1, sizeof(rom), f) != sizeof(rom)) {
        return 1;
    }
    fclose(f);

    for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
        check_scenario(scenarios[i]);
    }
    unlink(path);
    rmdir(rom_dir);
    return tap_done();
}
