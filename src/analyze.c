/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The stream walker: QEMU device-state bytes to named values.  See
 * analyze.h for the theory of operation; this file walks the stream
 * (header, FULL/START/PART/END/configuration sections, footers, EOF,
 * the trailing VMDESCRIPTION) and leaves section bodies to
 * analyze-body.c and RAM records to analyze-ram.c.  The checks follow
 * QEMU's loader (migration/savevm.c).
 *
 * Untrusted: the stream and the layouts.  Every read is bounded by
 * the cursor; every value costs from `budget`; nesting is bounded by
 * LAYOUT_MAX_DEPTH.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../qapi/json.h"
#include "analyze-int.h"
#include "savevm.h"

/*
 * Values one walk may decode.  A value either consumes bytes or is a
 * struct around values that do, so a few per input byte cover every
 * honest stream; the cap bounds the memory a hostile one can make us
 * spend on decoded values (each is a JSON node).
 */
static size_t analyze_budget(size_t len)
{
    return len < ANALYZE_MAX_VALUES / 4 ? 4 * len + 4096 : ANALYZE_MAX_VALUES;
}

/* ------------------------------------------------------------ sections */

static struct analyze_section *stream_push(struct analyze_stream *s)
{
    struct analyze_section *sec;

    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;

        sec = realloc(s->sections, cap * sizeof(*sec));
        if (sec == NULL) {
            return NULL;
        }
        s->sections = sec;
        s->cap = cap;
    }
    sec = &s->sections[s->n];
    memset(sec, 0, sizeof(*sec));
    sec->fields = json_new_object();
    sec->subsections = json_new_object();
    if (sec->fields == NULL || sec->subsections == NULL) {
        json_free(sec->fields);
        json_free(sec->subsections);
        return NULL;
    }
    s->n++;
    return sec;
}

static int walk_footer(struct walk *w, struct analyze_stream *s,
                       struct analyze_section *sec, bool first)
{
    size_t off = cursor_offset(&w->c);
    uint8_t b = 0;
    uint32_t id;

    cursor_peek(&w->c, 0, &b);
    if (first) {
        s->footers = b == QEMU_VM_SECTION_FOOTER;
    }
    if (!s->footers) {
        return 0;
    }
    if (b != QEMU_VM_SECTION_FOOTER) {
        return walk_fail(w, off, "section '%s' (id %u) lacks its footer "
                         "(0x%02x instead of 0x7e)", sec->idstr,
                         sec->section_id, b);
    }
    cursor_skip(&w->c, 1);
    if (walk_need(w, 4, "footer") < 0) {
        return -EINVAL;
    }
    id = cursor_be32(&w->c);
    if (id != sec->section_id) {
        return walk_fail(w, off, "footer of section %u names section %u",
                         sec->section_id, id);
    }
    sec->has_footer = true;
    return 0;
}

/* The FULL/START header: id, counted idstr, instance, version. */
static int walk_section_header(struct walk *w, struct analyze_section *sec)
{
    uint8_t len;

    sec->offset = cursor_offset(&w->c) - 1;
    if (walk_need(w, 5, "section header") < 0) {
        return -EINVAL;
    }
    sec->section_id = cursor_be32(&w->c);
    len = cursor_u8(&w->c);
    if (walk_need(w, (size_t)len + 8, "section header") < 0) {
        return -EINVAL;
    }
    cursor_bytes(&w->c, sec->idstr, len);
    sec->idstr[len] = '\0';
    if (strlen(sec->idstr) != len) {
        return walk_fail(w, sec->offset, "section idstr contains a NUL");
    }
    sec->instance_id = cursor_be32(&w->c);
    sec->version_id = cursor_be32(&w->c);
    sec->body_offset = cursor_offset(&w->c);
    return 0;
}

static int walk_full(struct walk *w, struct analyze_stream *s,
                     const struct layout_set *layouts, bool first)
{
    struct analyze_section *sec = stream_push(s);
    char why[320];

    if (sec == NULL) {
        return walk_fail(w, cursor_offset(&w->c), "out of memory");
    }
    sec->type = QEMU_VM_SECTION_FULL;
    if (walk_section_header(w, sec) < 0) {
        return -EINVAL;
    }
    sec->layout = layout_set_find(&s->own, sec->idstr, sec->instance_id,
                                  sec->version_id, why, sizeof(why));
    if (sec->layout == NULL && layouts != NULL) {
        sec->layout = layout_set_find(layouts, sec->idstr, sec->instance_id,
                                      sec->version_id, why, sizeof(why));
    }
    if (sec->layout == NULL) {
        return walk_fail(w, sec->offset, "section %u '%s' instance %u: %s",
                         sec->section_id, sec->idstr, sec->instance_id, why);
    }
    if (walk_body(w, sec->layout->vmsd, sec->version_id, sec->fields,
                  sec->subsections, 0) < 0) {
        return -EINVAL;
    }
    sec->body_end = cursor_offset(&w->c);
    return walk_footer(w, s, sec, first);
}

