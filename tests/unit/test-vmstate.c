/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of the vmstate engine (src/vmstate.c): every field kind
 * with a byte-exact expected encoding, version gates, field_exists,
 * nested structs loaded at their local version, subsections (needed
 * or not, nested, unknown under our prefix, foreign prefix left for
 * the caller), hooks, and every load refusal.  The descriptions here
 * are test descriptions written for these checks, not devices.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../../src/savevm.h"
#include "../../src/vmstate.h"
#include "../tap.h"

/* ------------------------------------------------ every field kind */

struct t_inner {
    uint16_t a;
    uint8_t b;
};

struct t_all {
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    int8_t i8;
    int16_t i16;
    int32_t i32;
    int64_t i64;
    bool flag;
    int64_t deadline;
    uint8_t buf[3];
    uint16_t arr[2];
    uint8_t n;
    uint32_t varr[4];
    uint32_t blen;
    uint8_t vbuf[8];
    struct t_inner one;
    struct t_inner two[2];
    int32_t ns;
    struct t_inner vs[3];
    uint8_t newer;      /* version 2 */
    uint8_t gated;      /* field_exists */
    bool gate_open;     /* not on the wire */
    bool valid;         /* not on the wire */
};

static const struct vmstate_field t_inner_fields[] = {
    VMSTATE_U16(a, struct t_inner),
    VMSTATE_U8(b, struct t_inner),
    VMSTATE_END,
};

/* Local version 5: the stream never carries it (QEMU's VMS_STRUCT). */
static const struct vmstate_desc t_inner_vmsd = {
    .name = "inner",
    .version_id = 5,
    .minimum_version_id = 5,
    .fields = t_inner_fields,
};

static bool t_gate(void *opaque, int version_id)
{
    return ((struct t_all *)opaque)->gate_open;
}

static bool t_valid(void *opaque, int version_id)
{
    return ((struct t_all *)opaque)->valid;
}

static const struct vmstate_field t_all_fields[] = {
    VMSTATE_U8(u8, struct t_all),
    VMSTATE_U16(u16, struct t_all),
    VMSTATE_U32(u32, struct t_all),
    VMSTATE_U64(u64, struct t_all),
    VMSTATE_I8(i8, struct t_all),
    VMSTATE_I16(i16, struct t_all),
    VMSTATE_I32(i32, struct t_all),
    VMSTATE_I64(i64, struct t_all),
    VMSTATE_BOOL(flag, struct t_all),
    VMSTATE_TIMER(deadline, struct t_all),
    VMSTATE_BUFFER(buf, struct t_all),
    VMSTATE_ARRAY_V(VMS_U16, arr, struct t_all, 2, 0),
    VMSTATE_UNUSED(2),
    VMSTATE_U8(n, struct t_all),
    VMSTATE_VARRAY_U8_V(VMS_U32, varr, struct t_all, n, 0),
    VMSTATE_U32(blen, struct t_all),
    VMSTATE_VBUFFER_U32_V(vbuf, struct t_all, blen, 0),
    VMSTATE_STRUCT_V(one, struct t_all, 0, t_inner_vmsd, struct t_inner),
    VMSTATE_STRUCT_ARRAY_V(two, struct t_all, 2, 0, t_inner_vmsd,
                           struct t_inner),
    VMSTATE_I32(ns, struct t_all),
    VMSTATE_STRUCT_VARRAY_I32_V(vs, struct t_all, ns, 0, t_inner_vmsd,
                                struct t_inner),
    VMSTATE_U8_V(newer, struct t_all, 2),
    { .name = "gated", .kind = VMS_U8, .offset = offsetof(struct t_all, gated),
      .size = 1, .field_exists = t_gate },
    VMSTATE_VALIDATE("check", t_valid),
    VMSTATE_END,
};

static const struct vmstate_desc t_all_vmsd = {
    .name = "all",
    .version_id = 2,
    .minimum_version_id = 1,
    .fields = t_all_fields,
};

