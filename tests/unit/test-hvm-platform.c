/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Xen platform device's saved section, "0000:00:02.0/platform",
 * checked byte for byte against bytes this test builds itself from
 * QEMU's source, because no QEMU here can make one (Debian's QEMU has
 * no xen-platform device without Xen, and no qemu-xen stream with the
 * section is in the lab captures: they keep only a stream's first 48
 * bytes).
 *
 * The facts the builder encodes (QEMU 7.2):
 *  - hw/i386/xen/xen_platform.c: vmstate "platform" version 4, fields
 *    VMSTATE_PCI_DEVICE(parent_obj) then VMSTATE_UINT8(flags); no
 *    subsections.  The flags byte keeps only PFFLAG_ROM_LOCK (bit 0)
 *    of what the guest writes to port 0x10; unplugs, product and build
 *    numbers and the log port are not saved.  Reset writes flags 0.
 *    Class ff80, revision 1, vendor/device and subsystem 5853:0001,
 *    interrupt pin 1, prog-if 0; BAR0 256 bytes of I/O, BAR1 16 MiB
 *    prefetchable memory (32-bit).
 *  - hw/pci/pci.c: vmstate "PCIDevice" (as a nested struct: no
 *    version on the wire) is int32 version_id (2, big endian), the
 *    256 config bytes as they are, then the four INTx levels as
 *    big-endian int32 (the platform device never raises INTx in
 *    QEMU: the event-channel callback is Xen's).  Reset clears the
 *    writable command bits, cache line size and interrupt line and
 *    puts each BAR back to its type bits.  Write masks: command
 *    0x0507, cache line and interrupt line 0xff, BARs ~(size - 1),
 *    everything from 0x40 on 0xff, identity bytes read-only.
 *  - migration/savevm.c: a FULL section is 0x04, be32 section id, u8
 *    idstr length, idstr, be32 instance id, be32 version id, body.
 *
 * For each register state the test drives xendm's machine through
 * guest port and config writes, saves it with the state engine, and
 * compares the whole section (header after the section id, body and
 * where it ends) with the built bytes; then it loads the built bytes
 * into a fresh machine and checks what the guest reads back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "hvm-util.h"
#include "savevm.h"

#define IDSTR "0000:00:02.0/platform"
#define BODY_LEN (4 + 256 + 16 + 1)

/* The guest-visible registers a scenario sets, as QEMU would hold them. */
struct plat_regs {
    uint16_t command;
    uint32_t bar0; /* address part */
    uint32_t bar1;
    uint8_t cache_line;
    uint8_t int_line;
    uint8_t dev_specific_40;
    uint8_t flags;
};

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    put_le16(p, (uint16_t)v);
    put_le16(p + 2, (uint16_t)(v >> 16));
}

/* Header from the idstr length on, then the body: returns its length. */
static size_t build_section(const struct plat_regs *r, uint8_t *out)
{
    size_t n = strlen(IDSTR), at = 0;
    uint8_t *cfg;
    int i;

    out[at++] = (uint8_t)n;
    memcpy(out + at, IDSTR, n);
    at += n;
    put_be32(out + at, 0); /* instance */
    put_be32(out + at + 4, 4); /* version */
    at += 8;
    put_be32(out + at, 2); /* PCIDevice version_id */
    at += 4;
    cfg = out + at;
    memset(cfg, 0, 256);
    put_le16(cfg + 0x00, 0x5853);
    put_le16(cfg + 0x02, 0x0001);
    put_le16(cfg + 0x04, r->command & 0x0507);
    cfg[0x08] = 1;             /* revision */
    cfg[0x09] = 0;             /* prog-if */
    put_le16(cfg + 0x0a, 0xff80);
    cfg[0x0c] = r->cache_line;
    put_le32(cfg + 0x10, (r->bar0 & ~0xffu) | 0x1);        /* I/O */
    put_le32(cfg + 0x14, (r->bar1 & ~0xffffffu) | 0x8);    /* prefetch */
    put_le16(cfg + 0x2c, 0x5853);
    put_le16(cfg + 0x2e, 0x0001);
    cfg[0x3c] = r->int_line;
    cfg[0x3d] = 1;
    cfg[0x40] = r->dev_specific_40;
    at += 256;
    for (i = 0; i < 4; i++) {
        put_be32(out + at, 0); /* INTx levels */
        at += 4;
    }
    out[at++] = r->flags & 1;
    return at;
}

