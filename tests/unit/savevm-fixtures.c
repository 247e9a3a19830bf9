/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Registry fixtures shaped like QEMU 7.2's reference streams (see
 * savevm-fixtures.h for what is real and what is a test double).
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "savevm-fixtures.h"

/* ------------------------------------- the serial test double */

/* As QEMU's serial: the subsection carries thr_ipending only when it
 * differs from what IIR implies; otherwise post_load derives it. */
#define FIX_IIR_ID 0x0e
#define FIX_IIR_THRI 0x02

static int32_t fix_thr_implied(const struct fix_serial_state *s)
{
    return (s->iir & FIX_IIR_ID) == FIX_IIR_THRI;
}

static bool fix_thr_needed(void *opaque)
{
    struct fix_serial_state *s = opaque;

    return s->thr_ipending != fix_thr_implied(s);
}

static int fix_uart_pre_load(void *opaque)
{
    ((struct fix_serial_state *)opaque)->thr_ipending = -1;
    return 0;
}

static int fix_uart_post_load(void *opaque, int version_id)
{
    struct fix_serial_state *s = opaque;

    if (s->thr_ipending == -1) {
        s->thr_ipending = fix_thr_implied(s);
    }
    return 0;
}

static const struct vmstate_field fix_thr_fields[] = {
    VMSTATE_I32(thr_ipending, struct fix_serial_state),
    VMSTATE_END,
};

static const struct vmstate_desc fix_thr_vmsd = {
    .name = "serial/thr_ipending",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = fix_thr_needed,
    .fields = fix_thr_fields,
};

static const struct vmstate_desc *const fix_serial_subs[] = {
    &fix_thr_vmsd,
    NULL,
};

static const struct vmstate_field fix_uart_fields[] = {
    VMSTATE_U16_V(divider, struct fix_serial_state, 2),
    VMSTATE_U8(rbr, struct fix_serial_state),
    VMSTATE_U8(ier, struct fix_serial_state),
    VMSTATE_U8(iir, struct fix_serial_state),
    VMSTATE_U8(lcr, struct fix_serial_state),
    VMSTATE_U8(mcr, struct fix_serial_state),
    VMSTATE_U8(lsr, struct fix_serial_state),
    VMSTATE_U8(msr, struct fix_serial_state),
    VMSTATE_U8(scr, struct fix_serial_state),
    VMSTATE_U8_V(fcr_vmstate, struct fix_serial_state, 3),
    VMSTATE_END,
};

static const struct vmstate_desc fix_uart_vmsd = {
    .name = "serial",
    .version_id = 3,
    .minimum_version_id = 2,
    .fields = fix_uart_fields,
    .subsections = fix_serial_subs,
    .pre_load = fix_uart_pre_load,
    .post_load = fix_uart_post_load,
};

static const struct vmstate_field fix_serial_fields[] = {
    VMSTATE_STRUCT_V(state, struct fix_serial, 0, fix_uart_vmsd,
                     struct fix_serial_state),
    VMSTATE_END,
};

const struct vmstate_desc fix_serial_vmsd = {
    .name = "serial",
    .version_id = 3,
    .minimum_version_id = 2,
    .fields = fix_serial_fields,
};

/* ---------------------------------------------------------- files */

const char *fix_vector(const char *name)
{
    static char path[4096];
    const char *top = getenv("top_srcdir");

    snprintf(path, sizeof(path), "%s/tests/vectors/qemu-7.2/%s",
             top != NULL ? top : "..", name);
    return path;
}

uint8_t *fix_read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;

    if (fp == NULL) {
        return NULL;
    }
    if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
        fseek(fp, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf != NULL && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
        *len = (size_t)n;
    }
    fclose(fp);
    return buf;
}

/* ------------------------------------------------------- registry */

static void fix_loaded(void *opaque)
{
    (void)opaque;
}

/* A device would re-arm timers and re-drive IRQ lines here; the
 * fixture counts the calls (the state is inside struct fixture). */
static void fix_serial_loaded(void *opaque)
{
    struct fixture *f =
        (struct fixture *)((char *)opaque - offsetof(struct fixture, serial));

    f->loaded_calls++;
}