static void t_all_fill(struct t_all *s)
{
    memset(s, 0, sizeof(*s));
    s->u8 = 0x81;
    s->u16 = 0x1234;
    s->u32 = 0xdeadbeef;
    s->u64 = 0x0102030405060708ull;
    s->i8 = -2;
    s->i16 = -3;
    s->i32 = -4;
    s->i64 = -5;
    s->flag = true;
    s->deadline = -1;
    memcpy(s->buf, "\xaa\xbb\xcc", 3);
    s->arr[0] = 0x0a0b;
    s->arr[1] = 0x0c0d;
    s->n = 2;
    s->varr[0] = 0x11;
    s->varr[1] = 0x22;
    s->varr[2] = 0x99;   /* beyond the count: not on the wire */
    s->blen = 3;
    memcpy(s->vbuf, "xyz", 3);
    s->one.a = 0x0102;
    s->one.b = 0x03;
    s->two[0].a = 0x0405;
    s->two[0].b = 0x06;
    s->two[1].a = 0x0708;
    s->two[1].b = 0x09;
    s->ns = 1;
    s->vs[0].a = 0xa1a2;
    s->vs[0].b = 0xa3;
    s->newer = 0x77;
    s->gated = 0x66;
    s->gate_open = true;
    s->valid = true;
}

static const uint8_t t_all_wire[] = {
    0x81,                                           /* u8 */
    0x12, 0x34,                                     /* u16 */
    0xde, 0xad, 0xbe, 0xef,                         /* u32 */
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* u64 */
    0xfe,                                           /* i8 -2 */
    0xff, 0xfd,                                     /* i16 -3 */
    0xff, 0xff, 0xff, 0xfc,                         /* i32 -4 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfb, /* i64 -5 */
    0x01,                                           /* bool */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* timer stopped */
    0xaa, 0xbb, 0xcc,                               /* buffer */
    0x0a, 0x0b, 0x0c, 0x0d,                         /* u16[2] */
    0x00, 0x00,                                     /* unused(2) */
    0x02,                                           /* n */
    0x00, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00, 0x22, /* varr[n] */
    0x00, 0x00, 0x00, 0x03,                         /* blen */
    'x', 'y', 'z',                                  /* vbuf[blen] */
    0x01, 0x02, 0x03,                               /* one */
    0x04, 0x05, 0x06, 0x07, 0x08, 0x09,             /* two[2] */
    0x00, 0x00, 0x00, 0x01,                         /* ns */
    0xa1, 0xa2, 0xa3,                               /* vs[ns] */
    0x77,                                           /* newer (v2) */
    0x66,                                           /* gated */
};

/* Offsets of single bytes in t_all_wire that tests corrupt. */
#define W_FLAG 30
#define W_TIMER 31
#define W_UNUSED 46
#define W_N 48
#define W_BLEN 57
#define W_NS 73

static int t_load(const void *data, size_t len, const struct vmstate_desc *d,
                  void *s, int version, char *err, size_t errlen,
                  size_t *consumed)
{
    struct cursor c;
    int rc;

    cursor_init(&c, data, len);
    rc = vmstate_load(&c, d, s, version, err, errlen);
    if (consumed != NULL) {
        *consumed = cursor_offset(&c);
    }
    return rc;
}

