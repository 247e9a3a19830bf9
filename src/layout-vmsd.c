/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Section layouts from xendm's own vmstate descriptions (vmstate.h),
 * so that xendm-analyze can walk any stream of the devices xendm
 * models without QEMU's VMDESCRIPTION.  See layout.h.
 *
 * The descriptions are our own code, trusted to be well-formed, but a
 * malformed one (a count field that does not exist, nesting past
 * LAYOUT_MAX_DEPTH) is still reported rather than assumed away.
 * Hooks are not run: the walker decodes bytes into names and values
 * and never touches device state.  A field gated by a field_exists()
 * predicate depends on device state the walker does not have, so it
 * is marked `conditional` and a body reaching it is refused.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"

/* Wire shape of each vmstate kind: name, integer width, signedness. */
static const struct {
    const char *type;
    enum layout_kind kind;
    uint8_t width;
    bool is_signed;
} vmsd_kinds[] = {
    [VMS_U8] = { "uint8", LAYOUT_INT, 1, false },
    [VMS_U16] = { "uint16", LAYOUT_INT, 2, false },
    [VMS_U32] = { "uint32", LAYOUT_INT, 4, false },
    [VMS_U64] = { "uint64", LAYOUT_INT, 8, false },
    [VMS_I8] = { "int8", LAYOUT_INT, 1, true },
    [VMS_I16] = { "int16", LAYOUT_INT, 2, true },
    [VMS_I32] = { "int32", LAYOUT_INT, 4, true },
    [VMS_I64] = { "int64", LAYOUT_INT, 8, true },
    [VMS_BOOL] = { "bool", LAYOUT_BOOL, 1, false },
    [VMS_BUFFER] = { "buffer", LAYOUT_BYTES, 0, false },
    [VMS_VBUFFER] = { "buffer", LAYOUT_BYTES, 0, false },
    [VMS_STRUCT] = { "struct", LAYOUT_STRUCT, 0, false },
    [VMS_UNUSED] = { "unused_buffer", LAYOUT_BYTES, 0, false },
    [VMS_TIMER] = { "timer", LAYOUT_INT, 8, true },
    [VMS_VALIDATE] = { NULL, LAYOUT_BYTES, 0, false },
};

/* The wire width of the count field each count encoding reads. */
static const uint8_t vmsd_count_widths[] = {
    [VMS_COUNT_U8] = 1,
    [VMS_COUNT_U16] = 2,
    [VMS_COUNT_U32] = 4,
    [VMS_COUNT_I32] = 4,
};

static struct layout_vmsd *vmsd_convert(const struct vmstate_desc *vmsd,
                                        int depth, char *err, size_t errlen);

/*
 * The index, among the fields already converted, of the integer field
 * at `count_offset` with the width the count encoding reads, or -1.  Converted
 * fields and table entries line up except for skipped VALIDATE
 * entries, hence the two indices.
 */
static int vmsd_count_field(const struct vmstate_desc *vmsd, size_t upto,
                            const struct vmstate_field *f)
{
    int out = 0, found = -1;
    size_t i;

    for (i = 0; i < upto; i++) {
        const struct vmstate_field *c = &vmsd->fields[i];

        if (c->kind == VMS_VALIDATE) {
            continue;
        }
        if (c->offset == f->count_offset && c->num == 0 &&
            vmsd_kinds[c->kind].kind == LAYOUT_INT &&
            vmsd_kinds[c->kind].width == vmsd_count_widths[f->count]) {
            found = out;
        }
        out++;
    }
    return found;
}

