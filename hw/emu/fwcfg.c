/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fw_cfg device (see fwcfg.h for the interface and trust).
 *
 * Theory of operation.  Items live in a [arch][key] table of borrowed
 * or owned byte ranges; the file directory is kept in wire format so a
 * read of FWCFG_FILE_DIR is a plain item read.  Selecting a key resets
 * the offset; a key beyond the table selects FWCFG_INVALID, whose
 * reads give zeros, as QEMU's do.  Data reads compose the big-endian
 * value of the next bytes and zero-pad past the end; the offset only
 * moves while bytes remain.  A DMA transfer reads the 16-byte
 * descriptor (be64 address, be32 length, be32 control), optionally
 * selects, then reads (copies item bytes to the guest, zero-fills past
 * the end), skips (moves the offset) or writes (always an error: no
 * item is writable), and stores the final control word (0, or the
 * error bit) back into the descriptor, exactly in QEMU's order so a
 * guest sees the same offsets after an error.  A zero-fill of a huge
 * length is bounded by guest memory: the memory ops refuse the first
 * frame beyond it and the transfer ends with the error bit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fwcfg.h"

#define DIR_ENTRY_SIZE 64

static const uint8_t fwcfg_sig[4] = {'Q', 'E', 'M', 'U'};
static const uint8_t fwcfg_zero_page[4096];

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static bool key_valid(uint16_t key)
{
    return (key & FWCFG_ENTRY_MASK) < FWCFG_MAX_ENTRY;
}

static struct fwcfg_item *item_of(struct fwcfg *f, uint16_t key)
{
    return &f->items[(key & FWCFG_ARCH_LOCAL) ? 1 : 0][key & FWCFG_ENTRY_MASK];
}

static struct fwcfg_item *cur_item(struct fwcfg *f)
{
    if (f->st.cur_entry == FWCFG_INVALID || !key_valid(f->st.cur_entry)) {
        return NULL;
    }
    return item_of(f, f->st.cur_entry);
}

static void fwcfg_select(struct fwcfg *f, uint16_t key)
{
    f->st.cur_offset = 0;
    f->st.cur_entry = key_valid(key) ? key : FWCFG_INVALID;
}

static int fwcfg_own(struct fwcfg *f, const void *data, bool own)
{
    if (!own) {
        return 0;
    }
    if (f->nowned >= sizeof(f->owned) / sizeof(f->owned[0])) {
        return -ENOSPC;
    }
    f->owned[f->nowned++] = (void *)(uintptr_t)data;
    return 0;
}

int fwcfg_add_bytes(struct fwcfg *f, uint16_t key, const void *data,
                    uint32_t len, bool own)
{
    struct fwcfg_item *it;
    int rc;

    if ((key & FWCFG_ENTRY_MASK) >= FWCFG_FILE_FIRST ||
        (key & FWCFG_WRITE_CHANNEL)) {
        return -EINVAL;
    }
    it = item_of(f, key);
    if (it->data != NULL) {
        return -EEXIST;
    }
    rc = fwcfg_own(f, data, own);
    if (rc < 0) {
        return rc;
    }
    it->data = data;
    it->len = len;
    return 0;
}

static int fwcfg_add_small(struct fwcfg *f, uint16_t key, uint32_t v,
                           uint32_t len)
{
    uint8_t *p;

    if (key >= FWCFG_FILE_FIRST) {
        return -EINVAL;
    }
    p = f->small[key];
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
    return fwcfg_add_bytes(f, key, p, len, false);
}

int fwcfg_add_i16(struct fwcfg *f, uint16_t key, uint16_t v)
{
    return fwcfg_add_small(f, key, v, 2);
}

int fwcfg_add_i32(struct fwcfg *f, uint16_t key, uint32_t v)
{
    return fwcfg_add_small(f, key, v, 4);
}

static const char *dir_name(const struct fwcfg *f, unsigned i)
{
    return (const char *)&f->dir[4 + i * DIR_ENTRY_SIZE + 8];
}

