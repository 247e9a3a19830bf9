/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * QEMU's firmware configuration device ("fw_cfg") on I/O ports, as
 * qemu-xen creates it for an HVM guest booted with -kernel: a selector
 * register at 0x510 (16-bit write) and a data register at 0x511 (byte
 * reads; a byte read at 0x510 reads data too).  The device also has
 * QEMU's optional DMA interface at 0x514-0x51b (reads give the
 * signature "QEMU CFG"; a 32-bit big-endian write of the high half of
 * a descriptor address at 0x514, then of the low half at 0x518, runs
 * the transfer), which plain `pc` QEMU enables and qemu-xen does not
 * (see fwcfg_init).
 *
 * Items are addressed by 16-bit keys: the fixed keys below, and named
 * files (keys from FWCFG_FILE_FIRST on, listed big-endian in the file
 * directory at FWCFG_FILE_DIR and kept sorted by name, as QEMU does
 * for every machine newer than pc-i440fx-2.4).  All items here are
 * read-only: a DMA write fails with the error bit, as QEMU's does for
 * items not marked writable.
 *
 * Saved as QEMU's "fw_cfg" v2 (cur_entry, cur_offset) with the
 * "fw_cfg/dma" subsection (dma_addr); pc-i440fx-3.1 and so xenfv have
 * acpi-mr-restore off, so "fw_cfg/acpi_mr" is never written (a stream
 * carrying it loads, its sizes unused).  Version-1 streams (old
 * QEMU, a 16-bit offset) are refused.
 *
 * Trust: the guest chooses keys, offsets, descriptor addresses,
 * lengths and control bits; every one is bounded (keys against the
 * table, offsets against item lengths, guest memory through the
 * machine's bounded memory ops, which refuse frames outside the
 * guest).  A state file's cur_entry is validated before it is used.
 * One transfer touches at most the guest's own memory once (a copy is
 * bounded by the item, a zero fill stops at the first frame outside
 * the guest, with the error bit), the same work QEMU does; the time a
 * guest spends on its own transfers is its own vCPU's.
 */
#ifndef XENDM_HW_FWCFG_H
#define XENDM_HW_FWCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmstate.h"

#define FWCFG_IOPORT         0x510
#define FWCFG_IOPORT_LEN     2
#define FWCFG_DMA_IOPORT     0x514
#define FWCFG_DMA_IOPORT_LEN 8

/* fixed keys (QEMU's include/standard-headers/linux/qemu_fw_cfg.h) */
#define FWCFG_SIGNATURE     0x00
#define FWCFG_ID            0x01
#define FWCFG_UUID          0x02
#define FWCFG_NOGRAPHIC     0x04
#define FWCFG_NB_CPUS       0x05
#define FWCFG_KERNEL_ADDR   0x07
#define FWCFG_KERNEL_SIZE   0x08
#define FWCFG_INITRD_ADDR   0x0a
#define FWCFG_INITRD_SIZE   0x0b
#define FWCFG_BOOT_MENU     0x0e
#define FWCFG_KERNEL_DATA   0x11
#define FWCFG_INITRD_DATA   0x12
#define FWCFG_CMDLINE_ADDR  0x13
#define FWCFG_CMDLINE_SIZE  0x14
#define FWCFG_CMDLINE_DATA  0x15
#define FWCFG_SETUP_ADDR    0x16
#define FWCFG_SETUP_SIZE    0x17
#define FWCFG_SETUP_DATA    0x18
#define FWCFG_FILE_DIR      0x19
#define FWCFG_FILE_FIRST    0x20
#define FWCFG_FILE_SLOTS    0x20 /* QEMU's default x-file-slots */
#define FWCFG_MAX_ENTRY     (FWCFG_FILE_FIRST + FWCFG_FILE_SLOTS)
#define FWCFG_WRITE_CHANNEL 0x4000
#define FWCFG_ARCH_LOCAL    0x8000
#define FWCFG_ENTRY_MASK    0x3fff
#define FWCFG_INVALID       0xffff
#define FWCFG_MAX_FILE_PATH 56

/* ID bits */
#define FWCFG_VERSION     0x01
#define FWCFG_VERSION_DMA 0x02

/* DMA control bits (big-endian in the descriptor) */
#define FWCFG_DMA_ERROR  0x01
#define FWCFG_DMA_READ   0x02
#define FWCFG_DMA_SKIP   0x04
#define FWCFG_DMA_SELECT 0x08
#define FWCFG_DMA_WRITE  0x10

/* "QEMU CFG", what reads of the DMA ports return */
#define FWCFG_DMA_SIGNATURE 0x51454d5520434647ULL

