/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of layouts made from xendm's own vmstate descriptions
 * (layout-vmsd.c) and of the walker's refusals, on streams built here
 * byte by byte: every field kind, version gates, variable arrays and
 * buffers with their capacity checks, nested structs, subsections
 * (QEMU's prefix rule), footers, trailing bytes, hostile
 * VMDESCRIPTION layouts, and the encoder's checks on edited values.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../qapi/json.h"
#include "../../src/analyze.h"
#include "../tap.h"

struct t_inner {
    uint8_t a;
    uint16_t b;
};

struct t_dev {
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    int8_t i8;
    int16_t i16;
    int32_t i32;
    int64_t i64;
    bool flag;
    uint8_t buf[3];
    uint8_t n;
    uint8_t vbuf[8];
    uint32_t arr[2];
    uint8_t varr_n;
    uint16_t varr[4];
    int64_t timer;
    struct t_inner in;
    struct t_inner ins[2];
    uint8_t v2;
    uint32_t sub_x;
    uint8_t gated;
};

static bool t_accept(void *opaque, int version_id)
{
    return true;
}

static bool t_exists(void *opaque, int version_id)
{
    return true;
}

static const struct vmstate_desc t_inner_extra = {
    .name = "tinner/extra",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const struct vmstate_field[]) {
        VMSTATE_U8(a, struct t_inner),
        VMSTATE_END,
    },
};

static const struct vmstate_desc t_inner_desc = {
    .name = "tinner",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const struct vmstate_field[]) {
        VMSTATE_U8(a, struct t_inner),
        VMSTATE_U16(b, struct t_inner),
        VMSTATE_END,
    },
    .subsections = (const struct vmstate_desc *const[]) {
        &t_inner_extra, NULL,
    },
};

static const struct vmstate_desc t_sub = {
    .name = "tdev/sub",
    .version_id = 2,
    .minimum_version_id = 1,
    .fields = (const struct vmstate_field[]) {
        VMSTATE_U32(sub_x, struct t_dev),
        VMSTATE_END,
    },
};

static const struct vmstate_desc t_desc = {
    .name = "tdev",
    .version_id = 2,
    .minimum_version_id = 1,
    .fields = (const struct vmstate_field[]) {
        VMSTATE_U8(u8, struct t_dev),
        VMSTATE_U16(u16, struct t_dev),
        VMSTATE_U32(u32, struct t_dev),
        VMSTATE_U64(u64, struct t_dev),
        VMSTATE_I8(i8, struct t_dev),
        VMSTATE_I16(i16, struct t_dev),
        VMSTATE_I32(i32, struct t_dev),
        VMSTATE_I64(i64, struct t_dev),
        VMSTATE_BOOL(flag, struct t_dev),
        VMSTATE_BUFFER(buf, struct t_dev),
        VMSTATE_UNUSED(2),
        VMSTATE_U8(n, struct t_dev),
        { .name = "vbuf", .kind = VMS_VBUFFER,
          .offset = offsetof(struct t_dev, vbuf), .size = 8,
          .count = VMS_COUNT_U8, .count_offset = offsetof(struct t_dev, n) },
        VMSTATE_ARRAY_V(VMS_U32, arr, struct t_dev, 2, 0),
        VMSTATE_U8(varr_n, struct t_dev),
        { .name = "varr", .kind = VMS_U16,
          .offset = offsetof(struct t_dev, varr), .size = 2, .num = 4,
          .count = VMS_COUNT_U8,
          .count_offset = offsetof(struct t_dev, varr_n) },
        VMSTATE_TIMER(timer, struct t_dev),
        VMSTATE_STRUCT_V(in, struct t_dev, 0, t_inner_desc, struct t_inner),
        VMSTATE_STRUCT_ARRAY_V(ins, struct t_dev, 2, 0, t_inner_desc,
                               struct t_inner),
        VMSTATE_U8_V(v2, struct t_dev, 2),
        VMSTATE_VALIDATE("check", t_accept),
        VMSTATE_END,
    },
    .subsections = (const struct vmstate_desc *const[]) { &t_sub, NULL },
};

/* A description whose field depends on device state. */
static const struct vmstate_desc t_cond = {
    .name = "tcond",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const struct vmstate_field[]) {
        { .name = "gated", .kind = VMS_U8,
          .offset = offsetof(struct t_dev, gated), .size = 1,
          .field_exists = t_exists },
        VMSTATE_END,
    },
};