int fwcfg_file_key(const struct fwcfg *f, const char *name)
{
    unsigned i;

    for (i = 0; i < f->nfiles; i++) {
        if (strncmp(dir_name(f, i), name, FWCFG_MAX_FILE_PATH) == 0) {
            return FWCFG_FILE_FIRST + (int)i;
        }
    }
    return -ENOENT;
}

static void dir_set(struct fwcfg *f, unsigned i, uint32_t size,
                    const char *name)
{
    uint8_t *e = &f->dir[4 + i * DIR_ENTRY_SIZE];

    memset(e, 0, DIR_ENTRY_SIZE);
    put_be32(e, size);
    e[4] = (uint8_t)((FWCFG_FILE_FIRST + i) >> 8);
    e[5] = (uint8_t)(FWCFG_FILE_FIRST + i);
    memcpy(e + 8, name, strlen(name));
}

int fwcfg_add_file(struct fwcfg *f, const char *name, const void *data,
                   uint32_t len, bool own)
{
    size_t nlen = strlen(name);
    unsigned at, i;
    int rc;

    if (nlen == 0 || nlen >= FWCFG_MAX_FILE_PATH) {
        return -EINVAL;
    }
    if (fwcfg_file_key(f, name) >= 0) {
        return -EEXIST;
    }
    if (f->nfiles >= FWCFG_FILE_SLOTS) {
        return -ENOSPC;
    }
    rc = fwcfg_own(f, data, own);
    if (rc < 0) {
        return rc;
    }
    for (at = f->nfiles; at > 0 && strcmp(name, dir_name(f, at - 1)) < 0;
         at--) {
    }
    for (i = f->nfiles; i > at; i--) {
        char moved[FWCFG_MAX_FILE_PATH];

        memcpy(moved, dir_name(f, i - 1), sizeof(moved));
        dir_set(f, i, get_be32(&f->dir[4 + (i - 1) * DIR_ENTRY_SIZE]), moved);
        f->items[0][FWCFG_FILE_FIRST + i] =
            f->items[0][FWCFG_FILE_FIRST + i - 1];
    }
    dir_set(f, at, len, name);
    f->items[0][FWCFG_FILE_FIRST + at].data = data;
    f->items[0][FWCFG_FILE_FIRST + at].len = len;
    f->nfiles++;
    put_be32(f->dir, f->nfiles);
    return 0;
}

void fwcfg_init(struct fwcfg *f, bool nographic, bool dma)
{
    static const uint8_t uuid[16];
    /* QEMU stores the low 4 bytes of a host-endian uint64_t -1 */
    static const uint8_t no_reboot_timeout[4] = {0xff, 0xff, 0xff, 0xff};

    memset(f, 0, sizeof(*f));
    f->st.dma_enabled = dma;
    fwcfg_add_bytes(f, FWCFG_SIGNATURE, fwcfg_sig, sizeof(fwcfg_sig), false);
    fwcfg_add_bytes(f, FWCFG_UUID, uuid, sizeof(uuid), false);
    fwcfg_add_i16(f, FWCFG_NOGRAPHIC, nographic ? 1 : 0);
    fwcfg_add_i16(f, FWCFG_BOOT_MENU, 0);
    fwcfg_add_i32(f, FWCFG_ID, FWCFG_VERSION | (dma ? FWCFG_VERSION_DMA : 0));
    fwcfg_add_bytes(f, FWCFG_FILE_DIR, f->dir, sizeof(f->dir), false);
    fwcfg_add_file(f, "etc/boot-fail-wait", no_reboot_timeout,
                   sizeof(no_reboot_timeout), false);
    fwcfg_reset(f);
}

void fwcfg_free(struct fwcfg *f)
{
    unsigned i;

    for (i = 0; i < f->nowned; i++) {
        free(f->owned[i]);
    }
    f->nowned = 0;
}

