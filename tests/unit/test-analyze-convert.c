/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of `xendm-analyze --convert` (convert.h) on QEMU 7.2's
 * reference streams: modelled sections are kept byte for byte, the
 * others are dropped only with a stated reason, and anything neither
 * modelled nor known to be safe, a device that is not idle, a version
 * xendm does not accept or a body that does not fit xendm's own
 * description refuses the conversion.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../qapi/json.h"
#include "../../src/convert.h"
#include "../tap.h"

static const char *top;

/* Sections the conversion rules drop (see convert.c). */
static const char *const droppable[] = {
    "timer", "cpu_common", "cpu", "kvm-tpr-opt", "apic", "ioapic", "i8259",
    "i8254", "hpet", "fw_cfg", "acpi_build", "globalstate",
    "vmmouse", "pcspk", NULL,
};

static uint8_t *slurp(const char *rel, size_t *len)
{
    char path[1024];
    uint8_t *buf = NULL;
    FILE *f;
    long n;

    snprintf(path, sizeof(path), "%s/%s", top, rel);
    f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n)) != NULL &&
        fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = buf != NULL ? (size_t)n : 0;
    return buf;
}

static bool is_droppable(const char *name)
{
    size_t i;

    for (i = 0; droppable[i] != NULL; i++) {
        if (strcmp(droppable[i], name) == 0) {
            return true;
        }
    }
    return false;
}

/*
 * The reference layouts, and the same minus the droppable devices and
 * minus `without` (may be NULL).
 */
static int load_sets(struct layout_set *all, struct layout_set *modelled,
                     const char *without)
{
    const char *rel = "tests/vectors/qemu-7.2/pc-serial.vmdesc.json";
    char err[256];
    size_t len, i, k = 0;
    uint8_t *buf = slurp(rel, &len);
    int rc;

    layout_set_init(all);
    layout_set_init(modelled);
    if (buf == NULL) {
        return -ENOENT;
    }
    rc = layout_set_add_vmdesc_text(all, (const char *)buf, len, rel, err,
                                    sizeof(err));
    rc = rc ? rc : layout_set_add_vmdesc_text(modelled, (const char *)buf,
                                              len, "modelled", err,
                                              sizeof(err));
    free(buf);
    for (i = 0; rc == 0 && i < modelled->n; i++) {
        if (is_droppable(modelled->entries[i].vmsd->name) ||
            (without != NULL &&
             strcmp(modelled->entries[i].vmsd->name, without) == 0)) {
            free(modelled->entries[i].idstr);
            free(modelled->entries[i].source);
            layout_vmsd_free(modelled->entries[i].vmsd);
        } else {
            modelled->entries[k++] = modelled->entries[i];
        }
    }
    modelled->n = k;
    return rc;
}

/* Decodes and converts a vector; returns convert_stream's result. */
static int convert_file(const char *rel, const struct layout_set *all,
                        const struct layout_set *modelled, struct wbuf *out,
                        char **report, char *err, size_t errlen)
{
    struct analyze_stream s;
    size_t len, rlen;
    uint8_t *buf = slurp(rel, &len);
    FILE *rep = open_memstream(report, &rlen);
    int rc = -ENOENT;

    wbuf_init(out, 0);
    if (buf != NULL && rep != NULL) {
        rc = analyze_decode(buf, len, all, &s, err, errlen);
        if (rc == 0) {
            rc = convert_stream(&s, buf, len, modelled, out, rep, err,
                                errlen);
        }
        analyze_stream_free(&s);
    }
    if (rep != NULL) {
        fclose(rep);
    }
    free(buf);
    return rc;
}

static size_t count_lines(const char *text, const char *prefix)
{
    size_t n = 0;
    const char *p;

    for (p = text; p != NULL && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
        n += strncmp(p, prefix, strlen(prefix)) == 0;
    }
    return n;
}

