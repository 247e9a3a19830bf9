/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Machine hooks for `-machine xenfv` and `pc,accel=xen`: the emulated
 * PC (pc.h) behind the ioreq server (ioreq.h), plus the PV backends of
 * the xenpv machine (hw/pv/pv-machine.h), which HVM guests with PV
 * drivers use too.  src/machine.c lists these in its machine table.
 */
#ifndef XENDM_HW_HVM_MACHINE_H
#define XENDM_HW_HVM_MACHINE_H

#include <stddef.h>

struct xendm;

int hvmachine_check(struct xendm *x, char *why, size_t whylen);
int hvmachine_prepare(struct xendm *x, char *err, size_t errlen);
int hvmachine_restrict(struct xendm *x, char *err, size_t errlen);
int hvmachine_start(struct xendm *x, char *err, size_t errlen);
void hvmachine_exit(struct xendm *x);

#endif
