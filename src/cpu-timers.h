/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VM clock and the global "timer" section every QEMU stream
 * carries (QEMU's cpu-timers vmstate_timers): idstr "timer", instance
 * 0, version 2, 24 bytes.
 *
 * The VM clock is QEMU's QEMU_CLOCK_VIRTUAL without -icount: the host
 * monotonic clock minus the time the VM spent stopped, 0 before the
 * VM first runs.  Device timers that QEMU runs on the virtual clock
 * (the UART's receive-FIFO timeout) take their deadlines from it, so
 * they do not fire while the VM is stopped and keep their meaning
 * across a save on one host and a load on another: the section
 * carries the clock's value, and a load sets it.
 */
#ifndef XENDM_CPU_TIMERS_H
#define XENDM_CPU_TIMERS_H

#include <stdbool.h>
#include <stdint.h>

#include "runstate.h"
#include "savevm.h"
#include "vmstate.h"

struct cpu_timers {
    int64_t cpu_ticks_offset; /* QEMU's TCG tick offset; 0 under Xen */
    /*
     * As QEMU's timers_state.cpu_clock_offset: while stopped, the VM
     * clock itself (what a save writes, since saving stops the VM);
     * while running, the VM clock minus the host clock.
     */
    int64_t cpu_clock_offset;
    bool running; /* not saved: follows the run state */
};

extern const struct vmstate_desc vmstate_cpu_timers;

/* Registers `t` as section "timer" instance 0.  Section id or -errno. */
int cpu_timers_register(struct savevm *sv, struct cpu_timers *t);

/* The VM clock in ns at host monotonic time host_ns. */
int64_t cpu_timers_now(const struct cpu_timers *t, uint64_t host_ns);
/* QEMU's cpu_disable_ticks / cpu_enable_ticks; idempotent. */
void cpu_timers_stop(struct cpu_timers *t, uint64_t host_ns);
void cpu_timers_start(struct cpu_timers *t, uint64_t host_ns);

/* A runstate listener (opaque: the cpu_timers) on the loop's clock. */
runstate_fn cpu_timers_runstate;

#endif
