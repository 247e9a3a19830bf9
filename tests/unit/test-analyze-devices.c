/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xendm's own device descriptions (hw/emu) as analyzer layouts, against
 * the bytes QEMU 7.2 wrote: every section of the reference and
 * QEMU-made streams that one of xendm's descriptions names must walk
 * to its exact end with xendm's layout, and a whole stream decoded
 * with xendm's layouts first (QEMU's VMDESCRIPTION for the rest) must
 * give QEMU's values and re-encode to the same bytes.  This is the
 * wire-compatibility check of those descriptions, seen from the
 * analyzer's side.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../hw/emu/chipset.h"
#include "../../hw/emu/cmos.h"
#include "../../hw/emu/pci.h"
#include "../../hw/emu/pckbd.h"
#include "../../hw/emu/platform.h"
#include "../../hw/emu/ps2.h"
#include "../../hw/emu/serial.h"
#include "../../qapi/json.h"
#include "../../src/analyze.h"
#include "../tap.h"

static const struct vmstate_desc *const devices[] = {
    &serial_isa_vmsd, &pckbd_isa_vmsd, &ps2_kbd_vmsd, &ps2_mouse_vmsd,
    &i440fx_vmsd,     &piix3_vmsd,     &pci_host_vmsd, &pci_bus_vmsd,
    &platform_vmsd,   &cmos_vmsd,      NULL,
};

static const char *const vectors[] = {
    "tests/vectors/qemu-7.2/pc-serial-xenlike.bin",
    "tests/vectors/qemu-7.2/pc-serial.bin",
    "tests/vectors/xendm-made/serial-div6-xenlike.bin",
    "tests/vectors/xendm-made/serial-fifo-xenlike.bin",
    "tests/vectors/xendm-made/serial-div6-full.bin",
    NULL,
};

static const char *top;

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

/* Adds QEMU's layouts for the devices `xendm` does not describe. */
static int add_reference(struct layout_set *set, const struct layout_set *xd)
{
    const char *rel = "tests/vectors/qemu-7.2/pc-serial.vmdesc.json";
    struct layout_set ref;
    char err[256];
    size_t len, i;
    uint8_t *buf = slurp(rel, &len);
    int rc = -ENOENT;

    layout_set_init(&ref);
    if (buf != NULL) {
        rc = layout_set_add_vmdesc_text(&ref, (const char *)buf, len, rel,
                                        err, sizeof(err));
    }
    for (i = 0; rc == 0 && i < ref.n; i++) {
        struct layout_entry *e = &ref.entries[i];

        if (xd == NULL || !layout_set_knows(xd, e->idstr)) {
            rc = layout_set_push(set, e->idstr, e->instance_id, e->source,
                                 e->vmsd);
            e->vmsd = NULL;
        }
    }
    layout_set_free(&ref);
    free(buf);
    return rc;
}

/* Every section xendm describes walks exactly with xendm's layout. */
static void test_sections_fit(const struct layout_set *xd,
                              const struct layout_set *ref, const char *rel)
{
    const struct layout_entry *e;
    struct analyze_stream s;
    size_t len, i, matched = 0, fit = 0;
    uint8_t *buf = slurp(rel, &len);
    char err[512] = "", why[512];

    if (buf == NULL || analyze_decode(buf, len, ref, &s, err, sizeof(err))) {
        ok(0, "%s decodes with QEMU's layouts: %s", rel, err);
        free(buf);
        return;
    }
    for (i = 0; i < s.n; i++) {
        const struct analyze_section *sec = &s.sections[i];

        if (sec->type != 0x04 || !layout_set_knows(xd, sec->idstr)) {
            continue;
        }
        matched++;
        e = layout_set_find(xd, sec->idstr, sec->instance_id,
                            sec->version_id, why, sizeof(why));
        if (e != NULL &&
            analyze_check_body(buf + sec->body_offset,
                               sec->body_end - sec->body_offset, e->vmsd,
                               sec->version_id, why, sizeof(why)) == 0) {
            fit++;
        } else {
            printf("# %s '%s': %s\n", rel, sec->idstr, why);
        }
    }
    ok(matched >= 8 && fit == matched,
       "%s: %zu of %zu sections xendm describes walk exactly with xendm's "
       "layouts", rel, fit, matched);
    analyze_stream_free(&s);
    free(buf);
}

/* Decoded with xendm's layouts first: QEMU's values, same bytes back. */
static void test_mixed_decode(const struct layout_set *mixed, const char *rel)
{
    const struct analyze_section *serial = NULL;
    struct analyze_stream s;
    struct wbuf w;
    size_t len, i;
    uint8_t *buf = slurp(rel, &len);
    char err[512] = "";
    int64_t div = -1, lsr = -1;

    if (buf == NULL || analyze_decode(buf, len, mixed, &s, err, sizeof(err))) {
        ok(0, "%s decodes with xendm's layouts first: %s", rel, err);
        free(buf);
        return;
    }
    for (i = 0; i < s.n; i++) {
        if (strcmp(s.sections[i].idstr, "serial") == 0) {
            serial = &s.sections[i];
        }
    }
    if (serial != NULL) {
        json_int64(json_get(json_get(serial->fields, "state"), "divider"),
                   &div);
        json_int64(json_get(json_get(serial->fields, "state"), "lsr"), &lsr);
    }
    ok(serial != NULL && strcmp(serial->layout->source, "xendm") == 0 &&
       div == 12 && lsr == 0x60,
       "%s: serial walked by xendm's description reads divider 12, lsr 0x60",
       rel);
    wbuf_init(&w, 0);
    ok(analyze_encode(&s, &w, err, sizeof(err)) == 0 && w.len == len &&
       memcmp(w.data, buf, len) == 0,
       "%s: re-encoded through xendm's layouts, the same bytes", rel);
    wbuf_free(&w);
    analyze_stream_free(&s);
    free(buf);
}

int main(void)
{
    struct layout_set xd, ref, mixed;
    char err[256] = "";
    size_t i;
    int rc = 0;

    top = getenv("top_srcdir") != NULL ? getenv("top_srcdir") : ".";
    layout_set_init(&xd);
    layout_set_init(&ref);
    layout_set_init(&mixed);
    for (i = 0; devices[i] != NULL && rc == 0; i++) {
        rc = layout_set_add_vmsd(&xd, devices[i], "xendm", err, sizeof(err));
        rc = rc ? rc : layout_set_add_vmsd(&mixed, devices[i], "xendm", err,
                                           sizeof(err));
    }
    is_int(rc, 0, "xendm's HVM device descriptions convert to layouts %s",
           err);
    is_int(add_reference(&ref, NULL), 0, "QEMU's reference layouts load");
    is_int(add_reference(&mixed, &xd), 0, "mixed layouts load");
    for (i = 0; vectors[i] != NULL; i++) {
        test_sections_fit(&xd, &ref, vectors[i]);
    }
    test_mixed_decode(&mixed, "tests/vectors/qemu-7.2/pc-serial-xenlike.bin");
    test_mixed_decode(&mixed, "tests/vectors/qemu-7.2/pc-serial.bin");
    layout_set_free(&xd);
    layout_set_free(&ref);
    layout_set_free(&mixed);
    return tap_done();
}
