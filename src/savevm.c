/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The save-state registry, the stream writer and the all-or-nothing
 * stream reader (see savevm.h for the theory of operation, and
 * docs/stream-format.md for the format and every refusal).
 *
 * The reader treats the stream as hostile: it reads through a
 * bounded cursor, looks sections up by exact idstr and instance,
 * bounds versions both ways, and decodes into shadows only.  The
 * registry and the descriptions are trusted (our own tables, checked
 * by vmstate_desc_check() when registered).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../qapi/json.h"
#include "savevm.h"

struct savevm_entry {
    char idstr[256];
    size_t idlen;
    uint32_t instance_id;
    int64_t alias_id;           /* -1: none */
    int priority;
    unsigned flags;
    uint32_t section_id;
    int version_id;
    const struct vmstate_desc *vmsd;
    void *opaque;
    size_t size;
    void (*loaded)(void *opaque);
    uint8_t *shadow;            /* only while a load runs */
};

struct savevm {
    struct savevm_entry *e;
    size_t n, cap;
    size_t *order;              /* save order: priority, then registration */
    uint32_t next_section_id;
    char machine[256];
};

/* ------------------------------------------------ the configuration */

/*
 * QEMU's "configuration" section (savevm.c vmstate_configuration):
 * the machine name as a be32 length and that many bytes, and an
 * optional target-page-bits subsection.
 */
struct savevm_config {
    uint32_t len;
    uint8_t name[256];
    uint32_t target_page_bits;
};

#define SAVEVM_PAGE_BITS 12u

static int savevm_config_pre_load(void *opaque)
{
    struct savevm_config *c = opaque;

    c->target_page_bits = SAVEVM_PAGE_BITS;
    return 0;
}

static bool savevm_page_bits_needed(void *opaque)
{
    const struct savevm_config *c = opaque;

    return c->target_page_bits != SAVEVM_PAGE_BITS;
}

static const struct vmstate_field savevm_page_bits_fields[] = {
    VMSTATE_U32(target_page_bits, struct savevm_config),
    VMSTATE_END,
};

static const struct vmstate_desc savevm_page_bits_vmsd = {
    .name = "configuration/target-page-bits",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = savevm_page_bits_needed,
    .fields = savevm_page_bits_fields,
};

static const struct vmstate_field savevm_config_fields[] = {
    VMSTATE_U32(len, struct savevm_config),
    VMSTATE_VBUFFER_U32_V(name, struct savevm_config, len, 0),
    VMSTATE_END,
};

static const struct vmstate_desc *const savevm_config_subs[] = {
    &savevm_page_bits_vmsd,
    NULL,
};

static const struct vmstate_desc savevm_config_vmsd = {
    .name = "configuration",
    .version_id = 1,
    .minimum_version_id = 0,
    .fields = savevm_config_fields,
    .subsections = savevm_config_subs,
    .pre_load = savevm_config_pre_load,
};

/* --------------------------------------------------------- registry */

struct savevm *savevm_new(void)
{
    struct savevm *sv = calloc(1, sizeof(*sv));

    if (sv != NULL) {
        strcpy(sv->machine, SAVEVM_DEFAULT_MACHINE);
    }
    return sv;
}

void savevm_free(struct savevm *sv)
{
    size_t i;

    if (sv == NULL) {
        return;
    }
    for (i = 0; i < sv->n; i++) {
        free(sv->e[i].shadow);
    }
    free(sv->e);
    free(sv->order);
    free(sv);
}

int savevm_set_machine(struct savevm *sv, const char *name)
{
    size_t len = strlen(name);

    if (len == 0 || len >= sizeof(sv->machine)) {
        return -EINVAL;
    }
    memcpy(sv->machine, name, len + 1);
    return 0;
}

int savevm_pci_idstr(char *buf, size_t len, unsigned seg, unsigned bus,
                     unsigned dev, unsigned fn, const char *name)
{
    int n;

    if (seg > 0xffff || bus > 0xff || dev > 0x1f || fn > 7) {
        return -EINVAL;
    }
    n = snprintf(buf, len, "%04x:%02x:%02x.%x/%s", seg, bus, dev, fn, name);
    if (n < 0 || (size_t)n >= len || n > 255) {
        return -ENAMETOOLONG;
    }
    return 0;
}

static struct savevm_entry *savevm_lookup(const struct savevm *sv,
                                          const void *idstr, size_t idlen,
                                          uint32_t instance_id)
{
    size_t i;

    for (i = 0; i < sv->n; i++) {
        struct savevm_entry *e = &sv->e[i];

        if (e->idlen == idlen && memcmp(e->idstr, idstr, idlen) == 0 &&
            (e->instance_id == instance_id ||
             e->alias_id == (int64_t)instance_id)) {
            return e;
        }
    }
    return NULL;
}