static const struct vmstate_desc *const t_table[] = { &t_desc, &t_cond,
                                                      NULL };

/* The body of "tdev" at version 2, as QEMU would write it. */
static const uint8_t t_body_v2[] = {
    0x81,                                            /* u8 */
    0x12, 0x34,                                      /* u16 */
    0xde, 0xad, 0xbe, 0xef,                          /* u32 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,  /* u64 */
    0xff,                                            /* i8 = -1 */
    0x80, 0x00,                                      /* i16 = -32768 */
    0xff, 0xff, 0xff, 0xfe,                          /* i32 = -2 */
    0x80, 0, 0, 0, 0, 0, 0, 0,                       /* i64 = min */
    0x01,                                            /* flag */
    0xaa, 0xbb, 0xcc,                                /* buf */
    0x00, 0x00,                                      /* unused */
    0x03,                                            /* n */
    0x10, 0x20, 0x30,                                /* vbuf[n] */
    0, 0, 0, 1, 0, 0, 0, 2,                          /* arr */
    0x02,                                            /* varr_n */
    0x00, 0x07, 0x00, 0x09,                          /* varr[varr_n] */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  /* timer = -1 */
    0x05, 0x00, 0x06,                                /* in */
    0x05, 12, 't', 'i', 'n', 'n', 'e', 'r', '/', 'e', 'x', 't', 'r', 'a',
    0, 0, 0, 1, 0x44,                                /* in: subsection */
    0x01, 0x00, 0x02, 0x03, 0x00, 0x04,              /* ins[2] */
    0x77,                                            /* v2 */
    0x05, 8, 't', 'd', 'e', 'v', '/', 's', 'u', 'b',
    0, 0, 0, 2, 0xca, 0xfe, 0xba, 0xbe,              /* subsection */
};

/* Builds header + one FULL "tdev" section + EOF, with optional tail. */
static void t_stream(struct wbuf *w, const char *idstr, uint32_t version,
                     const uint8_t *body, size_t len, bool footer,
                     const uint8_t *tail, size_t tlen)
{
    wbuf_init(w, 0);
    wbuf_be32(w, 0x5145564d);
    wbuf_be32(w, 3);
    wbuf_u8(w, 0x04);
    wbuf_be32(w, 7);
    wbuf_u8(w, (uint8_t)strlen(idstr));
    wbuf_put(w, idstr, strlen(idstr));
    wbuf_be32(w, 0);
    wbuf_be32(w, version);
    wbuf_put(w, body, len);
    if (footer) {
        wbuf_u8(w, 0x7e);
        wbuf_be32(w, 7);
    }
    if (tail != NULL) {
        wbuf_put(w, tail, tlen);
    } else {
        wbuf_u8(w, 0x00);
    }
}

/* Decodes w; returns 0 or -EINVAL and leaves the message in err. */
static int t_decode(const struct layout_set *set, struct wbuf *w,
                    struct analyze_stream *s, char *err, size_t errlen)
{
    int rc = analyze_decode(w->data, w->len, set, s, err, errlen);

    if (rc != 0) {
        printf("# %s\n", err);
    }
    return rc;
}

static int64_t t_int(const struct json *o, const char *k)
{
    int64_t v = -12345;

    json_int64(json_get(o, k), &v);
    return v;
}

