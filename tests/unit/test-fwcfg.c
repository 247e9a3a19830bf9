/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of the fw_cfg device, the direct Linux boot loader and
 * port 0x92: selector and data ports, the file directory (name order,
 * keys moving up), reads past the end, invalid and arch-local keys,
 * DMA (read, skip, write refused, select, zero fill, descriptors and
 * buffers outside guest memory, huge lengths, the big-endian address
 * registers), the saved state (QEMU's bytes, the version-1 layout, a
 * hostile cur_entry refused), the bzImage header patching QEMU's x86
 * loader does, the loader's refusals, and the devices on the machine's
 * port map.  Guest memory is a 2 MiB buffer behind bounded memory ops.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "cursor.h"
#include "hvm-util.h"
#include "hw/emu/linuxboot.h"
#include "vmstate.h"

#define GMEM (2u << 20)

static uint8_t gmem[GMEM];
static unsigned mem_faults;

static int gm_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    (void)opaque;
    if (gpa > GMEM || len > GMEM - gpa) {
        mem_faults++;
        return -EFAULT;
    }
    memcpy(buf, gmem + gpa, len);
    return 0;
}

static int gm_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
    (void)opaque;
    if (gpa > GMEM || len > GMEM - gpa) {
        mem_faults++;
        return -EFAULT;
    }
    memcpy(gmem + gpa, buf, len);
    return 0;
}

static const struct fwcfg_mem_ops gm_ops = {gm_read, gm_write};

static void put_be(uint8_t *p, uint64_t v, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    }
}

static uint64_t get_be(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    unsigned i;

    for (i = 0; i < n; i++) {
        v = v << 8 | p[i];
    }
    return v;
}

static void select_key(struct fwcfg *f, uint16_t key)
{
    fwcfg_io_write(f, 0, 2, key);
}

static void read_bytes(struct fwcfg *f, uint8_t *buf, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        buf[i] = (uint8_t)fwcfg_io_read(f, 1, 1);
    }
}

/* Writes a descriptor at gpa and runs it through the two port writes. */
static uint32_t dma(struct fwcfg *f, uint64_t gpa, uint64_t addr, uint32_t len,
                    uint32_t control)
{
    uint32_t hi = (uint32_t)(gpa >> 32), lo = (uint32_t)gpa;

    if (gpa + 16 <= GMEM) {
        put_be(gmem + gpa, addr, 8);
        put_be(gmem + gpa + 8, len, 4);
        put_be(gmem + gpa + 12, control, 4);
    }
    /* the guest writes big-endian values with outl (little-endian) */
    fwcfg_dma_io_write(f, 0, 4, __builtin_bswap32(hi));
    fwcfg_dma_io_write(f, 4, 4, __builtin_bswap32(lo));
    return gpa + 16 <= GMEM ? (uint32_t)get_be(gmem + gpa + 12, 4) : UINT32_MAX;
}

static void test_ports(void)
{
    struct fwcfg *f = calloc(1, sizeof(*f));
    uint8_t buf[16];
    uint32_t v;
    unsigned i;

    fwcfg_init(f, false, true);
    read_bytes(f, buf, 4);
    is_mem(buf, "QEMU", 4, "reset selects the signature");
    select_key(f, FWCFG_ID);
    read_bytes(f, buf, 4);
    is_int(buf[0], 3, "ID: traditional interface and DMA");
    is_int(fwcfg_io_read(f, 0, 1), 0,
           "byte read at 0x510 reads data too "
           "(past the end: 0)");
    is_int(f->st.cur_offset, 4, "offset stops at the item's end");
    select_key(f, FWCFG_SIGNATURE);
    is_int(fwcfg_io_read(f, 0, 2), 0, "16-bit reads are invalid: 0");
    is_int(fwcfg_io_read(f, 0, 4), 0xffff0000u,
           "bytes past 0x511 are "
           "unassigned");
    is_int(f->st.cur_offset, 0, "invalid reads do not advance");
    fwcfg_io_write(f, 1, 1, 0x19);
    is_int(f->st.cur_entry, 0, "byte writes are ignored");
    fwcfg_io_write(f, 0, 4, 0xabcd0001);
    is_int(f->st.cur_entry, 1, "a 32-bit write selects with its low half");
    select_key(f, 0x1234);
    is_int(f->st.cur_entry, FWCFG_INVALID, "key beyond the table: invalid");
    is_int(fwcfg_io_read(f, 1, 1), 0, "invalid key reads 0");
    select_key(f, FWCFG_ARCH_LOCAL | 3);
    is_int(f->st.cur_entry, 0x8003, "arch-local key in range is kept");
    is_int(fwcfg_io_read(f, 1, 1), 0, "empty arch-local item reads 0");
    for (i = 0, v = 0; i < 8; i++) {
        v |= (uint32_t)(fwcfg_dma_io_read(f, i, 1) == (uint8_t) "QEMU CFG"[i])
             << i;
    }
    is_int(v, 0xff, "DMA ports read \"QEMU CFG\" byte by byte");
    is_int(fwcfg_dma_io_read(f, 0, 4), 0x554d4551, "32-bit read at 0x514");
    fwcfg_free(f);
    free(f);
}

