/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The machine's host ops on Xen: interrupt lines, PCI link routes and
 * the ROM lock go to the hypervisor through xen/hv.h; the clock is the
 * VM clock (src/cpu-timers.h) when the daemon gives one, else the
 * host's monotonic clock.
 * (Tests use their own recording host instead; see tests/unit.)
 */
#ifndef XENDM_HW_PC_HV_H
#define XENDM_HW_PC_HV_H

#include <stdint.h>

#include "log.h"
#include "pc.h"

struct hv;
struct cpu_timers;

struct pc_hv_host {
    struct hv *hv;
    const struct cpu_timers *clock; /* NULL: host monotonic clock */
    uint32_t domid;
    unsigned unplugged;
    struct ratelimit rl;
};

extern const struct machine_host_ops pc_hv_ops;

void pc_hv_host_init(struct pc_hv_host *h, struct hv *hv, uint32_t domid);

#endif
