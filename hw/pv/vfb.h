/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vfb backend (xenbus type "vfb", io/fbif.h): a PV framebuffer
 * read from guest pages, handed to a display (the VNC server) as a
 * surface plus dirty rectangles.
 *
 * Two layers.  vfb-fmt.c is pure and guest-facing: the geometry rules
 * (vfb_geom_configure, QEMU xenfb's checks plus our own caps), the
 * page-directory decoding, the out-ring consumer that turns update
 * and resize events into dirty rectangles, and the pixel converter to
 * 32 bits per pixel.  It touches only the bytes it is given, so the
 * fuzzer and unit tests drive it over plain memory.  vfb.c is the
 * xenbus glue: it maps the shared page and the framebuffer through
 * the foreign-map seam (pv_grants fmap), binds the event channel and
 * feeds a struct vfb_sink, which the display registers through
 * struct pv_env (hw/pv/console.h).  Only devid 0 drives the display,
 * as in QEMU.
 *
 * Trust: every byte of the shared page, the directory pages and the
 * framebuffer is the guest's and may change at any time; geometry is
 * copied out once and validated, ring events are copied before use,
 * and the converter reads only inside the mapped length.
 */
#ifndef XENDM_PV_VFB_H
#define XENDM_PV_VFB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/pv/xenbus.h"

/* struct xenfb_page offsets (io/fbif.h). */
#define VFB_IN_CONS             0
#define VFB_IN_PROD             4
#define VFB_OUT_CONS            8
#define VFB_OUT_PROD            12
#define VFB_WIDTH               16
#define VFB_HEIGHT              20
#define VFB_LINE_LENGTH         24
#define VFB_MEM_LENGTH          28
#define VFB_DEPTH               32
#define VFB_PD32                36 /* unsigned long pd[256], 32-bit ABI */
#define VFB_PD64                40 /* the same, 64-bit ABI */
#define VFB_PD_ENTRIES          256
#define VFB_EVENT               40
#define VFB_IN_OFFS             1024
#define VFB_IN_LEN              (1024 / VFB_EVENT)
#define VFB_OUT_OFFS            2048
#define VFB_OUT_LEN             (2048 / VFB_EVENT)
#define VFB_TYPE_REFRESH_PERIOD 1
#define VFB_REFRESH_PERIOD_OFF  4  /* uint32_t period (ms) in the event */
#define VFB_NO_REFRESH          0
/* The period advised while someone watches: QEMU's GUI_REFRESH_INTERVAL. */
#define VFB_REFRESH_MS          30
#define VFB_TYPE_UPDATE         2
#define VFB_TYPE_RESIZE         3

#define VFB_PAGE 4096u
/* QEMU's limit: 256 directory pages of 8-byte entries. */
#define VFB_LEN_MAX ((size_t)VFB_PD_ENTRIES * (VFB_PAGE / 8) * VFB_PAGE)
/* Ours: what we map and convert at most. */
#define VFB_LEN_CAP    ((size_t)64 << 20)
#define VFB_DIM_MAX    8192u
#define VFB_PIXELS_MAX ((size_t)16 << 20)
#define VFB_MAX_RECTS  16

struct vfb_geom {
    uint32_t width, height; /* pixels */
    uint32_t depth;         /* 8, 16, 24 or 32 */
    uint32_t stride;        /* bytes per line */
    uint32_t offset;        /* bytes from the mapping's start */
    size_t fb_len;          /* bytes of framebuffer (mapped) */
};

struct vfb_rect {
    uint32_t x, y, w, h;
};

struct vfb_dirty {
    bool full;
    unsigned n;
    struct vfb_rect r[VFB_MAX_RECTS];
};

/* Where the 32-bit output puts each 8-bit channel. */
struct vfb_pixfmt {
    unsigned rshift, gshift, bshift;
};

/*
 * QEMU xenfb_configure_fb's rules: fb_len limited to lim (when
 * nonzero), to VFB_LEN_MAX and to VFB_LEN_CAP; depth 8/16/24/32;
 * 0 < stride <= fb_len; offset < fb_len; width and height limited to
 * what fits (and to VFB_DIM_MAX, VFB_PIXELS_MAX).  0, or -EINVAL with
 * the reason in why; *g is changed only on success.
 */
int vfb_geom_configure(struct vfb_geom *g, size_t lim, int64_t width,
                       int64_t height, int64_t depth, size_t fb_len,
                       int64_t offset, int64_t stride, char *why,
                       size_t whylen);

/*
 * The page directory of `page` (VFB_PAGE bytes): 32 or 64-bit entries
 * by protocol ("x86_32-abi", "x86_64-abi", NULL: QEMU's guess).
 * Returns the entry width in bits and the directory's offset.
 */
unsigned vfb_pd_mode(const uint8_t *page, const char *protocol, size_t *pd_off);
/* Entry i of an array of `mode`-bit frame numbers. */
uint64_t vfb_pd_entry(const uint8_t *base, unsigned mode, size_t i);
/* Directory pages needed for fb_len bytes of framebuffer. */
size_t vfb_pd_pages(size_t fb_len, unsigned mode);

/*
 * Consumes the out ring of `page` from *cons to out_prod: updates are
 * clipped to g and collected in d (fullscreen past VFB_MAX_RECTS or a
 * scroll); a resize is applied to g through vfb_geom_configure with
 * the same fb_len (refused resizes are ignored), *resized set.
 * Returns the events consumed, or -EPROTO when out_prod is more than
 * a ring ahead (nothing consumed: the ring is broken).
 */
int vfb_ring_consume(uint8_t *page, uint32_t *cons, struct vfb_geom *g,
                     struct vfb_dirty *d, bool *resized);
void vfb_dirty_add(struct vfb_dirty *d, const struct vfb_geom *g, int64_t x,
                   int64_t y, int64_t w, int64_t h);

/*
 * Converts rect r of the framebuffer at base (len bytes mapped) to
 * 32-bit pixels at dst (dst_stride pixels per line, rect placed at
 * its own x/y).  Returns 0, or -ERANGE when the rect is outside g or
 * g outside len (nothing written).
 */
int vfb_convert(const struct vfb_geom *g, const uint8_t *base, size_t len,
                const struct vfb_rect *r, uint32_t *dst, size_t dst_stride,
                const struct vfb_pixfmt *fmt);

/* ---- the display side ---- */
struct vfb_surface {
    struct vfb_geom geom;
    const uint8_t *base; /* mapping start (offset not applied) */
    size_t len;          /* bytes mapped */
};

struct vfb_sink {
    /* A framebuffer connected or changed geometry; NULL: it is gone. */
    void (*surface)(void *ctx, const struct vfb_surface *s);
    /* Rect r of the current surface changed. */
    void (*update)(void *ctx, const struct vfb_surface *s,
                   const struct vfb_rect *r);
    /* Optional: how many clients watch the screen now. */
    unsigned (*viewers)(void *ctx);
    /*
     * Optional: `fn` runs whenever viewers() changes; fn NULL stops it.
     * One watcher per display (vfb 0).
     */
    void (*watch_viewers)(void *ctx, void (*fn)(void *opaque), void *opaque);
};

extern const struct xenbus_ops vfb_ops;

#endif
