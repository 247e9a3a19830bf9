/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `fwcfg-boot` workload: vCPU 0 of an HVM guest started with
 * kernel= does what SeaBIOS and QEMU's linuxboot option ROM do with
 * the device model's fw_cfg device, through the simulated hypervisor's
 * ioreqs and the guest's own memory:
 *
 *   - the signature with a 16-bit selector write and a `rep insb` of
 *     the data port (data_is_ptr), the ID with single byte reads; the
 *     ID's DMA bit picks the transfer method for the rest, as SeaBIOS
 *     does (qemu-xen's fw_cfg has no DMA: linuxboot.bin then reads
 *     everything with `rep insb`, split at page boundaries as Xen
 *     splits string I/O; with DMA, descriptors as linuxboot_dma.bin);
 *   - the file directory (count, then every entry), the bootorder file
 *     and the option ROM into 0xc0000;
 *   - the linuxboot sequence: SETUP_ADDR/SIZE/DATA, INITRD_ADDR/SIZE/
 *     DATA, KERNEL_ADDR/SIZE/DATA, CMDLINE_ADDR/SIZE/DATA, each to the
 *     address fw_cfg names;
 *   - hostile requests: string I/O into memory outside the guest and
 *     with a huge count, DMA descriptors outside memory (with DMA) or
 *     the absent DMA ports (without), then the signature again.
 *
 * It prints what it found, one fact a line (sizes, addresses, header
 * fields, FNV-1a 64 digests of the loaded bytes) for the test to check
 * against the files, and exits 0 when every transfer completed as a
 * guest expects (1 otherwise).  DMA descriptors live at 0x8000,
 * scratch at 0x9000 (guest pages below GUEST_FIRST_FREE_PFN).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <xen/hvm/ioreq.h>

#include "xensim/guest.h"
#include "xensim/hvclient.h"

#define DESC_GPA    0x8000u
#define SCRATCH_GPA 0x9000u
#define ROM_GPA     0xc0000u
#define PAGE        4096u

struct fwc {
    struct guest *g;
    int dma;
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void put_be(uint8_t *p, uint64_t v, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    }
}

static uint64_t fnv1a(const uint8_t *p, uint64_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;

    while (n--) {
        h = (h ^ *p++) * 0x100000001b3ull;
    }
    return h;
}

static uint64_t pio(struct guest *g, uint16_t port, uint32_t size, int write,
                    uint64_t val)
{
    struct hvc_io io = {.type = IOREQ_TYPE_PIO, .size = size, .count = 1};

    io.dir = write ? IOREQ_WRITE : IOREQ_READ;
    io.addr = port;
    io.data = val;
    if (hvc_vcpu_io(g->hv, g->domid, 0, &io) < 0) {
        return UINT64_MAX;
    }
    return io.data;
}

/* `rep insb` of `count` bytes from port 0x511 to gpa (one ioreq). */
static int insb(struct guest *g, uint64_t gpa, uint32_t count)
{
    struct hvc_io io = {.type = IOREQ_TYPE_PIO,
                        .dir = IOREQ_READ,
                        .size = 1,
                        .count = count,
                        .data_is_ptr = 1,
                        .addr = 0x511,
                        .data = gpa};

    return hvc_vcpu_io(g->hv, g->domid, 0, &io);
}

static int in_mem(const struct guest *g, uint64_t gpa, uint64_t len)
{
    uint64_t size = g->pages * HVC_PAGE_SIZE;

    return gpa <= size && len <= size - gpa;
}

/* One DMA transfer as linuxboot_dma.bin does it; returns the control
 * word the device model left in the descriptor. */
static uint32_t dma(struct guest *g, uint64_t desc, uint64_t addr, uint32_t len,
                    uint32_t control)
{
    uint8_t *d = in_mem(g, desc, 16) ? g->mem + desc : NULL;
    uint32_t hi = (uint32_t)(desc >> 32), lo = (uint32_t)desc;

    if (d != NULL) {
        put_be(d, addr, 8);
        put_be(d + 8, len, 4);
        put_be(d + 12, control, 4);
    }
    pio(g, 0x514, 4, 1, __builtin_bswap32(hi));
    pio(g, 0x518, 4, 1, __builtin_bswap32(lo));
    return d != NULL ? be32(d + 12) : UINT32_MAX;
}