/*
 * START/PART/END of the "ram" iterable: stepped over record by record
 * (analyze-ram.c) and kept verbatim; any other iterable is refused.
 */
static int walk_iterable(struct walk *w, struct analyze_stream *s,
                         uint8_t type, bool first)
{
    struct analyze_section *sec = stream_push(s);
    size_t err_off = 0;
    char why[160];

    if (sec == NULL) {
        return walk_fail(w, cursor_offset(&w->c), "out of memory");
    }
    sec->type = type;
    if (type == QEMU_VM_SECTION_START) {
        if (walk_section_header(w, sec) < 0) {
            return -EINVAL;
        }
        if (strcmp(sec->idstr, "ram") != 0 || s->ram.started ||
            sec->version_id != 4) {
            return walk_fail(w, sec->offset, "iterable section '%s' "
                             "version %u: only one \"ram\" version 4 is "
                             "understood", sec->idstr, sec->version_id);
        }
        s->ram.started = true;
        s->ram.section_id = sec->section_id;
        s->ram.last = -1;
    } else {
        sec->offset = cursor_offset(&w->c) - 1;
        if (walk_need(w, 4, "section header") < 0) {
            return -EINVAL;
        }
        sec->section_id = cursor_be32(&w->c);
        if (!s->ram.started || sec->section_id != s->ram.section_id) {
            return walk_fail(w, sec->offset, "%s section for section id %u "
                             "without its START", type ==
                             QEMU_VM_SECTION_PART ? "PART" : "END",
                             sec->section_id);
        }
        snprintf(sec->idstr, sizeof(sec->idstr), "ram");
        sec->body_offset = cursor_offset(&w->c);
    }
    if (analyze_ram_body(&w->c, &s->ram, type == QEMU_VM_SECTION_START,
                         sec->fields, &w->budget, &err_off, why,
                         sizeof(why)) < 0) {
        return walk_fail(w, err_off, "%s", why);
    }
    sec->body_end = cursor_offset(&w->c);
    sec->raw_len = sec->body_end - sec->body_offset;
    sec->raw = malloc(sec->raw_len ? sec->raw_len : 1);
    if (sec->raw == NULL) {
        return walk_fail(w, sec->body_offset, "out of memory");
    }
    memcpy(sec->raw, w->c.base + sec->body_offset, sec->raw_len);
    return walk_footer(w, s, sec, first);
}

static int walk_configuration(struct walk *w, struct analyze_stream *s)
{
    struct analyze_section *sec = stream_push(s);

    if (sec == NULL) {
        return walk_fail(w, cursor_offset(&w->c), "out of memory");
    }
    sec->type = QEMU_VM_CONFIGURATION;
    sec->offset = cursor_offset(&w->c) - 1;
    sec->body_offset = cursor_offset(&w->c);
    sec->layout = &s->config.entries[0];
    sec->version_id = (uint32_t)sec->layout->vmsd->version_id;
    snprintf(sec->idstr, sizeof(sec->idstr), "configuration");
    if (walk_body(w, sec->layout->vmsd, sec->version_id, sec->fields,
                  sec->subsections, 0) < 0) {
        return -EINVAL;
    }
    sec->body_end = cursor_offset(&w->c);
    return 0;
}

/* ------------------------------------------------------------- stream */

/*
 * Finds a trailing VMDESCRIPTION: EOF, 0x06, be32 length, and exactly
 * that many bytes to the end of the input.  Its layouts are used only
 * if it parses; whether it really follows EOF is checked at EOF.
 */
static void stream_find_vmdesc(struct analyze_stream *s, const uint8_t *buf,
                               size_t len)
{
    size_t p, jl;
    char err[160];

    for (p = len >= 5 ? len - 5 : 0; p > 8; p--) {
        if (buf[p] != QEMU_VM_VMDESCRIPTION || buf[p - 1] != QEMU_VM_EOF) {
            continue;
        }
        jl = (size_t)buf[p + 1] << 24 | (size_t)buf[p + 2] << 16 |
             (size_t)buf[p + 3] << 8 | buf[p + 4];
        if (jl != len - p - 5) {
            continue;
        }
        if (layout_set_add_vmdesc_text(&s->own, (const char *)buf + p + 5,
                                       jl, "the stream's VMDESCRIPTION", err,
                                       sizeof(err)) < 0) {
            layout_set_free(&s->own);
            return;
        }
        s->vmdesc = malloc(jl ? jl : 1);
        if (s->vmdesc == NULL) {
            layout_set_free(&s->own);
            return;
        }
        memcpy(s->vmdesc, buf + p + 5, jl);
        s->vmdesc_len = jl;
        s->vmdesc_offset = p;
        return;
    }
}

