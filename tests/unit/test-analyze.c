/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of the stream walker (analyze.h) on the reference vectors:
 * QEMU 7.2's streams decode completely with the VMDESCRIPTION layouts,
 * the serial registers read back, decode-then-encode gives the same
 * bytes for every vector, every negative vector is refused with its
 * reason, and cut or bit-flipped streams are refused without a crash.
 * Layouts from xendm's own descriptions are tested in
 * test-analyze-vmsd.c.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../qapi/json.h"
#include "../../src/analyze.h"
#include "../tap.h"

static const char *top;

static uint8_t *slurp(const char *rel, size_t *len)
{
    char path[1024];
    uint8_t *buf;
    FILE *f;
    long n;

    snprintf(path, sizeof(path), "%s/%s", top, rel);
    f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static int add_layouts(struct layout_set *set, const char *rel)
{
    char err[256];
    size_t len;
    uint8_t *buf = slurp(rel, &len);
    int rc;

    if (buf == NULL) {
        return -ENOENT;
    }
    rc = layout_set_add_vmdesc_text(set, (const char *)buf, len, rel, err,
                                    sizeof(err));
    if (rc < 0) {
        printf("# %s\n", err);
    }
    free(buf);
    return rc;
}

static const struct analyze_section *find_section(
    const struct analyze_stream *s, const char *idstr)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        if (strcmp(s->sections[i].idstr, idstr) == 0) {
            return &s->sections[i];
        }
    }
    return NULL;
}

static int64_t field_int(const struct json *obj, const char *a, const char *b)
{
    int64_t v = -12345;

    json_int64(json_get(b != NULL ? json_get(obj, a) : obj, b ? b : a), &v);
    return v;
}

static void test_serial_values(const struct layout_set *set, const char *rel)
{
    struct analyze_stream s;
    const struct analyze_section *sec;
    char err[512];
    size_t len;
    uint8_t *buf = slurp(rel, &len);

    if (!ok(buf != NULL, "%s readable", rel)) {
        return;
    }
    is_int(analyze_decode(buf, len, set, &s, err, sizeof(err)), 0,
           "%s decodes completely", rel);
    sec = find_section(&s, "serial");
    ok(sec != NULL, "%s has a serial section", rel);
    if (sec != NULL) {
        is_int(field_int(sec->fields, "state", "divider"), 12,
               "%s: serial divider 12", rel);
        is_int(field_int(sec->fields, "state", "lsr"), 0x60,
               "%s: serial lsr 0x60", rel);
        is_int(field_int(sec->fields, "state", "msr"), 0xb0,
               "%s: serial msr 0xb0", rel);
    }
    sec = find_section(&s, "pckbd");
    ok(sec != NULL &&
       json_get(json_get(json_get(sec->fields, "kbd"), "subsections"),
                "pckbd/extended_state") != NULL,
       "%s: pckbd's nested struct keeps its subsection", rel);
    sec = find_section(&s, "fw_cfg");
    ok(sec != NULL && json_get(sec->subsections, "fw_cfg/acpi_mr") != NULL,
       "%s: fw_cfg's top-level subsections decoded", rel);
    analyze_stream_free(&s);
    free(buf);
}

/* Decode, encode, compare: for every file of a vectors directory. */
static void test_round_trip_dir(const struct layout_set *set,
                                const char *reldir)
{
    char path[1024], rel[1024], err[512];
    struct analyze_stream s;
    struct dirent *de;
    struct wbuf w;
    size_t len, n = 0;
    uint8_t *buf;
    DIR *d;

    snprintf(path, sizeof(path), "%s/%s", top, reldir);
    d = opendir(path);
    if (!ok(d != NULL, "%s listed", reldir)) {
        return;
    }
    while ((de = readdir(d)) != NULL) {
        size_t nl = strlen(de->d_name);

        if (nl < 4 || strcmp(de->d_name + nl - 4, ".bin") != 0) {
            continue;
        }
        snprintf(rel, sizeof(rel), "%s/%s", reldir, de->d_name);
        buf = slurp(rel, &len);
        wbuf_init(&w, 0);
        ok(buf != NULL &&
           analyze_decode(buf, len, set, &s, err, sizeof(err)) == 0 &&
           analyze_encode(&s, &w, err, sizeof(err)) == 0 && w.len == len &&
           memcmp(w.data, buf, len) == 0,
           "%s: decode then encode gives the same %zu bytes", rel, len);
        if (buf != NULL) {
            analyze_stream_free(&s);
        }
        wbuf_free(&w);
        free(buf);
        n++;
    }
    closedir(d);
    ok(n >= 2, "%s: %zu vectors round-tripped", reldir, n);
}

