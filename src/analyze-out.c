/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Rendering a decoded stream (analyze.h): the JSON document and the
 * text listing; and the layout of QEMU's configuration section, which
 * no VMDESCRIPTION of ours describes.
 *
 * Input here is a stream analyze_decode() already accepted, so it is
 * well-formed; values are still printed through bounded formats.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../qapi/json.h"
#include "analyze.h"
#include "savevm.h"

/*
 * QEMU's vmstate_configuration (migration/savevm.c): the machine type
 * name with its length, then optional subsections.  A capability is
 * a length byte and that many name bytes, which is the wire shape of
 * the struct below.
 */
struct config_cap {
    uint8_t len;
    uint8_t name[255];
};

struct config_state {
    uint32_t len;
    uint8_t name[256];
    uint32_t target_page_bits;
    uint32_t caps_count;
    struct config_cap capabilities[64];
    uint8_t uuid[16];
};

static const struct vmstate_desc config_cap_desc = {
    .name = "capability",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const struct vmstate_field[]) {
        VMSTATE_U8(len, struct config_cap),
        { .name = "name", .kind = VMS_VBUFFER,
          .offset = offsetof(struct config_cap, name),
          .size = sizeof(((struct config_cap *)0)->name),
          .count = VMS_COUNT_U8,
          .count_offset = offsetof(struct config_cap, len) },
        VMSTATE_END,
    },
};

static const struct vmstate_desc config_page_bits_desc = {
    .name = "configuration/target-page-bits",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const struct vmstate_field[]) {
        VMSTATE_U32(target_page_bits, struct config_state),
        VMSTATE_END,
    },
};

static const struct vmstate_desc config_caps_desc = {
    .name = "configuration/capabilities",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const struct vmstate_field[]) {
        VMSTATE_U32_V(caps_count, struct config_state, 1),
        { .name = "capabilities", .kind = VMS_STRUCT,
          .offset = offsetof(struct config_state, capabilities),
          .size = sizeof(struct config_cap), .num = 64,
          .count = VMS_COUNT_U32,
          .count_offset = offsetof(struct config_state, caps_count),
          .vmsd = &config_cap_desc, .version_id = 1 },
        VMSTATE_END,
    },
};

static const struct vmstate_desc config_uuid_desc = {
    .name = "configuration/uuid",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const struct vmstate_field[]) {
        VMSTATE_BUFFER(uuid, struct config_state),
        VMSTATE_END,
    },
};

static const struct vmstate_desc config_desc = {
    .name = "configuration",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const struct vmstate_field[]) {
        VMSTATE_U32(len, struct config_state),
        { .name = "name", .kind = VMS_VBUFFER,
          .offset = offsetof(struct config_state, name),
          .size = sizeof(((struct config_state *)0)->name),
          .count = VMS_COUNT_U32,
          .count_offset = offsetof(struct config_state, len) },
        VMSTATE_END,
    },
    .subsections = (const struct vmstate_desc *const[]) {
        &config_page_bits_desc, &config_caps_desc, &config_uuid_desc, NULL,
    },
};

int analyze_config_layout(struct layout_set *set, char *err, size_t errlen)
{
    return layout_set_add_vmsd(set, &config_desc, "QEMU's configuration",
                               err, errlen);
}

/* --------------------------------------------------------------- JSON */

/* Section type names, as JSON "type" and in the text listing. */
static const char *const section_type_names[] = {
    [QEMU_VM_SECTION_START] = "start",
    [QEMU_VM_SECTION_PART] = "part",
    [QEMU_VM_SECTION_END] = "end",
    [QEMU_VM_SECTION_FULL] = "full",
    [QEMU_VM_CONFIGURATION] = "configuration",
};

static struct json *section_json(const struct analyze_section *sec)
{
    struct json *o = json_new_object();
    char idstr[sizeof(sec->idstr)];

    /* Display only: the encoder uses the bytes as they were. */
    vmstate_printable(idstr, (const uint8_t *)sec->idstr, strlen(sec->idstr));
    bool full = sec->type == QEMU_VM_SECTION_FULL ||
                sec->type == QEMU_VM_SECTION_START;

