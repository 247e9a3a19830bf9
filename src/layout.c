/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Section layouts from QEMU's VMDESCRIPTION JSON, and the layout set's
 * lookup; see layout.h.  (xendm's own descriptions are converted in
 * layout-vmsd.c.)
 *
 * The JSON is untrusted: every member is type-checked, names are
 * bounded to 255 bytes, counts and sizes to LAYOUT_MAX_*, nesting to
 * LAYOUT_MAX_DEPTH, and a field whose declared size does not fit its
 * integer type is refused rather than guessed.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../qapi/json.h"
#include "layout.h"
#include "log.h"

/* QEMU's integer vmstate types (VMDESCRIPTION "type"), by base name. */
static const struct {
    const char *name;
    uint8_t width;
    bool is_signed;
} layout_int_types[] = {
    { "int8", 1, true },    { "int16", 2, true },   { "int32", 4, true },
    { "int64", 8, true },   { "uint8", 1, false },  { "uint16", 2, false },
    { "uint32", 4, false }, { "uint64", 8, false }, { "timer", 8, true },
};

void layout_vmsd_free(struct layout_vmsd *l)
{
    size_t i;

    if (l == NULL) {
        return;
    }
    for (i = 0; i < l->nfields; i++) {
        free(l->fields[i].name);
        free(l->fields[i].type);
        layout_vmsd_free(l->fields[i].sub);
    }
    for (i = 0; i < l->nsubs; i++) {
        layout_vmsd_free(l->subs[i]);
    }
    free(l->fields);
    free(l->subs);
    free(l->name);
    free(l);
}

void layout_set_init(struct layout_set *set)
{
    memset(set, 0, sizeof(*set));
}

void layout_set_free(struct layout_set *set)
{
    size_t i;

    for (i = 0; i < set->n; i++) {
        free(set->entries[i].idstr);
        free(set->entries[i].source);
        layout_vmsd_free(set->entries[i].vmsd);
    }
    free(set->entries);
    layout_set_init(set);
}

