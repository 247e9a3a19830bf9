/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the PS/2 keyboard (ps2.c) and mouse (ps2-mouse.c) share: the
 * byte ring and the common part of their saved state.
 */
#ifndef XENDM_HW_PS2_INT_H
#define XENDM_HW_PS2_INT_H

#include "ps2.h"

void ps2_ring_reset(struct ps2_common *c);
/* Appends n bytes as one unit (all or none), then raises the line. */
void ps2_ring_queue(struct ps2_common *c, const uint8_t *b, int n,
                    void (*irq)(void *, int), void *opaque);
/* QEMU's sanitising of loaded ring pointers. */
void ps2_common_post_load(struct ps2_common *c);
extern const struct vmstate_desc ps2_common_vmsd;

#endif