static void test_files(void)
{
    struct fwcfg *f = calloc(1, sizeof(*f));
    static const uint8_t a[3] = {1, 2, 3}, z[5] = {9, 9, 9, 9, 9};
    uint8_t dir[4 + 64 * 4];
    int rc, n;
    char name[64];

    fwcfg_init(f, true, true);
    select_key(f, FWCFG_NOGRAPHIC);
    is_int(fwcfg_io_read(f, 1, 1), 1, "NOGRAPHIC set from the config");
    ok(fwcfg_add_file(f, "zzz", z, sizeof(z), false) == 0 &&
           fwcfg_add_file(f, "aaa", a, sizeof(a), false) == 0,
       "two files added");
    is_int(fwcfg_file_key(f, "aaa"), 0x20, "aaa sorts first");
    is_int(fwcfg_file_key(f, "etc/boot-fail-wait"), 0x21, "moved up");
    is_int(fwcfg_file_key(f, "zzz"), 0x22, "zzz last");
    select_key(f, FWCFG_FILE_DIR);
    read_bytes(f, dir, sizeof(dir));
    is_int(get_be(dir, 4), 3, "directory count (big-endian)");
    ok(get_be(dir + 4, 4) == 3 && get_be(dir + 8, 2) == 0x20 &&
           strcmp((char *)dir + 12, "aaa") == 0,
       "entry 0: size, select, name");
    ok(get_be(dir + 68, 4) == 4 && get_be(dir + 72, 2) == 0x21 &&
           strcmp((char *)dir + 76, "etc/boot-fail-wait") == 0,
       "entry 1");
    select_key(f, 0x22);
    is_int(fwcfg_io_read(f, 1, 1), 9, "a file's key reads its data");
    is_int(fwcfg_add_file(f, "aaa", a, 1, false), -EEXIST, "duplicate name");
    memset(name, 'n', 56);
    name[56] = '\0';
    is_int(fwcfg_add_file(f, name, a, 1, false), -EINVAL, "56-char name");
    is_int(fwcfg_add_file(f, "", a, 1, false), -EINVAL, "empty name");
    for (n = 0, rc = 0; rc == 0; n++) {
        snprintf(name, sizeof(name), "f%02d", n);
        rc = fwcfg_add_file(f, name, a, 1, false);
    }
    is_int(rc, -ENOSPC, "slots run out");
    is_int(f->nfiles, FWCFG_FILE_SLOTS, "after exactly 32 files");
    is_int(fwcfg_add_bytes(f, FWCFG_FILE_FIRST, a, 1, false), -EINVAL,
           "fixed items cannot use file keys");
    is_int(fwcfg_add_bytes(f, FWCFG_SIGNATURE, a, 1, false), -EEXIST,
           "a fixed key is set once");
    fwcfg_free(f);
    free(f);
}

