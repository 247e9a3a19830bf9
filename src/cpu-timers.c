/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The "timer" section (see cpu-timers.h).  Wire layout, as QEMU's
 * vmstate_timers (version 2, minimum 1): be64 cpu_ticks_offset, 8
 * unused bytes (once a ticks-enabled flag), be64 cpu_clock_offset
 * (from version 2).  QEMU adds a "timer/icount" subsection only when
 * it runs with -icount, which a Xen device model never does; xendm
 * has no such subsection, so a stream carrying one is refused as an
 * unknown subsection rather than silently mis-timed.
 *
 * Under Xen the guest's time is kept by the hypervisor: xendm only
 * carries these values through a save/restore so the stream stays
 * QEMU-shaped.  Nothing here is trusted beyond its 64-bit range.
 */
#include "config.h"

#include <stddef.h>

#include "cpu-timers.h"

static const struct vmstate_field cpu_timers_fields[] = {
    VMSTATE_I64(cpu_ticks_offset, struct cpu_timers),
    VMSTATE_UNUSED(8),
    VMSTATE_I64_V(cpu_clock_offset, struct cpu_timers, 2),
    VMSTATE_END,
};

const struct vmstate_desc vmstate_cpu_timers = {
    .name = "timer",
    .version_id = 2,
    .minimum_version_id = 1,
    .fields = cpu_timers_fields,
};

int cpu_timers_register(struct savevm *sv, struct cpu_timers *t)
{
    struct savevm_reg reg = {
        .idstr = "timer",
        .instance_id = 0,
        .alias_id = -1,
        .vmsd = &vmstate_cpu_timers,
        .opaque = t,
        .size = sizeof(*t),
    };

    return savevm_register(sv, &reg);
}
