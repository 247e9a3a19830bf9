/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * RAM sections of a full QEMU migration stream, for xendm-analyze.
 *
 * xendm never loads or writes RAM (a Xen device-only stream has none,
 * and the loader refuses it), but a full QEMU stream carries the "ram"
 * iterable as START/PART/END sections before the device sections, so
 * the walker must step over them to reach the devices.  The record
 * format is QEMU 7.2's migration/ram.c: a be64 of page address | flags,
 * then by flag: MEM_SIZE (the RAMBlock list: u8 length, name, be64
 * used length, until the announced total is accounted for), ZERO (one
 * fill byte), PAGE (one target page), XBZRLE (u8 0x01, be16 length,
 * data), COMPRESS_PAGE (be32 length, data); a record without CONTINUE
 * names its block first; EOS ends the section body.
 *
 * Untrusted: block names must have been announced, page addresses
 * must lie inside their block, lengths are bounded as QEMU bounds
 * them, and each record costs one from the walker's budget.  The
 * bytes are summarised (counts per record type, the block list), not
 * kept here: analyze.c keeps the body verbatim for re-encoding.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../qapi/json.h"
#include "analyze.h"

#define RAM_FLAG_ZERO 0x02u
#define RAM_FLAG_MEM_SIZE 0x04u
#define RAM_FLAG_PAGE 0x08u
#define RAM_FLAG_EOS 0x10u
#define RAM_FLAG_CONTINUE 0x20u
#define RAM_FLAG_XBZRLE 0x40u
#define RAM_FLAG_HOOK 0x80u
#define RAM_FLAG_COMPRESS_PAGE 0x100u
#define RAM_XBZRLE_ENCODING 0x01u
#define RAM_COMPRESS_BOUND 4110u  /* zlib compressBound(4096) */

/* Counters kept in the summary, one per page-carrying record type. */
enum { RAM_ZERO, RAM_PAGE, RAM_XBZRLE, RAM_COMPRESSED, RAM_NCOUNT };

static const char *const ram_count_names[RAM_NCOUNT] = {
    [RAM_ZERO] = "zero_pages",
    [RAM_PAGE] = "pages",
    [RAM_XBZRLE] = "xbzrle_pages",
    [RAM_COMPRESSED] = "compressed_pages",
};

struct ram_walk {
    struct cursor *c;
    struct analyze_ram *ram;
    size_t *err_off;
    char *why;
    size_t whylen;
};

static int ram_fail(struct ram_walk *r, size_t off, const char *what)
{
    *r->err_off = off;
    snprintf(r->why, r->whylen, "RAM: %s", what);
    return -EINVAL;
}

static int ram_need(struct ram_walk *r, size_t n)
{
    if (n > cursor_remaining(r->c)) {
        return ram_fail(r, cursor_offset(r->c), "truncated record");
    }
    return 0;
}

/* Reads u8 length + name; returns its length or -EINVAL. */
static int ram_name(struct ram_walk *r, char name[256])
{
    uint8_t len;

    if (ram_need(r, 1) < 0) {
        return -EINVAL;
    }
    len = cursor_u8(r->c);
    if (ram_need(r, len) < 0) {
        return -EINVAL;
    }
    cursor_bytes(r->c, name, len);
    name[len] = '\0';
    return len;
}

static int ram_block_list(struct ram_walk *r, uint64_t total,
                          struct json *fields)
{
    struct json *blocks = json_new_array(), *b;
    struct analyze_ram *ram = r->ram;
    char shown[256];
    size_t off;
    uint64_t len;

    if (blocks == NULL || json_object_set(fields, "blocks", blocks) < 0) {
        return ram_fail(r, cursor_offset(r->c), "out of memory");
    }
    ram->nblocks = 0;
    while (total > 0) {
        off = cursor_offset(r->c);
        if (ram->nblocks == ANALYZE_RAM_BLOCKS) {
            return ram_fail(r, off, "too many RAM blocks");
        }
        if (ram_name(r, ram->names[ram->nblocks]) < 0 || ram_need(r, 8) < 0) {
            return -EINVAL;
        }
        len = cursor_be64(r->c);
        if (len > total) {
            return ram_fail(r, off, "block lengths exceed the announced "
                            "total");
        }
        total -= len;
        ram->lengths[ram->nblocks] = len;
        b = json_new_object();
        vmstate_printable(shown, (const uint8_t *)ram->names[ram->nblocks],
                          strlen(ram->names[ram->nblocks]));
        if (json_array_append(blocks, b) < 0 ||
            json_object_set(b, "idstr", json_new_string(shown)) < 0 ||
            json_object_set(b, "length", json_new_uint(len)) < 0) {
            return ram_fail(r, off, "out of memory");
        }
        ram->nblocks++;
    }
    return 0;
}

