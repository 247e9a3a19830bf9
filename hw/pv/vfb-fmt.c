/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest-facing, side-effect-free part of the vfb backend: geometry
 * checks, page-directory decoding, the out-ring consumer and the
 * pixel converter.  See vfb.h.
 *
 * Facts from QEMU's hw/display/xenfb.c (behaviour, not code): the
 * geometry rules of xenfb_configure_fb; the ABI guess for frontends
 * that do not write `protocol` (pd[1] of the 32-bit layout overlaps
 * the low half of pd[0] of the 64-bit one: zero means 32-bit); update
 * clipping (x, y raised to 0, width/height cut to the screen, negative
 * results dropped; an update covering the full width and more than
 * half the lines counts as fullscreen); resize reuses fb_len.  Depth
 * 8 is RGB 3:3:2, 16 is RGB 5:6:5, 24 packed B,G,R bytes, 32 xRGB in a
 * little-endian word; channels are widened by shifting, as QEMU's BLT.
 *
 * Hostile input: all arithmetic on guest values is done in 64 bits
 * after range checks; ring slots are copied to a local event before
 * they are read, and out_prod is read once per call.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hw/pv/vfb.h"

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return v;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, 8);
    return v;
}

int vfb_geom_configure(struct vfb_geom *g, size_t lim, int64_t width,
                       int64_t height, int64_t depth, size_t fb_len,
                       int64_t offset, int64_t stride, char *why, size_t whylen)
{
    struct vfb_geom n;
    int64_t max_w, max_h;

    if (lim == 0 || lim > VFB_LEN_MAX) {
        lim = VFB_LEN_MAX;
    }
    if (lim > VFB_LEN_CAP) {
        lim = VFB_LEN_CAP;
    }
    if (fb_len > lim) {
        fb_len = lim;
    }
    if (depth != 8 && depth != 16 && depth != 24 && depth != 32) {
        snprintf(why, whylen, "unsupported depth %lld", (long long)depth);
        return -EINVAL;
    }
    if (stride <= 0 || (uint64_t)stride > fb_len) {
        snprintf(why, whylen, "invalid line length %lld (framebuffer %zu)",
                 (long long)stride, fb_len);
        return -EINVAL;
    }
    if (offset < 0 || (uint64_t)offset >= fb_len) {
        snprintf(why, whylen, "invalid offset %lld (framebuffer %zu)",
                 (long long)offset, fb_len);
        return -EINVAL;
    }
    max_w = stride / (depth / 8);
    if (max_w > VFB_DIM_MAX) {
        max_w = VFB_DIM_MAX;
    }
    if (width < 0 || width > max_w) {
        width = max_w;
    }
    max_h = (int64_t)(fb_len - (size_t)offset) / stride;
    if (max_h > VFB_DIM_MAX) {
        max_h = VFB_DIM_MAX;
    }
    if (height < 0 || height > max_h) {
        height = max_h;
    }
    if (width > 0 && (uint64_t)width * (uint64_t)height > VFB_PIXELS_MAX) {
        height = (int64_t)(VFB_PIXELS_MAX / (uint64_t)width);
    }
    n.width = (uint32_t)width;
    n.height = (uint32_t)height;
    n.depth = (uint32_t)depth;
    n.stride = (uint32_t)stride;
    n.offset = (uint32_t)offset;
    n.fb_len = fb_len;
    *g = n;
    return 0;
}

unsigned vfb_pd_mode(const uint8_t *page, const char *protocol, size_t *pd_off)
{
    if (protocol != NULL && strcmp(protocol, "x86_32-abi") == 0) {
        *pd_off = VFB_PD32;
        return 32;
    }
    if (protocol == NULL && get32(page + VFB_PD32 + 4) == 0) {
        *pd_off = VFB_PD32;
        return 32;
    }
    *pd_off = VFB_PD64;
    return 64;
}

uint64_t vfb_pd_entry(const uint8_t *base, unsigned mode, size_t i)
{
    return mode == 32 ? get32(base + i * 4) : get64(base + i * 8);
}

size_t vfb_pd_pages(size_t fb_len, unsigned mode)
{
    size_t pages = (fb_len + VFB_PAGE - 1) / VFB_PAGE;

    return (pages * (mode / 8) + VFB_PAGE - 1) / VFB_PAGE;
}

