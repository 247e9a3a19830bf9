/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer harness for the device-state stream reader.
 *
 * The registry is the pc-serial-xenlike set (tests/unit/savevm-fixtures.c:
 * the real "timer" description, the serial test double with its
 * subsection, raw doubles for the rest, RAM entries in QEMU's gaps),
 * every description of hw/vmsd-table.c under its own name, and an
 * "fz" section exercising every field kind: variable arrays, a
 * variable buffer, nested structs with subsections, bools, timers.
 * Seeds are QEMU 7.2's vectors (tests/fuzz/corpus/stream/).
 *
 * Oracles, besides the sanitizers: a refused input leaves every
 * registered state byte-identical (all-or-nothing); an accepted input
 * saves to a stream that loads again and saves to the same bytes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../hw/vmsd-table.h"
#include "../unit/savevm-fixtures.h"

struct fz_inner {
    uint16_t a;
    bool b;
};

struct fz_state {
    uint8_t n;
    uint32_t arr[6];
    uint16_t blen;
    uint8_t buf[16];
    int32_t ns;
    struct fz_inner in[3];
    int64_t deadline;
    bool flag;
    uint8_t extra;
};

static bool fz_in_sub_needed(void *o) { return ((struct fz_inner *)o)->b; }

static const struct vmstate_field fz_in_sub_fields[] = {
    VMSTATE_BOOL(b, struct fz_inner),
    VMSTATE_END,
};

static const struct vmstate_desc fz_in_sub = {
    .name = "inner/b", .version_id = 1, .minimum_version_id = 1,
    .needed = fz_in_sub_needed, .fields = fz_in_sub_fields,
};

static const struct vmstate_desc *const fz_in_subs[] = { &fz_in_sub, NULL };

static const struct vmstate_field fz_in_fields[] = {
    VMSTATE_U16(a, struct fz_inner),
    VMSTATE_END,
};

static const struct vmstate_desc fz_in = {
    .name = "inner", .version_id = 2, .minimum_version_id = 1,
    .fields = fz_in_fields, .subsections = fz_in_subs,
};

static bool fz_extra_needed(void *o) { return ((struct fz_state *)o)->extra; }

static const struct vmstate_field fz_extra_fields[] = {
    VMSTATE_U8(extra, struct fz_state),
    VMSTATE_END,
};

static const struct vmstate_desc fz_extra = {
    .name = "fz/extra", .version_id = 1, .minimum_version_id = 1,
    .needed = fz_extra_needed, .fields = fz_extra_fields,
};

static const struct vmstate_desc *const fz_subs[] = { &fz_extra, NULL };

static bool fz_valid(void *o, int version_id)
{
    return ((struct fz_state *)o)->n != 5;
}

static const struct vmstate_field fz_fields[] = {
    VMSTATE_U8(n, struct fz_state),
    VMSTATE_VARRAY_U8_V(VMS_U32, arr, struct fz_state, n, 0),
    VMSTATE_U16(blen, struct fz_state),
    VMSTATE_VBUFFER_U16_V(buf, struct fz_state, blen, 0),
    VMSTATE_I32(ns, struct fz_state),
    VMSTATE_TIMER_V(deadline, struct fz_state, 2),
    VMSTATE_BOOL_V(flag, struct fz_state, 2),
    /*
     * Last, and named so neither name prefixes the other: QEMU's wire
     * format cannot tell a nested struct's subsection from following
     * bytes that happen to look like one, so an oracle that demands
     * save(load(x)) == x must not put fields after a struct that has
     * subsections (real devices avoid it the same way).
     */
    VMSTATE_STRUCT_VARRAY_I32_V(in, struct fz_state, ns, 0, fz_in,
                                struct fz_inner),
    VMSTATE_VALIDATE("n_not_5", fz_valid),
    VMSTATE_END,
};

static const struct vmstate_desc fz_vmsd = {
    .name = "fz", .version_id = 2, .minimum_version_id = 1,
    .fields = fz_fields, .subsections = fz_subs,
};

static struct fixture fx;
static struct fz_state fz;
static void *table_state[64];
static size_t table_size[64];

static bool fz_zero_state_ok(const struct savevm_reg *reg)
{
    struct savevm *sv = savevm_new();
    struct wbuf w;
    char err[256];
    bool ok;

    if (sv == NULL) {
        abort();
    }
    wbuf_init(&w, 0);
    ok = savevm_register(sv, reg) == 0 &&
         savevm_save_buf(sv, &w, 0, err, sizeof(err)) == 0 &&
         savevm_load_buf(sv, w.data, w.len, err, sizeof(err)) == 0;
    wbuf_free(&w);
    savevm_free(sv);
    return ok;
}

static void fz_setup(void)
{
    struct savevm_reg reg = { .idstr = "fz", .instance_id = 0, .alias_id = -1,
                              .vmsd = &fz_vmsd, .opaque = &fz,
                              .size = sizeof(fz) };
    size_t i;

    if (fix_build_table(&fx, fix_pc_serial, true) < 0 ||
        savevm_register(fx.sv, &reg) < 0) {
        abort();
    }
    for (i = 0; vmsd_table[i] != NULL && i < 64; i++) {
        reg.idstr = vmsd_table[i]->name;
        reg.vmsd = vmsd_table[i];
        reg.size = table_size[i] = vmstate_desc_extent(vmsd_table[i]);
        reg.opaque = table_state[i] = calloc(1, reg.size ? reg.size : 1);
        reg.instance_id = -1;
        /*
         * An all-zero struct is not a valid state of every device (PCI
         * config validators compare against the device's identity), and
         * the round-trip oracle below needs every registered state to
         * be one the device could have written: register only those
         * descriptions whose zero state saves and loads back on its own.
         * The devices' real states are round-tripped by their own tests.
         */
        if (fz_zero_state_ok(&reg)) {
            savevm_register(fx.sv, &reg);   /* "timer" is already there */
        }
    }
    /*
     * Device descriptions (hw/emu) are not a fixed point from an
     * all-zero state: their post_load hooks normalise it as QEMU's do
     * (the PS/2 reply pointer, the UART's pending flags).  Start from
     * the state one save/load cycle gives; that one must round-trip.
     */
    {
        struct wbuf w;

        wbuf_init(&w, 0);
        if (savevm_save_buf(fx.sv, &w, 0, NULL, 0) < 0 ||
            savevm_load_buf(fx.sv, w.data, w.len, NULL, 0) < 0) {
            abort();
        }
        wbuf_free(&w);
    }
}

static uint8_t *fz_snapshot(size_t *len)
{
    size_t n, i;
    uint8_t *a = fix_snapshot(&fx, &n), *b;

    b = realloc(a, n + sizeof(fz));
    if (b == NULL) {
        abort();
    }
    memcpy(b + n, &fz, sizeof(fz));
    n += sizeof(fz);
    for (i = 0; vmsd_table[i] != NULL && i < 64; i++) {
        b = realloc(b, n + table_size[i]);
        if (b == NULL) {
            abort();
        }
        memcpy(b + n, table_state[i], table_size[i]);
        n += table_size[i];
    }
    *len = n;
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    uint8_t *before, *after;
    size_t blen, alen;
    struct wbuf w1, w2;
    char err[512];

    if (!ready) {
        fz_setup();
        ready = true;
    }
    before = fz_snapshot(&blen);
    if (savevm_load_buf(fx.sv, data, size, err, sizeof(err)) < 0) {
        after = fz_snapshot(&alen);
        if (alen != blen || memcmp(before, after, blen) != 0) {
            abort();    /* a refused load changed state */
        }
        free(before);
        free(after);
        return 0;
    }
    free(before);
    wbuf_init(&w1, 0);
    wbuf_init(&w2, 0);
    if (savevm_save_buf(fx.sv, &w1, 0, err, sizeof(err)) < 0 ||
        savevm_load_buf(fx.sv, w1.data, w1.len, err, sizeof(err)) < 0 ||
        savevm_save_buf(fx.sv, &w2, 0, err, sizeof(err)) < 0 ||
        w1.len != w2.len || memcmp(w1.data, w2.data, w1.len) != 0) {
        fprintf(stderr, "round trip failed: %s\n", err);
        abort();    /* what we accept we must write and read back */
    }
    wbuf_free(&w1);
    wbuf_free(&w2);
    return 0;
}
