/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer harness for the stream walker and its layouts
 * (analyze.h, layout.h).
 *
 * Input: either a raw stream, walked with the layouts of QEMU 7.2's
 * reference VMDESCRIPTION (tests/vectors/qemu-7.2/pc-serial.vmdesc.json,
 * read from the current directory or $XENDM_TOP) and of a small table
 * of descriptions defined here that covers every field kind; or, when
 * the input starts with '{', a VMDESCRIPTION JSON up to the first NUL
 * byte followed by the stream it describes, so the JSON side is fuzzed
 * too.  Every accepted stream is rendered (text and JSON) and must
 * re-encode to exactly its input bytes, and a Xen-shaped one must also
 * come back byte for byte through its JSON text (--json, --encode): a
 * difference aborts.
 *
 * Corpus: tests/fuzz/corpus/analyze/ (seeded from the vectors).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../qapi/json.h"
#include "../../src/analyze.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct f_inner {
    uint8_t a;
    uint16_t b;
};

struct f_dev {
    uint8_t u8;
    int16_t i16;
    uint64_t u64;
    bool flag;
    uint8_t n;
    uint8_t vbuf[16];
    uint32_t cnt;
    struct f_inner ins[4];
    int64_t timer;
    uint8_t v2;
};

static const struct vmstate_desc f_inner_sub = {
    .name = "finner/x",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const struct vmstate_field[]) {
        VMSTATE_U8(a, struct f_inner),
        VMSTATE_END,
    },
};

static const struct vmstate_desc f_inner = {
    .name = "finner",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const struct vmstate_field[]) {
        VMSTATE_U8(a, struct f_inner),
        VMSTATE_U16(b, struct f_inner),
        VMSTATE_END,
    },
    .subsections = (const struct vmstate_desc *const[]) { &f_inner_sub,
                                                          NULL },
};

static const struct vmstate_desc f_dev_sub = {
    .name = "fdev/sub",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const struct vmstate_field[]) {
        VMSTATE_U64(u64, struct f_dev),
        VMSTATE_END,
    },
};

static const struct vmstate_desc f_dev = {
    .name = "fdev",
    .version_id = 2,
    .minimum_version_id = 1,
    .fields = (const struct vmstate_field[]) {
        VMSTATE_U8(u8, struct f_dev),
        VMSTATE_I16(i16, struct f_dev),
        VMSTATE_BOOL(flag, struct f_dev),
        VMSTATE_UNUSED(1),
        VMSTATE_U8(n, struct f_dev),
        { .name = "vbuf", .kind = VMS_VBUFFER,
          .offset = offsetof(struct f_dev, vbuf), .size = 16,
          .count = VMS_COUNT_U8, .count_offset = offsetof(struct f_dev, n) },
        VMSTATE_U32(cnt, struct f_dev),
        { .name = "ins", .kind = VMS_STRUCT,
          .offset = offsetof(struct f_dev, ins), .size = sizeof(struct f_inner),
          .num = 4, .count = VMS_COUNT_U32,
          .count_offset = offsetof(struct f_dev, cnt), .vmsd = &f_inner },
        VMSTATE_TIMER(timer, struct f_dev),
        VMSTATE_U8_V(v2, struct f_dev, 2),
        VMSTATE_END,
    },
    .subsections = (const struct vmstate_desc *const[]) { &f_dev_sub, NULL },
};

static const struct vmstate_desc *const f_table[] = { &f_dev, NULL };

/* The per-process context: layouts loaded once, and a sink. */
static struct {
    struct layout_set base;
    FILE *sink;
} fz;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *top = getenv("XENDM_TOP");
    char path[1024], err[256];
    static char buf[1 << 20];
    size_t n = 0;
    FILE *f;

    layout_set_init(&fz.base);
    snprintf(path, sizeof(path), "%s/tests/vectors/qemu-7.2/"
             "pc-serial.vmdesc.json", top != NULL ? top : ".");
    f = fopen(path, "rb");
    if (f != NULL) {
        n = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        layout_set_add_vmdesc_text(&fz.base, buf, n, "reference", err,
                                   sizeof(err));
    }
    layout_set_add_vmsd_table(&fz.base, f_table, "fuzz", err, sizeof(err));
    fz.sink = fopen("/dev/null", "w");
    return 0;
}

/*
 * A Xen-shaped stream with printable idstrs must also survive the trip
 * through JSON text: print, parse, read back, encode, same bytes.
 */
static void fuzz_json_trip(const struct analyze_stream *s,
                           const uint8_t *data, size_t size,
                           const struct layout_set *set, const char *text)
{
    struct analyze_stream back;
    struct json *doc;
    struct wbuf w;
    char err[512];
    size_t i, k;

    if (s->footers || s->vmdesc != NULL || text == NULL) {
        return;
    }
    for (i = 0; i < s->n; i++) {
        if (s->sections[i].type != 0x04) {
            return;
        }
        for (k = 0; s->sections[i].idstr[k] != '\0'; k++) {
            if (s->sections[i].idstr[k] < 0x20 ||
                s->sections[i].idstr[k] >= 0x7f) {
                return;
            }
        }
    }
    doc = json_parse(text, strlen(text), NULL, err, sizeof(err));
    wbuf_init(&w, 0);
    if (doc == NULL || analyze_from_json(doc, set, &back, err,
                                         sizeof(err)) != 0 ||
        analyze_encode(&back, &w, err, sizeof(err)) != 0 || w.len != size ||
        memcmp(w.data, data, size) != 0) {
        fprintf(stderr, "JSON round trip broken: %s\n", err);
        abort();
    }
    wbuf_free(&w);
    analyze_stream_free(&back);
    json_free(doc);
}

static void fuzz_walk(const uint8_t *data, size_t size,
                      const struct layout_set *set)
{
    struct analyze_stream s;
    struct json *doc;
    struct wbuf w;
    char err[512];
    char *text;

    if (analyze_decode(data, size, set, &s, err, sizeof(err)) == 0) {
        doc = analyze_to_json(&s);
        text = doc != NULL ? json_to_string(doc, false, NULL) : NULL;
        fuzz_json_trip(&s, data, size, set, text);
        free(text);
        json_free(doc);
        if (fz.sink != NULL) {
            analyze_print_text(fz.sink, &s);
        }
        wbuf_init(&w, 0);
        if (analyze_encode(&s, &w, err, sizeof(err)) != 0 ||
            w.len != size || memcmp(w.data, data, size) != 0) {
            fprintf(stderr, "round trip broken: %s\n", err);
            abort();
        }
        wbuf_free(&w);
    }
    analyze_stream_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul;
    struct layout_set set;
    char err[256];

    if (size > 0 && data[0] == '{' &&
        (nul = memchr(data, 0, size)) != NULL) {
        layout_set_init(&set);
        if (layout_set_add_vmdesc_text(&set, (const char *)data,
                                       (size_t)(nul - data), "input", err,
                                       sizeof(err)) == 0) {
            fuzz_walk(nul + 1, size - (size_t)(nul - data) - 1, &set);
        }
        layout_set_free(&set);
        return 0;
    }
    fuzz_walk(data, size, &fz.base);
    return 0;
}