const struct vmstate_desc *savevm_find(const struct savevm *sv,
                                       const char *idstr,
                                       uint32_t instance_id)
{
    const struct savevm_entry *e =
        savevm_lookup(sv, idstr, strlen(idstr), instance_id);

    return e != NULL ? e->vmsd : NULL;
}

static uint32_t savevm_next_instance(const struct savevm *sv,
                                     const char *idstr, size_t idlen)
{
    uint32_t next = 0;
    size_t i;

    for (i = 0; i < sv->n; i++) {
        if (sv->e[i].idlen == idlen &&
            memcmp(sv->e[i].idstr, idstr, idlen) == 0 &&
            sv->e[i].instance_id >= next) {
            next = sv->e[i].instance_id + 1;
        }
    }
    return next;
}

static int savevm_grow(struct savevm *sv)
{
    size_t cap = sv->cap ? sv->cap * 2 : 16;
    struct savevm_entry *e;
    size_t *order;

    e = realloc(sv->e, cap * sizeof(*e));
    if (e == NULL) {
        return -ENOMEM;
    }
    sv->e = e;
    order = realloc(sv->order, cap * sizeof(*order));
    if (order == NULL) {
        return -ENOMEM;
    }
    sv->order = order;
    sv->cap = cap;
    return 0;
}

static int savevm_reg_check(const struct savevm_reg *reg)
{
    size_t len = reg->idstr != NULL ? strlen(reg->idstr) : 0;

    if (len == 0 || len > 255 || reg->instance_id < -1 ||
        reg->alias_id < -1) {
        return -EINVAL;
    }
    if (reg->flags & SAVEVM_F_RAM) {
        return reg->vmsd == NULL ||
                       vmstate_desc_check(reg->vmsd, reg->size) == 0
                   ? 0
                   : -EINVAL;
    }
    if (reg->vmsd == NULL || reg->opaque == NULL || reg->size == 0) {
        return -EINVAL;
    }
    return vmstate_desc_check(reg->vmsd, reg->size);
}

int savevm_register(struct savevm *sv, const struct savevm_reg *reg)
{
    struct savevm_entry *e;
    size_t idlen, pos, i;
    uint32_t instance;
    int rc;

    rc = savevm_reg_check(reg);
    if (rc < 0) {
        return rc;
    }
    idlen = strlen(reg->idstr);
    instance = reg->instance_id >= 0
                   ? (uint32_t)reg->instance_id
                   : savevm_next_instance(sv, reg->idstr, idlen);
    if (savevm_lookup(sv, reg->idstr, idlen, instance) != NULL ||
        (reg->alias_id >= 0 &&
         savevm_lookup(sv, reg->idstr, idlen, (uint32_t)reg->alias_id))) {
        return -EEXIST;
    }
    if (sv->n == sv->cap && (rc = savevm_grow(sv)) < 0) {
        return rc;
    }
    e = &sv->e[sv->n];
    memset(e, 0, sizeof(*e));
    memcpy(e->idstr, reg->idstr, idlen);
    e->idlen = idlen;
    e->instance_id = instance;
    e->alias_id = reg->alias_id;
    e->priority = reg->priority;
    e->flags = reg->flags;
    e->section_id = sv->next_section_id++;
    e->vmsd = reg->vmsd;
    e->version_id = reg->vmsd != NULL ? reg->vmsd->version_id
                                      : reg->version_id;
    e->opaque = reg->opaque;
    e->size = reg->size;
    e->loaded = reg->loaded;
    /* Insert before the first entry of lower priority, as QEMU does. */
    for (pos = 0; pos < sv->n; pos++) {
        if (sv->e[sv->order[pos]].priority < reg->priority) {
            break;
        }
    }
    for (i = sv->n; i > pos; i--) {
        sv->order[i] = sv->order[i - 1];
    }
    sv->order[pos] = sv->n;
    sv->n++;
    return (int)e->section_id;
}

/* ----------------------------------------------------------- errors */

