/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every device state description xendm has (see vmsd-table.h).
 * Append one line per top-level description (`&vmstate_x,`) before
 * the NULL; nested and subsection descriptions come with their parent.
 */
#include "config.h"

#include <stddef.h>

#include "../src/cpu-timers.h"
#include "vmsd-table.h"

const struct vmstate_desc *const vmsd_table[] = {
    &vmstate_cpu_timers,
    NULL,
};
