/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Machine hooks that run the PV backends (qdisk, console, vkbd) in the
 * daemon: see pv-machine.c.  The xenpv machine uses them directly; an
 * HVM machine that serves vkbd can call them from its own hooks (it
 * must then let pv-machine own the hv event-channel fd, or hand PV
 * ports to xenbus_evtchn_fired itself).
 */
#ifndef XENDM_PV_MACHINE_H
#define XENDM_PV_MACHINE_H

#include <stdbool.h>
#include <stddef.h>

struct xendm;
struct xenbus;

/* NULL-terminated: what device-model/<domid>/backends/ advertises. */
extern const char *const pv_backend_types[];

int pvmachine_prepare(struct xendm *x, char *err, size_t errlen);
int pvmachine_restrict(struct xendm *x, char *err, size_t errlen);
int pvmachine_start(struct xendm *x, char *err, size_t errlen);
void pvmachine_exit(struct xendm *x);

/*
 * An HVM machine shares the one event-channel handle: ports for which
 * `fn` returns true are its own (it unmasks and handles them); the
 * rest go to xenbus as before.  NULL removes the filter.
 */
void pvmachine_set_port_filter(struct xendm *x,
                               bool (*fn)(void *opaque, int port),
                               void *opaque);

/* The bus of a PV machine (for QMP's query-block), or NULL. */
struct xenbus *pvmachine_bus(struct xendm *x);

#endif