static void test_dma(void)
{
    struct fwcfg *f = calloc(1, sizeof(*f));
    static const uint8_t item[10] = "0123456789";
    uint32_t ctl;

    fwcfg_init(f, false, true);
    fwcfg_set_mem(f, &gm_ops, NULL);
    fwcfg_add_bytes(f, FWCFG_KERNEL_DATA, item, sizeof(item), false);
    memset(gmem, 0xaa, 0x2000);
    ctl = dma(f, 0x100, 0x1000, 4,
              FWCFG_KERNEL_DATA << 16 | FWCFG_DMA_SELECT | FWCFG_DMA_READ);
    ok(ctl == 0 && memcmp(gmem + 0x1000, "0123", 4) == 0 &&
           gmem[0x1004] == 0xaa,
       "select + read 4 bytes; control cleared");
    is_int(f->st.dma_addr, 0, "the address register is reset");
    ctl = dma(f, 0x100, 0x1000, 2, FWCFG_DMA_SKIP);
    is_int(f->st.cur_offset, 6, "skip moves the offset");
    ctl = dma(f, 0x100, 0x1000, 8, FWCFG_DMA_READ);
    ok(ctl == 0 && memcmp(gmem + 0x1000, "6789\0\0\0\0", 8) == 0,
       "read past the end zero-fills");
    is_int(f->st.cur_offset, 10, "offset stops at the end");
    ctl = dma(f, 0x100, 0x1000, 4,
              FWCFG_KERNEL_DATA << 16 | FWCFG_DMA_SELECT | FWCFG_DMA_WRITE);
    ok(ctl == FWCFG_DMA_ERROR, "writes are refused with the error bit");
    is_int(f->st.cur_offset, 4, "QEMU's offset after a refused write");
    ctl = dma(f, 0x100, 0x1000, 4, 0);
    ok(ctl == 0 && f->st.cur_offset == 4, "no operation bit: nothing");
    ctl = dma(f, 0x100, GMEM - 2, 4,
              FWCFG_KERNEL_DATA << 16 | FWCFG_DMA_SELECT | FWCFG_DMA_READ);
    ok(ctl == FWCFG_DMA_ERROR, "buffer outside guest memory: error bit");
    ctl = dma(f, 0x100, 0x1000, UINT32_MAX,
              FWCFG_DMA_SELECT | 0x3fffu << 16 | FWCFG_DMA_READ);
    ok(ctl == FWCFG_DMA_ERROR, "4 GiB zero fill stops at guest memory's "
                               "end with the error bit");
    mem_faults = 0;
    dma(f, 0xfffffffff0ull, 0, 4, FWCFG_DMA_READ);
    ok(mem_faults == 2, "descriptor outside memory: read and control "
                        "write both refused, nothing else");
    fwcfg_dma_transfer(f, GMEM - 8);
    ok(1, "descriptor straddling the end is refused");
    fwcfg_dma_io_write(f, 0, 2, 0x1234);
    fwcfg_dma_io_write(f, 2, 4, 0x1234);
    is_int(f->st.dma_addr, 0, "DMA writes of other sizes/offsets ignored");
    fwcfg_dma_io_write(f, 0, 4, __builtin_bswap32(0x12));
    ok(f->st.dma_addr == 0x1200000000ull, "high half alone is kept "
                                          "(no transfer)");
    fwcfg_free(f);
    free(f);
}