static bool layout_name_used(const struct layout_vmsd *l, const char *name)
{
    size_t i;

    if (strcmp(name, "subsections") == 0) {
        return true;  /* reserved for a struct's subsections */
    }
    for (i = 0; i < l->nfields; i++) {
        if (strcmp(l->fields[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

/*
 * Appends *f (taking its allocations, freeing them on failure).  Names
 * are made unique as QEMU does ("name[1]"), except that the elements
 * of an indexed struct array share one name and must come in order.
 */
int layout_push_field(struct layout_vmsd *l, struct layout_field *f,
                      char *err, size_t errlen)
{
    struct layout_field *grown;
    const struct layout_field *prev = l->nfields ? &l->fields[l->nfields - 1]
                                                 : NULL;
    char buf[LAYOUT_MAX_NAME + 16];
    int k;

    if (f->index > 0) {
        if (prev == NULL || prev->index != f->index - 1 ||
            strcmp(prev->name, f->name) != 0) {
            log_reason(err, errlen, "field '%s' index %d out of order",
                       f->name, f->index);
            goto fail;
        }
    } else if (layout_name_used(l, f->name)) {
        for (k = 1; k < 1000; k++) {
            snprintf(buf, sizeof(buf), "%s[%d]", f->name, k);
            if (!layout_name_used(l, buf)) {
                break;
            }
        }
        free(f->name);
        f->name = strdup(buf);
        if (f->name == NULL || k == 1000) {
            log_reason(err, errlen, "cannot name a field");
            goto fail;
        }
    }
    grown = realloc(l->fields, (l->nfields + 1) * sizeof(*grown));
    if (grown == NULL) {
        log_reason(err, errlen, "out of memory");
        goto fail;
    }
    l->fields = grown;
    l->fields[l->nfields++] = *f;
    return 0;
fail:
    free(f->name);
    free(f->type);
    layout_vmsd_free(f->sub);
    return -EINVAL;
}

int layout_push_sub(struct layout_vmsd *l, struct layout_vmsd *sub,
                    char *err, size_t errlen)
{
    struct layout_vmsd **grown;

    if (layout_find_sub(l, sub->name) != NULL) {
        log_reason(err, errlen, "subsection '%s' listed twice", sub->name);
        layout_vmsd_free(sub);
        return -EINVAL;
    }
    grown = realloc(l->subs, (l->nsubs + 1) * sizeof(*grown));
    if (grown == NULL) {
        log_reason(err, errlen, "out of memory");
        layout_vmsd_free(sub);
        return -ENOMEM;
    }
    l->subs = grown;
    l->subs[l->nsubs++] = sub;
    return 0;
}

/* A bounded string member, or NULL. */
static const char *vmdesc_str(const struct json *obj, const char *key)
{
    const char *s = json_string(json_get(obj, key));

    if (s == NULL || s[0] == '\0' || strlen(s) > LAYOUT_MAX_NAME) {
        return NULL;
    }
    return s;
}

static bool vmdesc_int(const struct json *obj, const char *key, int64_t lo,
                       int64_t hi, int64_t *out)
{
    return json_int64(json_get(obj, key), out) && *out >= lo && *out <= hi;
}

static struct layout_vmsd *vmdesc_vmsd(const struct json *obj, int depth,
                                       char *err, size_t errlen);

/* Sets kind/width/sub of f from the VMDESCRIPTION type and size. */
static int vmdesc_type(struct layout_field *f, const struct json *fj,
                       int64_t size, int depth, char *err, size_t errlen)
{
    const struct json *st = json_get(fj, "struct");
    size_t base = strcspn(f->type, " "), i;

    if (strcmp(f->type, "struct") == 0 || json_get(fj, "fields") != NULL) {
        /* "tmp" fields carry their description inline. */
        f->kind = LAYOUT_STRUCT;
        f->sub = vmdesc_vmsd(st != NULL ? st : fj, depth + 1, err, errlen);
        return f->sub != NULL ? 0 : -EINVAL;
    }
    if (strcmp(f->type, "bool") == 0) {
        if (size != 1) {
            log_reason(err, errlen, "bool field '%s' has size %lld",
                       f->name, (long long)size);
            return -EINVAL;
        }
        f->kind = LAYOUT_BOOL;
        return 0;
    }
    for (i = 0; i < sizeof(layout_int_types) / sizeof(layout_int_types[0]);
         i++) {
        if (strlen(layout_int_types[i].name) == base &&
            strncmp(layout_int_types[i].name, f->type, base) == 0) {
            if (size != layout_int_types[i].width) {
                log_reason(err, errlen, "field '%s' of type '%s' has size "
                           "%lld", f->name, f->type, (long long)size);
                return -EINVAL;
            }
            f->kind = LAYOUT_INT;
            f->width = layout_int_types[i].width;
            f->is_signed = layout_int_types[i].is_signed;
            return 0;
        }
    }
    f->kind = LAYOUT_BYTES;  /* buffers, unused, and types we do not know */
    f->size = (uint32_t)size;
    return 0;
}

static int vmdesc_field(struct layout_vmsd *l, const struct json *fj,
                        int depth, char *err, size_t errlen)
{
    struct layout_field f = { .count_field = -1, .index = -1 };
    const char *name = vmdesc_str(fj, "name");
    const char *type = vmdesc_str(fj, "type");
    int64_t size = 0, n;

    if (name == NULL || type == NULL) {
        log_reason(err, errlen, "a field of '%s' lacks a name or type",
                   l->name);
        return -EINVAL;
    }
    if (json_get(fj, "size") != NULL &&
        !vmdesc_int(fj, "size", 0, LAYOUT_MAX_SIZE, &size)) {
        log_reason(err, errlen, "field '%s': bad size", name);
        return -EINVAL;
    }
    if (json_get(fj, "array_len") != NULL) {
        if (!vmdesc_int(fj, "array_len", 0, LAYOUT_MAX_ARRAY, &n) ||
            json_get(fj, "index") != NULL) {
            log_reason(err, errlen, "field '%s': bad array_len", name);
            return -EINVAL;
        }
        f.list = true;
        f.count = (uint32_t)n;
    } else if (json_get(fj, "index") != NULL) {
        if (!vmdesc_int(fj, "index", 0, LAYOUT_MAX_ARRAY, &n)) {
            log_reason(err, errlen, "field '%s': bad index", name);
            return -EINVAL;
        }
        f.index = (int)n;
    }
    f.name = strdup(name);
    f.type = strdup(type);
    if (f.name == NULL || f.type == NULL ||
        vmdesc_type(&f, fj, size, depth, err, errlen) < 0) {
        free(f.name);
        free(f.type);
        return -EINVAL;
    }
    return layout_push_field(l, &f, err, errlen);
}

static struct layout_vmsd *vmdesc_vmsd(const struct json *obj, int depth,
                                       char *err, size_t errlen)
{
    const struct json *fields = json_get(obj, "fields");
    const struct json *subs = json_get(obj, "subsections");
    const char *name = vmdesc_str(obj, "vmsd_name");
    struct layout_vmsd *l, *sub;
    int64_t version;
    size_t i;

    if (depth > LAYOUT_MAX_DEPTH) {
        log_reason(err, errlen, "descriptions nested too deeply");
        return NULL;
    }
    if (name == NULL || !vmdesc_int(obj, "version", INT32_MIN, INT32_MAX,
                                    &version)) {
        log_reason(err, errlen, "a description lacks vmsd_name or version");
        return NULL;
    }
    if ((fields != NULL && fields->type != JSON_ARRAY) ||
        (subs != NULL && subs->type != JSON_ARRAY)) {
        log_reason(err, errlen, "'%s': fields/subsections not arrays", name);
        return NULL;
    }
    l = calloc(1, sizeof(*l));
    if (l == NULL || (l->name = strdup(name)) == NULL) {
        free(l);
        log_reason(err, errlen, "out of memory");
        return NULL;
    }
    l->version_id = l->minimum_version_id = (int)version;
    for (i = 0; i < json_array_len(fields); i++) {
        if (vmdesc_field(l, json_array_at(fields, i), depth, err, errlen)) {
            goto fail;
        }
    }
    for (i = 0; i < json_array_len(subs); i++) {
        sub = vmdesc_vmsd(json_array_at(subs, i), depth + 1, err, errlen);
        if (sub == NULL || layout_push_sub(l, sub, err, errlen) < 0) {
            goto fail;
        }
    }
    return l;
fail:
    layout_vmsd_free(l);
    return NULL;
}

int layout_set_push(struct layout_set *set, const char *idstr,
                    int64_t instance_id, const char *source,
                    struct layout_vmsd *vmsd)
{
    struct layout_entry *e;

    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 16;

        e = realloc(set->entries, cap * sizeof(*e));
        if (e == NULL) {
            layout_vmsd_free(vmsd);
            return -ENOMEM;
        }
        set->entries = e;
        set->cap = cap;
    }
    e = &set->entries[set->n];
    e->idstr = idstr != NULL ? strdup(idstr) : NULL;
    e->source = strdup(source != NULL ? source : "?");
    e->instance_id = instance_id;
    e->vmsd = vmsd;
    if ((idstr != NULL && e->idstr == NULL) || e->source == NULL) {
        free(e->idstr);
        free(e->source);
        layout_vmsd_free(vmsd);
        return -ENOMEM;
    }
    set->n++;
    return 0;
}

int layout_set_add_vmdesc(struct layout_set *set, const struct json *doc,
                          const char *source, char *err, size_t errlen)
{
    const struct json *devs = json_get(doc, "devices");
    const struct json *dev;
    struct layout_vmsd *l;
    const char *idstr;
    int64_t inst;
    size_t i;

    if (devs == NULL || devs->type != JSON_ARRAY) {
        log_reason(err, errlen, "%s: no \"devices\" array", source);
        return -EINVAL;
    }
    for (i = 0; i < json_array_len(devs); i++) {
        dev = json_array_at(devs, i);
        idstr = vmdesc_str(dev, "name");
        if (idstr == NULL ||
            !vmdesc_int(dev, "instance_id", 0, UINT32_MAX, &inst)) {
            log_reason(err, errlen, "%s: device %zu lacks name/instance_id",
                       source, i);
            return -EINVAL;
        }
        l = vmdesc_vmsd(dev, 0, err, errlen);
        if (l == NULL) {
            return -EINVAL;
        }
        if (layout_set_push(set, idstr, inst, source, l) < 0) {
            log_reason(err, errlen, "out of memory");
            return -ENOMEM;
        }
    }
    return 0;
}

int layout_set_add_vmdesc_text(struct layout_set *set, const char *buf,
                               size_t len, const char *source, char *err,
                               size_t errlen)
{
    struct json_limits lim = { .max_depth = 4 * LAYOUT_MAX_DEPTH + 8,
                               .max_bytes = 64u << 20 };
    char jerr[160] = "";
    struct json *doc = json_parse(buf, len, &lim, jerr, sizeof(jerr));
    int rc;

    if (doc == NULL) {
        log_reason(err, errlen, "%s: not JSON: %s", source, jerr);
        return -EINVAL;
    }
    rc = layout_set_add_vmdesc(set, doc, source, err, errlen);
    json_free(doc);
    return rc;
}

const struct layout_vmsd *layout_find_sub(const struct layout_vmsd *l,
                                          const char *name)
{
    size_t i;

    for (i = 0; i < l->nsubs; i++) {
        if (strcmp(l->subs[i]->name, name) == 0) {
            return l->subs[i];
        }
    }
    return NULL;
}

bool layout_accepts(const struct layout_vmsd *l, int64_t version)
{
    return version >= l->minimum_version_id && version <= l->version_id;
}

static bool layout_match(const struct layout_entry *e, const char *idstr,
                         uint32_t instance_id, int pass)
{
    const char *slash = strrchr(idstr, '/');

    switch (pass) {
    case 0:
        return e->idstr != NULL && strcmp(e->idstr, idstr) == 0 &&
               e->instance_id == (int64_t)instance_id;
    case 1:
        return e->idstr != NULL && strcmp(e->idstr, idstr) == 0;
    default:
        return strcmp(e->vmsd->name, idstr) == 0 ||
               (slash != NULL && strcmp(e->vmsd->name, slash + 1) == 0);
    }
}

bool layout_set_knows(const struct layout_set *set, const char *idstr)
{
    size_t i;

    for (i = 0; i < set->n; i++) {
        if (layout_match(&set->entries[i], idstr, 0, 1) ||
            layout_match(&set->entries[i], idstr, 0, 2)) {
            return true;
        }
    }
    return false;
}

const struct layout_entry *layout_set_find(const struct layout_set *set,
                                           const char *idstr,
                                           uint32_t instance_id,
                                           uint32_t version, char *why,
                                           size_t whylen)
{
    const struct layout_entry *seen = NULL;
    int pass;
    size_t i;

    for (pass = 0; pass < 3; pass++) {
        for (i = 0; i < set->n; i++) {
            if (!layout_match(&set->entries[i], idstr, instance_id, pass)) {
                continue;
            }
            if (layout_accepts(set->entries[i].vmsd, version)) {
                return &set->entries[i];
            }
            seen = seen != NULL ? seen : &set->entries[i];
        }
    }
    if (seen != NULL) {
        log_reason(why, whylen, "the layout of '%s' (%s) has versions "
                   "%d..%d, the stream has version %u", idstr, seen->source,
                   seen->vmsd->minimum_version_id, seen->vmsd->version_id,
                   version);
    } else {
        log_reason(why, whylen, "no layout for section '%s' (give its "
                   "VMDESCRIPTION with --layouts)", idstr);
    }
    return NULL;
}