/* The block a page record refers to (by name, or the last one). */
static int ram_block(struct ram_walk *r, uint32_t flags, uint64_t addr,
                     size_t off)
{
    struct analyze_ram *ram = r->ram;
    char name[256];
    size_t i;

    if (!(flags & RAM_FLAG_CONTINUE)) {
        if (ram_name(r, name) < 0) {
            return -EINVAL;
        }
        ram->last = -1;
        for (i = 0; i < ram->nblocks; i++) {
            if (strcmp(ram->names[i], name) == 0) {
                ram->last = (int)i;
            }
        }
        if (ram->last < 0) {
            return ram_fail(r, off, "page of an unknown RAM block");
        }
    } else if (ram->last < 0) {
        return ram_fail(r, off, "CONTINUE without a previous block");
    }
    if (addr >= ram->lengths[ram->last]) {
        return ram_fail(r, off, "page address beyond its block");
    }
    return 0;
}

/* The payload of one page record; bumps the matching counter. */
static int ram_payload(struct ram_walk *r, uint32_t kind, size_t off,
                       uint64_t counts[RAM_NCOUNT])
{
    uint32_t n;

    switch (kind) {
    case RAM_FLAG_ZERO:
        counts[RAM_ZERO]++;
        return ram_need(r, 1) < 0 ? -EINVAL : (cursor_skip(r->c, 1), 0);
    case RAM_FLAG_PAGE:
        counts[RAM_PAGE]++;
        return ram_need(r, ANALYZE_PAGE_SIZE) < 0
                   ? -EINVAL
                   : (cursor_skip(r->c, ANALYZE_PAGE_SIZE), 0);
    case RAM_FLAG_XBZRLE:
        counts[RAM_XBZRLE]++;
        if (ram_need(r, 3) < 0) {
            return -EINVAL;
        }
        if (cursor_u8(r->c) != RAM_XBZRLE_ENCODING) {
            return ram_fail(r, off, "bad XBZRLE encoding flag");
        }
        n = cursor_be16(r->c);
        if (n > ANALYZE_PAGE_SIZE) {
            return ram_fail(r, off, "XBZRLE data longer than a page");
        }
        break;
    default:
        counts[RAM_COMPRESSED]++;
        if (ram_need(r, 4) < 0) {
            return -EINVAL;
        }
        n = cursor_be32(r->c);
        if (n > RAM_COMPRESS_BOUND) {
            return ram_fail(r, off, "compressed page too long");
        }
        break;
    }
    return ram_need(r, n) < 0 ? -EINVAL : (cursor_skip(r->c, n), 0);
}

static int ram_summary(struct ram_walk *r, struct json *fields,
                       const uint64_t counts[RAM_NCOUNT])
{
    int i;

    for (i = 0; i < RAM_NCOUNT; i++) {
        if (json_object_set(fields, ram_count_names[i],
                            json_new_uint(counts[i])) < 0) {
            return ram_fail(r, cursor_offset(r->c), "out of memory");
        }
    }
    return 0;
}

int analyze_ram_body(struct cursor *c, struct analyze_ram *ram, bool start,
                     struct json *fields, size_t *budget, size_t *err_off,
                     char *why, size_t whylen)
{
    struct ram_walk r = { c, ram, err_off, why, whylen };
    uint64_t counts[RAM_NCOUNT] = { 0 }, v, addr;
    uint32_t flags, kind;
    size_t off;

    for (;;) {
        off = cursor_offset(c);
        if (*budget == 0) {
            return ram_fail(&r, off, "too many records for the input size");
        }
        (*budget)--;
        if (ram_need(&r, 8) < 0) {
            return -EINVAL;
        }
        v = cursor_be64(c);
        flags = (uint32_t)(v & (ANALYZE_PAGE_SIZE - 1));
        addr = v & ~(uint64_t)(ANALYZE_PAGE_SIZE - 1);
        kind = flags & ~RAM_FLAG_CONTINUE;
        if (kind == RAM_FLAG_EOS) {
            return ram_summary(&r, fields, counts);
        }
        if (kind == RAM_FLAG_MEM_SIZE) {
            if (!start || json_get(fields, "blocks") != NULL) {
                return ram_fail(&r, off, "block list outside the START "
                                "section");
            }
            if (ram_block_list(&r, addr, fields) < 0) {
                return -EINVAL;
            }
            json_object_set(fields, "total", json_new_uint(addr));
            continue;
        }
        if (kind != RAM_FLAG_ZERO && kind != RAM_FLAG_PAGE &&
            kind != RAM_FLAG_XBZRLE && kind != RAM_FLAG_COMPRESS_PAGE) {
            return ram_fail(&r, off, (flags & RAM_FLAG_HOOK)
                                         ? "RDMA hook records not supported"
                                         : "unknown combination of flags");
        }
        if (ram_block(&r, flags, addr, off) < 0 ||
            ram_payload(&r, kind, off, counts) < 0) {
            return -EINVAL;
        }
    }
}