static void test_state(void)
{
    struct fwcfg *f = calloc(1, sizeof(*f));
    struct fwcfg_state st;
    struct wbuf out;
    struct cursor in;
    static const uint8_t want[] = {
        0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x05, 0x0a, 'f',  'w',
        '_',  'c',  'f',  'g',  '/',  'd',  'm',  'a',  0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x00,
    };
    static const uint8_t v1[] = {0x00, 0x08, 0x00, 0x03};
    static const uint8_t acpi[] = {
        0x00, 0x19, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0e, 'f',  'w',
        '_',  'c',  'f',  'g',  '/',  'a',  'c',  'p',  'i',  '_',
        'm',  'r',  0x00, 0x00, 0x00, 0x01, 0,    0,    0,    0,
        0,    2,    0,    0,    0,    0,    0,    0,    0,    0,
        0x10, 0,    0,    0,    0,    0,    0,    0,    0x10, 0,
    };
    static const uint8_t bad[] = {0x00, 0x41, 0x00, 0x00, 0x00, 0x00};
    char err[256];
    uint8_t b[2];

    fwcfg_init(f, false, true);
    select_key(f, FWCFG_ID);
    read_bytes(f, b, 2);
    fwcfg_dma_io_write(f, 0, 4, __builtin_bswap32(0x12));
    wbuf_init(&out, 0);
    ok(vmstate_save(&out, &fwcfg_vmsd, &f->st) == 0 && out.len == sizeof(want),
       "saved %zu bytes", out.len);
    is_mem(out.data, want, sizeof(want),
           "QEMU's layout: entry, offset, "
           "fw_cfg/dma subsection");
    st = f->st;
    memset(&st, 0x55, offsetof(struct fwcfg_state, dma_enabled));
    cursor_init(&in, out.data, out.len);
    ok(vmstate_load(&in, &fwcfg_vmsd, &st, 2, err, sizeof(err)) == 0 &&
           st.cur_entry == 1 && st.cur_offset == 2 &&
           st.dma_addr == 0x1200000000ull,
       "round trip");
    wbuf_free(&out);
    cursor_init(&in, v1, sizeof(v1));
    ok(vmstate_load(&in, &fwcfg_vmsd, &st, 1, err, sizeof(err)) < 0,
       "version 1 (QEMU < 2.4) refused: %s", err);
    cursor_init(&in, acpi, sizeof(acpi));
    ok(vmstate_load(&in, &fwcfg_vmsd, &st, 2, err, sizeof(err)) == 0 &&
           st.cur_entry == 0x19 && st.rsdp_mr_size == 0x1000,
       "a newer machine's fw_cfg/acpi_mr subsection is accepted");
    fwcfg_free(f);
    fwcfg_init(f, false, false);
    select_key(f, FWCFG_ID);
    read_bytes(f, b, 2);
    is_int(b[0], 1, "no-DMA device: ID has only the traditional bit");
    wbuf_init(&out, 0);
    ok(vmstate_save(&out, &fwcfg_vmsd, &f->st) == 0 && out.len == 6 &&
           memcmp(out.data, want, 6) == 0,
       "no-DMA device: no fw_cfg/dma subsection (qemu-xen's stream)");
    wbuf_free(&out);
    cursor_init(&in, bad, sizeof(bad));
    ok(vmstate_load(&in, &fwcfg_vmsd, &st, 2, err, sizeof(err)) < 0,
       "cur_entry 0x41 refused: %s", err);
    fwcfg_free(f);
    free(f);
}

/* A synthetic bzImage: 4 setup sectors, protocol 2.15. */
static const char *make_bz_max(char *dir, const char *name, uint16_t proto,
                               uint8_t loadflags, size_t body,
                               uint32_t initrd_max)
{
    static char path[512];
    size_t len = 5 * 512 + body, i;
    uint8_t *b = malloc(len);
    FILE *fp;

    for (i = 0; i < len; i++) {
        b[i] = (uint8_t)(i * 7 + 3);
    }
    b[0x1f1] = 4;
    memcpy(b + 0x202, "HdrS", 4);
    b[0x206] = (uint8_t)proto;
    b[0x207] = (uint8_t)(proto >> 8);
    b[0x210] = 0;
    b[0x211] = loadflags;
    b[0x22c] = (uint8_t)initrd_max;
    b[0x22d] = (uint8_t)(initrd_max >> 8);
    b[0x22e] = (uint8_t)(initrd_max >> 16);
    b[0x22f] = (uint8_t)(initrd_max >> 24);
    b[0x236] = 0, b[0x237] = 0;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fp = fopen(path, "wb");
    fwrite(b, 1, len, fp);
    fclose(fp);
    free(b);
    return path;
}

static const char *make_bz(char *dir, const char *name, uint16_t proto,
                           uint8_t loadflags, size_t body)
{
    return make_bz_max(dir, name, proto, loadflags, body, 0x7fffffff);
}

static void write_file(const char *dir, const char *name, const void *d,
                       size_t n)
{
    char path[512];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fp = fopen(path, "wb");
    fwrite(d, 1, n, fp);
    fclose(fp);
}