static void cfg_write(struct machine *m, unsigned reg, unsigned size,
                      uint32_t v)
{
    test_pio_out(m, 0xcf8, 4, 0x80000000u | 0x10u << 8 | (reg & 0xfc));
    test_pio_out(m, (uint16_t)(0xcfc + (reg & 3)), size, v);
}

static uint32_t cfg_read(struct machine *m, unsigned reg, unsigned size)
{
    test_pio_out(m, 0xcf8, 4, 0x80000000u | 0x10u << 8 | (reg & 0xfc));
    return test_pio_in(m, (uint16_t)(0xcfc + (reg & 3)), size);
}

/* Guest actions of each scenario. */
static void drive_fresh(struct machine *m)
{
    (void)m;
}

static void drive_rom_lock(struct machine *m)
{
    test_pio_out(m, 0x10, 1, 0x01);
}

static void drive_flags_other_bits(struct machine *m)
{
    test_pio_out(m, 0x10, 1, 0xff); /* only bit 0 is kept */
}

static void drive_lock_unlock(struct machine *m)
{
    test_pio_out(m, 0x10, 1, 0x01);
    test_pio_out(m, 0x10, 1, 0xfe);
}

static void drive_unplug(struct machine *m)
{
    test_pio_out(m, 0x10, 2, 0x0003);     /* disks and NICs */
    test_pio_out(m, 0x12, 2, 3);          /* product number */
    test_pio_out(m, 0x10, 4, 0x12345678); /* build number */
    for (const char *p = "xen: unplugged\n"; *p; p++) {
        test_pio_out(m, 0x12, 1, (uint8_t)*p);
    }
}

static void drive_bars(struct machine *m)
{
    cfg_write(m, 0x00, 4, 0xdeadbeef); /* read-only: ignored */
    cfg_write(m, 0x08, 4, 0x12345678); /* read-only: ignored */
    cfg_write(m, 0x10, 4, 0xc0ff);
    cfg_write(m, 0x14, 4, 0xf2345678);
    cfg_write(m, 0x04, 2, 0xffff);
    cfg_write(m, 0x0c, 1, 0x10);
    cfg_write(m, 0x3c, 1, 0x0b);
    cfg_write(m, 0x3d, 1, 0x04); /* pin: read-only */
    cfg_write(m, 0x40, 1, 0x5a);
    test_pio_out(m, 0xc000, 1, 0x01); /* ROM lock through BAR0 offset 0 */
    test_pio_out(m, 0xc004, 1, 0x01); /* SUSE unplug: not saved */
}

struct scenario {
    const char *name;
    void (*drive)(struct machine *m);
    struct plat_regs regs;
};

static const struct scenario scenarios[] = {
    { "fresh", drive_fresh, { 0, 0, 0, 0, 0, 0, 0 } },
    { "ROM locked", drive_rom_lock, { 0, 0, 0, 0, 0, 0, 1 } },
    { "flags 0xff keeps bit 0", drive_flags_other_bits,
      { 0, 0, 0, 0, 0, 0, 1 } },
    { "locked then unlocked", drive_lock_unlock, { 0, 0, 0, 0, 0, 0, 0 } },
    { "unplug done (not saved)", drive_unplug, { 0, 0, 0, 0, 0, 0, 0 } },
    { "BARs, command, lines, locked via BAR0", drive_bars,
      { 0xffff, 0xc000, 0xf2000000, 0x10, 0x0b, 0x5a, 1 } },
};

static void new_machine(struct machine *m, struct test_host *h,
                        struct savevm **sv)
{
    struct machine_config cfg;