static void test_keep_and_drop(const struct layout_set *all,
                               const struct layout_set *modelled)
{
    struct wbuf a, b;
    struct analyze_stream s;
    char err[512] = "", *ra = NULL, *rb = NULL;
    size_t i, dropped = 0;

    ok(convert_file("tests/vectors/qemu-7.2/pc-serial-xenlike.bin", all,
                    modelled, &a, &ra, err, sizeof(err)) == 0,
       "xen-like stream converts: %s", err);
    ok(convert_file("tests/vectors/qemu-7.2/pc-serial.bin", all, modelled,
                    &b, &rb, err, sizeof(err)) == 0,
       "full-shape stream converts: %s", err);
    ok(a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
       "both give the same Xen-shaped bytes (footers, globalstate gone)");
    ok(ra != NULL && strstr(ra, "drop 0x000008 'timer' instance 0: QEMU's "
                            "virtual clock") != NULL,
       "each drop is reported with its reason");
    ok(ra != NULL && strstr(ra, "keep 0x000eb1 'mc146818rtc' instance 0 "
                            "version 3\n") != NULL &&
       strstr(ra, "drop 0x000eb1") == NULL,
       "the RTC (CMOS NVRAM) is kept, not dropped");
    ok(rb != NULL && strstr(rb, "drop section footers") != NULL &&
       strstr(rb, "'globalstate'") != NULL,
       "footers and globalstate dropped from the full shape");
    if (analyze_decode(a.data, a.len, all, &s, err, sizeof(err)) == 0) {
        for (i = 0; i < s.n; i++) {
            dropped += is_droppable(s.sections[i].layout->vmsd->name);
        }
        ok(!s.footers && s.vmdesc == NULL && dropped == 0 &&
           s.n == count_lines(ra, "keep "),
           "the output walks: %zu kept sections, none droppable, no footers",
           s.n);
        analyze_stream_free(&s);
    } else {
        ok(0, "the output walks: %s", err);
    }
    is_int(count_lines(ra, "drop ") + count_lines(ra, "keep "), 30,
           "every one of the 30 sections is accounted for");
    wbuf_free(&a);
    wbuf_free(&b);
    free(ra);
    free(rb);
}

static void test_refusals(const struct layout_set *all,
                          const struct layout_set *modelled)
{
    static const struct vmstate_field serial_u32[] = {
        { .name = "x", .kind = VMS_U32 }, VMSTATE_END,
    };
    static const struct vmstate_desc serial_old = {
        .name = "serial", .version_id = 2, .minimum_version_id = 1,
        .fields = serial_u32,
    };
    static const struct vmstate_desc serial_wrong = {
        .name = "serial", .version_id = 3, .minimum_version_id = 1,
        .fields = serial_u32,
    };
    const char *rel = "tests/vectors/qemu-7.2/pc-serial-xenlike.bin";
    struct layout_set set, ref;
    struct wbuf w;
    char err[512] = "", *rep = NULL;

    layout_set_init(&set);
    ok(convert_file(rel, all, &set, &w, &rep, err, sizeof(err)) == -EINVAL &&
       strstr(err, "'PCIHost' instance 0: xendm does not model it") != NULL,
       "a section neither modelled nor droppable refuses: %s", err);
    wbuf_free(&w);
    free(rep);
    /* Everything modelled as before, except xendm's own "serial". */
    layout_set_free(&set);
    load_sets(&ref, &set, "serial");
    layout_set_free(&ref);
    layout_set_add_vmsd(&set, &serial_old, "test", err, sizeof(err));
    ok(convert_file(rel, all, &set, &w, &rep, err, sizeof(err)) == -EINVAL &&
       strstr(err, "has versions 1..2, the stream has version 3") != NULL,
       "a version xendm does not accept refuses: %s", err);
    wbuf_free(&w);
    free(rep);
    layout_set_free(&set);
    load_sets(&ref, &set, "serial");
    layout_set_free(&ref);
    layout_set_add_vmsd(&set, &serial_wrong, "test", err, sizeof(err));
    ok(convert_file(rel, all, &set, &w, &rep, err, sizeof(err)) == -EINVAL &&
       strstr(err, "does not fit xendm's description") != NULL,
       "a body that does not fit xendm's layout refuses: %s", err);
    wbuf_free(&w);
    free(rep);
    layout_set_free(&set);
    (void)modelled;
}

/* A vmmouse with queued events must not be dropped. */
static void test_not_idle(const struct layout_set *all,
                          const struct layout_set *modelled)
{
    const char *rel = "tests/vectors/qemu-7.2/pc-serial-xenlike.bin";
    struct analyze_stream s;
    struct wbuf w;
    char err[512] = "";
    size_t len, i;
    uint8_t *buf = slurp(rel, &len);

    if (buf == NULL || analyze_decode(buf, len, all, &s, err, sizeof(err))) {
        ok(0, "decode %s: %s", rel, err);
        free(buf);
        return;
    }
    for (i = 0; i < s.n; i++) {
        if (strcmp(s.sections[i].idstr, "vmmouse") == 0) {
            json_object_set(s.sections[i].fields, "nb_queue",
                            json_new_int(3));
        }
    }
    wbuf_init(&w, 0);
    ok(convert_stream(&s, buf, len, modelled, &w, NULL, err, sizeof(err)) ==
           -EINVAL && strstr(err, "not idle (nb_queue is not 0)") != NULL,
       "a device with pending state is not dropped: %s", err);
    wbuf_free(&w);
    analyze_stream_free(&s);
    free(buf);
}

int main(void)
{
    struct layout_set all, modelled;

    top = getenv("top_srcdir") != NULL ? getenv("top_srcdir") : ".";
    is_int(load_sets(&all, &modelled, NULL), 0, "reference layouts load");
    test_keep_and_drop(&all, &modelled);
    test_refusals(&all, &modelled);
    test_not_idle(&all, &modelled);
    layout_set_free(&all);
    layout_set_free(&modelled);
    return tap_done();
}