static void test_all_kinds(const struct layout_set *set)
{
    const struct json *f, *in;
    struct analyze_stream s;
    struct wbuf w, back;
    char err[512];
    uint64_t u = 0;
    bool b = false;

    t_stream(&w, "tdev", 2, t_body_v2, sizeof(t_body_v2), false, NULL, 0);
    if (!ok(t_decode(set, &w, &s, err, sizeof(err)) == 0,
            "every field kind decodes from a built-in description")) {
        analyze_stream_free(&s);
        wbuf_free(&w);
        return;
    }
    f = s.sections[0].fields;
    is_int(t_int(f, "u8"), 0x81, "u8");
    is_int(t_int(f, "u16"), 0x1234, "u16 big-endian");
    is_int(t_int(f, "u32"), 0xdeadbeef, "u32");
    ok(json_uint64(json_get(f, "u64"), &u) && u == 0xfffffffffffffffeull,
       "u64 above INT64_MAX stays unsigned");
    is_int(t_int(f, "i8"), -1, "i8 sign-extended");
    is_int(t_int(f, "i16"), -32768, "i16 sign-extended");
    is_int(t_int(f, "i32"), -2, "i32 sign-extended");
    ok(t_int(f, "i64") == INT64_MIN, "i64 minimum");
    ok(json_bool(json_get(f, "flag"), &b) && b, "bool");
    ok(strcmp(json_string(json_get(f, "buf")), "aabbcc") == 0,
       "buffer as lowercase hex");
    ok(strcmp(json_string(json_get(f, "unused")), "0000") == 0,
       "unused bytes kept (as hex)");
    ok(strcmp(json_string(json_get(f, "vbuf")), "102030") == 0,
       "variable buffer sized by its count field");
    is_int(json_array_len(json_get(f, "arr")), 2, "fixed array as list");
    is_int(json_array_len(json_get(f, "varr")), 2,
           "variable array sized by its count field");
    is_int(t_int(f, "timer"), -1, "timer -1 = stopped");
    in = json_get(f, "in");
    is_int(t_int(in, "b"), 6, "nested struct as object");
    ok(json_get(json_get(in, "subsections"), "tinner/extra") != NULL,
       "nested struct's subsection under its 'subsections'");
    is_int(t_int(json_array_at(json_get(f, "ins"), 1), "b"), 4,
           "struct array as list of objects");
    is_int(t_int(f, "v2"), 0x77, "field gated at version 2 present");
    ok(json_get(f, "check") == NULL, "validate pseudo-field has no value");
    is_int(t_int(json_get(json_get(s.sections[0].subsections, "tdev/sub"),
                          "fields"), "sub_x"), 0xcafebabe,
           "subsection decoded");
    wbuf_init(&back, 0);
    ok(analyze_encode(&s, &back, err, sizeof(err)) == 0 &&
       back.len == w.len && memcmp(back.data, w.data, w.len) == 0,
       "built-in layout round trip is byte-exact");
    wbuf_free(&back);
    analyze_stream_free(&s);
    wbuf_free(&w);
}

/* Version 1 lacks v2; version 3 is past the description. */
static void test_versions(const struct layout_set *set)
{
    uint8_t body[sizeof(t_body_v2)];
    struct analyze_stream s;
    size_t at = 0, len;
    char err[512];
    struct wbuf w;

    /* v1: drop the v2 byte, keep the subsection (its version 2). */
    while (!(t_body_v2[at] == 0x77 && t_body_v2[at + 1] == 0x05)) {
        at++;
    }
    memcpy(body, t_body_v2, at);
    memcpy(body + at, t_body_v2 + at + 1, sizeof(t_body_v2) - at - 1);
    len = sizeof(t_body_v2) - 1;
    t_stream(&w, "tdev", 1, body, len, false, NULL, 0);
    ok(t_decode(set, &w, &s, err, sizeof(err)) == 0 &&
       json_get(s.sections[0].fields, "v2") == NULL,
       "version 1 body: field gated at 2 skipped");
    analyze_stream_free(&s);
    wbuf_free(&w);
    t_stream(&w, "tdev", 3, t_body_v2, sizeof(t_body_v2), false, NULL, 0);
    ok(analyze_decode(w.data, w.len, set, &s, err, sizeof(err)) == -EINVAL &&
       strstr(err, "versions 1..2, the stream has version 3") != NULL,
       "version 3 refused: %s", err);
    analyze_stream_free(&s);
    wbuf_free(&w);
}

/* Mutates one byte of the v2 body and expects a refusal naming why. */
static void t_refuse(const struct layout_set *set, size_t at, uint8_t v,
                     const char *want, const char *what)
{
    uint8_t body[sizeof(t_body_v2)];
    struct analyze_stream s;
    char err[512] = "";
    struct wbuf w;

    memcpy(body, t_body_v2, sizeof(body));
    body[at] = v;
    t_stream(&w, "tdev", 2, body, sizeof(body), false, NULL, 0);
    ok(analyze_decode(w.data, w.len, set, &s, err, sizeof(err)) == -EINVAL &&
       strstr(err, want) != NULL && strncmp(err, "offset 0x", 9) == 0,
       "%s: %s", what, err);
    analyze_stream_free(&s);
    wbuf_free(&w);
}

static size_t t_find(const uint8_t *p, size_t n, const char *needle)
{
    size_t i, l = strlen(needle);

    for (i = 0; i + l <= n; i++) {
        if (memcmp(p + i, needle, l) == 0) {
            return i;
        }
    }
    return 0;
}

