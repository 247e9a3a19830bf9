/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The body decoder of the stream walker: the fields of one description
 * (integers, bools, byte runs, lists, nested structs) and its
 * subsections, recognised exactly as QEMU's vmstate_subsection_load
 * does (a 0x05 byte, a length of at least strlen(name) + 1, a name that
 * starts with the description's name).  See analyze.h.
 *
 * Untrusted: the bytes and the layouts.  Reads go through the bounded
 * cursor, every value costs one from the walk's budget, counts are
 * checked against capacities, nesting against LAYOUT_MAX_DEPTH.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../qapi/json.h"
#include "analyze-int.h"
#include "savevm.h"

int walk_fail(struct walk *w, size_t off, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (w->failed || w->err == NULL || w->errlen == 0) {
        w->failed = true;
        return -EINVAL;
    }
    w->failed = true;
    n = snprintf(w->err, w->errlen, "offset 0x%06zx: ", off);
    if (n >= 0 && (size_t)n < w->errlen) {
        va_start(ap, fmt);
        vsnprintf(w->err + n, w->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

int walk_need(struct walk *w, size_t n, const char *what)
{
    if (n > cursor_remaining(&w->c)) {
        return walk_fail(w, cursor_offset(&w->c), "truncated: %s needs %zu "
                         "bytes, %zu left", what, n,
                         cursor_remaining(&w->c));
    }
    return 0;
}

struct json *analyze_hex(const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    struct json *j;
    char *s = malloc(2 * n + 1);
    size_t i;

    if (s == NULL) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        s[2 * i] = digits[p[i] >> 4];
        s[2 * i + 1] = digits[p[i] & 15];
    }
    s[2 * n] = '\0';
    j = json_new_stringn(s, 2 * n);
    free(s);
    return j;
}

static struct json *walk_int(struct walk *w, const struct layout_field *f)
{
    uint64_t v = 0;
    const uint8_t *p = cursor_take(&w->c, f->width);
    unsigned i;

    if (p == NULL) {
        return NULL;
    }
    for (i = 0; i < f->width; i++) {
        v = v << 8 | p[i];
    }
    if (f->is_signed) {
        unsigned shift = 64 - 8 * f->width;

        /* Sign-extend through the unsigned type to stay defined. */
        if (shift != 0 && (v >> (8 * f->width - 1)) != 0) {
            v |= ~0ull << (8 * f->width);
        }
        return json_new_int((int64_t)v);
    }
    return v > INT64_MAX ? json_new_uint(v) : json_new_int((int64_t)v);
}

/* Decodes one element of f; `nbytes` is a variable buffer's length. */
static int walk_value(struct walk *w, const struct layout_field *f,
                      size_t nbytes, int depth, struct json **out)
{
    size_t off = cursor_offset(&w->c);
    const uint8_t *p;
    struct json *subs;
    uint8_t b;

    *out = NULL;
    if (w->budget == 0) {
        return walk_fail(w, off, "too many values for the input size");
    }
    w->budget--;
    switch (f->kind) {
    case LAYOUT_INT:
        if (walk_need(w, f->width, f->name) < 0) {
            return -EINVAL;
        }
        *out = walk_int(w, f);
        break;
    case LAYOUT_BOOL:
        if (walk_need(w, 1, f->name) < 0) {
            return -EINVAL;
        }
        b = cursor_u8(&w->c);
        if (b > 1) {
            return walk_fail(w, off, "bool field '%s' holds %u", f->name, b);
        }
        *out = json_new_bool(b != 0);
        break;
    case LAYOUT_BYTES:
        if (walk_need(w, nbytes, f->name) < 0) {
            return -EINVAL;
        }
        p = cursor_take(&w->c, nbytes);
        *out = analyze_hex(p, nbytes);
        break;
    case LAYOUT_STRUCT:
        *out = json_new_object();
        subs = json_new_object();
        if (*out == NULL || subs == NULL) {
            json_free(subs);
            json_free(*out);
            *out = NULL;
            break;
        }
        if (walk_body(w, f->sub, f->sub->version_id, *out, subs,
                      depth + 1) < 0) {
            json_free(subs);
            json_free(*out);
            *out = NULL;
            return -EINVAL;
        }
        if (subs->u.obj.n == 0) {
            json_free(subs);
        } else if (json_object_set(*out, "subsections", subs) < 0) {
            json_free(*out);
            *out = NULL;
            break;
        }
        return 0;
    }
    return *out != NULL ? 0 : walk_fail(w, off, "out of memory");
}

/* The length a count field gives, checked against its capacity. */
static int walk_count(struct walk *w, const struct layout_vmsd *l,
                      const struct layout_field *f, const struct json *obj,
                      size_t cap, size_t *n)
{
    const struct layout_field *cf = &l->fields[f->count_field];
    int64_t v;

    if (!json_int64(json_get(obj, cf->name), &v)) {
        return walk_fail(w, cursor_offset(&w->c), "count field '%s' of "
                         "'%s' is absent", cf->name, f->name);
    }
    if (v < 0 || (uint64_t)v > cap) {
        return walk_fail(w, cursor_offset(&w->c), "'%s' gives %lld "
                         "elements for '%s', capacity %zu", cf->name,
                         (long long)v, f->name, cap);
    }
    *n = (size_t)v;
    return 0;
}

/* Decodes one field (all elements of a list) into obj. */
static int walk_field(struct walk *w, const struct layout_vmsd *l,
                      const struct layout_field *f, struct json *obj,
                      int depth)
{
    size_t n = f->list ? f->count : 1, nbytes = f->size, i;
    struct json *val, *list;

    if (f->count_field >= 0 &&
        walk_count(w, l, f, obj, f->list ? f->count : f->size,
                   f->list ? &n : &nbytes) < 0) {
        return -EINVAL;
    }
    if (!f->list && f->index < 0) {
        if (walk_value(w, f, nbytes, depth, &val) < 0) {
            return -EINVAL;
        }
        return json_object_set(obj, f->name, val) < 0
                   ? walk_fail(w, cursor_offset(&w->c), "out of memory")
                   : 0;
    }
    if (f->index > 0) {
        list = (struct json *)json_get(obj, f->name);
    } else {
        list = json_new_array();
        if (list == NULL || json_object_set(obj, f->name, list) < 0) {
            return walk_fail(w, cursor_offset(&w->c), "out of memory");
        }
    }
    if (list == NULL || list->type != JSON_ARRAY) {
        return walk_fail(w, cursor_offset(&w->c), "'%s' element %d has no "
                         "list", f->name, f->index);
    }
    for (i = 0; i < (f->index >= 0 ? 1 : n); i++) {
        if (walk_value(w, f, nbytes, depth, &val) < 0) {
            return -EINVAL;
        }
        if (json_array_append(list, val) < 0) {
            return walk_fail(w, cursor_offset(&w->c), "out of memory");
        }
    }
    return 0;
}

/*
 * QEMU's subsection rule: a 0x05 byte, a length of at least
 * strlen(name) + 1, and a name starting with the description's name
 * is ours; anything else ends the body.
 */
static bool walk_sub_ahead(const struct walk *w, const struct layout_vmsd *l,
                           char *name)
{
    size_t plen = strlen(l->name), i;
    uint8_t b, len;

    if (!cursor_peek(&w->c, 0, &b) || b != QEMU_VM_SUBSECTION ||
        !cursor_peek(&w->c, 1, &len) || len < plen + 1) {
        return false;
    }
    for (i = 0; i < len; i++) {
        if (!cursor_peek(&w->c, 2 + i, &b)) {
            return false;
        }
        name[i] = (char)b;
    }
    name[len] = '\0';
    return strncmp(name, l->name, plen) == 0;
}

static int walk_subsections(struct walk *w, const struct layout_vmsd *l,
                            struct json *subs, int depth)
{
    const struct layout_vmsd *sub;
    struct json *body, *fields, *nested;
    char name[LAYOUT_MAX_NAME + 1];
    uint32_t version;
    uint8_t len = 0;
    size_t off;

    while (walk_sub_ahead(w, l, name)) {
        off = cursor_offset(&w->c);
        if (cursor_peek(&w->c, 1, &len) && strlen(name) != len) {
            return walk_fail(w, off, "subsection name contains a NUL");
        }
        sub = layout_find_sub(l, name);
        if (sub == NULL) {
            return walk_fail(w, off, "unknown subsection '%s' of '%s'",
                             name, l->name);
        }
        if (json_get(subs, name) != NULL) {
            return walk_fail(w, off, "subsection '%s' repeated", name);
        }
        cursor_skip(&w->c, 2 + strlen(name));
        if (walk_need(w, 4, "subsection version") < 0) {
            return -EINVAL;
        }
        version = cursor_be32(&w->c);
        if (!layout_accepts(sub, version)) {
            return walk_fail(w, off, "subsection '%s' version %u, layout "
                             "has %d..%d", name, version,
                             sub->minimum_version_id, sub->version_id);
        }
        body = json_new_object();
        if (json_object_set(subs, name, body) < 0 ||
            json_object_set(body, "version_id", json_new_int(version)) < 0 ||
            json_object_set(body, "fields", fields = json_new_object()) < 0 ||
            (nested = json_new_object()) == NULL) {
            return walk_fail(w, off, "out of memory");
        }
        if (walk_body(w, sub, version, fields, nested, depth + 1) < 0) {
            json_free(nested);
            return -EINVAL;
        }
        if (nested->u.obj.n == 0) {
            json_free(nested);
        } else if (json_object_set(body, "subsections", nested) < 0) {
            return walk_fail(w, off, "out of memory");
        }
    }
    return 0;
}

int walk_body(struct walk *w, const struct layout_vmsd *l, int64_t version,
              struct json *obj, struct json *subs, int depth)
{
    size_t i;

    if (depth > LAYOUT_MAX_DEPTH) {
        return walk_fail(w, cursor_offset(&w->c), "'%s' nested too deeply",
                         l->name);
    }
    for (i = 0; i < l->nfields; i++) {
        const struct layout_field *f = &l->fields[i];

        if (f->version_id > version) {
            continue;
        }
        if (f->conditional) {
            return walk_fail(w, cursor_offset(&w->c), "field '%s' of '%s' "
                             "depends on device state (field_exists); "
                             "cannot walk it", f->name, l->name);
        }
        if (walk_field(w, l, f, obj, depth) < 0) {
            return -EINVAL;
        }
    }
    return walk_subsections(w, l, subs, depth);
}