static int vmsd_field(struct layout_vmsd *l, const struct vmstate_desc *vmsd,
                      size_t idx, int depth, char *err, size_t errlen)
{
    const struct vmstate_field *vf = &vmsd->fields[idx];
    struct layout_field f = { .count_field = -1, .index = -1 };

    if ((size_t)vf->kind >= sizeof(vmsd_kinds) / sizeof(vmsd_kinds[0]) ||
        (size_t)vf->count > VMS_COUNT_I32) {
        snprintf(err, errlen, "%s.%s: bad kind", vmsd->name, vf->name);
        return -EINVAL;
    }
    if (vf->kind == VMS_VALIDATE) {
        return 0;  /* no bytes on the wire */
    }
    f.kind = vmsd_kinds[vf->kind].kind;
    f.width = vmsd_kinds[vf->kind].width;
    f.is_signed = vmsd_kinds[vf->kind].is_signed;
    f.version_id = vf->version_id;
    f.conditional = vf->field_exists != NULL;
    if (f.kind == LAYOUT_BYTES) {
        f.size = (uint32_t)vf->size;
    }
    if (vf->count != VMS_COUNT_NONE) {
        f.count_field = vmsd_count_field(vmsd, idx, vf);
        if (f.count_field < 0) {
            snprintf(err, errlen, "%s.%s: no count field before it",
                     vmsd->name, vf->name);
            return -EINVAL;
        }
    }
    if (vf->kind != VMS_VBUFFER && (vf->num > 0 ||
                                    vf->count != VMS_COUNT_NONE)) {
        f.list = true;
        f.count = vf->num;
    }
    f.name = strdup(vf->name != NULL ? vf->name : "?");
    f.type = strdup(vmsd_kinds[vf->kind].type);
    if (f.name == NULL || f.type == NULL) {
        goto fail;
    }
    if (vf->kind == VMS_STRUCT) {
        if (vf->vmsd == NULL) {
            snprintf(err, errlen, "%s.%s: struct without a description",
                     vmsd->name, vf->name);
            goto fail;
        }
        f.sub = vmsd_convert(vf->vmsd, depth + 1, err, errlen);
        if (f.sub == NULL) {
            goto fail;
        }
    }
    return layout_push_field(l, &f, err, errlen);
fail:
    free(f.name);
    free(f.type);
    return -EINVAL;
}

static struct layout_vmsd *vmsd_convert(const struct vmstate_desc *vmsd,
                                        int depth, char *err, size_t errlen)
{
    struct layout_vmsd *l, *sub;
    size_t i;

    if (depth > LAYOUT_MAX_DEPTH || vmsd->name == NULL) {
        snprintf(err, errlen, "description nested too deeply or unnamed");
        return NULL;
    }
    l = calloc(1, sizeof(*l));
    if (l == NULL || (l->name = strdup(vmsd->name)) == NULL) {
        free(l);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    l->version_id = vmsd->version_id;
    l->minimum_version_id = vmsd->minimum_version_id;
    for (i = 0; vmsd->fields != NULL && vmsd->fields[i].name != NULL; i++) {
        if (vmsd_field(l, vmsd, i, depth, err, errlen) < 0) {
            goto fail;
        }
    }
    for (i = 0; vmsd->subsections != NULL && vmsd->subsections[i] != NULL;
         i++) {
        sub = vmsd_convert(vmsd->subsections[i], depth + 1, err, errlen);
        if (sub == NULL || layout_push_sub(l, sub, err, errlen) < 0) {
            goto fail;
        }
    }
    return l;
fail:
    layout_vmsd_free(l);
    return NULL;
}

struct layout_vmsd *layout_from_vmsd(const struct vmstate_desc *vmsd,
                                     char *err, size_t errlen)
{
    return vmsd_convert(vmsd, 0, err, errlen);
}

int layout_set_add_vmsd(struct layout_set *set,
                        const struct vmstate_desc *vmsd, const char *source,
                        char *err, size_t errlen)
{
    struct layout_vmsd *l = layout_from_vmsd(vmsd, err, errlen);

    if (l == NULL) {
        return -EINVAL;
    }
    if (layout_set_push(set, NULL, -1, source, l) < 0) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    return 0;
}

int layout_set_add_vmsd_table(struct layout_set *set,
                              const struct vmstate_desc *const *table,
                              const char *source, char *err, size_t errlen)
{
    size_t i;
    int rc;

    for (i = 0; table != NULL && table[i] != NULL; i++) {
        rc = layout_set_add_vmsd(set, table[i], source, err, errlen);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}