static int walk_eof(struct walk *w, struct analyze_stream *s)
{
    size_t off = cursor_offset(&w->c);

    s->eof_offset = off - 1;
    if (cursor_remaining(&w->c) == 0) {
        if (s->vmdesc != NULL) {
            free(s->vmdesc);
            s->vmdesc = NULL;
            s->vmdesc_len = 0;
        }
        return 0;
    }
    if (s->vmdesc != NULL && s->vmdesc_offset == off) {
        return 0;
    }
    return walk_fail(w, off, "%zu bytes after EOF are not one well-formed "
                     "VMDESCRIPTION section", cursor_remaining(&w->c));
}

static int walk_header(struct walk *w, struct analyze_stream *s)
{
    uint32_t magic;

    if (walk_need(w, 8, "the header") < 0) {
        return -EINVAL;
    }
    magic = cursor_be32(&w->c);
    if (magic != QEMU_VM_FILE_MAGIC) {
        return walk_fail(w, 0, "bad magic 0x%08x (want 0x%08x \"QEVM\")",
                         magic, QEMU_VM_FILE_MAGIC);
    }
    s->version = cursor_be32(&w->c);
    if (s->version == QEMU_VM_FILE_VERSION_COMPAT) {
        return walk_fail(w, 4, "stream version 2 is obsolete (QEMU refuses "
                         "it too)");
    }
    if (s->version != QEMU_VM_FILE_VERSION) {
        return walk_fail(w, 4, "unsupported stream version %u", s->version);
    }
    return 0;
}

static int walk_sections(struct walk *w, struct analyze_stream *s,
                         const struct layout_set *layouts)
{
    bool first = true;
    size_t off;
    uint8_t t;

    for (;;) {
        off = cursor_offset(&w->c);
        if (cursor_remaining(&w->c) == 0) {
            return walk_fail(w, off, "truncated: no EOF section");
        }
        t = cursor_u8(&w->c);
        switch (t) {
        case QEMU_VM_EOF:
            return walk_eof(w, s);
        case QEMU_VM_SECTION_FULL:
            if (walk_full(w, s, layouts, first) < 0) {
                return -EINVAL;
            }
            first = false;
            break;
        case QEMU_VM_CONFIGURATION:
            if (s->n != 0) {
                return walk_fail(w, off, "configuration section after "
                                 "other sections");
            }
            if (walk_configuration(w, s) < 0) {
                return -EINVAL;
            }
            break;
        case QEMU_VM_SECTION_START:
        case QEMU_VM_SECTION_PART:
        case QEMU_VM_SECTION_END:
            if (walk_iterable(w, s, t, first) < 0) {
                return -EINVAL;
            }
            first = false;
            break;
        case QEMU_VM_COMMAND:
            return walk_fail(w, off, "COMMAND section (0x08) in a "
                             "device-state stream");
        case QEMU_VM_VMDESCRIPTION:
            return walk_fail(w, off, "VMDESCRIPTION before EOF");
        default:
            return walk_fail(w, off, "unknown section type 0x%02x", t);
        }
    }
}

int analyze_decode(const uint8_t *buf, size_t len,
                   const struct layout_set *layouts,
                   struct analyze_stream *s, char *err, size_t errlen)
{
    struct walk w = { .err = err, .errlen = errlen };

    memset(s, 0, sizeof(*s));
    layout_set_init(&s->own);
    layout_set_init(&s->config);
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    cursor_init(&w.c, buf, len);
    w.budget = analyze_budget(len);
    if (analyze_config_layout(&s->config, err, errlen) < 0) {
        return -ENOMEM;
    }
    if (walk_header(&w, s) < 0) {
        return -EINVAL;
    }
    stream_find_vmdesc(s, buf, len);
    return walk_sections(&w, s, layouts);
}

void analyze_stream_free(struct analyze_stream *s)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        json_free(s->sections[i].fields);
        json_free(s->sections[i].subsections);
        free(s->sections[i].raw);
    }
    free(s->sections);
    free(s->vmdesc);
    layout_set_free(&s->own);
    layout_set_free(&s->config);
    memset(s, 0, sizeof(*s));
}

int analyze_check_body(const uint8_t *body, size_t len,
                       const struct layout_vmsd *l, uint32_t version,
                       char *err, size_t errlen)
{
    struct walk w = { .err = err, .errlen = errlen,
                      .budget = analyze_budget(len) };
    struct json *fields = json_new_object(), *subs = json_new_object();
    int rc = -ENOMEM;

    cursor_init(&w.c, body, len);
    if (fields != NULL && subs != NULL) {
        rc = walk_body(&w, l, version, fields, subs, 0);
        if (rc == 0 && cursor_remaining(&w.c) != 0) {
            rc = walk_fail(&w, cursor_offset(&w.c), "%zu bytes left over",
                           cursor_remaining(&w.c));
        }
    }
    json_free(fields);
    json_free(subs);
    return rc;
}