void vfb_dirty_add(struct vfb_dirty *d, const struct vfb_geom *g, int64_t x,
                   int64_t y, int64_t w, int64_t h)
{
    struct vfb_rect *r;

    if (d->full) {
        return;
    }
    if (x < 0) {
        x = 0;
    }
    if (y < 0) {
        y = 0;
    }
    if (w > (int64_t)g->width - x) {
        w = (int64_t)g->width - x;
    }
    if (h > (int64_t)g->height - y) {
        h = (int64_t)g->height - y;
    }
    if (w <= 0 || h <= 0) {
        return; /* bogus or empty: nothing to redraw */
    }
    if (d->n == VFB_MAX_RECTS ||
        ((uint32_t)w == g->width && (uint64_t)h > g->height / 2)) {
        d->full = true;
        return;
    }
    r = &d->r[d->n++];
    r->x = (uint32_t)x;
    r->y = (uint32_t)y;
    r->w = (uint32_t)w;
    r->h = (uint32_t)h;
}

static void ring_one(const uint8_t ev[VFB_EVENT], struct vfb_geom *g,
                     struct vfb_dirty *d, bool *resized)
{
    int32_t a = (int32_t)get32(ev + 4), b = (int32_t)get32(ev + 8);
    int32_t c = (int32_t)get32(ev + 12), e = (int32_t)get32(ev + 16);
    char why[96];

    switch (ev[0]) {
    case VFB_TYPE_UPDATE:
        vfb_dirty_add(d, g, a, b, c, e);
        break;
    case VFB_TYPE_RESIZE:
        /* width, height, stride, depth, offset */
        if (vfb_geom_configure(g, g->fb_len, a, b, e, g->fb_len,
                               (int32_t)get32(ev + 20), c, why,
                               sizeof(why)) == 0) {
            *resized = true;
            d->full = true;
            d->n = 0;
        }
        break;
    default:
        break; /* unknown events are skipped, as QEMU does */
    }
}

int vfb_ring_consume(uint8_t *page, uint32_t *cons, struct vfb_geom *g,
                     struct vfb_dirty *d, bool *resized)
{
    uint32_t prod =
        __atomic_load_n((uint32_t *)(page + VFB_OUT_PROD), __ATOMIC_ACQUIRE);
    uint32_t c = *cons;
    int n = 0;

    if (prod - c > VFB_OUT_LEN) {
        return -EPROTO;
    }
    for (; c != prod; c++, n++) {
        uint8_t ev[VFB_EVENT];

        memcpy(ev, page + VFB_OUT_OFFS + (size_t)(c % VFB_OUT_LEN) * VFB_EVENT,
               VFB_EVENT);
        ring_one(ev, g, d, resized);
    }
    __atomic_store_n((uint32_t *)(page + VFB_OUT_CONS), c, __ATOMIC_RELEASE);
    *cons = c;
    return n;
}

static uint32_t pix_read(const uint8_t *p, unsigned depth, unsigned *r,
                         unsigned *gr, unsigned *b)
{
    uint32_t v;

    switch (depth) {
    case 8:
        v = p[0];
        *r = (v >> 5) << 5;
        *gr = ((v >> 2) & 7) << 5;
        *b = (v & 3) << 6;
        break;
    case 16:
        v = (uint32_t)p[0] | (uint32_t)p[1] << 8;
        *r = (v >> 11) << 3;
        *gr = ((v >> 5) & 0x3f) << 2;
        *b = (v & 0x1f) << 3;
        break;
    case 24:
        *b = p[0];
        *gr = p[1];
        *r = p[2];
        break;
    default:
        v = get32(p);
        *b = v & 0xff;
        *gr = (v >> 8) & 0xff;
        *r = (v >> 16) & 0xff;
        break;
    }
    return 0;
}

int vfb_convert(const struct vfb_geom *g, const uint8_t *base, size_t len,
                const struct vfb_rect *r, uint32_t *dst, size_t dst_stride,
                const struct vfb_pixfmt *fmt)
{
    unsigned bpp = g->depth / 8;
    uint64_t last;

    if ((uint64_t)r->x + r->w > g->width || (uint64_t)r->y + r->h > g->height ||
        r->w == 0 || r->h == 0 || g->fb_len > len || bpp == 0) {
        return r->w == 0 || r->h == 0 ? 0 : -ERANGE;
    }
    /* The last byte read must be inside the mapping. */
    last = (uint64_t)g->offset + (uint64_t)(r->y + r->h - 1) * g->stride +
           (uint64_t)(r->x + r->w) * bpp;
    if (last > len) {
        return -ERANGE;
    }
    for (uint32_t y = r->y; y < r->y + r->h; y++) {
        const uint8_t *src =
            base + g->offset + (size_t)y * g->stride + (size_t)r->x * bpp;
        uint32_t *out = dst + (size_t)y * dst_stride + r->x;

        for (uint32_t x = 0; x < r->w; x++, src += bpp) {
            unsigned cr, cg, cb;

            pix_read(src, g->depth, &cr, &cg, &cb);
            out[x] = (uint32_t)cr << fmt->rshift | (uint32_t)cg << fmt->gshift |
                     (uint32_t)cb << fmt->bshift;
        }
    }
    return 0;
}