void fwcfg_reset(struct fwcfg *f)
{
    fwcfg_select(f, FWCFG_SIGNATURE);
}

void fwcfg_set_mem(struct fwcfg *f, const struct fwcfg_mem_ops *mem,
                   void *opaque)
{
    f->mem = mem;
    f->mem_opaque = opaque;
}

/* ---- the selector/data ports ---- */

static uint32_t fwcfg_data_read(struct fwcfg *f, unsigned size)
{
    struct fwcfg_item *it = cur_item(f);
    uint32_t v = 0;

    if (it == NULL || it->data == NULL || f->st.cur_offset >= it->len) {
        return 0;
    }
    do {
        v = (v << 8) | it->data[f->st.cur_offset++];
    } while (--size && f->st.cur_offset < it->len);
    return v << (8 * size); /* zero padding past the end */
}

/*
 * QEMU's region is 2 bytes wide and accepts byte accesses and 16-bit
 * writes; other reads of it give 0, and bytes past its end are
 * unassigned ports (all ones).
 */
uint32_t fwcfg_io_read(struct fwcfg *f, unsigned off, unsigned size)
{
    uint32_t v = 0;
    unsigned i;

    if (size == 1) {
        return fwcfg_data_read(f, 1);
    }
    for (i = 0; i < size && i < 4; i++) {
        if (off + i >= FWCFG_IOPORT_LEN) {
            v |= 0xffu << (8 * i);
        }
    }
    return v;
}

void fwcfg_io_write(struct fwcfg *f, unsigned off, unsigned size, uint32_t val)
{
    /* byte writes to the data register are ignored since QEMU 2.4 */
    if (off == 0 && size >= 2) {
        fwcfg_select(f, (uint16_t)val);
    }
}

/* ---- DMA ---- */

uint32_t fwcfg_dma_io_read(struct fwcfg *f, unsigned off, unsigned size)
{
    uint32_t v = 0;
    unsigned i;

    (void)f;
    for (i = 0; i < size && i < 4; i++) {
        uint32_t b =
            off + i < 8
                ? (uint32_t)(FWCFG_DMA_SIGNATURE >> (8 * (7 - (off + i)))) &
                      0xff
                : 0xff;
        v |= b << (8 * i);
    }
    return v;
}