    json_object_set(o, "type",
                    json_new_string(section_type_names[sec->type]));
    if (sec->type == QEMU_VM_SECTION_PART ||
        sec->type == QEMU_VM_SECTION_END) {
        json_object_set(o, "section_id", json_new_int(sec->section_id));
        json_object_set(o, "idstr", json_new_string(idstr));
    }
    if (full) {
        json_object_set(o, "section_id", json_new_int(sec->section_id));
        json_object_set(o, "idstr", json_new_string(idstr));
        json_object_set(o, "instance_id", json_new_int(sec->instance_id));
        json_object_set(o, "version_id", json_new_int(sec->version_id));
    }
    json_object_set(o, "fields", json_copy(sec->fields));
    json_object_set(o, "subsections", json_copy(sec->subsections));
    return o;
}

struct json *analyze_to_json(const struct analyze_stream *s)
{
    struct json *doc = json_new_object();
    struct json *secs = json_new_array();
    size_t i;

    if (doc == NULL || secs == NULL) {
        json_free(doc);
        json_free(secs);
        return NULL;
    }
    json_object_set(doc, "version", json_new_int(s->version));
    for (i = 0; i < s->n; i++) {
        struct json *o = section_json(&s->sections[i]);

        if (o == NULL || o->u.obj.n < 3 || json_array_append(secs, o) < 0) {
            json_free(o);
            json_free(secs);
            json_free(doc);
            return NULL;
        }
    }
    if (json_object_set(doc, "sections", secs) < 0) {
        json_free(doc);
        return NULL;
    }
    return doc;
}

/* --------------------------------------------------------------- text */

static bool text_is_scalar_list(const struct json *j)
{
    size_t i;

    for (i = 0; i < j->u.arr.n; i++) {
        if (j->u.arr.items[i]->type == JSON_OBJECT ||
            j->u.arr.items[i]->type == JSON_ARRAY) {
            return false;
        }
    }
    return true;
}

static void text_scalar(FILE *out, const struct json *j)
{
    switch (j->type) {
    case JSON_INT:
        if (j->u.i >= 10) {
            fprintf(out, "%" PRId64 " (0x%" PRIx64 ")", j->u.i,
                    (uint64_t)j->u.i);
        } else {
            fprintf(out, "%" PRId64, j->u.i);
        }
        break;
    case JSON_UINT:
        fprintf(out, "%" PRIu64 " (0x%" PRIx64 ")", j->u.u, j->u.u);
        break;
    case JSON_BOOL:
        fputs(j->u.b ? "true" : "false", out);
        break;
    case JSON_STRING:
        fputs(j->u.str.len ? j->u.str.s : "(empty)", out);
        break;
    default:
        fputs("?", out);
        break;
    }
}

static void text_value(FILE *out, const char *path, const struct json *j,
                       int indent);
static void text_object(FILE *out, const char *prefix, const struct json *o,
                        int indent);

/* A subsections object: name -> {version_id, fields, subsections?}. */
static void text_subsections(FILE *out, const char *prefix,
                             const struct json *subs, int indent)
{
    char shown[LAYOUT_MAX_NAME + 1], where[1100];
    size_t k;

    vmstate_printable(where, (const uint8_t *)prefix, strnlen(prefix, 1099));
    for (k = 0; subs != NULL && k < subs->u.obj.n; k++) {
        const struct json *sub = subs->u.obj.m[k].val;
        const struct json *nested = json_get(sub, "subsections");
        int64_t ver = 0;

        json_int64(json_get(sub, "version_id"), &ver);
        vmstate_printable(shown, (const uint8_t *)subs->u.obj.m[k].key,
                          strnlen(subs->u.obj.m[k].key, LAYOUT_MAX_NAME));
        fprintf(out, "%*s%s%ssubsection '%s' version_id=%" PRId64 "\n",
                indent, "", where, *prefix ? ": " : "", shown, ver);
        text_object(out, "", json_get(sub, "fields"), indent + 2);
        if (nested != NULL && nested->type == JSON_OBJECT) {
            text_subsections(out, "", nested, indent + 2);
        }
    }
}

