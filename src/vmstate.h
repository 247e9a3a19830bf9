/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Device state declared as data.
 *
 * A device describes its migratable state with a `static const struct
 * vmstate_desc`: a name, a version window and a table of fields, in
 * wire order, plus optional subsections and hooks.  The engine
 * (vmstate.c) encodes and decodes such a description exactly as
 * QEMU's migration/vmstate.c does: big-endian, no names or lengths on
 * the wire, fields gated by version or a field_exists predicate,
 * subsections as 0x05 <len> <name> <be32 version> <body>.
 *
 * Theory of operation.  A device keeps everything it saves in one
 * plain struct (no host pointers, no fds: timers are int64_t
 * deadlines, -1 when stopped).  Loading never touches that struct
 * directly: the stream reader (savevm.c) copies every registered
 * state into a shadow buffer, decodes the whole stream into the
 * shadows, running pre_load/post_load on the shadow, and only when
 * every section decoded and validated does it copy the shadows back
 * and call each entry's `loaded` hook (savevm.h) to re-arm timers and
 * re-drive IRQ lines.  So hooks here must only read and write the
 * struct they are given: a failed load changes nothing.
 *
 * Counts read from a stream are bounded by the capacity declared in
 * the field (`num`); a larger count is an error, never an overflow.
 */
#ifndef XENDM_VMSTATE_H
#define XENDM_VMSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"

enum vmstate_kind {
    VMS_U8,
    VMS_U16,
    VMS_U32,
    VMS_U64,
    VMS_I8,
    VMS_I16,
    VMS_I32,
    VMS_I64,
    VMS_BOOL,     /* one byte on the wire; loads reject values other than 0/1 */
    VMS_BUFFER,   /* `size` raw bytes */
    VMS_VBUFFER,  /* raw bytes, length from an earlier field (count_*) */
    VMS_STRUCT,   /* nested description `vmsd`, element size `size` */
    VMS_UNUSED,   /* `size` placeholder bytes: written as zero, skipped */
    VMS_TIMER,    /* int64_t deadline in ns, -1 = stopped; be64 on wire */
    VMS_VALIDATE, /* no bytes: `validate` must accept the loaded state */
};

/* Where an array's element count (or a VBUFFER's length) comes from. */
enum vmstate_count {
    VMS_COUNT_NONE,  /* a single element (num == 0) or fixed array (num) */
    VMS_COUNT_U8,    /* uint8_t at count_offset, loaded earlier */
    VMS_COUNT_U16,
    VMS_COUNT_U32,
    VMS_COUNT_I32,   /* negative counts are refused */
};

struct vmstate_desc;

struct vmstate_field {
    const char *name;
    enum vmstate_kind kind;
    size_t offset;           /* of the first element in the state struct */
    /*
     * Element size: implied for integers, bool and timers; the byte
     * count for BUFFER/UNUSED; the capacity in bytes for VBUFFER; the
     * C struct size (array stride) for STRUCT.
     */
    size_t size;
    /*
     * Arrays: `num` is the element count of a fixed array, or the
     * capacity when the count comes from another field (count != NONE).
     * 0 means a single element.
     */
    uint32_t num;
    enum vmstate_count count;
    size_t count_offset;
    int version_id;          /* present when version_id <= stream version */
    bool (*field_exists)(void *opaque, int version_id);
    const struct vmstate_desc *vmsd;  /* VMS_STRUCT */
    /* VMS_VALIDATE: return false to refuse the load. */
    bool (*validate)(void *opaque, int version_id);
};

struct vmstate_desc {
    const char *name;
    int version_id;
    int minimum_version_id;
    const struct vmstate_field *fields;      /* terminated by VMSTATE_END */
    const struct vmstate_desc *const *subsections;  /* NULL-terminated */
    /* Subsection and optional-section gate (NULL: always needed). */
    bool (*needed)(void *opaque);
    /* Each returns 0 or -errno and touches only *opaque. */
    int (*pre_save)(void *opaque);
    int (*pre_load)(void *opaque);
    int (*post_load)(void *opaque, int version_id);
};

/* Encodes the fields and needed subsections of `vmsd` for `opaque`. */
int vmstate_save(struct wbuf *out, const struct vmstate_desc *vmsd,
                 void *opaque);

/*
 * Decodes a body written at `version_id` into `opaque` (a shadow, see
 * above).  On failure returns -errno and, if `err` is non-NULL, a
 * message naming the field and the byte offset.
 */
int vmstate_load(struct cursor *in, const struct vmstate_desc *vmsd,
                 void *opaque, int version_id, char *err, size_t errlen);

/* Field-table helpers.  STATE is the struct type holding the state. */
#define VMSTATE_END { .name = NULL }

