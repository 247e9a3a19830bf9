/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VM clock and the "timer" section (see cpu-timers.h).  Wire
 * layout, as QEMU's vmstate_timers (version 2, minimum 1): be64
 * cpu_ticks_offset, 8 unused bytes (once a ticks-enabled flag), be64
 * cpu_clock_offset (from version 2).  QEMU adds a "timer/icount"
 * subsection only when it runs with -icount, which a Xen device model
 * never does; xendm has no such subsection, so a stream carrying one
 * is refused as an unknown subsection rather than silently mis-timed.
 *
 * Theory of operation.  QEMU keeps one offset: stopping the VM folds
 * the host clock into it (it becomes the frozen VM time), starting
 * subtracts the host clock again.  Saving and loading happen while
 * the VM is stopped (xen-save-devices-state stops it, loads are
 * refused while running, -incoming starts stopped), so the stream
 * holds the VM time and a load on any host resumes from it.  Under
 * Xen the guest's own time is the hypervisor's; this clock only
 * drives the emulated devices' timers.  A loaded offset beyond
 * +-2^62 ns (146 years) is refused so that deadlines derived from it
 * cannot overflow; arithmetic with the host clock wraps, never traps.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>

#include "cpu-timers.h"
#include "loop.h"

#define CPU_TIMERS_LIMIT (INT64_C(1) << 62)

static int cpu_timers_post_load(void *opaque, int version_id)
{
    const struct cpu_timers *t = opaque;

    (void)version_id;
    if (t->cpu_clock_offset > CPU_TIMERS_LIMIT ||
        t->cpu_clock_offset < -CPU_TIMERS_LIMIT) {
        return -ERANGE;
    }
    return 0;
}

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
    .post_load = cpu_timers_post_load,
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

int64_t cpu_timers_now(const struct cpu_timers *t, uint64_t host_ns)
{
    if (!t->running) {
        return t->cpu_clock_offset;
    }
    return (int64_t)((uint64_t)t->cpu_clock_offset + host_ns);
}

void cpu_timers_stop(struct cpu_timers *t, uint64_t host_ns)
{
    if (t->running) {
        t->cpu_clock_offset = cpu_timers_now(t, host_ns);
        t->running = false;
    }
}

void cpu_timers_start(struct cpu_timers *t, uint64_t host_ns)
{
    if (!t->running) {
        t->cpu_clock_offset = (int64_t)((uint64_t)t->cpu_clock_offset -
                                        host_ns);
        t->running = true;
    }
}

void cpu_timers_runstate(struct xendm *x, enum runstate_id old,
                         enum runstate_id now, void *opaque)
{
    struct cpu_timers *t = opaque;

    (void)x;
    (void)old;
    if (now == RUNSTATE_RUNNING) {
        cpu_timers_start(t, loop_now_ns());
    } else {
        cpu_timers_stop(t, loop_now_ns());
    }
}