static uint32_t item_u32(struct fwcfg *f, uint16_t key)
{
    const struct fwcfg_item *it = &f->items[0][key];

    return it->len == 4 ? (uint32_t)it->data[0] | it->data[1] << 8 |
                              it->data[2] << 16 | (uint32_t)it->data[3] << 24
                        : 0xdeadbeef;
}

static void test_linuxboot(void)
{
    char dir[] = "/tmp/test-fwcfg-XXXXXX", kpath[600], ipath[600], err[512];
    const char *dirs[2] = {dir, NULL};
    struct fwcfg *f = calloc(1, sizeof(*f));
    struct linuxboot_config c = {
        .below_4g = 184u << 20,
        .nb_cpus = 2,
        .rom_dirs = dirs,
        .cmdline = "console=ttyS0 vga=0x317",
    };
    static const uint8_t rom[512] = {0x55, 0xaa, 1};
    static uint8_t initrd[10000];
    const struct fwcfg_item *it;
    uint32_t max, addr;
    int rc;

    if (!ok(mkdtemp(dir) != NULL, "temp dir")) {
        return;
    }
    write_file(dir, LINUXBOOT_ROM_DMA, rom, sizeof(rom));
    write_file(dir, LINUXBOOT_ROM_PIO, rom, sizeof(rom) / 2);
    memset(initrd, 0x5a, sizeof(initrd));
    write_file(dir, "initrd", initrd, sizeof(initrd));
    snprintf(kpath, sizeof(kpath), "%s", make_bz(dir, "bz", 0x20f, 1, 5000));
    snprintf(ipath, sizeof(ipath), "%s/initrd", dir);
    c.kernel = kpath;
    c.initrd = ipath;
    fwcfg_init(f, false, true);
    rc = linuxboot_load(f, &c, err, sizeof(err));
    if (!ok(rc == 0, "bzImage loaded: %s", rc ? err : "ok")) {
        goto out;
    }
    is_int(item_u32(f, FWCFG_SETUP_SIZE), 5 * 512, "setup: 5 sectors");
    is_int(item_u32(f, FWCFG_KERNEL_SIZE), 5000, "kernel: the rest");
    is_int(item_u32(f, FWCFG_SETUP_ADDR), 0x10000, "setup at 0x10000");
    is_int(item_u32(f, FWCFG_KERNEL_ADDR), 0x100000, "kernel at 1 MiB");
    is_int(item_u32(f, FWCFG_CMDLINE_ADDR), 0x20000, "cmdline at 0x20000");
    is_int(item_u32(f, FWCFG_CMDLINE_SIZE), 24, "cmdline size with NUL");
    max = (184u << 20) - LINUXBOOT_ACPI_DATA_SIZE - 1;
    addr = (max - (uint32_t)sizeof(initrd)) & ~4095u;
    is_int(item_u32(f, FWCFG_INITRD_ADDR), addr, "initrd below RAM - ACPI");
    it = &f->items[0][FWCFG_KERNEL_DATA];
    is_int(it->data[0], (uint8_t)(2560 * 7 + 3),
           "kernel data from byte "
           "2560 of the file");
    it = &f->items[0][FWCFG_SETUP_DATA];
    ok(it->data[0x210] == 0xb0 && (it->data[0x211] & 0x81) == 0x81,
       "loader type QEMU, CAN_USE_HEAP");
    ok(it->data[0x224] == 0x00 && it->data[0x225] == 0xfe,
       "heap_end_ptr = cmdline - setup - 0x200");
    ok(it->data[0x228] == 0 && it->data[0x22a] == 2, "cmd_line_ptr");
    ok(it->data[0x1fa] == 0x17 && it->data[0x1fb] == 0x03, "vga=0x317");
    ok(it->data[0x218] == (addr & 0xff) && it->data[0x21b] == addr >> 24 &&
           it->data[0x21c] == (sizeof(initrd) & 0xff),
       "ramdisk image/size");
    is_int(f->items[0][FWCFG_NB_CPUS].len, 2, "NB_CPUS is 16-bit");
    is_int(f->items[0][FWCFG_NB_CPUS].data[0], 2, "NB_CPUS = 2");
    is_int(fwcfg_file_key(f, "bios-geometry"), 0x20, "bios-geometry");
    is_int(fwcfg_file_key(f, "bootorder"), 0x21, "bootorder");
    is_int(fwcfg_file_key(f, "genroms/linuxboot_dma.bin"), 0x23,
           "the option ROM");
    it = &f->items[0][0x21];
    ok(it->len == 31 &&
           memcmp(it->data, "/rom@genroms/linuxboot_dma.bin", 31) == 0,
       "bootorder names the ROM");
    ok(f->items[0][0x23].len == sizeof(rom) &&
           f->items[0][0x23].data[0] == 0x55,
       "ROM read from -L");
    fwcfg_free(f);

    /* refusals, each one line */
    fwcfg_init(f, false, true);
    c.kernel = "/etc/hostname-does-not-exist";
    ok(linuxboot_load(f, &c, err, sizeof(err)) < 0 && strchr(err, '\n') == NULL,
       "missing kernel: %s", err);
    fwcfg_free(f);
    fwcfg_init(f, false, true);
    c.kernel = ipath;
    ok(linuxboot_load(f, &c, err, sizeof(err)) == -EINVAL &&
           strstr(err, "bzImage"),
       "no HdrS: %s", err);
    fwcfg_free(f);
    fwcfg_init(f, false, true);
    c.kernel = make_bz(dir, "zimage", 0x20f, 0, 5000);
    ok(linuxboot_load(f, &c, err, sizeof(err)) == -EINVAL,
       "zImage "
       "(not loaded high): %s",
       err);
    fwcfg_free(f);
    fwcfg_init(f, false, true);
    c.kernel = make_bz(dir, "tiny", 0x20f, 1, 0);
    ok(linuxboot_load(f, &c, err, sizeof(err)) == 0,
       "setup only: an empty "
       "kernel part is accepted as QEMU does");
    fwcfg_free(f);
    fwcfg_init(f, false, true);
    c.kernel = make_bz_max(dir, "lowmax", 0x20f, 1, 5000, 0x1fff);
    ok(linuxboot_load(f, &c, err, sizeof(err)) == -EFBIG,
       "initrd above "
       "the kernel's initrd_addr_max: %s",
       err);
    fwcfg_free(f);
    fwcfg_init(f, false, true);
    c.kernel = kpath;
    c.below_4g = 1u << 20;
    ok(linuxboot_load(f, &c, err, sizeof(err)) == -EINVAL,
       "1 MiB of RAM: "
       "%s",
       err);
    fwcfg_free(f);
    fwcfg_init(f, false, true);
    c.below_4g = 184u << 20;
    c.cmdline = "vga=bogus";
    ok(linuxboot_load(f, &c, err, sizeof(err)) == -EINVAL, "bad vga=: %s", err);
    fwcfg_free(f);
    fwcfg_init(f, false, true);
    c.cmdline = NULL;
    dirs[0] = "/nonexistent";
    rc = linuxboot_load(f, &c, err, sizeof(err));
    if (access("/usr/share/qemu/" LINUXBOOT_ROM_DMA, R_OK) == 0) {
        ok(rc == 0 && f->items[0][FWCFG_CMDLINE_SIZE].data[0] == 1,
           "ROM from /usr/share/qemu; no -append: an empty command line");
    } else {
        ok(rc == -ENOENT, "no ROM anywhere: %s", err);
    }
    fwcfg_free(f);

    /* qemu-xen's device: no DMA, so linuxboot.bin */
    fwcfg_init(f, false, false);
    dirs[0] = dir;
    c.kernel = kpath;
    ok(linuxboot_load(f, &c, err, sizeof(err)) == 0, "no-DMA device loads");
    is_int(fwcfg_file_key(f, "genroms/" LINUXBOOT_ROM_PIO), 0x23,
           "the ROM is linuxboot.bin without DMA");
    is_int(fwcfg_file_key(f, "genroms/" LINUXBOOT_ROM_DMA), -ENOENT,
           "and not linuxboot_dma.bin");
    it = &f->items[0][0x21];
    ok(it->len == 27 && memcmp(it->data, "/rom@genroms/linuxboot.bin", 27) == 0,
       "bootorder names linuxboot.bin");
    is_int(f->items[0][0x23].len, sizeof(rom) / 2, "ROM bytes from -L");
out:
    fwcfg_free(f);
    free(f);
    snprintf(kpath, sizeof(kpath), "rm -rf %s", dir);
    if (system(kpath) != 0) {
        ok(0, "cleanup");
    }
}

