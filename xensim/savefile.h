/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim's domain save file: what `xensim save` writes and `xensim
 * restore` reads -- the domain's config, its memory, and (HVM) the
 * device model's state, in the spirit of libxl's migration stream
 * (docs/specs/libxl-migration-stream.pandoc) but our own, simpler
 * format.  Documented in docs/xensim.md ("Save-file format").
 *
 *   header:  "XSIMSAVE" | be32 version (1) | be32 flags (0)
 *   record:  be32 type | be32 rflags | be64 length | body | zero pad
 *            to a multiple of 8
 *   last:    a SAVEFILE_REC_END record of length 0
 *
 * The reader trusts nothing: it refuses a bad magic, a version other
 * than 1, a body longer than SAVEFILE_MAX_BODY or than the file, bad
 * padding, a record after END or a missing END, and skips records of
 * unknown type unless their rflags carry SAVEFILE_RF_MANDATORY.
 */
#ifndef XENSIM_SAVEFILE_H
#define XENSIM_SAVEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SAVEFILE_MAGIC "XSIMSAVE"
#define SAVEFILE_VERSION 1u
#define SAVEFILE_MAX_BODY (64u << 20)
#define SAVEFILE_RF_MANDATORY 0x1u
#define SAVEFILE_PAGE 4096u
#define SAVEFILE_MAX_RUN 256u        /* pages in one MEMORY record */

enum savefile_rec {
    SAVEFILE_REC_END = 0,
    /* be32 source domid | be32 type (0 pv,1 pvh,2 hvm) | xl config text */
    SAVEFILE_REC_DOMAIN = 1,
    /* be64 first pfn | be32 count | be32 0 | count pages */
    SAVEFILE_REC_MEMORY = 2,
    /* be32 emulator id (2 = qemu upstream) | be32 index | QEVM stream */
    SAVEFILE_REC_EMULATOR_CONTEXT = 3,
    /* NUL-terminated key, value pairs (libxl's EMULATOR_XENSTORE_DATA) */
    SAVEFILE_REC_EMULATOR_XENSTORE = 4,
};

/* ---- writing (to a plain fd; 0 or -errno) ---- */
int savefile_write_header(int fd);
int savefile_write_record(int fd, uint32_t type, uint32_t rflags,
                          const void *head, size_t headlen, const void *body,
                          size_t bodylen);
/*
 * Writes guest memory as MEMORY records, skipping all-zero pages (a
 * restored domain starts zeroed).  mem is npages pages.
 */
int savefile_write_memory(int fd, const uint8_t *mem, uint64_t npages);
int savefile_write_end(int fd);

/* ---- reading ---- */
struct savefile_reader {
    int fd;
    uint64_t offset;
    bool ended;
    char err[160];
};

struct savefile_record {
    uint32_t type;
    uint32_t rflags;
    uint64_t len;
    uint8_t *body;          /* malloc'd, owned by the caller */
};

/* Checks the header.  0 or -EINVAL (message in r->err). */
int savefile_open(struct savefile_reader *r, int fd);
/*
 * The next record of a known type (unknown optional ones are skipped).
 * 1 with *rec filled, 0 after END, or -errno (message in r->err).
 */
int savefile_next(struct savefile_reader *r, struct savefile_record *rec);

/* Decodes a MEMORY record; -EINVAL unless it fits max_pages. */
int savefile_memory_decode(const struct savefile_record *rec,
                           uint64_t max_pages, uint64_t *first_pfn,
                           uint32_t *count, const uint8_t **pages);

#endif