static void test_all_kinds(void)
{
    struct t_all s, d;
    struct wbuf b;
    uint8_t wire[sizeof(t_all_wire)];
    char err[256];
    size_t used, cut;
    int rc;

    ok(vmstate_desc_check(&t_all_vmsd, sizeof(struct t_all)) == 0,
       "test description passes the table check");
    t_all_fill(&s);
    wbuf_init(&b, 0);
    is_int(vmstate_save(&b, &t_all_vmsd, &s), 0, "save every kind");
    is_int(b.len, sizeof(t_all_wire), "encoded length");
    if (b.len == sizeof(t_all_wire)) {
        is_mem(b.data, t_all_wire, b.len, "byte-exact encoding of every kind");
    }
    wbuf_free(&b);

    memset(&d, 0, sizeof(d));
    d.gate_open = true;
    d.valid = true;
    rc = t_load(t_all_wire, sizeof(t_all_wire), &t_all_vmsd, &d, 2, err,
                sizeof(err), &used);
    is_int(rc, 0, "load every kind");
    is_int(used, sizeof(t_all_wire), "load consumes every byte");
    s.varr[2] = 0;  /* beyond the count, never on the wire */
    is_mem(&d, &s, sizeof(s), "load gives back the saved state");

    /* Version gate: at version 1 the v2 field is neither read nor set. */
    memset(&d, 0, sizeof(d));
    d.gate_open = true;
    d.valid = true;
    d.newer = 0x55;
    memcpy(wire, t_all_wire, sizeof(wire));
    wire[sizeof(wire) - 2] = 0x66;  /* gated moves up one byte */
    rc = t_load(wire, sizeof(wire) - 1, &t_all_vmsd, &d, 1, err, sizeof(err),
                &used);
    is_int(rc, 0, "load at version 1 skips the v2 field");
    is_int(d.newer, 0x55, "v2 field untouched at version 1");
    is_int(d.gated, 0x66, "following field read at its place");

    /* field_exists: a closed gate drops the field on save and load. */
    t_all_fill(&s);
    s.gate_open = false;
    wbuf_init(&b, 0);
    vmstate_save(&b, &t_all_vmsd, &s);
    is_int(b.len, sizeof(t_all_wire) - 1, "field_exists false: not saved");
    wbuf_free(&b);
    memset(&d, 0, sizeof(d));
    d.valid = true;
    rc = t_load(t_all_wire, sizeof(t_all_wire) - 1, &t_all_vmsd, &d, 2, err,
                sizeof(err), NULL);
    ok(rc == 0 && d.gated == 0, "field_exists false: not loaded");

    /* Unused bytes are skipped whatever they hold. */
    memcpy(wire, t_all_wire, sizeof(wire));
    wire[W_UNUSED] = 0x5a;
    memset(&d, 0, sizeof(d));
    d.gate_open = d.valid = true;
    is_int(t_load(wire, sizeof(wire), &t_all_vmsd, &d, 2, err, sizeof(err),
                  NULL), 0, "non-zero unused bytes are skipped");

    /* Every truncation is refused, never read past. */
    for (cut = 0; cut < sizeof(t_all_wire); cut++) {
        memset(&d, 0, sizeof(d));
        d.gate_open = d.valid = true;
        rc = t_load(t_all_wire, cut, &t_all_vmsd, &d, 2, err, sizeof(err),
                    NULL);
        if (rc == 0 || strstr(err, "truncated") == NULL) {
            break;
        }
    }
    is_int(cut, sizeof(t_all_wire), "every truncation refused as truncated");
}

struct t_refusal {
    const char *what;
    size_t at;
    uint8_t value;
    int version;
    const char *msg;
};

static const struct t_refusal t_refusals[] = {
    { "bool 2", W_FLAG, 0x02, 2, "bool value 0x02" },
    { "timer -2", W_TIMER + 7, 0xfe, 2, "timer deadline -2" },
    { "u8 count over capacity", W_N, 0x05, 2,
      "Failed to load all:varr: count 5 exceeds capacity 4" },
    { "vbuffer length over capacity", W_BLEN + 3, 0x09, 2,
      "Failed to load all:vbuf: count 9 exceeds capacity 8" },
    { "negative i32 count", W_NS, 0x80, 2, "count (negative)" },
    { "i32 count over capacity", W_NS + 3, 0x04, 2,
      "Failed to load all:vs: count 4 exceeds capacity 3" },
    { "version too new", 0, 0x81, 3,
      "all: incoming version_id 3 is too new for local version_id 2" },
    { "version too old", 0, 0x81, 0,
      "all: incoming version_id 0 is too old for local minimum "
      "version_id 1" },
};