#define VMS_SCALAR_(KIND, F, S, V)                                           \
    { .name = #F, .kind = (KIND), .offset = offsetof(S, F),                  \
      .size = sizeof(((S *)0)->F), .version_id = (V) }

#define VMSTATE_U8_V(F, S, V) VMS_SCALAR_(VMS_U8, F, S, V)
#define VMSTATE_U16_V(F, S, V) VMS_SCALAR_(VMS_U16, F, S, V)
#define VMSTATE_U32_V(F, S, V) VMS_SCALAR_(VMS_U32, F, S, V)
#define VMSTATE_U64_V(F, S, V) VMS_SCALAR_(VMS_U64, F, S, V)
#define VMSTATE_I8_V(F, S, V) VMS_SCALAR_(VMS_I8, F, S, V)
#define VMSTATE_I16_V(F, S, V) VMS_SCALAR_(VMS_I16, F, S, V)
#define VMSTATE_I32_V(F, S, V) VMS_SCALAR_(VMS_I32, F, S, V)
#define VMSTATE_I64_V(F, S, V) VMS_SCALAR_(VMS_I64, F, S, V)
#define VMSTATE_BOOL_V(F, S, V) VMS_SCALAR_(VMS_BOOL, F, S, V)
#define VMSTATE_TIMER_V(F, S, V) VMS_SCALAR_(VMS_TIMER, F, S, V)
#define VMSTATE_U8(F, S) VMSTATE_U8_V(F, S, 0)
#define VMSTATE_U16(F, S) VMSTATE_U16_V(F, S, 0)
#define VMSTATE_U32(F, S) VMSTATE_U32_V(F, S, 0)
#define VMSTATE_U64(F, S) VMSTATE_U64_V(F, S, 0)
#define VMSTATE_I8(F, S) VMSTATE_I8_V(F, S, 0)
#define VMSTATE_I16(F, S) VMSTATE_I16_V(F, S, 0)
#define VMSTATE_I32(F, S) VMSTATE_I32_V(F, S, 0)
#define VMSTATE_I64(F, S) VMSTATE_I64_V(F, S, 0)
#define VMSTATE_BOOL(F, S) VMSTATE_BOOL_V(F, S, 0)
#define VMSTATE_TIMER(F, S) VMSTATE_TIMER_V(F, S, 0)

/* A fixed array of N scalars of KIND: F is declared as T F[N]. */
#define VMSTATE_ARRAY_V(KIND, F, S, N, V)                                    \
    { .name = #F, .kind = (KIND), .offset = offsetof(S, F),                  \
      .size = sizeof(((S *)0)->F[0]), .num = (N), .version_id = (V) }

/* Raw bytes: F is declared as uint8_t F[N]. */
#define VMSTATE_BUFFER_V(F, S, V)                                            \
    { .name = #F, .kind = VMS_BUFFER, .offset = offsetof(S, F),              \
      .size = sizeof(((S *)0)->F), .version_id = (V) }
#define VMSTATE_BUFFER(F, S) VMSTATE_BUFFER_V(F, S, 0)

#define VMSTATE_UNUSED_V(N, V)                                               \
    { .name = "unused", .kind = VMS_UNUSED, .size = (N), .version_id = (V) }
#define VMSTATE_UNUSED(N) VMSTATE_UNUSED_V(N, 0)

#define VMSTATE_STRUCT_V(F, S, V, DESC, T)                                   \
    { .name = #F, .kind = VMS_STRUCT, .offset = offsetof(S, F),              \
      .size = sizeof(T), .vmsd = &(DESC), .version_id = (V) }

#define VMSTATE_STRUCT_ARRAY_V(F, S, N, V, DESC, T)                          \
    { .name = #F, .kind = VMS_STRUCT, .offset = offsetof(S, F),              \
      .size = sizeof(T), .num = (N), .vmsd = &(DESC), .version_id = (V) }

#define VMSTATE_VALIDATE(NAME, FN)                                           \
    { .name = (NAME), .kind = VMS_VALIDATE, .validate = (FN) }

/*
 * Variable arrays: F is declared as T F[CAP]; the element count is the
 * field C of STATE (loaded earlier in the same table), whose C type
 * must match the macro (a mismatch fails to compile).  A count above
 * CAP is refused on load and on save.
 */
#define VMS_COUNT_CHECK_(S, C, BYTES)                                        \
    (offsetof(S, C) +                                                        \
     0 * sizeof(char[sizeof(((S *)0)->C) == (BYTES) ? 1 : -1]))