static uint32_t bswap32(uint32_t v)
{
    return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

void fwcfg_dma_io_write(struct fwcfg *f, unsigned off, unsigned size,
                        uint32_t val)
{
    uint32_t v = bswap32(val); /* a big-endian register */

    if (size != 4 || !f->st.dma_enabled) {
        return;
    }
    if (off == 0) {
        f->st.dma_addr = (uint64_t)v << 32;
    } else if (off == 4) {
        f->st.dma_addr |= v;
        fwcfg_dma_transfer(f, f->st.dma_addr);
    }
}

static int dma_zero(struct fwcfg *f, uint64_t gpa, uint64_t len)
{
    while (len > 0) {
        size_t n = len < sizeof(fwcfg_zero_page) ? (size_t)len
                                                 : sizeof(fwcfg_zero_page);

        if (f->mem->write(f->mem_opaque, gpa, fwcfg_zero_page, n) < 0) {
            return -EFAULT;
        }
        gpa += n;
        len -= n;
    }
    return 0;
}

static void dma_put_control(struct fwcfg *f, uint64_t gpa, uint32_t ctl)
{
    uint8_t be[4];

    put_be32(be, ctl);
    (void)f->mem->write(f->mem_opaque, gpa + 12, be, sizeof(be));
}

void fwcfg_dma_transfer(struct fwcfg *f, uint64_t gpa)
{
    uint8_t d[16];
    uint64_t addr, len;
    uint32_t control, ctl = 0;
    struct fwcfg_item *it;
    bool rd = false, wr = false;

    f->st.dma_addr = 0;
    if (f->mem == NULL) {
        return;
    }
    if (f->mem->read(f->mem_opaque, gpa, d, sizeof(d)) < 0) {
        dma_put_control(f, gpa, FWCFG_DMA_ERROR);
        return;
    }
    addr = (uint64_t)get_be32(d) << 32 | get_be32(d + 4);
    len = get_be32(d + 8);
    control = get_be32(d + 12);
    if (control & FWCFG_DMA_SELECT) {
        fwcfg_select(f, (uint16_t)(control >> 16));
    }
    it = cur_item(f);
    if (control & FWCFG_DMA_READ) {
        rd = true;
    } else if (control & FWCFG_DMA_WRITE) {
        wr = true;
    } else if (!(control & FWCFG_DMA_SKIP)) {
        len = 0;
    }
    while (len > 0 && !(ctl & FWCFG_DMA_ERROR)) {
        uint64_t n = len;

        if (it == NULL || it->data == NULL || f->st.cur_offset >= it->len) {
            if ((rd && dma_zero(f, addr, n) < 0) || wr) {
                ctl |= FWCFG_DMA_ERROR;
            }
        } else {
            if (n > it->len - f->st.cur_offset) {
                n = it->len - f->st.cur_offset;
            }
            if ((rd &&
                 f->mem->write(f->mem_opaque, addr, it->data + f->st.cur_offset,
                               (size_t)n) < 0) ||
                wr) {
                ctl |= FWCFG_DMA_ERROR;
            }
            f->st.cur_offset += (uint32_t)n;
        }
        addr += n;
        len -= n;
    }
    dma_put_control(f, gpa, ctl);
}

/* ---- saved state ---- */

static bool fwcfg_entry_ok(void *opaque, int version_id)
{
    const struct fwcfg_state *s = opaque;

    (void)version_id;
    return s->cur_entry == FWCFG_INVALID || key_valid(s->cur_entry);
}

static bool fwcfg_dma_needed(void *opaque)
{
    return ((const struct fwcfg_state *)opaque)->dma_enabled;
}

static const struct vmstate_field fwcfg_dma_fields[] = {
    VMSTATE_U64(dma_addr, struct fwcfg_state),
    VMSTATE_END,
};

static const struct vmstate_desc fwcfg_dma_vmsd = {
    .name = "fw_cfg/dma",
    .version_id = 0,
    .minimum_version_id = 0,
    .fields = fwcfg_dma_fields,
    .needed = fwcfg_dma_needed,
};

/* Never written at pc-i440fx-3.1 (acpi-mr-restore=off) but accepted
 * on load, as QEMU's reader does; the sizes are not used. */
static bool fwcfg_acpi_mr_needed(void *opaque)
{
    (void)opaque;
    return false;
}

static const struct vmstate_field fwcfg_acpi_mr_fields[] = {
    VMSTATE_U64(table_mr_size, struct fwcfg_state),
    VMSTATE_U64(linker_mr_size, struct fwcfg_state),
    VMSTATE_U64(rsdp_mr_size, struct fwcfg_state),
    VMSTATE_END,
};

static const struct vmstate_desc fwcfg_acpi_mr_vmsd = {
    .name = "fw_cfg/acpi_mr",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = fwcfg_acpi_mr_fields,
    .needed = fwcfg_acpi_mr_needed,
};

static const struct vmstate_desc *const fwcfg_subsections[] = {
    &fwcfg_dma_vmsd,
    &fwcfg_acpi_mr_vmsd,
    NULL,
};

static const struct vmstate_field fwcfg_fields[] = {
    VMSTATE_U16(cur_entry, struct fwcfg_state),
    VMSTATE_U32_V(cur_offset, struct fwcfg_state, 2),
    VMSTATE_VALIDATE("cur_entry in range", fwcfg_entry_ok),
    VMSTATE_END,
};

const struct vmstate_desc fwcfg_vmsd = {
    .name = "fw_cfg",
    .version_id = 2,
    .minimum_version_id = 2,
    .fields = fwcfg_fields,
    .subsections = fwcfg_subsections,
};