static void test_refusals(void)
{
    uint8_t wire[sizeof(t_all_wire)];
    struct t_all d;
    char err[256];
    size_t i;
    int rc;

    for (i = 0; i < sizeof(t_refusals) / sizeof(t_refusals[0]); i++) {
        const struct t_refusal *r = &t_refusals[i];

        memcpy(wire, t_all_wire, sizeof(wire));
        wire[r->at] = r->value;
        memset(&d, 0, sizeof(d));
        d.gate_open = d.valid = true;
        rc = t_load(wire, sizeof(wire), &t_all_vmsd, &d, r->version, err,
                    sizeof(err), NULL);
        ok(rc < 0 && strstr(err, r->msg) != NULL, "refused: %s (%s)",
           r->what, err);
    }
    memset(&d, 0, sizeof(d));
    d.gate_open = true;
    rc = t_load(t_all_wire, sizeof(t_all_wire), &t_all_vmsd, &d, 2, err,
                sizeof(err), NULL);
    ok(rc < 0 && strstr(err, "Input validation failed: all/check"),
       "validation pseudo-field refuses (%s)", err);
    ok(strncmp(err, "offset 0x", 9) == 0, "messages carry the byte offset");
}

/* ------------------------------------------------------ subsections */

struct t_sub {
    uint8_t x;
    uint8_t y;
    uint8_t z;
    struct t_inner in;
    bool need_a, need_b;
    int pre_loads, post_loads, post_version, pre_saves;
    int order;          /* post_load sees the subsection already loaded */
};

static bool t_need_a(void *o) { return ((struct t_sub *)o)->need_a; }
static bool t_need_b(void *o) { return ((struct t_sub *)o)->need_b; }

static const struct vmstate_field t_b_fields[] = {
    VMSTATE_U8(z, struct t_sub),
    VMSTATE_END,
};

static const struct vmstate_desc t_b_vmsd = {
    .name = "par/a/b",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = t_need_b,
    .fields = t_b_fields,
};

static const struct vmstate_desc *const t_a_subs[] = { &t_b_vmsd, NULL };

static const struct vmstate_field t_a_fields[] = {
    VMSTATE_U8(y, struct t_sub),
    VMSTATE_END,
};

static const struct vmstate_desc t_a_vmsd = {
    .name = "par/a",
    .version_id = 3,
    .minimum_version_id = 2,
    .needed = t_need_a,
    .fields = t_a_fields,
    .subsections = t_a_subs,
};

static const struct vmstate_desc *const t_par_subs[] = { &t_a_vmsd, NULL };

static int t_pre_save(void *o)
{
    ((struct t_sub *)o)->pre_saves++;
    return 0;
}

static int t_pre_load(void *o)
{
    ((struct t_sub *)o)->pre_loads++;
    return 0;
}

static int t_post_load(void *o, int version_id)
{
    struct t_sub *s = o;

    s->post_loads++;
    s->post_version = version_id;
    s->order = s->y;
    return s->x == 0xee ? -EINVAL : 0;
}

/* A nested struct with its own subsection, inside "par". */
static const struct vmstate_field t_is_fields[] = {
    VMSTATE_U8(b, struct t_inner),
    VMSTATE_END,
};

static bool t_is_needed(void *o) { return ((struct t_inner *)o)->b != 0; }

static const struct vmstate_desc t_is_vmsd = {
    .name = "inr/s",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = t_is_needed,
    .fields = t_is_fields,
};

static const struct vmstate_desc *const t_inr_subs[] = { &t_is_vmsd, NULL };

static const struct vmstate_field t_inr_fields[] = {
    VMSTATE_U16(a, struct t_inner),
    VMSTATE_END,
};

