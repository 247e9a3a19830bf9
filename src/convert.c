/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `xendm-analyze --convert`: a qemu-xen (or full QEMU) stream to the
 * sections xendm loads.  See convert.h.
 *
 * Why a dropped section is safe is a table, not code: each rule names
 * a section (by idstr or vmsd name), optionally a top-level field that
 * must hold a given value for the drop to lose nothing (an idle
 * device), and the reason printed.  The reasons rest on how a Xen HVM
 * guest runs: the hypervisor emulates the local APIC, IO-APIC, PIC,
 * PIT, HPET and RTC and saves them in its own HVM context record;
 * vCPU state lives in Xen, not in QEMU's shadow copy; guest memory is
 * saved by libxl, never in the device-state stream; hvmloader, not
 * fw_cfg, builds the firmware tables.  A section neither modelled nor
 * covered by a rule refuses the conversion.
 *
 * Trusts only a stream analyze_decode() accepted; the bytes of kept
 * sections are re-walked with xendm's own layout before they are
 * copied.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "../qapi/json.h"
#include "convert.h"
#include "savevm.h"
#include "log.h"

struct convert_rule {
    const char *name;       /* idstr, or vmsd name after the last '/' */
    const char *field;      /* NULL: always; else must equal `want` */
    int64_t want;
    const char *why;
};

static const struct convert_rule convert_rules[] = {
    { "timer", NULL, 0, "QEMU's virtual clock offsets; a Xen guest's "
      "time comes from the hypervisor" },
    { "cpu_common", NULL, 0, "QEMU's shadow of a vCPU; Xen saves the real "
      "vCPU state in its HVM context" },
    { "cpu", NULL, 0, "QEMU's shadow of a vCPU; Xen saves the real vCPU "
      "state in its HVM context" },
    { "kvm-tpr-opt", NULL, 0, "KVM's TPR patching, inactive under Xen" },
    { "apic", NULL, 0, "Xen emulates the local APIC and saves it itself" },
    { "ioapic", NULL, 0, "Xen emulates the IO-APIC and saves it itself" },
    { "i8259", NULL, 0, "Xen emulates the PICs and saves them itself" },
    { "i8254", NULL, 0, "Xen emulates the PIT and saves it itself" },
    { "hpet", NULL, 0, "Xen emulates the HPET and saves it itself" },
    { "fw_cfg", NULL, 0, "firmware configuration; hvmloader, not fw_cfg, "
      "sets up a Xen guest" },
    { "acpi_build", NULL, 0, "QEMU's ACPI table patching; hvmloader builds "
      "a Xen guest's tables" },
    { "globalstate", NULL, 0, "the run state QEMU records; libxl decides "
      "whether the guest runs" },
    { "vmmouse", "nb_queue", 0, "no VMware mouse events queued" },
    { "pcspk", "data_on", 0, "the PC speaker is off" },
};

static const struct convert_rule *convert_rule_for(const char *idstr)
{
    const char *slash = strrchr(idstr, '/');
    size_t i;

    for (i = 0; i < sizeof(convert_rules) / sizeof(convert_rules[0]); i++) {
        if (strcmp(convert_rules[i].name, idstr) == 0 ||
            (slash != NULL && strcmp(convert_rules[i].name, slash + 1) == 0)) {
            return &convert_rules[i];
        }
    }
    return NULL;
}

/* Drops a section xendm does not model, or refuses (-EINVAL). */
static int convert_drop(const struct analyze_section *sec, FILE *report,
                        char *err, size_t errlen)
{
    const struct convert_rule *r = convert_rule_for(sec->idstr);
    int64_t v;

    if (r == NULL) {
        return log_reason(err, errlen, "offset 0x%06zx: section '%s' "
                            "instance %u: xendm does not model it and no "
                            "rule says dropping it is safe", sec->offset,
                            sec->idstr, sec->instance_id);
    }
    if (r->field != NULL &&
        (!json_int64(json_get(sec->fields, r->field), &v) || v != r->want)) {
        return log_reason(err, errlen, "offset 0x%06zx: section '%s' "
                            "instance %u: not idle (%s is not %lld); "
                            "dropping it would lose state", sec->offset,
                            sec->idstr, sec->instance_id, r->field,
                            (long long)r->want);
    }
    if (report != NULL) {
        fprintf(report, "drop 0x%06zx '%s' instance %u: %s\n", sec->offset,
                sec->idstr, sec->instance_id, r->why);
    }
    return 0;
}