static void text_object(FILE *out, const char *prefix, const struct json *o,
                        int indent)
{
    char path[1024];
    size_t i;

    if (o == NULL || o->type != JSON_OBJECT) {
        return;
    }
    for (i = 0; i < o->u.obj.n; i++) {
        const char *key = o->u.obj.m[i].key;
        const struct json *v = o->u.obj.m[i].val;

        if (strcmp(key, "subsections") == 0 && v->type == JSON_OBJECT) {
            continue;  /* printed after the fields */
        }
        snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "",
                 key);
        text_value(out, path, v, indent);
    }
    for (i = 0; i < o->u.obj.n; i++) {
        if (strcmp(o->u.obj.m[i].key, "subsections") == 0 &&
            o->u.obj.m[i].val->type == JSON_OBJECT) {
            text_subsections(out, prefix, o->u.obj.m[i].val, indent);
        }
    }
}

static void text_value(FILE *out, const char *path, const struct json *j,
                       int indent)
{
    char sub[1100], shown[1100];
    size_t i;

    if (j == NULL) {
        return;
    }
    if (j->type == JSON_OBJECT) {
        text_object(out, path, j, indent);
        return;
    }
    if (j->type == JSON_ARRAY && !text_is_scalar_list(j)) {
        for (i = 0; i < j->u.arr.n; i++) {
            snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
            text_value(out, sub, j->u.arr.items[i], indent);
        }
        return;
    }
    /* Names come from layout files: keep control bytes off the tty. */
    vmstate_printable(shown, (const uint8_t *)path, strlen(path));
    fprintf(out, "%*s%s = ", indent, "", shown);
    if (j->type == JSON_ARRAY) {
        fputc('[', out);
        for (i = 0; i < j->u.arr.n; i++) {
            fputs(i ? ", " : "", out);
            if (j->u.arr.items[i]->type == JSON_INT) {
                fprintf(out, "%" PRId64, j->u.arr.items[i]->u.i);
            } else {
                text_scalar(out, j->u.arr.items[i]);
            }
        }
        fputc(']', out);
    } else {
        text_scalar(out, j);
    }
    fputc('\n', out);
}

void analyze_print_text(FILE *out, const struct analyze_stream *s)
{
    size_t i;

    fprintf(out, "0x000000 QEVM version %u, %zu sections, footers %s, "
            "VMDESCRIPTION %s\n", s->version, s->n,
            s->footers ? "yes" : "no", s->vmdesc != NULL ? "yes" : "no");
    for (i = 0; i < s->n; i++) {
        const struct analyze_section *sec = &s->sections[i];
        char idstr[sizeof(sec->idstr)];

        vmstate_printable(idstr, (const uint8_t *)sec->idstr,
                          strlen(sec->idstr));
        if (sec->type == QEMU_VM_CONFIGURATION) {
            fprintf(out, "0x%06zx CONFIGURATION (0x07) body 0x%06zx..0x%06zx"
                    "\n", sec->offset, sec->body_offset, sec->body_end);
        } else if (sec->raw != NULL) {
            fprintf(out, "0x%06zx %s (0x%02x) section_id=%u idstr='%s' "
                    "body 0x%06zx..0x%06zx%s (RAM, summarised)\n",
                    sec->offset, sec->type == QEMU_VM_SECTION_START ? "START"
                    : sec->type == QEMU_VM_SECTION_PART ? "PART" : "END",
                    sec->type, sec->section_id, idstr, sec->body_offset,
                    sec->body_end, sec->has_footer ? " +footer" : "");
        } else {
            fprintf(out, "0x%06zx FULL (0x04) section_id=%u idstr='%s' "
                    "instance_id=%u version_id=%u body 0x%06zx..0x%06zx%s "
                    "layout: %s\n", sec->offset, sec->section_id, idstr,
                    sec->instance_id, sec->version_id, sec->body_offset,
                    sec->body_end, sec->has_footer ? " +footer" : "",
                    sec->layout->source);
        }
        text_object(out, "", sec->fields, 4);
        text_subsections(out, "", sec->subsections, 4);
    }
    fprintf(out, "0x%06zx EOF (0x00)\n", s->eof_offset);
    if (s->vmdesc != NULL) {
        fprintf(out, "0x%06zx VMDESCRIPTION (0x06) %zu bytes of JSON\n",
                s->vmdesc_offset, s->vmdesc_len);
    }
}
