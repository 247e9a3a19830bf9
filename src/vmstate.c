/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vmstate engine: encodes and decodes a `struct vmstate_desc`
 * exactly as QEMU's migration/vmstate.c puts it on the wire (see
 * vmstate.h and docs/stream-format.md).
 *
 * Loading trusts nothing in the input: every read goes through the
 * bounded cursor, every element count taken from the state is checked
 * against the field's capacity before it is used, bools must be 0 or
 * 1, timers must be -1 or a non-negative deadline, and the first
 * failure stops the load with a message naming the description, the
 * field and the byte offset.  The descriptions themselves are ours and
 * trusted, but vmstate_desc_check() verifies them against the state
 * size at registration so a table bug cannot turn into a wild write.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "savevm.h"
#include "vmstate.h"

/* Nested descriptions deeper than this are a table bug (a cycle). */
#define VMS_MAX_DEPTH 16

struct vms_load {
    struct cursor *in;
    char *err;
    size_t errlen;
};

static int vms_fail(struct vms_load *l, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int vms_fail(struct vms_load *l, int rc, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (l->err == NULL || l->errlen == 0 || l->err[0] != '\0') {
        return rc;
    }
    n = snprintf(l->err, l->errlen, "offset 0x%zx: ", cursor_offset(l->in));
    if (n >= 0 && (size_t)n < l->errlen) {
        va_start(ap, fmt);
        vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* Wire width of the fixed-size kinds (0: not a scalar). */
static const uint8_t vms_scalar_width[] = {
    [VMS_U8] = 1,  [VMS_U16] = 2, [VMS_U32] = 4, [VMS_U64] = 8,
    [VMS_I8] = 1,  [VMS_I16] = 2, [VMS_I32] = 4, [VMS_I64] = 8,
    [VMS_BOOL] = 1, [VMS_TIMER] = 8,
};

static size_t vms_width(enum vmstate_kind kind)
{
    if ((size_t)kind >= sizeof(vms_scalar_width)) {
        return 0;
    }
    return vms_scalar_width[kind];
}

void vmstate_printable(char *dst, const uint8_t *src, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
    }
    dst[len] = '\0';
}

bool vmstate_needed(const struct vmstate_desc *vmsd, void *opaque)
{
    return vmsd->needed == NULL || vmsd->needed(opaque);
}

static bool vms_field_exists(const struct vmstate_field *f, void *opaque,
                             int version_id)
{
    if (f->field_exists != NULL) {
        return f->field_exists(opaque, version_id);
    }
    return f->version_id <= version_id;
}

/*
 * The number of elements (or, for VBUFFER, bytes) of `f` in `opaque`.
 * A count beyond the declared capacity, or a negative one, is refused.
 */
static int vms_count(const struct vmstate_field *f, const void *opaque,
                     uint32_t *out)
{
    const uint8_t *p = (const uint8_t *)opaque + f->count_offset;
    uint32_t cap = f->kind == VMS_VBUFFER ? (uint32_t)f->size : f->num;
    int64_t n;

    switch (f->count) {
    case VMS_COUNT_NONE:
        *out = f->num ? f->num : 1;
        return 0;
    case VMS_COUNT_U8:
        n = *p;
        break;
    case VMS_COUNT_U16: {
        uint16_t v;
        memcpy(&v, p, sizeof(v));
        n = v;
        break;
    }
    case VMS_COUNT_U32: {
        uint32_t v;
        memcpy(&v, p, sizeof(v));
        n = v;
        break;
    }
    case VMS_COUNT_I32: {
        int32_t v;
        memcpy(&v, p, sizeof(v));
        n = v;
        break;
    }
    default:
        return -EINVAL;
    }
    if (n < 0 || n > (int64_t)cap) {
        *out = n < 0 ? 0 : (uint32_t)n;
        return n < 0 ? -ERANGE : -EOVERFLOW;
    }
    *out = (uint32_t)n;
    return 0;
}

/* ------------------------------------------------------------ saving */

/* Host value of one scalar element, zero-extended. */
static uint64_t vms_host_value(size_t w, const uint8_t *p)
{
    uint8_t b;
    uint16_t h;
    uint32_t x;
    uint64_t v;

    switch (w) {
    case 1:
        memcpy(&b, p, 1);
        return b;
    case 2:
        memcpy(&h, p, 2);
        return h;
    case 4:
        memcpy(&x, p, 4);
        return x;
    default:
        memcpy(&v, p, 8);
        return v;
    }
}

static void vms_set_host_value(size_t w, uint8_t *p, uint64_t v)
{
    uint8_t b = (uint8_t)v;
    uint16_t h = (uint16_t)v;
    uint32_t x = (uint32_t)v;

    switch (w) {
    case 1:
        memcpy(p, &b, 1);
        break;
    case 2:
        memcpy(p, &h, 2);
        break;
    case 4:
        memcpy(p, &x, 4);
        break;
    default:
        memcpy(p, &v, 8);
        break;
    }
}

/* Encodes n scalars through a small stack buffer (one append per 256 B). */
static int vms_put_scalars(struct wbuf *out, enum vmstate_kind kind,
                           const uint8_t *src, size_t stride, uint32_t n)
{
    size_t w = vms_width(kind), fill = 0, k;
    uint8_t chunk[256];
    uint64_t v;
    uint32_t i;

    for (i = 0; i < n; i++) {
        v = vms_host_value(w, src + (size_t)i * stride);
        if (kind == VMS_BOOL) {
            v = v != 0;
        }
        for (k = 0; k < w; k++) {
            chunk[fill + k] = (uint8_t)(v >> (8 * (w - 1 - k)));
        }
        fill += w;
        if (fill > sizeof(chunk) - 8) {
            wbuf_put(out, chunk, fill);
            fill = 0;
        }
    }
    if (fill > 0) {
        wbuf_put(out, chunk, fill);
    }
    return out->error;
}

static int vms_save_subsections(struct wbuf *out,
                                const struct vmstate_desc *vmsd,
                                void *opaque);

static int vms_save_field(struct wbuf *out, const struct vmstate_field *f,
                          void *opaque)
{
    uint8_t *base = (uint8_t *)opaque + f->offset;
    uint32_t n, i;
    int rc;

    rc = vms_count(f, opaque, &n);
    if (rc < 0) {
        return -EINVAL;
    }
    switch (f->kind) {
    case VMS_BUFFER:
        return wbuf_put(out, base, f->size);
    case VMS_VBUFFER:
        return wbuf_put(out, base, n);
    case VMS_UNUSED:
        for (i = 0; i < f->size; i++) {
            wbuf_u8(out, 0);
        }
        return out->error;
    case VMS_VALIDATE:
        return 0;
    case VMS_STRUCT:
        for (i = 0; i < n; i++) {
            rc = vmstate_save(out, f->vmsd, base + (size_t)i * f->size);
            if (rc < 0) {
                return rc;
            }
        }
        return 0;
    default:
        return vms_put_scalars(out, f->kind, base, f->size, n);
    }
}

int vmstate_save(struct wbuf *out, const struct vmstate_desc *vmsd,
                 void *opaque)
{
    const struct vmstate_field *f;
    int rc;

    if (vmsd->pre_save != NULL) {
        rc = vmsd->pre_save(opaque);
        if (rc != 0) {
            return rc < 0 ? rc : -EINVAL;
        }
    }
    for (f = vmsd->fields; f != NULL && f->name != NULL; f++) {
        if (f->kind == VMS_VALIDATE ||
            !vms_field_exists(f, opaque, vmsd->version_id)) {
            continue;
        }
        rc = vms_save_field(out, f, opaque);
        if (rc < 0) {
            return rc;
        }
    }
    rc = vms_save_subsections(out, vmsd, opaque);
    if (rc < 0) {
        return rc;
    }
    return out->error;
}

static int vms_save_subsections(struct wbuf *out,
                                const struct vmstate_desc *vmsd,
                                void *opaque)
{
    const struct vmstate_desc *const *sub;
    size_t len;
    int rc;

    for (sub = vmsd->subsections; sub != NULL && *sub != NULL; sub++) {
        if (!vmstate_needed(*sub, opaque)) {
            continue;
        }
        len = strlen((*sub)->name);
        wbuf_u8(out, QEMU_VM_SUBSECTION);
        wbuf_u8(out, (uint8_t)len);
        wbuf_put(out, (*sub)->name, len);
        wbuf_be32(out, (uint32_t)(*sub)->version_id);
        rc = vmstate_save(out, *sub, opaque);
        if (rc < 0) {
            return rc;
        }
    }
    return out->error;
}

/* ----------------------------------------------------------- loading */

static int vms_load_desc(struct vms_load *l, const struct vmstate_desc *vmsd,
                         void *opaque, int64_t version_id);

/* Decodes n scalars taken from the cursor in one bounded read. */
static int vms_get_scalars(struct vms_load *l, const struct vmstate_desc *vmsd,
                           const struct vmstate_field *f, uint8_t *dst,
                           uint32_t n)
{
    size_t w = vms_width(f->kind), at = cursor_offset(l->in), k;
    const uint8_t *p = cursor_take(l->in, (size_t)n * w);
    uint64_t v;
    uint32_t i;

    if (p == NULL) {
        return 0;   /* the caller reports the truncation */
    }
    for (i = 0; i < n; i++, p += w) {
        for (v = 0, k = 0; k < w; k++) {
            v = (v << 8) | p[k];
        }
        if (f->kind == VMS_BOOL && v > 1) {
            l->in->pos = at + (size_t)i * w;
            return vms_fail(l, -EINVAL,
                            "Failed to load %s:%s: bool value 0x%02x is "
                            "neither 0 nor 1", vmsd->name, f->name,
                            (unsigned)v);
        }
        if (f->kind == VMS_TIMER && (int64_t)v < -1) {
            l->in->pos = at + (size_t)i * w;
            return vms_fail(l, -EINVAL,
                            "Failed to load %s:%s: timer deadline %" PRId64
                            " is neither -1 (stopped) nor >= 0",
                            vmsd->name, f->name, (int64_t)v);
        }
        vms_set_host_value(w, dst + (size_t)i * f->size, v);
    }
    return 0;
}

static int vms_load_field(struct vms_load *l, const struct vmstate_desc *vmsd,
                          const struct vmstate_field *f, void *opaque)
{
    uint8_t *base = (uint8_t *)opaque + f->offset;
    uint32_t n, i;
    int rc;

    rc = vms_count(f, opaque, &n);
    if (rc < 0) {
        return vms_fail(l, -EINVAL,
                        "Failed to load %s:%s: count %s%" PRIu32
                        " exceeds capacity %" PRIu32, vmsd->name, f->name,
                        rc == -ERANGE ? "(negative) " : "", n,
                        f->kind == VMS_VBUFFER ? (uint32_t)f->size : f->num);
    }
    switch (f->kind) {
    case VMS_BUFFER:
        cursor_bytes(l->in, base, f->size);
        break;
    case VMS_VBUFFER:
        cursor_bytes(l->in, base, n);
        break;
    case VMS_UNUSED:
        cursor_skip(l->in, f->size);
        break;
    case VMS_STRUCT:
        for (i = 0; i < n && rc == 0; i++) {
            rc = vms_load_desc(l, f->vmsd, base + (size_t)i * f->size,
                               f->vmsd->version_id);
        }
        if (rc < 0) {
            return vms_fail(l, rc, "Failed to load %s:%s", vmsd->name,
                            f->name);
        }
        break;
    default:
        rc = vms_get_scalars(l, vmsd, f, base, n);
        if (rc < 0) {
            return rc;
        }
        break;
    }
    if (!cursor_ok(l->in)) {
        return vms_fail(l, -EIO, "Failed to load %s:%s: truncated input",
                        vmsd->name, f->name);
    }
    return 0;
}

static const struct vmstate_desc *vms_find_sub(const struct vmstate_desc *vmsd,
                                               const uint8_t *name, size_t len)
{
    const struct vmstate_desc *const *sub;

    for (sub = vmsd->subsections; sub != NULL && *sub != NULL; sub++) {
        if (strlen((*sub)->name) == len &&
            memcmp((*sub)->name, name, len) == 0) {
            return *sub;
        }
    }
    return NULL;
}

/*
 * Subsections follow the fields with no terminator.  As in QEMU, a
 * 0x05 whose name does not extend this description's name belongs to
 * an enclosing description and is left for the caller; a name that
 * does extend it but is not one of ours is an error.
 */
static int vms_load_subsections(struct vms_load *l,
                                const struct vmstate_desc *vmsd, void *opaque)
{
    size_t plen = strlen(vmsd->name);
    const struct vmstate_desc *sub;
    uint8_t type, len;
    const uint8_t *name;
    char shown[256];
    uint32_t version;
    int rc;

    while (cursor_peek(l->in, 0, &type) && type == QEMU_VM_SUBSECTION) {
        if (!cursor_peek(l->in, 1, &len) || len < plen + 1 ||
            cursor_remaining(l->in) < 2 + (size_t)len) {
            return 0;
        }
        name = l->in->base + l->in->pos + 2;
        if (memcmp(name, vmsd->name, plen) != 0) {
            return 0;
        }
        sub = vms_find_sub(vmsd, name, len);
        if (sub == NULL) {
            vmstate_printable(shown, name, len);
            return vms_fail(l, -ENOENT,
                            "VM subsection '%s' in '%s' does not exist",
                            shown, vmsd->name);
        }
        cursor_skip(l->in, 2 + (size_t)len);
        version = cursor_be32(l->in);
        if (!cursor_ok(l->in)) {
            return vms_fail(l, -EIO, "truncated header of subsection '%s'",
                            sub->name);
        }
        rc = vms_load_desc(l, sub, opaque, version);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

static int vms_load_desc(struct vms_load *l, const struct vmstate_desc *vmsd,
                         void *opaque, int64_t version_id)
{
    const struct vmstate_field *f;
    int version = (int)version_id;
    int rc;

    if (version_id > vmsd->version_id) {
        return vms_fail(l, -EINVAL,
                        "%s: incoming version_id %" PRId64 " is too new for "
                        "local version_id %d", vmsd->name, version_id,
                        vmsd->version_id);
    }
    if (version_id < vmsd->minimum_version_id) {
        return vms_fail(l, -EINVAL,
                        "%s: incoming version_id %" PRId64 " is too old for "
                        "local minimum version_id %d", vmsd->name,
                        version_id, vmsd->minimum_version_id);
    }
    if (vmsd->pre_load != NULL) {
        rc = vmsd->pre_load(opaque);
        if (rc != 0) {
            return vms_fail(l, rc < 0 ? rc : -EINVAL, "pre_load of %s failed",
                            vmsd->name);
        }
    }
    for (f = vmsd->fields; f != NULL && f->name != NULL; f++) {
        if (f->kind == VMS_VALIDATE) {
            if (!f->validate(opaque, version)) {
                return vms_fail(l, -EINVAL, "Input validation failed: %s/%s",
                                vmsd->name, f->name);
            }
            continue;
        }
        if (!vms_field_exists(f, opaque, version)) {
            continue;
        }
        rc = vms_load_field(l, vmsd, f, opaque);
        if (rc < 0) {
            return rc;
        }
    }
    rc = vms_load_subsections(l, vmsd, opaque);
    if (rc < 0) {
        return rc;
    }
    if (vmsd->post_load != NULL) {
        rc = vmsd->post_load(opaque, version);
        if (rc != 0) {
            return vms_fail(l, rc < 0 ? rc : -EINVAL,
                            "post_load of %s refused the state", vmsd->name);
        }
    }
    return 0;
}

int vmstate_load(struct cursor *in, const struct vmstate_desc *vmsd,
                 void *opaque, int version_id, char *err, size_t errlen)
{
    struct vms_load l = { .in = in, .err = err, .errlen = errlen };

    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    return vms_load_desc(&l, vmsd, opaque, version_id);
}

/* ------------------------------------------------------ table checks */

static size_t vms_count_width(enum vmstate_count c)
{
    static const uint8_t width[] = {
        [VMS_COUNT_U8] = 1, [VMS_COUNT_U16] = 2,
        [VMS_COUNT_U32] = 4, [VMS_COUNT_I32] = 4,
    };

    return (size_t)c < sizeof(width) ? width[c] : 0;
}

static bool vms_fits(size_t off, size_t len, size_t total)
{
    return off <= total && len <= total - off;
}

static int vms_check_desc(const struct vmstate_desc *vmsd, size_t size,
                          int depth);

static int vms_check_field(const struct vmstate_field *f, size_t size,
                           int depth)
{
    size_t n = f->num ? f->num : 1;
    size_t w = vms_width(f->kind);

    if (f->count != VMS_COUNT_NONE &&
        (vms_count_width(f->count) == 0 ||
         !vms_fits(f->count_offset, vms_count_width(f->count), size))) {
        return -EINVAL;
    }
    switch (f->kind) {
    case VMS_VALIDATE:
        return f->validate != NULL ? 0 : -EINVAL;
    case VMS_UNUSED:
        return 0;
    case VMS_BUFFER:
        return f->num == 0 && f->count == VMS_COUNT_NONE &&
                       vms_fits(f->offset, f->size, size)
                   ? 0
                   : -EINVAL;
    case VMS_VBUFFER:
        return f->num == 0 && f->count != VMS_COUNT_NONE &&
                       vms_fits(f->offset, f->size, size)
                   ? 0
                   : -EINVAL;
    case VMS_STRUCT:
        if (f->vmsd == NULL || f->size == 0 || n > SIZE_MAX / f->size ||
            !vms_fits(f->offset, n * f->size, size)) {
            return -EINVAL;
        }
        return vms_check_desc(f->vmsd, f->size, depth + 1);
    default:
        if (w == 0 || f->size != w || n > SIZE_MAX / w ||
            !vms_fits(f->offset, n * w, size)) {
            return -EINVAL;
        }
        return 0;
    }
}

static int vms_check_desc(const struct vmstate_desc *vmsd, size_t size,
                          int depth)
{
    const struct vmstate_desc *const *sub;
    const struct vmstate_field *f;
    size_t plen;
    int rc;

    if (vmsd == NULL || vmsd->name == NULL || depth > VMS_MAX_DEPTH ||
        strlen(vmsd->name) > 255 ||
        vmsd->minimum_version_id > vmsd->version_id) {
        return -EINVAL;
    }
    for (f = vmsd->fields; f != NULL && f->name != NULL; f++) {
        rc = vms_check_field(f, size, depth);
        if (rc < 0) {
            return rc;
        }
    }
    plen = strlen(vmsd->name);
    for (sub = vmsd->subsections; sub != NULL && *sub != NULL; sub++) {
        /* A subsection must extend its parent's name, or QEMU's prefix
         * rule would hand it to the enclosing description. */
        if ((*sub)->name == NULL || strlen((*sub)->name) < plen + 1 ||
            strncmp((*sub)->name, vmsd->name, plen) != 0) {
            return -EINVAL;
        }
        rc = vms_check_desc(*sub, size, depth + 1);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

int vmstate_desc_check(const struct vmstate_desc *vmsd, size_t state_size)
{
    return vms_check_desc(vmsd, state_size, 0);
}

static size_t vms_max(size_t a, size_t b)
{
    return a > b ? a : b;
}

static size_t vms_extent(const struct vmstate_desc *vmsd, int depth)
{
    const struct vmstate_desc *const *sub;
    const struct vmstate_field *f;
    size_t end = 0, n;

    if (vmsd == NULL || depth > VMS_MAX_DEPTH) {
        return 0;
    }
    for (f = vmsd->fields; f != NULL && f->name != NULL; f++) {
        n = f->num ? f->num : 1;
        if (f->count != VMS_COUNT_NONE) {
            end = vms_max(end, f->count_offset + vms_count_width(f->count));
        }
        if (f->kind == VMS_BUFFER || f->kind == VMS_VBUFFER) {
            end = vms_max(end, f->offset + f->size);
        } else if (f->kind != VMS_UNUSED && f->kind != VMS_VALIDATE) {
            end = vms_max(end, f->offset + n * f->size);
        }
    }
    for (sub = vmsd->subsections; sub != NULL && *sub != NULL; sub++) {
        end = vms_max(end, vms_extent(*sub, depth + 1));
    }
    return end;
}

size_t vmstate_desc_extent(const struct vmstate_desc *vmsd)
{
    size_t end = vms_extent(vmsd, 0);

    return end > 0 && vmstate_desc_check(vmsd, end) == 0 ? end : 0;
}