/*
 * Reads len bytes of the selected item (key < 0: keep the selection
 * and offset) to gpa.  0, or -1 with a line saying why.
 */
static int fw_read(struct fwc *c, int key, uint64_t gpa, uint32_t len,
                   const char *what)
{
    uint32_t ctl, done, n;

    if (!in_mem(c->g, gpa, len)) {
        printf("%s: 0x%llx+%u is outside guest memory\n", what,
               (unsigned long long)gpa, len);
        return -1;
    }
    if (c->dma) {
        ctl = dma(c->g, DESC_GPA, gpa, len,
                  key >= 0 ? (uint32_t)key << 16 | 0x08 | 0x02 : 0x02);
        if (ctl != 0) {
            printf("%s: DMA control 0x%x\n", what, ctl);
            return -1;
        }
        return 0;
    }
    if (key >= 0) {
        pio(c->g, 0x510, 2, 1, (uint64_t)key);
    }
    for (done = 0; done < len; done += n) {
        n = PAGE - (uint32_t)((gpa + done) % PAGE);
        n = n < len - done ? n : len - done;
        if (insb(c->g, gpa + done, n) < 0) {
            printf("%s: rep insb failed at +%u\n", what, done);
            return -1;
        }
    }
    return 0;
}

static uint32_t item_u32(struct fwc *c, uint16_t key, int *bad)
{
    if (fw_read(c, key, SCRATCH_GPA, 4, "u32") < 0) {
        *bad = 1;
        return 0;
    }
    return le32(c->g->mem + SCRATCH_GPA);
}

static int read_signature(struct fwc *c)
{
    struct guest *g = c->g;
    uint32_t id = 0;
    unsigned i;

    pio(g, 0x510, 2, 1, 0x0000);
    memset(g->mem + SCRATCH_GPA, 0, 4);
    if (insb(g, SCRATCH_GPA, 4) < 0) {
        return -1;
    }
    printf("signature %.4s\n", (char *)g->mem + SCRATCH_GPA);
    pio(g, 0x510, 2, 1, 0x0001);
    for (i = 0; i < 4; i++) {
        id |= (uint32_t)(pio(g, 0x511, 1, 0, 0) & 0xff) << (8 * i);
    }
    printf("id 0x%x\n", id);
    c->dma = (id & 2) != 0;
    return memcmp(g->mem + SCRATCH_GPA, "QEMU", 4) == 0 ? 0 : -1;
}

/* The file directory; finds the option ROM and prints bootorder. */
static int read_files(struct fwc *c, int *rom_key, uint32_t *rom_size)
{
    uint8_t *e = c->g->mem + SCRATCH_GPA;
    uint32_t n, i, boot = 0, boot_size = 0;

    if (fw_read(c, 0x19, SCRATCH_GPA, 4, "directory count") < 0) {
        return -1;
    }
    n = be32(e);
    printf("files %u\n", n);
    if (n > 32 || fw_read(c, -1, SCRATCH_GPA, n * 64, "directory") < 0) {
        return -1;
    }
    for (i = 0; i < n; i++, e += 64) {
        printf("file %.56s size %u select 0x%x\n", (char *)e + 8, be32(e),
               e[4] << 8 | e[5]);
        if (strncmp((char *)e + 8, "genroms/", 8) == 0) {
            *rom_key = e[4] << 8 | e[5];
            *rom_size = be32(e);
        } else if (strcmp((char *)e + 8, "bootorder") == 0) {
            boot = (uint32_t)(e[4] << 8 | e[5]);
            boot_size = be32(e);
        }
    }
    if (boot && boot_size < 256 &&
        fw_read(c, (int)boot, SCRATCH_GPA, boot_size, "bootorder") == 0) {
        printf("bootorder %.*s\n", (int)boot_size, c->g->mem + SCRATCH_GPA);
    }
    return 0;
}

