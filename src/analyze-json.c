/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The way back from `xendm-analyze --json`: a JSON document of the
 * shape analyze_to_json() prints, read into a decoded stream that
 * analyze_encode() writes as a Xen-shaped stream (`--encode JSON OUT`).
 * Decode, print, edit, encode: a saved state can be inspected and
 * changed as text, and the tests use it to prove the JSON view loses
 * nothing.
 *
 * The document is untrusted: every member is type-checked and range
 * checked here, each section must find a layout, and the encoder then
 * checks every value against its field (analyze-enc.c).  Only "full"
 * sections are accepted: the Xen shape has nothing else.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../qapi/json.h"
#include "analyze.h"
#include "savevm.h"
#include "log.h"

static bool from_u32(const struct json *o, const char *key, uint32_t *out)
{
    int64_t v;

    if (!json_int64(json_get(o, key), &v) || v < 0 || v > UINT32_MAX) {
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

static int from_section(const struct json *o, size_t i,
                        const struct layout_set *layouts,
                        struct analyze_section *sec, char *err,
                        size_t errlen)
{
    const struct json *fields = json_get(o, "fields");
    const struct json *subs = json_get(o, "subsections");
    const char *type = json_string(json_get(o, "type"));
    const char *idstr = json_string(json_get(o, "idstr"));
    char why[320];

    if (type == NULL || strcmp(type, "full") != 0) {
        return log_reason(err, errlen, "section %zu: only \"full\" sections "
                         "can be encoded (Xen shape)", i);
    }
    if (idstr == NULL || json_get(o, "idstr")->u.str.len != strlen(idstr) ||
        strlen(idstr) > LAYOUT_MAX_NAME) {
        return log_reason(err, errlen, "section %zu: bad idstr", i);
    }
    if (!from_u32(o, "section_id", &sec->section_id) ||
        !from_u32(o, "instance_id", &sec->instance_id) ||
        !from_u32(o, "version_id", &sec->version_id)) {
        return log_reason(err, errlen, "section %zu '%s': bad section_id, "
                         "instance_id or version_id", i, idstr);
    }
    if (fields == NULL || fields->type != JSON_OBJECT ||
        (subs != NULL && subs->type != JSON_OBJECT)) {
        return log_reason(err, errlen, "section %zu '%s': fields and "
                         "subsections must be objects", i, idstr);
    }
    snprintf(sec->idstr, sizeof(sec->idstr), "%s", idstr);
    sec->type = QEMU_VM_SECTION_FULL;
    sec->layout = layout_set_find(layouts, sec->idstr, sec->instance_id,
                                  sec->version_id, why, sizeof(why));
    if (sec->layout == NULL) {
        return log_reason(err, errlen, "section %zu: %s", i, why);
    }
    sec->fields = json_copy(fields);
    sec->subsections = subs != NULL ? json_copy(subs) : json_new_object();
    if (sec->fields == NULL || sec->subsections == NULL) {
        return log_reason(err, errlen, "out of memory");
    }
    return 0;
}

int analyze_from_json(const struct json *doc, const struct layout_set *layouts,
                      struct analyze_stream *s, char *err, size_t errlen)
{
    const struct json *secs = json_get(doc, "sections");
    int64_t version;
    size_t i, n;
    int rc;

    memset(s, 0, sizeof(*s));
    layout_set_init(&s->own);
    layout_set_init(&s->config);
    if (!json_int64(json_get(doc, "version"), &version) ||
        version != QEMU_VM_FILE_VERSION || secs == NULL ||
        secs->type != JSON_ARRAY) {
        return log_reason(err, errlen, "not a stream document: want "
                         "{\"version\":3,\"sections\":[...]}");
    }
    s->version = QEMU_VM_FILE_VERSION;
    n = json_array_len(secs);
    s->sections = calloc(n ? n : 1, sizeof(*s->sections));
    if (s->sections == NULL) {
        return log_reason(err, errlen, "out of memory");
    }
    s->cap = n;
    for (i = 0; i < n; i++) {
        s->n = i + 1;
        rc = from_section(json_array_at(secs, i), i, layouts,
                          &s->sections[i], err, errlen);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}
