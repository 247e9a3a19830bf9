/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The stream walker behind xendm-analyze: decodes a QEMU device-state
 * stream (Xen's device-only shape, or QEMU's full shape with footers,
 * a configuration section and a trailing VMDESCRIPTION) into named
 * values, renders it as text or JSON, and encodes such a decoded
 * stream back to bytes.
 *
 * Theory of operation.  A FULL section carries no length, so its end
 * is found only by walking its body with a layout (layout.h): the
 * stream's own VMDESCRIPTION if it has one, else the caller's layout
 * set (VMDESCRIPTION files, then xendm's built-in descriptions).  The
 * walker reads through a bounded cursor; every value decoded costs
 * from a budget proportional to the input size, nesting is bounded,
 * and every refusal names the byte offset and the reason.  Decoded
 * values are kept as JSON (qapi/json.h) with QEMU's field names:
 * integers as numbers, bools as true/false, byte runs as lowercase
 * hex, arrays as lists, structs as objects (a struct's subsections
 * under the reserved key "subsections").  The encoder walks the same
 * layouts over those values, so decode-then-encode gives back the
 * input bytes exactly; that is what the round-trip tests check.
 *
 * Trusts nothing in the stream or the layouts given.
 */
#ifndef XENDM_ANALYZE_H
#define XENDM_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cursor.h"
#include "layout.h"

struct json;

struct analyze_section {
    uint8_t type;                   /* FULL, START, PART, END, CONFIGURATION */
    size_t offset;                  /* of the section type byte */
    size_t body_offset, body_end;   /* the body: [body_offset, body_end) */
    uint32_t section_id;
    char idstr[256];
    uint32_t instance_id;
    uint32_t version_id;
    bool has_footer;
    const struct layout_entry *layout;  /* borrowed; NULL for RAM */
    /* START/PART/END ("ram"): the body, kept verbatim (owned). */
    uint8_t *raw;
    size_t raw_len;
    /* Decoded values; for RAM, a summary (blocks, page counts). */
    struct json *fields;            /* object (owned) */
    struct json *subsections;       /* object: name -> {version_id, fields} */
};

/* Decoded values per stream, at most (see analyze_budget()). */
#define ANALYZE_MAX_VALUES (1u << 22)

/* RAM blocks announced by the "ram" START section (QEMU's RAMBlocks). */
#define ANALYZE_RAM_BLOCKS 64
#define ANALYZE_PAGE_SIZE 4096u     /* x86 TARGET_PAGE_SIZE */

struct analyze_ram {
    uint32_t section_id;            /* of the "ram" START section */
    bool started;
    size_t nblocks;
    char names[ANALYZE_RAM_BLOCKS][256];
    uint64_t lengths[ANALYZE_RAM_BLOCKS];
    int last;                       /* block for RAM_SAVE_FLAG_CONTINUE */
};

struct analyze_stream {
    uint32_t version;               /* the header's version: 3 */
    bool footers;                   /* FULL sections end with 0x7e + id */
    struct analyze_section *sections;
    size_t n, cap;
    size_t eof_offset;
    /* The trailing VMDESCRIPTION (raw JSON), if any. */
    uint8_t *vmdesc;
    size_t vmdesc_len;
    size_t vmdesc_offset;
    struct layout_set own;          /* from the stream's VMDESCRIPTION */
    struct layout_set config;       /* the configuration section's layout */
    struct analyze_ram ram;
};

/*
 * Decodes buf[0..len) into *s (which the caller frees with
 * analyze_stream_free whatever the result).  Returns 0, or -EINVAL
 * with "offset 0x...: reason" in err.  `layouts` may be NULL.
 */
int analyze_decode(const uint8_t *buf, size_t len,
                   const struct layout_set *layouts,
                   struct analyze_stream *s, char *err, size_t errlen);
void analyze_stream_free(struct analyze_stream *s);

/*
 * Reads a document of the shape analyze_to_json() prints (only "full"
 * sections: the Xen shape) into *s, finding each section's layout in
 * `layouts`, for analyze_encode().  The caller frees *s with
 * analyze_stream_free whatever the result.  0 or -EINVAL with err.
 */
int analyze_from_json(const struct json *doc, const struct layout_set *layouts,
                      struct analyze_stream *s, char *err, size_t errlen);

/*
 * Checks that body[0..len) is exactly one body of `l` at `version`:
 * 0, or -EINVAL with "offset 0x...: reason" (offsets within the body).
 */
int analyze_check_body(const uint8_t *body, size_t len,
                       const struct layout_vmsd *l, uint32_t version,
                       char *err, size_t errlen);

/* Encodes a decoded stream back to bytes; 0 or -errno with err. */
int analyze_encode(const struct analyze_stream *s, struct wbuf *out,
                   char *err, size_t errlen);

/*
 * Encodes one body: the fields of `l` at `version` from the object
 * `fields`, then the subsections in `subs` (may be NULL).
 */
int analyze_encode_body(struct wbuf *out, const struct layout_vmsd *l,
                        int64_t version, const struct json *fields,
                        const struct json *subs, char *err, size_t errlen);

/*
 * {"version":3,"sections":[{"type":"full","section_id":N,...}]}; a
 * configuration section appears as {"type":"configuration",...}.
 * NULL on allocation failure.
 */
struct json *analyze_to_json(const struct analyze_stream *s);

/* One block per section: offsets, ids, versions, `name = value`. */
void analyze_print_text(FILE *out, const struct analyze_stream *s);

/*
 * Adds the layout of QEMU's configuration section (migration/savevm.c
 * vmstate_configuration and its subsections) to `set`.
 */
int analyze_config_layout(struct layout_set *set, char *err, size_t errlen);

/*
 * Walks the body of a "ram" START/PART/END section (QEMU's
 * migration/ram.c records: MEM_SIZE with the block list, ZERO, PAGE,
 * XBZRLE, COMPRESS_PAGE, up to EOS) and summarises it in `fields`.
 * Returns 0, or -EINVAL with the reason in why and its offset in
 * *err_off.  Each record costs one from *budget.
 */
int analyze_ram_body(struct cursor *c, struct analyze_ram *ram, bool start,
                     struct json *fields, size_t *budget, size_t *err_off,
                     char *why, size_t whylen);

/* Lowercase hex of n bytes as a JSON string (NULL on failure). */
struct json *analyze_hex(const uint8_t *p, size_t n);

#endif