    test_host_init(h);
    machine_config_xenfv(&cfg, 256);
    machine_init(m, &cfg, &test_host_ops, h);
    *sv = savevm_new();
    machine_register_state(m, *sv);
}

static void check_scenario(const struct scenario *s)
{
    static struct machine m, fresh;
    struct test_host h, hf;
    struct savevm *sv, *svf;
    uint8_t want[64 + BODY_LEN];
    struct wbuf st, again;
    char err[256] = "";
    size_t wlen = build_section(&s->regs, want);
    long body;
    size_t hdr;

    new_machine(&m, &h, &sv);
    s->drive(&m);
    wbuf_init(&st, 0);
    if (!ok(savevm_save_buf(sv, &st, 0, err, sizeof(err)) == 0, "%s: save %s",
            s->name, err)) {
        goto out;
    }
    body = test_find_section(st.data, st.len, IDSTR, 0, NULL);
    hdr = 1 + strlen(IDSTR) + 8;
    if (!ok(body > 0 && (size_t)body + BODY_LEN < st.len, "%s: section found",
            s->name)) {
        goto out;
    }
    is_mem(st.data + body - hdr, want, wlen, "%s: %zu bytes as QEMU's",
           s->name, wlen);
    /* platform is the last section: QEMU_VM_EOF (0) follows */
    is_int(st.data[body + BODY_LEN], 0x00,
           "%s: the section ends after flags", s->name);
    is_int(h.rom_locked, s->regs.flags & 1, "%s: host ROM lock state",
           s->name);

    /* the built bytes, loaded into a fresh machine */
    new_machine(&fresh, &hf, &svf);
    memcpy(st.data + body - hdr, want, wlen);
    hf.rom_locked = -1;
    is_int(savevm_load_buf(svf, st.data, st.len, err, sizeof(err)), 0,
           "%s: built bytes load %s", s->name, err);
    is_int(hf.rom_locked, s->regs.flags & 1,
           "%s: load re-applies the lock through set_mem_type", s->name);
    is_int(test_pio_in(&fresh, 0x10, 1), s->regs.flags & 1, "%s: guest reads flags",
           s->name);
    is_int(cfg_read(&fresh, 0x10, 4), (s->regs.bar0 & ~0xffu) | 1,
           "%s: guest reads BAR0", s->name);
    is_int(cfg_read(&fresh, 0x3c, 1), s->regs.int_line,
           "%s: guest reads the interrupt line", s->name);
    wbuf_init(&again, 0);
    savevm_save_buf(svf, &again, 0, NULL, 0);
    ok(again.len == st.len && memcmp(again.data, st.data, st.len) == 0,
       "%s: saves the same stream again", s->name);
    wbuf_free(&again);
    savevm_free(svf);
out:
    wbuf_free(&st);
    savevm_free(sv);
}

/* A flags byte with other bits set loads as QEMU's post_load does. */
static void check_hostile_flags(void)
{
    static struct machine m;
    struct test_host h;
    struct savevm *sv;
    struct wbuf st;
    char err[256] = "";
    long body;

    new_machine(&m, &h, &sv);
    wbuf_init(&st, 0);
    savevm_save_buf(sv, &st, 0, NULL, 0);
    body = test_find_section(st.data, st.len, IDSTR, 0, NULL);
    if (ok(body > 0, "hostile: section found")) {
        st.data[body + BODY_LEN - 1] = 0xfe;
        is_int(savevm_load_buf(sv, st.data, st.len, err, sizeof(err)), 0,
               "flags 0xfe loads %s", err);
        is_int(test_pio_in(&m, 0x10, 1), 0, "only bit 0 kept: unlocked");
        st.data[body + 4 + 0x0a] ^= 1; /* class code */
        ok(savevm_load_buf(sv, st.data, st.len, err, sizeof(err)) < 0,
           "a changed class code is refused: %s", err);
    }
    wbuf_free(&st);
    savevm_free(sv);
}

int main(void)
{
    size_t i;

    for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
        check_scenario(&scenarios[i]);
    }
    check_hostile_flags();
    return tap_done();
}
