/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The list of every state description xendm has, for the
 * -dump-vmstate JSON dump and its compatibility check (and for the
 * stream analyzer's built-in layouts).  One explicit table, no
 * constructor tricks: each device appends its line to vmsd-table.c.
 */
#ifndef XENDM_VMSD_TABLE_H
#define XENDM_VMSD_TABLE_H

#include "../src/vmstate.h"

struct vmsd_table_entry {
    const char *type;                  /* QEMU's device type name */
    const struct vmstate_desc *vmsd;
};

/* Terminated by an entry whose `type` is NULL. */
extern const struct vmsd_table_entry vmsd_table[];

#endif
