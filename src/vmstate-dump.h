/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * QEMU's -dump-vmstate JSON for xendm's descriptions: the input of
 * xendm-vmstate-check, which tells whether a change to a description
 * breaks loading streams written by an older xendm (or by QEMU).
 */
#ifndef XENDM_VMSTATE_DUMP_H
#define XENDM_VMSTATE_DUMP_H

#include "../hw/vmsd-table.h"
#include "../qapi/json.h"

/*
 * Builds the dump of `table` (NULL-terminated) in the shape of
 * QEMU's dump_vmstate_json_to_file(): {"vmschkmachine": {"Name": M},
 * TYPE: {"Name", "version_id", "minimum_version_id", "Description":
 * {"name", "version_id", "minimum_version_id", "Fields": [{"field",
 * "version_id", "field_exists", "size", ["Description"]}],
 * "Subsections": [...]}}}.  Validation pseudo-fields are left out, as
 * QEMU does.  One addition QEMU's dump lacks: "x-num" on array fields
 * (the element count, or the capacity of a variable array), so that a
 * resized array is visible.  QEMU keys each device by its QOM type
 * name; xendm has no types, so the key is the description's name.
 * NULL on allocation failure.
 */
struct json *vmstate_dump_json(const struct vmstate_desc *const *table,
                               const char *machine);

/* Writes the dump of vmsd_table to path ("-": stdout).  0 or -errno. */
int vmstate_dump_file(const char *path);

#endif
