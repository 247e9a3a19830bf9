/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vkbd backend (xenbus type "vkbd", io/kbdif.h): keyboard and
 * pointer events from the host to a PV input frontend.  Put
 * {"vkbd", &vkbd_ops} in the backend type table; a VNC server (or a
 * test) calls the vkbd_send_* functions, which deliver to every
 * connected vkbd of the bus.  Each returns the number of frontends
 * that received the event (0 when none is connected or their rings
 * are full: input is dropped, never queued without bound).
 */
#ifndef XENDM_PV_VKBD_H
#define XENDM_PV_VKBD_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/pv/xenbus.h"

extern const struct xenbus_ops vkbd_ops;

/* keycode: Linux input KEY_* code. */
int vkbd_send_key(struct xenbus *bus, uint32_t keycode, bool pressed);
int vkbd_send_motion(struct xenbus *bus, int32_t dx, int32_t dy, int32_t dz);
/* Absolute position, for frontends that asked for request-abs-pointer. */
int vkbd_send_position(struct xenbus *bus, int32_t x, int32_t y, int32_t dz);

#endif
