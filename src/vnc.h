/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VNC server behind -vnc: Debian's libvncserver driven from our
 * single-threaded loop (no library threads, no library listener).
 *
 * display.c binds the listening socket (x->vnc.listen_fd) and calls
 * vnc_server_start; the machine then plugs in what the screen shows
 * and where input goes: vnc_sink/vnc_server as the display of vfb 0
 * (struct pv_env.display, hw/pv/vfb.h) and vnc_set_input for the
 * keyboard and pointer (vkbd for PV guests).  With no framebuffer the
 * screen is a blank VNC_BLANK_W x VNC_BLANK_H.  QMP's query-vnc lists
 * clients through vnc_query_clients; change-vnc-password stores the
 * password in x->vnc.password, which VNC authentication reads.
 *
 * Trust: VNC clients are untrusted peers: libvncserver parses the RFB
 * protocol; we bound the number of clients, the time a client may
 * stall a read or write, and clip pointer coordinates.
 */
#ifndef XENDM_VNC_H
#define XENDM_VNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xendm;
struct json;
struct vnc_server;

#define VNC_BLANK_W     640
#define VNC_BLANK_H     480
#define VNC_MAX_CLIENTS 16

struct vnc_input_ops {
    /* code: Linux input code (KEY_* or BTN_*). */
    void (*key)(void *opaque, uint32_t code, bool down);
    /* Absolute position in screen pixels; dz: wheel steps (-1 up). */
    void (*position)(void *opaque, int32_t x, int32_t y, int32_t dz);
};

/* 0, or -errno with a reason in err.  No-op when VNC is off. */
int vnc_server_start(struct xendm *x, char *err, size_t errlen);
void vnc_server_stop(struct xendm *x);

void vnc_set_input(struct vnc_server *s, const struct vnc_input_ops *ops,
                   void *opaque);
/* The display side for vfb (a const struct vfb_sink *). */
const void *vnc_sink(void);

/* query-vnc's "clients" array. */
struct json *vnc_query_clients(struct xendm *x);

/* X keysym -> Linux input code, 0 when unknown (vnc-keys.c). */
uint32_t vnc_keysym_to_linux(uint32_t keysym);

#endif