#define VMS_VARRAY_(KIND, F, S, C, CK, BYTES, V)                             \
    { .name = #F, .kind = (KIND), .offset = offsetof(S, F),                  \
      .size = sizeof(((S *)0)->F[0]),                                        \
      .num = sizeof(((S *)0)->F) / sizeof(((S *)0)->F[0]),                   \
      .count = (CK), .count_offset = VMS_COUNT_CHECK_(S, C, BYTES),          \
      .version_id = (V) }
#define VMSTATE_VARRAY_U8_V(KIND, F, S, C, V)                                \
    VMS_VARRAY_(KIND, F, S, C, VMS_COUNT_U8, 1, V)
#define VMSTATE_VARRAY_U16_V(KIND, F, S, C, V)                               \
    VMS_VARRAY_(KIND, F, S, C, VMS_COUNT_U16, 2, V)
#define VMSTATE_VARRAY_U32_V(KIND, F, S, C, V)                               \
    VMS_VARRAY_(KIND, F, S, C, VMS_COUNT_U32, 4, V)
#define VMSTATE_VARRAY_I32_V(KIND, F, S, C, V)                               \
    VMS_VARRAY_(KIND, F, S, C, VMS_COUNT_I32, 4, V)

/* A variable array of nested structs T F[CAP] counted by C. */
#define VMS_STRUCT_VARRAY_(F, S, C, CK, BYTES, V, DESC, T)                   \
    { .name = #F, .kind = VMS_STRUCT, .offset = offsetof(S, F),              \
      .size = sizeof(T),                                                     \
      .num = sizeof(((S *)0)->F) / sizeof(T),                                \
      .count = (CK), .count_offset = VMS_COUNT_CHECK_(S, C, BYTES),          \
      .vmsd = &(DESC), .version_id = (V) }
#define VMSTATE_STRUCT_VARRAY_U8_V(F, S, C, V, DESC, T)                      \
    VMS_STRUCT_VARRAY_(F, S, C, VMS_COUNT_U8, 1, V, DESC, T)
#define VMSTATE_STRUCT_VARRAY_U16_V(F, S, C, V, DESC, T)                     \
    VMS_STRUCT_VARRAY_(F, S, C, VMS_COUNT_U16, 2, V, DESC, T)
#define VMSTATE_STRUCT_VARRAY_U32_V(F, S, C, V, DESC, T)                     \
    VMS_STRUCT_VARRAY_(F, S, C, VMS_COUNT_U32, 4, V, DESC, T)
#define VMSTATE_STRUCT_VARRAY_I32_V(F, S, C, V, DESC, T)                     \
    VMS_STRUCT_VARRAY_(F, S, C, VMS_COUNT_I32, 4, V, DESC, T)

/* A variable buffer uint8_t F[CAP]: C bytes are on the wire. */
#define VMS_VBUFFER_(F, S, C, CK, BYTES, V)                                  \
    { .name = #F, .kind = VMS_VBUFFER, .offset = offsetof(S, F),             \
      .size = sizeof(((S *)0)->F), .count = (CK),                            \
      .count_offset = VMS_COUNT_CHECK_(S, C, BYTES), .version_id = (V) }
#define VMSTATE_VBUFFER_U8_V(F, S, C, V) VMS_VBUFFER_(F, S, C, VMS_COUNT_U8, 1, V)
#define VMSTATE_VBUFFER_U16_V(F, S, C, V)                                    \
    VMS_VBUFFER_(F, S, C, VMS_COUNT_U16, 2, V)
#define VMSTATE_VBUFFER_U32_V(F, S, C, V)                                    \
    VMS_VBUFFER_(F, S, C, VMS_COUNT_U32, 4, V)
#define VMSTATE_VBUFFER_I32_V(F, S, C, V)                                    \
    VMS_VBUFFER_(F, S, C, VMS_COUNT_I32, 4, V)

/*
 * Checks a description against the state struct it will be used
 * with: every field (and count) lies inside `state_size` bytes, nested
 * structs fit their element size, tables are terminated and names
 * short enough for the wire.  Returns 0 or -EINVAL (our own bug, found
 * at registration instead of at load time).
 */
int vmstate_desc_check(const struct vmstate_desc *vmsd, size_t state_size);

/*
 * Copies len (<= 255) bytes of an untrusted name into dst[len + 1] for
 * messages, replacing non-printable bytes with '?'.
 */
void vmstate_printable(char *dst, const uint8_t *src, size_t len);

/*
 * The smallest state size `vmsd` can be used with (the end of its
 * furthest field, count or subsection field); 0 if the table is bad.
 */
size_t vmstate_desc_extent(const struct vmstate_desc *vmsd);

/* True when `vmsd` has no needed() hook or it says the state is needed. */
bool vmstate_needed(const struct vmstate_desc *vmsd, void *opaque);

#endif
