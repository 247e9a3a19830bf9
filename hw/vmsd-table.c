/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every device state description xendm has (see vmsd-table.h).
 * Append one line per description: { "<QEMU type name>", &vmstate_x }.
 * The "type" is the key of the -dump-vmstate JSON (QEMU uses the QOM
 * type name there); descriptions that are not devices in QEMU (the
 * global "timer") use their section name.
 */
#include "config.h"

#include <stddef.h>

#include "../src/cpu-timers.h"
#include "vmsd-table.h"

const struct vmsd_table_entry vmsd_table[] = {
    { "timer", &vmstate_cpu_timers },
    { NULL, NULL },
};
