/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The encoder: a decoded stream (analyze.h) back to bytes, walking the
 * same layouts over the JSON values.  Used by the round-trip tests,
 * by `xendm-analyze --reencode` and by `--convert`.
 *
 * The values may have been edited (or come from a JSON file), so every
 * value is checked against its field: type, integer range for the
 * width and signedness, hex length, list length, and a count field's
 * value against the length of what it counts.  A mismatch is an
 * error naming the field, never a silent truncation.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../qapi/json.h"
#include "analyze.h"
#include "savevm.h"

struct enc {
    struct wbuf *out;
    char *err;
    size_t errlen;
};

static int enc_fail(struct enc *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int enc_fail(struct enc *e, const char *fmt, ...)
{
    va_list ap;

    if (e->err != NULL && e->errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(e->err, e->errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

static int enc_int(struct enc *e, const struct layout_field *f,
                   const struct json *v)
{
    unsigned bits = 8 * f->width, i;
    uint64_t u;
    int64_t s;

    if (json_int64(v, &s)) {
        u = (uint64_t)s;
        if (f->is_signed ? (bits < 64 && (s < -(INT64_C(1) << (bits - 1)) ||
                                          s >= (INT64_C(1) << (bits - 1))))
                         : (s < 0 || (bits < 64 && u >> bits != 0))) {
            return enc_fail(e, "'%s': %lld does not fit %s", f->name,
                            (long long)s, f->type);
        }
    } else if (json_uint64(v, &u) && !f->is_signed && bits == 64) {
        /* above INT64_MAX: only an unsigned 64-bit field holds it */
    } else {
        return enc_fail(e, "'%s': not an integer for %s", f->name, f->type);
    }
    for (i = f->width; i-- > 0;) {
        wbuf_u8(e->out, (uint8_t)(u >> (8 * i)));
    }
    return 0;
}

static int enc_hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

static int enc_bytes(struct enc *e, const struct layout_field *f,
                     const struct json *v, size_t nbytes)
{
    const char *s = json_string(v);
    int hi, lo;
    size_t i;

    if (s == NULL || v->u.str.len != 2 * nbytes) {
        return enc_fail(e, "'%s': want %zu bytes of lowercase hex", f->name,
                        nbytes);
    }
    for (i = 0; i < nbytes; i++) {
        hi = enc_hexval(s[2 * i]);
        lo = enc_hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return enc_fail(e, "'%s': not lowercase hex", f->name);
        }
        wbuf_u8(e->out, (uint8_t)(hi << 4 | lo));
    }
    return 0;
}

static int enc_body(struct enc *e, const struct layout_vmsd *l,
                    int64_t version, const struct json *fields,
                    const struct json *subs, int depth);

static int enc_value(struct enc *e, const struct layout_field *f,
                     const struct json *v, size_t nbytes, int depth)
{
    bool b;

    if (v == NULL) {
        return enc_fail(e, "'%s': value missing", f->name);
    }
    switch (f->kind) {
    case LAYOUT_INT:
        return enc_int(e, f, v);
    case LAYOUT_BOOL:
        if (!json_bool(v, &b)) {
            return enc_fail(e, "'%s': not a bool", f->name);
        }
        return wbuf_u8(e->out, b ? 1 : 0);
    case LAYOUT_BYTES:
        return enc_bytes(e, f, v, nbytes);
    case LAYOUT_STRUCT:
        if (v->type != JSON_OBJECT) {
            return enc_fail(e, "'%s': not an object", f->name);
        }
        return enc_body(e, f->sub, f->sub->version_id, v,
                        json_get(v, "subsections"), depth + 1);
    }
    return enc_fail(e, "'%s': unknown kind", f->name);
}

static int enc_field(struct enc *e, const struct layout_vmsd *l,
                     const struct layout_field *f, const struct json *fields,
                     int depth)
{
    const struct json *v = json_get(fields, f->name);
    size_t n = f->list ? f->count : 1, nbytes = f->size, i;
    int64_t cnt;

    if (f->count_field >= 0) {
        if (!json_int64(json_get(fields, l->fields[f->count_field].name),
                        &cnt) || cnt < 0 ||
            (uint64_t)cnt > (f->list ? f->count : f->size)) {
            return enc_fail(e, "'%s': bad count field", f->name);
        }
        if (f->list) {
            n = (size_t)cnt;
        } else {
            nbytes = (size_t)cnt;
        }
    }
    if (!f->list && f->index < 0) {
        return enc_value(e, f, v, nbytes, depth);
    }
    if (v == NULL || v->type != JSON_ARRAY) {
        return enc_fail(e, "'%s': not a list", f->name);
    }
    if (f->index >= 0) {
        const struct layout_field *next = f + 1;
        bool last = next == l->fields + l->nfields ||
                    next->index != f->index + 1 ||
                    strcmp(next->name, f->name) != 0;

        if (last && json_array_len(v) != (size_t)f->index + 1) {
            return enc_fail(e, "'%s': %zu elements, want %d", f->name,
                            json_array_len(v), f->index + 1);
        }
        return enc_value(e, f, json_array_at(v, (size_t)f->index), nbytes,
                         depth);
    }
    if (json_array_len(v) != n) {
        return enc_fail(e, "'%s': %zu elements, want %zu", f->name,
                        json_array_len(v), n);
    }
    for (i = 0; i < n; i++) {
        if (enc_value(e, f, json_array_at(v, i), nbytes, depth) < 0) {
            return -EINVAL;
        }
    }
    return 0;
}

static int enc_subsections(struct enc *e, const struct layout_vmsd *l,
                           const struct json *subs, int depth)
{
    size_t i, len;

    if (subs == NULL) {
        return 0;
    }
    if (subs->type != JSON_OBJECT) {
        return enc_fail(e, "subsections of '%s': not an object", l->name);
    }
    for (i = 0; i < subs->u.obj.n; i++) {
        const char *name = subs->u.obj.m[i].key;
        const struct json *body = subs->u.obj.m[i].val;
        const struct layout_vmsd *sub = layout_find_sub(l, name);
        int64_t version;

        len = strlen(name);
        if (sub == NULL || len > LAYOUT_MAX_NAME) {
            return enc_fail(e, "unknown subsection '%s' of '%s'", name,
                            l->name);
        }
        if (!json_int64(json_get(body, "version_id"), &version) ||
            !layout_accepts(sub, version)) {
            return enc_fail(e, "subsection '%s': bad version_id", name);
        }
        wbuf_u8(e->out, QEMU_VM_SUBSECTION);
        wbuf_u8(e->out, (uint8_t)len);
        wbuf_put(e->out, name, len);
        wbuf_be32(e->out, (uint32_t)version);
        if (enc_body(e, sub, version, json_get(body, "fields"),
                     json_get(body, "subsections"), depth + 1) < 0) {
            return -EINVAL;
        }
    }
    return 0;
}

static int enc_body(struct enc *e, const struct layout_vmsd *l,
                    int64_t version, const struct json *fields,
                    const struct json *subs, int depth)
{
    size_t i, keys;

    if (depth > LAYOUT_MAX_DEPTH) {
        return enc_fail(e, "'%s' nested too deeply", l->name);
    }
    if (fields == NULL || fields->type != JSON_OBJECT) {
        return enc_fail(e, "fields of '%s': not an object", l->name);
    }
    /* Keys the body accounts for; any other key is a typo or a lie. */
    keys = subs != NULL && json_get(fields, "subsections") == subs ? 1 : 0;
    for (i = 0; i < l->nfields; i++) {
        const struct layout_field *f = &l->fields[i];

        if (f->version_id > version) {
            continue;
        }
        if (f->conditional) {
            return enc_fail(e, "'%s' depends on device state", f->name);
        }
        if (enc_field(e, l, f, fields, depth) < 0) {
            return -EINVAL;
        }
        keys += f->index <= 0;
    }
    if (keys != fields->u.obj.n) {
        return enc_fail(e, "fields of '%s': %zu keys, the layout has %zu",
                        l->name, fields->u.obj.n, keys);
    }
    return enc_subsections(e, l, subs, depth);
}

int analyze_encode_body(struct wbuf *out, const struct layout_vmsd *l,
                        int64_t version, const struct json *fields,
                        const struct json *subs, char *err, size_t errlen)
{
    struct enc e = { .out = out, .err = err, .errlen = errlen };

    if (enc_body(&e, l, version, fields, subs, 0) < 0) {
        return -EINVAL;
    }
    return out->error;
}

int analyze_encode(const struct analyze_stream *s, struct wbuf *out,
                   char *err, size_t errlen)
{
    size_t i, len;
    int rc;

    wbuf_be32(out, QEMU_VM_FILE_MAGIC);
    wbuf_be32(out, s->version);
    for (i = 0; i < s->n; i++) {
        const struct analyze_section *sec = &s->sections[i];

        wbuf_u8(out, sec->type);
        if (sec->type == QEMU_VM_SECTION_PART ||
            sec->type == QEMU_VM_SECTION_END) {
            wbuf_be32(out, sec->section_id);
        } else if (sec->type != QEMU_VM_CONFIGURATION) {
            len = strlen(sec->idstr);
            wbuf_be32(out, sec->section_id);
            wbuf_u8(out, (uint8_t)len);
            wbuf_put(out, sec->idstr, len);
            wbuf_be32(out, sec->instance_id);
            wbuf_be32(out, sec->version_id);
        }
        if (sec->raw != NULL) {
            rc = wbuf_put(out, sec->raw, sec->raw_len);
        } else {
            rc = analyze_encode_body(out, sec->layout->vmsd, sec->version_id,
                                     sec->fields, sec->subsections, err,
                                     errlen);
        }
        if (rc < 0) {
            return rc;
        }
        if (sec->has_footer) {
            wbuf_u8(out, QEMU_VM_SECTION_FOOTER);
            wbuf_be32(out, sec->section_id);
        }
    }
    wbuf_u8(out, QEMU_VM_EOF);
    if (s->vmdesc != NULL) {
        wbuf_u8(out, QEMU_VM_VMDESCRIPTION);
        wbuf_be32(out, (uint32_t)s->vmdesc_len);
        wbuf_put(out, s->vmdesc, s->vmdesc_len);
    }
    return out->error;
}