static int fix_add_gap(struct fixture *f, unsigned id)
{
    char name[32];
    struct savevm_reg reg = {
        .idstr = name, .instance_id = 0, .alias_id = -1,
        .flags = SAVEVM_F_RAM, .opaque = &f->ram_dummy, .size = 1,
        .version_id = 4,
    };

    if (id == 1) {
        strcpy(name, "ram");
    } else {
        snprintf(name, sizeof(name), "gap-%u", id);
    }
    return savevm_register(f->sv, &reg);
}

static int fix_add_raw(struct fixture *f, const char *idstr, int instance,
                       int version, size_t len)
{
    struct fix_raw *r;
    struct savevm_reg reg = { .idstr = idstr, .instance_id = instance,
                              .alias_id = -1, .loaded = fix_loaded };

    if (f->nraw == FIX_MAX_RAW) {
        return -ENOSPC;
    }
    r = &f->raw[f->nraw];
    memset(r, 0, sizeof(*r));
    r->len = len;
    r->data = malloc(len ? len : 1);
    if (r->data == NULL) {
        return -ENOMEM;
    }
    memset(r->data, 0xa5, len);
    snprintf(r->name, sizeof(r->name), "%s", idstr);
    r->fields[0] = (struct vmstate_field){ .name = "raw", .kind = VMS_BUFFER,
                                           .size = len };
    if (len == 0) {
        r->fields[0] = (struct vmstate_field)VMSTATE_END;
    }
    r->vmsd = (struct vmstate_desc){ .name = r->name, .version_id = version,
                                     .minimum_version_id = version,
                                     .fields = r->fields };
    reg.vmsd = &r->vmsd;
    reg.opaque = r->data;
    reg.size = len ? len : 1;
    f->nraw++;
    return savevm_register(f->sv, &reg);
}

static int fix_add(struct fixture *f, const char *idstr, int instance,
                   int version, size_t len)
{
    struct savevm_reg reg = { .idstr = idstr, .instance_id = instance,
                              .alias_id = -1 };

    if (strcmp(idstr, "timer") == 0 && version == 2 && len == 24) {
        return cpu_timers_register(f->sv, &f->timers);
    }
    if (strcmp(idstr, "serial") == 0) {
        reg.vmsd = &fix_serial_vmsd;
        reg.opaque = &f->serial;
        reg.size = sizeof(f->serial);
        reg.alias_id = 0x3f8;       /* QEMU: the ISA iobase */
        reg.loaded = fix_serial_loaded;
        return savevm_register(f->sv, &reg);
    }
    return fix_add_raw(f, idstr, instance, version, len);
}

/*
 * The sections of pc-serial.bin (QEMU 7.2, -M pc, one isa-serial) as
 * its pc-serial.dump.txt lists them: id, idstr, instance, version and
 * body length.  pc-serial-xenlike.bin has the same minus globalstate.
 */
const struct fix_section fix_pc_serial[] = {
    { 0, "timer", 0, 2, 24 },
    { 4, "cpu_common", 0, 1, 8 },
    { 5, "cpu", 0, 12, 1851 },
    { 6, "kvm-tpr-opt", 0, 1, 144 },
    { 7, "apic", 0, 3, 181 },
    { 8, "fw_cfg", 0, 2, 74 },
    { 9, "PCIHost", 0, 1, 4 },
    { 10, "PCIBUS", 0, 1, 20 },
    { 11, "0000:00:00.0/I440FX", 0, 3, 277 },
    { 12, "dma", 0, 1, 75 },
    { 13, "dma", 1, 1, 75 },
    { 14, "0000:00:01.0/PIIX3", 0, 3, 292 },
    { 15, "i8259", 0, 1, 16 },
    { 16, "i8259", 1, 1, 16 },
    { 17, "ioapic", 0, 3, 206 },
    { 18, "hpet", 0, 2, 151 },
    { 19, "mc146818rtc", 0, 3, 245 },
    { 20, "i8254", 0, 3, 108 },
    { 21, "pcspk", 0, 1, 2 },
    { 22, "fdc", 0, 2, 593 },
    { 23, "ps2kbd", 0, 3, 284 },
    { 24, "ps2mouse", 0, 2, 291 },
    { 25, "pckbd", 0, 3, 40 },
    { 26, "vmmouse", 0, 0, 4105 },
    { 27, "port92", 0, 1, 1 },
    { 28, "0000:00:01.1/ide", 0, 3, 430 },
    { 29, "i2c_bus", 0, 1, 1 },
    { 30, "0000:00:01.3/piix4_pm", 0, 3, 2432 },
    { 39, "serial", 0, 3, 11 },
    { 40, "acpi_build", 0, 1, 1 },
    { 41, "globalstate", 0, 1, 104 },
    { 0, NULL, 0, 0, 0 },
};