static void test_machine(void)
{
    struct machine m;
    struct test_host h;
    struct machine_config cfg;
    struct fwcfg *f = calloc(1, sizeof(*f));
    uint32_t v;

    test_host_init(&h);
    test_config_pc(&cfg);
    machine_init(&m, &cfg, &test_host_ops, &h);
    v = 0;
    machine_pio(&m, 0x510, 1, false, &v);
    is_int(v, 0xff, "no fw_cfg without -kernel");
    machine_pio(&m, 0x92, 1, false, &v);
    is_int(v, 0, "port92 reads 0 after reset");
    v = 0x02;
    machine_pio(&m, 0x92, 1, true, &v);
    is_int(machine_take_shutdown(&m), MACHINE_SHUTDOWN_NONE, "A20 only");
    v = 0x03;
    machine_pio(&m, 0x92, 1, true, &v);
    is_int(machine_take_shutdown(&m), MACHINE_SHUTDOWN_REBOOT,
           "fast reset bit 0 -> 1 asks for a reset");
    machine_pio(&m, 0x92, 1, true, &v);
    is_int(machine_take_shutdown(&m), MACHINE_SHUTDOWN_NONE,
           "no second reset without a transition");
    machine_reset(&m);
    machine_pio(&m, 0x92, 1, false, &v);
    is_int(v, 2, "reset clears only bit 0");

    fwcfg_init(f, false, true);
    machine_set_guest_memory(&m, gm_read, gm_write, NULL);
    machine_attach_fwcfg(&m, f);
    v = FWCFG_SIGNATURE;
    machine_pio(&m, 0x510, 2, true, &v);
    machine_pio(&m, 0x511, 1, false, &v);
    is_int(v, 'Q', "fw_cfg on the port map");
    put_be(gmem + 0x200, 0x3000, 8);
    put_be(gmem + 0x208, 4, 4);
    put_be(gmem + 0x20c,
           FWCFG_SIGNATURE << 16 | FWCFG_DMA_SELECT | FWCFG_DMA_READ, 4);
    v = 0;
    machine_pio(&m, 0x514, 4, true, &v);
    v = __builtin_bswap32(0x200);
    machine_pio(&m, 0x518, 4, true, &v);
    ok(memcmp(gmem + 0x3000, "QEMU", 4) == 0 && get_be(gmem + 0x20c, 4) == 0,
       "DMA through the machine's ports and guest memory");
    fwcfg_free(f);

    /* qemu-xen's fw_cfg: no DMA ports */
    fwcfg_init(f, false, false);
    machine_attach_fwcfg(&m, f);
    machine_pio(&m, 0x514, 4, false, &v);
    is_int(v, UINT32_MAX, "no-DMA device: 0x514 is unclaimed (all ones)");
    memset(gmem + 0x3000, 0, 4);
    v = 0;
    machine_pio(&m, 0x514, 4, true, &v);
    v = __builtin_bswap32(0x200);
    machine_pio(&m, 0x518, 4, true, &v);
    ok(memcmp(gmem + 0x3000, "\0\0\0\0", 4) == 0 && f->st.dma_addr == 0,
       "no-DMA device: writes to 0x514/0x518 do nothing");
    v = 1;
    machine_pio(&m, 0x510, 2, true, &v);
    machine_pio(&m, 0x511, 1, false, &v);
    is_int(v, 1, "no-DMA device: ID = 1 through the data port");
    fwcfg_free(f);
    free(f);
}

int main(void)
{
    test_ports();
    test_files();
    test_dma();
    test_state();
    test_linuxboot();
    test_machine();
    return tap_done();
}
