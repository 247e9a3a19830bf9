/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The global "timer" section every QEMU stream carries (QEMU's
 * cpu-timers vmstate_timers): idstr "timer", instance 0, version 2,
 * 24 bytes.  xendm registers it so its streams and QEMU's have the
 * same section set.
 */
#ifndef XENDM_CPU_TIMERS_H
#define XENDM_CPU_TIMERS_H

#include <stdint.h>

#include "savevm.h"
#include "vmstate.h"

struct cpu_timers {
    int64_t cpu_ticks_offset;   /* QEMU's TCG tick offset; 0 under Xen */
    int64_t cpu_clock_offset;   /* virtual clock offset while stopped */
};

extern const struct vmstate_desc vmstate_cpu_timers;

/* Registers `t` as section "timer" instance 0.  Section id or -errno. */
int cpu_timers_register(struct savevm *sv, struct cpu_timers *t);

#endif