static int linuxboot(struct fwc *c)
{
    static const struct {
        const char *name;
        uint16_t addr_key, size_key, data_key;
    } parts[] = {
        {"setup", 0x16, 0x17, 0x18},
        {"initrd", 0x0a, 0x0b, 0x12},
        {"kernel", 0x07, 0x08, 0x11},
        {"cmdline", 0x13, 0x14, 0x15},
    };
    uint8_t *mem = c->g->mem;
    uint32_t setup = 0;
    int bad = 0;
    size_t i;

    for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        uint32_t addr = item_u32(c, parts[i].addr_key, &bad);
        uint32_t size = item_u32(c, parts[i].size_key, &bad);

        if (bad ||
            fw_read(c, parts[i].data_key, addr, size, parts[i].name) < 0) {
            return -1;
        }
        printf("%s addr 0x%x size %u fnv %016llx\n", parts[i].name, addr, size,
               (unsigned long long)fnv1a(mem + addr, size));
        if (i == 0) {
            setup = addr;
        } else if (i == 3 && size > 0) {
            printf("cmdline text %s\n", (char *)mem + addr);
        }
    }
    printf("header loader 0x%02x loadflags 0x%02x heap_end 0x%x "
           "cmd_line_ptr 0x%x ramdisk 0x%x+%u\n",
           mem[setup + 0x210], mem[setup + 0x211],
           mem[setup + 0x224] | mem[setup + 0x225] << 8,
           le32(mem + setup + 0x228), le32(mem + setup + 0x218),
           le32(mem + setup + 0x21c));
    return 0;
}

static int hostile(struct fwc *c)
{
    struct guest *g = c->g;
    uint32_t ctl;

    /* the device model answers (and writes nothing): the vCPU goes on */
    printf("hostile rep insb outside memory: %s\n",
           insb(g, 0xfff00000000ull, 16) < 0 ? "failed" : "answered");
    printf("hostile rep insb of 1M bytes: %s\n",
           insb(g, SCRATCH_GPA, 1u << 20) < 0 ? "refused" : "done");
    if (!c->dma) {
        printf("no DMA: port 0x514 reads 0x%llx\n",
               (unsigned long long)pio(g, 0x514, 4, 0, 0));
        dma(g, DESC_GPA, SCRATCH_GPA, 16, 0x08 | 0x02);
        printf("no DMA: a descriptor written to 0x518 stays 0x%x\n",
               be32(g->mem + DESC_GPA + 12));
        return 0;
    }
    dma(g, 0xfff00000000ull, 0, 16, 0x02);
    ctl = dma(g, DESC_GPA, 0xfff00000000ull, 4096, 0x08 | 0x02);
    printf("hostile buffer outside memory: control 0x%x\n", ctl);
    ctl = dma(g, DESC_GPA, SCRATCH_GPA, 16, 0x10);
    printf("hostile DMA write: control 0x%x\n", ctl);
    return ctl == 1 ? 0 : -1;
}

int guest_fwcfg_boot(struct guest *g, int argc, char **argv)
{
    struct fwc c = {.g = g};
    int rom_key = -1, rc = 0;
    uint32_t rom_size = 0;

    (void)argc;
    (void)argv;
    if (read_signature(&c) < 0 || read_files(&c, &rom_key, &rom_size) < 0) {
        rc = 1;
    }
    if (rc == 0 && rom_key >= 0 && rom_size <= 0x20000 &&
        fw_read(&c, rom_key, ROM_GPA, rom_size, "rom") == 0) {
        printf("rom size %u fnv %016llx\n", rom_size,
               (unsigned long long)fnv1a(g->mem + ROM_GPA, rom_size));
    } else {
        rc = 1;
    }
    if (rc == 0 &&
        (linuxboot(&c) < 0 || hostile(&c) < 0 || read_signature(&c) < 0)) {
        rc = 1;
    }
    printf("fwcfg-boot: %s\n", rc == 0 ? "OK" : "FAILED");
    fflush(stdout);
    return rc;
}