static void test_refusals(const struct layout_set *set)
{
    size_t sub = t_find(t_body_v2, sizeof(t_body_v2), "tdev/sub");

    t_refuse(set, 30, 2, "bool field 'flag' holds 2", "bool other than 0/1");
    t_refuse(set, 36, 9, "gives 9 elements for 'vbuf', capacity 8",
             "variable buffer past its capacity");
    t_refuse(set, 48, 5, "gives 5 elements for 'varr', capacity 4",
             "variable array past its capacity");
    t_refuse(set, sub + 5, 'z', "unknown subsection 'tdev/zub'",
             "unknown subsection under a known prefix");
    t_refuse(set, sub, 'x', "unknown section type 0x05",
             "subsection of another prefix ends the body");
}

static void test_stream_shape(const struct layout_set *set)
{
    static const uint8_t tail_junk[] = { 0x00, 0x00 };
    static const uint8_t tail_start[] = { 0x01, 0, 0, 0, 1, 3, 'b', 'l', 'k',
                                          0, 0, 0, 0, 0, 0, 0, 1 };
    static const uint8_t cond_body[] = { 0x01 };
    struct analyze_stream s;
    char err[512] = "";
    struct wbuf w;

    t_stream(&w, "tdev", 2, t_body_v2, sizeof(t_body_v2), true, NULL, 0);
    ok(t_decode(set, &w, &s, err, sizeof(err)) == 0 && s.footers &&
       s.sections[0].has_footer, "footer after a FULL section");
    analyze_stream_free(&s);
    w.data[w.len - 2] = 8;
    ok(analyze_decode(w.data, w.len, set, &s, err, sizeof(err)) == -EINVAL &&
       strstr(err, "footer of section 7 names section 8"),
       "footer naming another section refused: %s", err);
    analyze_stream_free(&s);
    wbuf_free(&w);
    t_stream(&w, "tdev", 2, t_body_v2, sizeof(t_body_v2), false, tail_junk,
             sizeof(tail_junk));
    ok(analyze_decode(w.data, w.len, set, &s, err, sizeof(err)) == -EINVAL &&
       strstr(err, "after EOF"), "bytes after EOF refused: %s", err);
    analyze_stream_free(&s);
    wbuf_free(&w);
    t_stream(&w, "tdev", 2, t_body_v2, sizeof(t_body_v2), false, tail_start,
             sizeof(tail_start));
    ok(analyze_decode(w.data, w.len, set, &s, err, sizeof(err)) == -EINVAL &&
       strstr(err, "iterable section 'blk'"),
       "an iterable other than RAM refused: %s", err);
    analyze_stream_free(&s);
    wbuf_free(&w);
    t_stream(&w, "tcond", 1, cond_body, 1, false, NULL, 0);
    ok(analyze_decode(w.data, w.len, set, &s, err, sizeof(err)) == -EINVAL &&
       strstr(err, "field_exists"),
       "a field_exists field cannot be walked: %s", err);
    analyze_stream_free(&s);
    wbuf_free(&w);
    t_stream(&w, "0000:00:03.0/tdev", 2, t_body_v2, sizeof(t_body_v2), false,
             NULL, 0);
    ok(t_decode(set, &w, &s, err, sizeof(err)) == 0,
       "a PCI idstr matches the description by its last component");
    analyze_stream_free(&s);
    wbuf_free(&w);
}

/* Edited values the encoder must refuse rather than truncate. */
static void test_encoder_checks(const struct layout_set *set)
{
    static const struct {
        const char *key;
        const char *json;
        const char *what;
    } bad[] = {
        { "u8", "256", "u8 out of range" },
        { "i8", "-129", "i8 out of range" },
        { "u16", "-1", "negative unsigned" },
        { "buf", "\"aabb\"", "buffer of the wrong length" },
        { "buf", "\"AABBCC\"", "uppercase hex" },
        { "flag", "1", "bool given as a number" },
        { "arr", "[1]", "fixed array of the wrong length" },
        { "vbuf", "\"1020\"", "variable buffer not matching its count" },
        { "typo", "1", "a key the layout does not have" },
    };
    struct analyze_stream s;
    struct json *v;
    char err[512];
    struct wbuf w, out;
    size_t i;

    t_stream(&w, "tdev", 2, t_body_v2, sizeof(t_body_v2), false, NULL, 0);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (t_decode(set, &w, &s, err, sizeof(err)) != 0) {
            break;
        }
        v = json_parse(bad[i].json, strlen(bad[i].json), NULL, NULL, 0);
        json_object_set(s.sections[0].fields, bad[i].key, v);
        wbuf_init(&out, 0);
        err[0] = '\0';
        ok(analyze_encode(&s, &out, err, sizeof(err)) < 0 &&
           (strstr(err, bad[i].key) != NULL || strstr(err, "keys") != NULL),
           "encoder refuses %s: %s", bad[i].what, err);
        wbuf_free(&out);
        analyze_stream_free(&s);
    }
    wbuf_free(&w);
}