static const struct vmstate_desc t_inr_vmsd = {
    .name = "inr",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = t_inr_fields,
    .subsections = t_inr_subs,
};

static const struct vmstate_field t_par_fields[] = {
    VMSTATE_U8(x, struct t_sub),
    VMSTATE_STRUCT_V(in, struct t_sub, 0, t_inr_vmsd, struct t_inner),
    VMSTATE_END,
};

static const struct vmstate_desc t_par_vmsd = {
    .name = "par",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = t_par_fields,
    .subsections = t_par_subs,
    .pre_save = t_pre_save,
    .pre_load = t_pre_load,
    .post_load = t_post_load,
};

static const uint8_t t_par_plain[] = { 0x10, 0x00, 0x02 };

static const uint8_t t_par_full[] = {
    0x10,                                   /* x */
    0x00, 0x02,                             /* in.a */
    0x05, 5, 'i', 'n', 'r', '/', 's', 0, 0, 0, 1, 0x09,  /* in.b */
    0x05, 5, 'p', 'a', 'r', '/', 'a', 0, 0, 0, 3, 0x20,  /* y */
    0x05, 7, 'p', 'a', 'r', '/', 'a', '/', 'b', 0, 0, 0, 1, 0x30, /* z */
};

static void t_sub_init(struct t_sub *s)
{
    memset(s, 0, sizeof(*s));
    s->x = 0x10;
    s->in.a = 2;
}

static void test_subsections(void)
{
    struct t_sub s, d;
    struct wbuf b;
    uint8_t wire[64];
    char err[256];
    size_t used;
    int rc;

    ok(vmstate_desc_check(&t_par_vmsd, sizeof(struct t_sub)) == 0,
       "subsection tables pass the check");
    t_sub_init(&s);
    wbuf_init(&b, 0);
    vmstate_save(&b, &t_par_vmsd, &s);
    ok(b.len == sizeof(t_par_plain) &&
           memcmp(b.data, t_par_plain, b.len) == 0,
       "not needed: no subsection bytes");
    is_int(s.pre_saves, 1, "pre_save ran once");

    s.need_a = s.need_b = true;
    s.y = 0x20;
    s.z = 0x30;
    s.in.b = 0x09;
    wbuf_reset(&b);
    vmstate_save(&b, &t_par_vmsd, &s);
    is_int(b.len, sizeof(t_par_full), "needed: subsections written");
    if (b.len == sizeof(t_par_full)) {
        is_mem(b.data, t_par_full, b.len,
               "byte-exact nested subsections (struct's own, then parent's)");
    }
    wbuf_free(&b);

    t_sub_init(&d);
    rc = t_load(t_par_full, sizeof(t_par_full), &t_par_vmsd, &d, 1, err,
                sizeof(err), &used);
    ok(rc == 0 && used == sizeof(t_par_full), "load nested subsections (%s)",
       rc ? err : "ok");
    ok(d.y == 0x20 && d.z == 0x30 && d.in.b == 0x09,
       "subsection fields loaded");
    ok(d.pre_loads == 1 && d.post_loads == 1 && d.post_version == 1,
       "pre_load and post_load(version) ran once each");
    is_int(d.order, 0x20, "post_load runs after the subsections");

    /* A subsection of another description is left for the caller. */
    memcpy(wire, t_par_plain, sizeof(t_par_plain));
    memcpy(wire + 3, "\x05\x07other/x\x00\x00\x00\x01", 13);
    t_sub_init(&d);
    rc = t_load(wire, 16, &t_par_vmsd, &d, 1, err, sizeof(err), &used);
    ok(rc == 0 && used == 3, "foreign prefix left unread for the caller");

    /* The bare parent name is too short to be ours: left as well. */
    memcpy(wire + 3, "\x05\x03par\x00\x00\x00\x01", 9);
    rc = t_load(wire, 12, &t_par_vmsd, &d, 1, err, sizeof(err), &used);
    ok(rc == 0 && used == 3, "name without a suffix left for the caller");

    /* Unknown under our prefix: refused with QEMU's message. */
    memcpy(wire + 3, "\x05\x06par/zz\x00\x00\x00\x01\x00", 13);
    rc = t_load(wire, 16, &t_par_vmsd, &d, 1, err, sizeof(err), NULL);
    ok(rc < 0 && strstr(err, "VM subsection 'par/zz' in 'par' does not "
                             "exist"), "unknown subsection refused (%s)", err);

    /* Subsection versions are bounded too. */
    memcpy(wire + 3, "\x05\x05par/a\x00\x00\x00\x04\x20", 12);
    rc = t_load(wire, 15, &t_par_vmsd, &d, 1, err, sizeof(err), NULL);
    ok(rc < 0 && strstr(err, "par/a: incoming version_id 4 is too new"),
       "subsection too new refused (%s)", err);
    memcpy(wire + 3, "\x05\x05par/a\x00\x00\x00\x01\x20", 12);
    rc = t_load(wire, 15, &t_par_vmsd, &d, 1, err, sizeof(err), NULL);
    ok(rc < 0 && strstr(err, "too old"), "subsection too old refused");

    /* Truncated subsection header and body. */
    memcpy(wire + 3, "\x05\x05par/a\x00\x00", 9);
    rc = t_load(wire, 12, &t_par_vmsd, &d, 1, err, sizeof(err), NULL);
    ok(rc < 0 && strstr(err, "truncated"), "truncated subsection header");

    /* post_load may refuse. */
    memcpy(wire, t_par_plain, sizeof(t_par_plain));
    wire[0] = 0xee;
    rc = t_load(wire, 3, &t_par_vmsd, &d, 1, err, sizeof(err), NULL);
    ok(rc < 0 && strstr(err, "post_load of par"), "post_load refusal");
}

