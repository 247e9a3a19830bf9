/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The list of every state description xendm has, for the
 * -dump-vmstate JSON dump and its compatibility check, the stream
 * analyzer's built-in layouts and the stream fuzzer.  One explicit
 * table, no constructor tricks: each device appends its line to
 * vmsd-table.c.
 */
#ifndef XENDM_VMSD_TABLE_H
#define XENDM_VMSD_TABLE_H

#include "../src/vmstate.h"

/* NULL-terminated.  vmstate_desc_extent() gives each state's size. */
extern const struct vmstate_desc *const vmsd_table[];

#endif