static int savevm_fail(char *err, size_t errlen, int rc, size_t at,
                       const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int savevm_fail(char *err, size_t errlen, int rc, size_t at,
                       const char *fmt, ...)
{
    va_list ap;
    int n;

    if (err == NULL || errlen == 0) {
        return rc;
    }
    n = snprintf(err, errlen, "offset 0x%zx: ", at);
    if (n >= 0 && (size_t)n < errlen) {
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* ----------------------------------------------------------- writer */

static int savevm_put_config(struct savevm *sv, struct wbuf *out)
{
    struct savevm_config cfg;

    memset(&cfg, 0, sizeof(cfg));
    cfg.len = (uint32_t)strlen(sv->machine);
    memcpy(cfg.name, sv->machine, cfg.len);
    cfg.target_page_bits = SAVEVM_PAGE_BITS;
    wbuf_u8(out, QEMU_VM_CONFIGURATION);
    return vmstate_save(out, &savevm_config_vmsd, &cfg);
}

static int savevm_put_section(struct wbuf *out, struct savevm_entry *e,
                              unsigned opts)
{
    int rc;

    wbuf_u8(out, QEMU_VM_SECTION_FULL);
    wbuf_be32(out, e->section_id);
    wbuf_u8(out, (uint8_t)e->idlen);
    wbuf_put(out, e->idstr, e->idlen);
    wbuf_be32(out, e->instance_id);
    wbuf_be32(out, (uint32_t)e->vmsd->version_id);
    rc = vmstate_save(out, e->vmsd, e->opaque);
    if (rc < 0) {
        return rc;
    }
    if (opts & SAVEVM_FOOTERS) {
        wbuf_u8(out, QEMU_VM_SECTION_FOOTER);
        wbuf_be32(out, e->section_id);
    }
    return out->error;
}

int savevm_save_buf(struct savevm *sv, struct wbuf *out, unsigned opts,
                    char *err, size_t errlen)
{
    size_t start = out->len, i;
    int rc;

    wbuf_be32(out, QEMU_VM_FILE_MAGIC);
    wbuf_be32(out, QEMU_VM_FILE_VERSION);
    if ((opts & SAVEVM_CONFIGURATION) &&
        (rc = savevm_put_config(sv, out)) < 0) {
        return savevm_fail(err, errlen, rc, out->len - start,
                           "saving the configuration section failed: %s",
                           strerror(-rc));
    }
    for (i = 0; i < sv->n; i++) {
        struct savevm_entry *e = &sv->e[sv->order[i]];

        if ((e->flags & SAVEVM_F_RAM) || e->vmsd == NULL ||
            !vmstate_needed(e->vmsd, e->opaque)) {
            continue;
        }
        rc = savevm_put_section(out, e, opts);
        if (rc == 0 && out->len - start > SAVEVM_MAX_STREAM) {
            rc = -E2BIG;
        }
        if (rc < 0) {
            return savevm_fail(err, errlen, rc, out->len - start,
                               "saving section '%s' instance %" PRIu32
                               " failed: %s", e->idstr, e->instance_id,
                               strerror(-rc));
        }
    }
    wbuf_u8(out, QEMU_VM_EOF);
    if (out->error < 0) {
        return savevm_fail(err, errlen, out->error, out->len - start,
                           "writing the stream failed: %s",
                           strerror(-out->error));
    }
    return 0;
}

/* ----------------------------------------------------------- reader */

struct savevm_load {
    struct savevm *sv;
    struct cursor c;
    char *err;
    size_t errlen;
    int footers;                /* -1: not yet known, 0: none, 1: present */
};

static int savevm_truncated(struct savevm_load *l, const char *what)
{
    return savevm_fail(l->err, l->errlen, -EIO, l->c.len,
                       "truncated stream: input ends inside %s", what);
}

static int savevm_load_header(struct savevm_load *l)
{
    uint32_t magic = cursor_be32(&l->c);
    uint32_t version = cursor_be32(&l->c);

    if (!cursor_ok(&l->c)) {
        return savevm_truncated(l, "the header");
    }
    if (magic != QEMU_VM_FILE_MAGIC) {
        return savevm_fail(l->err, l->errlen, -EINVAL, 0,
                           "Not a migration stream, magic: %x != %x", magic,
                           QEMU_VM_FILE_MAGIC);
    }
    if (version == QEMU_VM_FILE_VERSION_COMPAT) {
        return savevm_fail(l->err, l->errlen, -ENOTSUP, 4,
                           "SaveVM v2 format is obsolete and no longer "
                           "supported");
    }
    if (version != QEMU_VM_FILE_VERSION) {
        return savevm_fail(l->err, l->errlen, -ENOTSUP, 4,
                           "Unsupported migration stream version %" PRIu32
                           " (expected %u)", version, QEMU_VM_FILE_VERSION);
    }
    return 0;
}

static int savevm_load_config(struct savevm_load *l)
{
    struct savevm_config cfg;
    char inner[256], shown[sizeof(((struct savevm_config *)0)->name) + 1];
    size_t at = cursor_offset(&l->c);
    int rc;

    memset(&cfg, 0, sizeof(cfg));
    cursor_skip(&l->c, 1);
    rc = vmstate_load(&l->c, &savevm_config_vmsd, &cfg, 1, inner,
                      sizeof(inner));
    if (rc < 0) {
        return savevm_fail(l->err, l->errlen, rc, at,
                           "bad configuration section: %s", inner);
    }
    if (cfg.len != strlen(l->sv->machine) ||
        memcmp(cfg.name, l->sv->machine, cfg.len) != 0) {
        vmstate_printable(shown, cfg.name, cfg.len);
        return savevm_fail(l->err, l->errlen, -EINVAL, at,
                           "Machine type received is '%s' and local is '%s'",
                           shown, l->sv->machine);
    }
    if (cfg.target_page_bits != SAVEVM_PAGE_BITS) {
        return savevm_fail(l->err, l->errlen, -EINVAL, at,
                           "Received TARGET_PAGE_BITS is %" PRIu32
                           " but local is %u", cfg.target_page_bits,
                           SAVEVM_PAGE_BITS);
    }
    return 0;
}

static uint8_t *savevm_shadow(struct savevm_entry *e)
{
    if (e->shadow == NULL) {
        e->shadow = malloc(e->size);
        if (e->shadow != NULL) {
            memcpy(e->shadow, e->opaque, e->size);
        }
    }
    return e->shadow;
}

static int savevm_check_footer(struct savevm_load *l, struct savevm_entry *e,
                               uint32_t section_id)
{
    size_t at = cursor_offset(&l->c);
    uint8_t mark = 0;
    uint32_t id;

    if (l->footers < 0) {
        l->footers = cursor_peek(&l->c, 0, &mark) &&
                     mark == QEMU_VM_SECTION_FOOTER;
    }
    if (!l->footers) {
        return 0;
    }
    mark = cursor_u8(&l->c);
    if (cursor_ok(&l->c) && mark != QEMU_VM_SECTION_FOOTER) {
        return savevm_fail(l->err, l->errlen, -EINVAL, at,
                           "Missing section footer for %s", e->idstr);
    }
    id = cursor_be32(&l->c);
    if (!cursor_ok(&l->c)) {
        return savevm_truncated(l, "a section footer");
    }
    if (id != section_id) {
        return savevm_fail(l->err, l->errlen, -EINVAL, at,
                           "Mismatched section id in footer for %s - read "
                           "0x%" PRIx32 " expected 0x%" PRIx32, e->idstr, id,
                           section_id);
    }
    return 0;
}

static int savevm_load_full(struct savevm_load *l)
{
    size_t at = cursor_offset(&l->c);
    uint32_t section_id, instance, version;
    const uint8_t *idstr;
    struct savevm_entry *e;
    char shown[256], inner[512];
    uint8_t idlen, *shadow;
    int rc;

    cursor_skip(&l->c, 1);
    section_id = cursor_be32(&l->c);
    idlen = cursor_u8(&l->c);
    idstr = cursor_take(&l->c, idlen);
    instance = cursor_be32(&l->c);
    version = cursor_be32(&l->c);
    if (!cursor_ok(&l->c)) {
        return savevm_truncated(l, "a section header");
    }
    vmstate_printable(shown, idstr, idlen);
    e = savevm_lookup(l->sv, idstr, idlen, instance);
    if (e == NULL) {
        return savevm_fail(l->err, l->errlen, -EINVAL, at,
                           "Unknown section or instance '%s' %" PRIu32
                           ". Make sure that your current VM setup matches "
                           "your saved VM setup, including any hotplugged "
                           "devices", shown, instance);
    }
    if (version > (uint32_t)e->version_id) {
        return savevm_fail(l->err, l->errlen, -EINVAL, at,
                           "unsupported version %" PRIu32 " for '%s' v%d",
                           version, shown, e->version_id);
    }
    if ((e->flags & SAVEVM_F_RAM) || e->vmsd == NULL) {
        return savevm_fail(l->err, l->errlen, -EINVAL, at,
                           "loadvm: %s RAM loading not allowed on Xen", shown);
    }
    shadow = savevm_shadow(e);
    if (shadow == NULL) {
        return savevm_fail(l->err, l->errlen, -ENOMEM, at, "out of memory");
    }
    rc = vmstate_load(&l->c, e->vmsd, shadow, (int)version, inner,
                      sizeof(inner));
    if (rc < 0) {
        return savevm_fail(l->err, l->errlen, rc, at,
                           "error while loading state for instance 0x%" PRIx32
                           " of device '%s': %s", instance, shown, inner);
    }
    return savevm_check_footer(l, e, section_id);
}

/* After EOF: nothing, or exactly one well-formed VMDESCRIPTION. */
static int savevm_load_trailer(struct savevm_load *l)
{
    size_t at = cursor_offset(&l->c), rest = cursor_remaining(&l->c);
    struct json_limits lim = { .max_depth = 64, .max_bytes = 0 };
    char jerr[128];
    const uint8_t *json;
    struct json *j;
    uint32_t size;

    if (rest == 0) {
        return 0;
    }
    if (cursor_u8(&l->c) != QEMU_VM_VMDESCRIPTION) {
        return savevm_fail(l->err, l->errlen, -EINVAL, at,
                           "%zu unexpected bytes after EOF", rest);
    }
    size = cursor_be32(&l->c);
    json = cursor_take(&l->c, size);
    if (!cursor_ok(&l->c)) {
        return savevm_truncated(l, "the VMDESCRIPTION section");
    }
    if (cursor_remaining(&l->c) != 0) {
        return savevm_fail(l->err, l->errlen, -EINVAL, cursor_offset(&l->c),
                           "%zu unexpected bytes after VMDESCRIPTION",
                           cursor_remaining(&l->c));
    }
    j = json_parse((const char *)json, size, &lim, jerr, sizeof(jerr));
    if (j == NULL) {
        return savevm_fail(l->err, l->errlen, -EINVAL, at,
                           "VMDESCRIPTION is not valid JSON: %s", jerr);
    }
    json_free(j);
    return 0;
}

static const char *const savevm_iterable_names[] = {
    [QEMU_VM_SECTION_START] = "START",
    [QEMU_VM_SECTION_PART] = "PART",
    [QEMU_VM_SECTION_END] = "END",
    [QEMU_VM_COMMAND] = "COMMAND",
};

static int savevm_load_sections(struct savevm_load *l)
{
    uint8_t type;
    int rc;

    for (;;) {
        if (!cursor_peek(&l->c, 0, &type)) {
            return savevm_truncated(l, "the section list (no EOF)");
        }
        switch (type) {
        case QEMU_VM_EOF:
            cursor_skip(&l->c, 1);
            return savevm_load_trailer(l);
        case QEMU_VM_SECTION_FULL:
            rc = savevm_load_full(l);
            break;
        case QEMU_VM_SECTION_START:
        case QEMU_VM_SECTION_PART:
        case QEMU_VM_SECTION_END:
        case QEMU_VM_COMMAND:
            rc = savevm_fail(l->err, l->errlen, -EINVAL,
                             cursor_offset(&l->c),
                             "%s section (type %d) not allowed in a "
                             "device-only stream",
                             savevm_iterable_names[type], type);
            break;
        default:
            rc = savevm_fail(l->err, l->errlen, -EINVAL,
                             cursor_offset(&l->c),
                             "Unknown section type %d", type);
            break;
        }
        if (rc < 0) {
            return rc;
        }
    }
}

static void savevm_commit(struct savevm *sv)
{
    size_t i;

    for (i = 0; i < sv->n; i++) {
        struct savevm_entry *e = &sv->e[sv->order[i]];

        if (e->shadow != NULL) {
            memcpy(e->opaque, e->shadow, e->size);
        }
    }
    for (i = 0; i < sv->n; i++) {
        struct savevm_entry *e = &sv->e[sv->order[i]];

        if (e->shadow != NULL && e->loaded != NULL) {
            e->loaded(e->opaque);
        }
    }
}

int savevm_load_buf(struct savevm *sv, const void *data, size_t len,
                    char *err, size_t errlen)
{
    struct savevm_load l = { .sv = sv, .err = err, .errlen = errlen,
                             .footers = -1 };
    uint8_t type;
    size_t i;
    int rc;

    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    cursor_init(&l.c, data, len);
    rc = savevm_load_header(&l);
    if (rc == 0 && cursor_peek(&l.c, 0, &type) &&
        type == QEMU_VM_CONFIGURATION) {
        rc = savevm_load_config(&l);
    }
    if (rc == 0) {
        rc = savevm_load_sections(&l);
    }
    if (rc == 0) {
        savevm_commit(sv);
    }
    for (i = 0; i < sv->n; i++) {
        free(sv->e[i].shadow);
        sv->e[i].shadow = NULL;
    }
    return rc;
}