static void test_negative(const struct layout_set *set)
{
    static const struct {
        const char *file, *reason;
    } neg[] = {
        { "badmagic.bin", "offset 0x000000: bad magic" },
        { "no-eof.bin", "truncated: no EOF" },
        { "serial-version4.bin", "the stream has version 4" },
        { "truncated-4096.bin", "offset 0x001000: truncated" },
        { "unknown-idstr.bin", "no layout for section 'serjal'" },
        { "version2.bin", "version 2 is obsolete" },
        { "version4.bin", "unsupported stream version 4" },
    };
    struct analyze_stream s;
    char rel[256], err[512];
    size_t i, len;
    uint8_t *buf;

    for (i = 0; i < sizeof(neg) / sizeof(neg[0]); i++) {
        snprintf(rel, sizeof(rel), "tests/vectors/qemu-7.2/neg/%s",
                 neg[i].file);
        buf = slurp(rel, &len);
        err[0] = '\0';
        ok(buf != NULL &&
           analyze_decode(buf, len, set, &s, err, sizeof(err)) == -EINVAL &&
           strstr(err, neg[i].reason) != NULL,
           "%s refused: %s", neg[i].file, err);
        if (buf != NULL) {
            analyze_stream_free(&s);
        }
        free(buf);
    }
}

/* Every cut of a stream is refused; flipped bytes never crash. */
static void test_mangled(const struct layout_set *set, const char *rel)
{
    struct analyze_stream s;
    size_t len, cut, refused = 0, tried = 0, i;
    uint8_t *buf = slurp(rel, &len), *copy;
    char err[512];

    if (!ok(buf != NULL, "%s readable", rel)) {
        return;
    }
    for (cut = 0; cut < len; cut += cut < 64 || len - cut < 64 ? 1 : 97) {
        tried++;
        if (analyze_decode(buf, cut, set, &s, err, sizeof(err)) == -EINVAL &&
            strncmp(err, "offset 0x", 9) == 0) {
            refused++;
        }
        analyze_stream_free(&s);
    }
    is_int(refused, tried, "%s: all %zu cuts refused with an offset", rel,
           tried);
    copy = malloc(len);
    for (i = 0; copy != NULL && i < len; i += 13) {
        memcpy(copy, buf, len);
        copy[i] ^= (uint8_t)(1u << (i % 8));
        analyze_decode(copy, len, set, &s, err, sizeof(err));
        analyze_stream_free(&s);
    }
    ok(copy != NULL, "%s: bit flips every 13 bytes walked without a crash",
       rel);
    free(copy);
    free(buf);
}

static void test_full_stream(void)
{
    const char *rel = "tests/vectors/xendm-made/serial-div6-full.bin";
    const struct analyze_section *sec;
    struct analyze_stream s;
    struct json *doc;
    char err[512];
    size_t len;
    uint8_t *buf = slurp(rel, &len);

    if (!ok(buf != NULL, "%s readable", rel)) {
        return;
    }
    is_int(analyze_decode(buf, len, NULL, &s, err, sizeof(err)), 0,
           "a full QEMU stream walks on its own VMDESCRIPTION: %s", err);
    ok(s.footers && s.vmdesc != NULL, "footers and VMDESCRIPTION seen");
    ok(s.n > 0 && s.sections[0].type == 0x07 &&
       strcmp(json_string(json_get(s.sections[0].fields, "name")),
              "70632d6934343066782d372e32") == 0,
       "configuration section names pc-i440fx-7.2");
    sec = find_section(&s, "ram");
    ok(sec != NULL && sec->type == 0x01 && json_get(sec->fields, "blocks"),
       "RAM START section lists its blocks");
    sec = find_section(&s, "serial");
    ok(sec != NULL && field_int(sec->fields, "state", "divider") == 6 &&
       strcmp(sec->layout->source, "the stream's VMDESCRIPTION") == 0,
       "serial divider 6, from the stream's own layouts");
    doc = analyze_to_json(&s);
    ok(doc != NULL && json_array_len(json_get(doc, "sections")) == s.n,
       "JSON document lists every section");
    json_free(doc);
    analyze_stream_free(&s);
    free(buf);
}

int main(void)
{
    struct layout_set set;

    top = getenv("top_srcdir") != NULL ? getenv("top_srcdir") : ".";
    layout_set_init(&set);
    is_int(add_layouts(&set, "tests/vectors/qemu-7.2/pc-serial.vmdesc.json"),
           0, "reference VMDESCRIPTION parses into layouts");
    is_int(add_layouts(&set, "tests/vectors/xendm-made/pc-m16.vmdesc.json"),
           0, "QEMU-made VMDESCRIPTION parses into layouts");
    test_serial_values(&set, "tests/vectors/qemu-7.2/pc-serial-xenlike.bin");
    test_serial_values(&set, "tests/vectors/qemu-7.2/pc-serial.bin");
    test_round_trip_dir(&set, "tests/vectors/qemu-7.2");
    test_round_trip_dir(&set, "tests/vectors/xendm-made");
    test_negative(&set);
    test_mangled(&set, "tests/vectors/qemu-7.2/pc-serial-xenlike.bin");
    test_mangled(&set, "tests/vectors/qemu-7.2/pc-serial.bin");
    test_full_stream();
    layout_set_free(&set);
    return tap_done();
}