static void fix_init(struct fixture *f)
{
    memset(f, 0, sizeof(*f));
    f->sv = savevm_new();
    f->timers.cpu_ticks_offset = 0x1111;
    f->timers.cpu_clock_offset = 0x2222;
    memset(&f->serial, 0x5a, sizeof(f->serial));
}

static int fix_add_section(struct fixture *f, const struct fix_section *s,
                           unsigned *next)
{
    int rc = 0;

    while (rc >= 0 && *next < s->id) {
        rc = fix_add_gap(f, (*next)++);
    }
    if (rc >= 0) {
        rc = fix_add(f, s->idstr, s->instance, s->version, s->len);
        *next = s->id + 1;
    }
    return rc;
}

int fix_build_table(struct fixture *f, const struct fix_section *table,
                    bool globalstate)
{
    unsigned next = 0;
    int rc = 0;

    fix_init(f);
    if (f->sv == NULL) {
        return -ENOMEM;
    }
    for (; rc >= 0 && table->idstr != NULL; table++) {
        if (!globalstate && strcmp(table->idstr, "globalstate") == 0) {
            continue;
        }
        rc = fix_add_section(f, table, &next);
    }
    return rc < 0 ? rc : 0;
}

int fix_build(struct fixture *f, const char *dump_txt)
{
    FILE *fp = fopen(dump_txt, "r");
    char line[1024], idstr[256];
    struct fix_section s = { .idstr = idstr };
    unsigned next = 0, idlen;
    int rc = 0;

    fix_init(f);
    if (fp == NULL || f->sv == NULL) {
        if (fp != NULL) {
            fclose(fp);
        }
        return -ENOENT;
    }
    while (rc >= 0 && fgets(line, sizeof(line), fp) != NULL) {
        const char *p = strstr(line, "FULL (0x04) ");

        if (p != NULL &&
            sscanf(p, "FULL (0x04) section_id=%u idstr_len=%u idstr='%255[^']'"
                      " instance_id=%d version_id=%d data=%zu", &s.id, &idlen,
                   idstr, &s.instance, &s.version, &s.len) == 6) {
            rc = fix_add_section(f, &s, &next);
        }
    }
    fclose(fp);
    return rc < 0 ? rc : 0;
}

void fix_free(struct fixture *f)
{
    size_t i;

    savevm_free(f->sv);
    for (i = 0; i < f->nraw; i++) {
        free(f->raw[i].data);
    }
    memset(f, 0, sizeof(*f));
}

uint8_t *fix_snapshot(const struct fixture *f, size_t *len)
{
    size_t total = sizeof(f->timers) + sizeof(f->serial), i, at;
    uint8_t *buf;

    for (i = 0; i < f->nraw; i++) {
        total += f->raw[i].len;
    }
    buf = malloc(total);
    if (buf == NULL) {
        return NULL;
    }
    memcpy(buf, &f->timers, sizeof(f->timers));
    memcpy(buf + sizeof(f->timers), &f->serial, sizeof(f->serial));
    at = sizeof(f->timers) + sizeof(f->serial);
    for (i = 0; i < f->nraw; i++) {
        memcpy(buf + at, f->raw[i].data, f->raw[i].len);
        at += f->raw[i].len;
    }
    *len = total;
    return buf;
}