/* Keeps a modelled section: its body must walk with xendm's layout. */
static int convert_keep(const struct analyze_section *sec,
                        const struct layout_entry *e, const uint8_t *buf,
                        struct wbuf *out, FILE *report, char *err,
                        size_t errlen)
{
    char why[384];

    if (analyze_check_body(buf + sec->body_offset,
                           sec->body_end - sec->body_offset, e->vmsd,
                           sec->version_id, why, sizeof(why)) < 0) {
        return log_reason(err, errlen, "section '%s' at 0x%06zx does not "
                            "fit xendm's description: body %s", sec->idstr,
                            sec->offset, why);
    }
    wbuf_put(out, buf + sec->offset, sec->body_end - sec->offset);
    if (report != NULL) {
        fprintf(report, "keep 0x%06zx '%s' instance %u version %u\n",
                sec->offset, sec->idstr, sec->instance_id, sec->version_id);
    }
    return 0;
}

static int convert_section(const struct analyze_section *sec,
                           const uint8_t *buf,
                           const struct layout_set *modeled,
                           struct wbuf *out, FILE *report, char *err,
                           size_t errlen)
{
    const struct layout_entry *e;
    char why[320];

    if (sec->type == QEMU_VM_CONFIGURATION) {
        if (report != NULL) {
            fprintf(report, "drop 0x%06zx configuration: the machine type "
                    "check; Xen streams carry none\n", sec->offset);
        }
        return 0;
    }
    if (sec->type != QEMU_VM_SECTION_FULL) {
        if (report != NULL) {
            fprintf(report, "drop 0x%06zx RAM section (type 0x%02x): libxl "
                    "saves guest memory; a device-state stream never "
                    "carries it\n", sec->offset, sec->type);
        }
        return 0;
    }
    e = modeled != NULL ? layout_set_find(modeled, sec->idstr,
                                          sec->instance_id, sec->version_id,
                                          why, sizeof(why))
                        : NULL;
    if (e != NULL) {
        return convert_keep(sec, e, buf, out, report, err, errlen);
    }
    if (modeled != NULL && layout_set_knows(modeled, sec->idstr)) {
        return log_reason(err, errlen, "offset 0x%06zx: %s", sec->offset,
                            why);
    }
    return convert_drop(sec, report, err, errlen);
}

int convert_stream(const struct analyze_stream *s, const uint8_t *buf,
                   size_t len, const struct layout_set *modeled,
                   struct wbuf *out, FILE *report, char *err, size_t errlen)
{
    size_t i;
    int rc;

    wbuf_be32(out, QEMU_VM_FILE_MAGIC);
    wbuf_be32(out, QEMU_VM_FILE_VERSION);
    for (i = 0; i < s->n; i++) {
        if (s->sections[i].body_end > len) {
            return log_reason(err, errlen, "section beyond the input");
        }
        rc = convert_section(&s->sections[i], buf, modeled, out, report, err,
                             errlen);
        if (rc < 0) {
            return rc;
        }
    }
    if (s->footers && report != NULL) {
        fprintf(report, "drop section footers: Xen streams have none\n");
    }
    if (s->vmdesc != NULL && report != NULL) {
        fprintf(report, "drop 0x%06zx VMDESCRIPTION: a debugging aid; "
                "qemu-xen writes none (suppress-vmdesc)\n", s->vmdesc_offset);
    }
    wbuf_u8(out, QEMU_VM_EOF);
    return out->error;
}