static void test_hostile_vmdesc(void)
{
    static const struct {
        const char *json, *want;
    } bad[] = {
        { "[]", "no \"devices\"" },
        { "{\"devices\":[{\"name\":\"x\"}]}", "lacks name/instance_id" },
        { "{\"devices\":[{\"name\":\"x\",\"instance_id\":0,\"vmsd_name\":\"x\","
          "\"version\":1,\"fields\":[{\"name\":\"a\",\"type\":\"uint32\","
          "\"size\":2}]}]}", "has size 2" },
        { "{\"devices\":[{\"name\":\"x\",\"instance_id\":0,\"vmsd_name\":\"x\","
          "\"version\":1,\"fields\":[{\"name\":\"a\",\"type\":\"buffer\","
          "\"size\":-1}]}]}", "bad size" },
        { "{\"devices\":[{\"name\":\"x\",\"instance_id\":0,\"vmsd_name\":\"x\","
          "\"version\":1,\"fields\":[{\"name\":\"a\",\"type\":\"uint8\","
          "\"size\":1,\"index\":1}]}]}", "out of order" },
        { "{\"devices\":[{\"name\":\"x\",\"instance_id\":0,\"vmsd_name\":\"x\","
          "\"version\":1,\"fields\":[{\"name\":\"a\",\"type\":\"uint8\","
          "\"size\":1,\"array_len\":99999999999}]}]}", "bad array_len" },
        { "{\"devices\":[{\"name\":\"x\",\"instance_id\":0,\"vmsd_name\":\"x\","
          "\"version\":1,\"subsections\":[{\"vmsd_name\":\"x/a\","
          "\"version\":1},{\"vmsd_name\":\"x/a\",\"version\":1}]}]}",
          "listed twice" },
    };
    char deep[4096], err[512];
    struct layout_set set;
    size_t i, n = 0;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        layout_set_init(&set);
        err[0] = '\0';
        ok(layout_set_add_vmdesc_text(&set, bad[i].json, strlen(bad[i].json),
                                      "t", err, sizeof(err)) < 0 &&
           strstr(err, bad[i].want) != NULL, "hostile layout refused: %s",
           err);
        layout_set_free(&set);
    }
    n += (size_t)snprintf(deep, sizeof(deep), "{\"devices\":[{\"name\":\"x\","
                          "\"instance_id\":0,");
    for (i = 0; i < 20; i++) {
        n += (size_t)snprintf(deep + n, sizeof(deep) - n, "\"vmsd_name\":\"x\","
                              "\"version\":1,\"fields\":[{\"name\":\"s\","
                              "\"type\":\"struct\",\"struct\":{");
    }
    n += (size_t)snprintf(deep + n, sizeof(deep) - n, "\"vmsd_name\":\"x\","
                          "\"version\":1");
    for (i = 0; i < 20; i++) {
        n += (size_t)snprintf(deep + n, sizeof(deep) - n, "}}]");
    }
    snprintf(deep + n, sizeof(deep) - n, "}]}");
    layout_set_init(&set);
    ok(layout_set_add_vmdesc_text(&set, deep, strlen(deep), "t", err,
                                  sizeof(err)) < 0,
       "nesting past the limit refused: %s", err);
    layout_set_free(&set);
}

int main(void)
{
    struct layout_set set;
    char err[256] = "";

    layout_set_init(&set);
    is_int(layout_set_add_vmsd_table(&set, t_table, "test", err,
                                     sizeof(err)), 0,
           "a table of descriptions converts to layouts %s", err);
    test_all_kinds(&set);
    test_versions(&set);
    test_refusals(&set);
    test_stream_shape(&set);
    test_encoder_checks(&set);
    test_hostile_vmdesc();
    layout_set_free(&set);
    return tap_done();
}