/* ---------------------------------------------------- table checks */

struct t_small {
    uint8_t a[4];
    uint8_t n;
};

static const struct vmstate_field t_bad_fields[] = {
    { .name = "a", .kind = VMS_U32, .offset = 0, .size = 4, .num = 2 },
    VMSTATE_END,
};

static const struct vmstate_desc t_bad_vmsd = {
    .name = "bad", .version_id = 1, .fields = t_bad_fields,
};

static const struct vmstate_desc t_badsub = {
    .name = "other/x", .version_id = 1, .fields = t_bad_fields + 1,
};

static const struct vmstate_desc *const t_badsubs[] = { &t_badsub, NULL };

static const struct vmstate_desc t_badsub_parent = {
    .name = "par", .version_id = 1, .fields = t_bad_fields + 1,
    .subsections = t_badsubs,
};

static const struct vmstate_desc t_badver = {
    .name = "v", .version_id = 1, .minimum_version_id = 2,
    .fields = t_bad_fields + 1,
};

static void test_desc_check(void)
{
    is_int(vmstate_desc_check(&t_bad_vmsd, sizeof(struct t_small)), -EINVAL,
           "field past the end of the state refused");
    is_int(vmstate_desc_check(&t_bad_vmsd, 8), 0, "same field fits 8 bytes");
    is_int(vmstate_desc_check(&t_badsub_parent, 8), -EINVAL,
           "subsection not named after its parent refused");
    is_int(vmstate_desc_check(&t_badver, 8), -EINVAL,
           "minimum above version refused");
    is_int(vmstate_desc_extent(&t_all_vmsd),
           offsetof(struct t_all, gated) + 1,
           "extent: end of the furthest field");
    is_int(vmstate_desc_extent(&t_a_vmsd), offsetof(struct t_sub, z) + 1,
           "extent covers subsection fields");
    is_int(vmstate_desc_extent(&t_badsub_parent), 0,
           "extent of a bad table is 0");
}

int main(void)
{
    test_all_kinds();
    test_refusals();
    test_subsections();
    test_desc_check();
    return tap_done();
}
