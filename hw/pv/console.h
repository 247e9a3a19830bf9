/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PV console backend (xenbus type "console") for consoles whose
 * frontend `type` is "ioemu", and the small byte interface it uses to
 * reach a character device: the frontend's `output` names it, as for
 * QEMU: "chardev:<id>" (a -chardev socket,id=libxl-channel<N> libxl
 * passes) or "pty" (a new pty, whose path we publish as the frontend's
 * `tty`, where libxl_device_channel_getinfo reads it).
 *
 * The chardev layer (QMP/cmdline area) provides a struct pv_env with
 * `chardev_bind`: given an id, it returns a struct pv_chardev_port
 * (where the console writes guest output) and remembers the console
 * so it can push host input with pvcons_input and report that a
 * blocked chardev can take more with pvcons_output_ready.  The pty
 * path stays the chardev layer's to publish (query-chardev).
 */
#ifndef XENDM_PV_CONSOLE_H
#define XENDM_PV_CONSOLE_H

#include <stddef.h>
#include <sys/types.h>

#include "hw/pv/xenbus.h"

struct pvcons;
struct vfb_sink;

struct pv_chardev_ops {
    /* Bytes taken (0 when it would block: wait for pvcons_output_ready),
     * or -errno when the peer is gone (output is then dropped). */
    ssize_t (*write)(void *chr, const void *buf, size_t len);
    /* Optional: the guest consumed input; the chardev may read more. */
    void (*input_ready)(void *chr);
};

struct pv_chardev_port {
    const struct pv_chardev_ops *ops;
    void *chr;
};

struct pv_env {
    /* 0 and *port filled, or -ENOENT for an unknown id. */
    int (*chardev_bind)(void *ctx, const char *id, struct pvcons *cons,
                        struct pv_chardev_port *port);
    void (*chardev_unbind)(void *ctx, const char *id, struct pvcons *cons);
    /* Optional: makes a pty chardev labelled `label`; 0 and its path. */
    int (*chardev_new_pty)(void *ctx, const char *label, char *path,
                           size_t pathlen);
    void *ctx;
    /* The display vfb 0 feeds (struct vfb_sink, hw/pv/vfb.h), or NULL. */
    const struct vfb_sink *display;
    void *display_ctx;
};

extern const struct xenbus_ops pvcons_ops;

/* Host -> guest bytes; returns how many fit in the guest's ring now. */
size_t pvcons_input(struct pvcons *c, const void *buf, size_t len);
/* Free space in the guest's input ring (0 when not connected). */
size_t pvcons_input_room(const struct pvcons *c);
/* The chardev can take output again. */
void pvcons_output_ready(struct pvcons *c);

#endif