/* Guest-physical memory for DMA; each returns 0 or -EFAULT. */
struct fwcfg_mem_ops {
    int (*read)(void *opaque, uint64_t gpa, void *buf, size_t len);
    int (*write)(void *opaque, uint64_t gpa, const void *buf, size_t len);
};

/* What is saved ("fw_cfg" v2); dma_enabled gates the subsection. */
struct fwcfg_state {
    uint16_t cur_entry;
    uint32_t cur_offset;
    uint64_t dma_addr;
    /* not on the wire; before the last field so that hooks stay inside
     * the description's extent (vmstate_desc_extent) */
    bool dma_enabled;
    uint64_t table_mr_size, linker_mr_size, rsdp_mr_size; /* acpi_mr */
};

struct fwcfg_item {
    const uint8_t *data; /* NULL: nothing stored (reads give 0) */
    uint32_t len;
};

struct fwcfg {
    struct fwcfg_state st;
    struct fwcfg_item items[2][FWCFG_MAX_ENTRY]; /* [arch][key] */
    /* the file directory: be32 count, then FWCFG_FILE_SLOTS entries of
     * be32 size, be16 select, be16 reserved, char name[56] */
    uint8_t dir[4 + FWCFG_FILE_SLOTS * 64];
    unsigned nfiles;
    uint8_t small[FWCFG_FILE_FIRST][4]; /* the 16/32-bit items */
    /* storage the device owns (freed by fwcfg_free) */
    void *owned[2 * FWCFG_MAX_ENTRY];
    unsigned nowned;
    const struct fwcfg_mem_ops *mem;
    void *mem_opaque;
};

extern const struct vmstate_desc fwcfg_vmsd;

/*
 * The items QEMU's fw_cfg_init1 adds: signature, UUID (zero: libxl
 * passes no -uuid), NOGRAPHIC, BOOT_MENU (off), ID (bit 1 only with
 * `dma`), the file directory and "etc/boot-fail-wait" (-1: no reboot
 * timeout).  qemu-xen creates its fw_cfg with fw_cfg_init_io(), i.e.
 * without the DMA interface: the machine passes dma = false, and then
 * the DMA ports are not claimed and no "fw_cfg/dma" subsection is
 * saved.  Plain `pc` QEMU (and the tests) have DMA.
 */
void fwcfg_init(struct fwcfg *f, bool nographic, bool dma);
/* Frees what the device owns; the struct can be reused after init. */
void fwcfg_free(struct fwcfg *f);
/* Selects the signature again (QEMU's reset; dma_addr is kept). */
void fwcfg_reset(struct fwcfg *f);
void fwcfg_set_mem(struct fwcfg *f, const struct fwcfg_mem_ops *mem,
                   void *opaque);

/*
 * Stores an item under a fixed key (< FWCFG_FILE_FIRST, or with
 * FWCFG_ARCH_LOCAL).  With `own`, the device frees `data` later (on
 * success only: after an error the caller still owns it).  0, or
 * -EINVAL for a bad key, -EEXIST if the key is taken, -ENOSPC.
 */
int fwcfg_add_bytes(struct fwcfg *f, uint16_t key, const void *data,
                    uint32_t len, bool own);
/* Copies a little-endian 16/32-bit integer (as QEMU's add_i16/i32). */
int fwcfg_add_i16(struct fwcfg *f, uint16_t key, uint16_t v);
int fwcfg_add_i32(struct fwcfg *f, uint16_t key, uint32_t v);
/*
 * Adds a named file, inserted in name order (later files' keys move
 * up, as in QEMU).  0, -EINVAL (name empty or too long), -EEXIST, or
 * -ENOSPC when every slot is used.
 */
int fwcfg_add_file(struct fwcfg *f, const char *name, const void *data,
                   uint32_t len, bool own);
/* The key of file `name`, or -ENOENT. */
int fwcfg_file_key(const struct fwcfg *f, const char *name);

/* Port I/O at 0x510-0x511 and 0x514-0x51b; `off` is relative to each. */
uint32_t fwcfg_io_read(struct fwcfg *f, unsigned off, unsigned size);
void fwcfg_io_write(struct fwcfg *f, unsigned off, unsigned size, uint32_t val);
uint32_t fwcfg_dma_io_read(struct fwcfg *f, unsigned off, unsigned size);
void fwcfg_dma_io_write(struct fwcfg *f, unsigned off, unsigned size,
                        uint32_t val);

/* Runs the DMA descriptor at guest address `gpa` (the port write does
 * this; exposed for tests). */
void fwcfg_dma_transfer(struct fwcfg *f, uint64_t gpa);

#endif
