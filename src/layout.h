/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Section layouts: what the body of one device-state section looks
 * like on the wire, with QEMU's field names, for the stream walker
 * (analyze.h) that cannot otherwise find the end of a footerless
 * section.
 *
 * A layout comes from one of two places and has one shape:
 *  - QEMU's VMDESCRIPTION JSON (`layout_set_add_vmdesc`): the
 *    description QEMU appends to a full migration stream, or a file
 *    holding one.  It describes the stream it was written with, so a
 *    layout made from it matches only that exact section version.
 *  - xendm's own vmstate descriptions (`layout_set_add_vmsd`), with
 *    their version window and per-field version gates.
 *
 * Everything here is built from untrusted input (a JSON file, the tail
 * of a stream): names are bounded, counts are bounded, nesting is
 * bounded (LAYOUT_MAX_DEPTH), sizes are checked against the type.  A
 * layout set owns every string and node it holds.
 */
#ifndef XENDM_LAYOUT_H
#define XENDM_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmstate.h"

struct json;

#define LAYOUT_MAX_DEPTH 16          /* nested structs and subsections */
#define LAYOUT_MAX_NAME 255          /* QEMU's idstr / subsection limit */
#define LAYOUT_MAX_ARRAY (1u << 24)  /* elements in one array field */
#define LAYOUT_MAX_SIZE (1u << 28)   /* bytes in one buffer element */

enum layout_kind {
    LAYOUT_INT,    /* big-endian integer of `width` bytes */
    LAYOUT_BOOL,   /* one byte, 0 or 1 */
    LAYOUT_BYTES,  /* `size` raw bytes (buffer, unused, unknown type) */
    LAYOUT_STRUCT, /* nested description `sub` */
};

struct layout_vmsd;

struct layout_field {
    char *name;                 /* key in the decoded object (unique) */
    char *type;                 /* QEMU's type name, for the text view */
    enum layout_kind kind;
    uint8_t width;              /* LAYOUT_INT: 1, 2, 4 or 8 */
    bool is_signed;             /* LAYOUT_INT */
    uint32_t size;              /* LAYOUT_BYTES: bytes per element */
    /*
     * `list`: the value is a list of `count` elements (else a single
     * value).  With count_field >= 0 the length comes from the decoded
     * value of that earlier field of the same description: for a list
     * it is the element count (at most `count`, the capacity); for a
     * single LAYOUT_BYTES value it is the byte length (a variable
     * buffer, at most `size`).
     */
    bool list;
    uint32_t count;
    int count_field;
    /*
     * VMDESCRIPTION lists the elements of some struct arrays one by
     * one ("index": i).  Such a field is element `index` of the list
     * `name`; -1 otherwise.
     */
    int index;
    int version_id;             /* present when <= the body's version */
    bool conditional;           /* field_exists(): cannot be walked */
    struct layout_vmsd *sub;    /* LAYOUT_STRUCT (owned) */
};

struct layout_vmsd {
    char *name;                 /* vmsd name: the subsection prefix */
    int version_id;
    int minimum_version_id;     /* == version_id for VMDESCRIPTION */
    struct layout_field *fields;
    size_t nfields;
    struct layout_vmsd **subs;  /* owned */
    size_t nsubs;
};

/* One top-level section layout: which sections it applies to. */
struct layout_entry {
    char *idstr;                /* section idstr, or NULL: match by vmsd */
    int64_t instance_id;        /* -1: any instance */
    char *source;               /* where it came from, for messages */
    struct layout_vmsd *vmsd;   /* owned */
};

struct layout_set {
    struct layout_entry *entries;
    size_t n, cap;
};

void layout_set_init(struct layout_set *set);
void layout_set_free(struct layout_set *set);

/*
 * Adds every device of a parsed VMDESCRIPTION document.  Returns 0 or
 * -errno with a message naming the offending device or field.
 */
int layout_set_add_vmdesc(struct layout_set *set, const struct json *doc,
                          const char *source, char *err, size_t errlen);

/* Parses buf as a VMDESCRIPTION and adds it (as above). */
int layout_set_add_vmdesc_text(struct layout_set *set, const char *buf,
                               size_t len, const char *source, char *err,
                               size_t errlen);

/*
 * Adds one of xendm's descriptions, matched by its name (against the
 * idstr, or the part after the last '/').
 */
int layout_set_add_vmsd(struct layout_set *set,
                        const struct vmstate_desc *vmsd, const char *source,
                        char *err, size_t errlen);

/* Adds each description of a NULL-terminated table. */
int layout_set_add_vmsd_table(struct layout_set *set,
                              const struct vmstate_desc *const *table,
                              const char *source, char *err, size_t errlen);

/* Converts one description (exported for the configuration section). */
struct layout_vmsd *layout_from_vmsd(const struct vmstate_desc *vmsd,
                                     char *err, size_t errlen);
void layout_vmsd_free(struct layout_vmsd *l);

/*
 * Finds the layout for a section: exact idstr and instance first, then
 * idstr with any instance, then by vmsd name; each must accept
 * `version`.  NULL if none; `why` then says what was found instead.
 */
const struct layout_entry *layout_set_find(const struct layout_set *set,
                                           const char *idstr,
                                           uint32_t instance_id,
                                           uint32_t version, char *why,
                                           size_t whylen);

/* True if some layout matches `idstr`, whatever its versions. */
bool layout_set_knows(const struct layout_set *set, const char *idstr);

/* The subsection of `l` named exactly `name`, or NULL. */
const struct layout_vmsd *layout_find_sub(const struct layout_vmsd *l,
                                          const char *name);

/* True if `version` lies in the layout's window. */
bool layout_accepts(const struct layout_vmsd *l, int64_t version);

/*
 * Builders shared by layout.c and layout-vmsd.c.  Each takes ownership
 * of what it is given (freeing it on failure) and returns 0 or -errno.
 * layout_push_field makes names unique as QEMU does ("name[1]").
 */
int layout_push_field(struct layout_vmsd *l, struct layout_field *f,
                      char *err, size_t errlen);
int layout_push_sub(struct layout_vmsd *l, struct layout_vmsd *sub,
                    char *err, size_t errlen);
int layout_set_push(struct layout_set *set, const char *idstr,
                    int64_t instance_id, const char *source,
                    struct layout_vmsd *vmsd);

#endif
