/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer harness for the vfb backend's guest-facing path
 * (hw/pv/vfb-fmt.c).  Input: one shared page (the first 4096 bytes,
 * zero-padded: the geometry fields, the page directory and the out
 * ring with its indices), then a protocol selector byte, then the
 * framebuffer contents.  The harness does what connect and the event
 * handler do: configure the geometry from the page, decode the
 * directory entries it would map, consume the out ring (twice, so a
 * resize is followed by updates against the new geometry), and
 * convert every dirty rectangle from a framebuffer of exactly fb_len
 * bytes into a screen of the configured size.  ASan catches any read
 * outside the framebuffer or write outside the screen.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hw/pv/vfb.h"

/* Keep allocations small: the fuzzer's framebuffers are at most 1 MiB. */
#define FUZZ_LIM ((size_t)1 << 20)

static void fuzz_convert(const struct vfb_geom *g, const uint8_t *fb,
                         const struct vfb_dirty *d)
{
    static const struct vfb_pixfmt fmt = {16, 8, 0};
    struct vfb_rect all = {0, 0, g->width, g->height};
    uint32_t *screen;

    if (g->width == 0 || g->height == 0) {
        return;
    }
    screen = malloc((size_t)g->width * g->height * 4);
    if (screen == NULL) {
        return;
    }
    if (d->full || d->n == 0) {
        vfb_convert(g, fb, g->fb_len, &all, screen, g->width, &fmt);
    }
    for (unsigned i = 0; i < d->n; i++) {
        vfb_convert(g, fb, g->fb_len, &d->r[i], screen, g->width, &fmt);
    }
    free(screen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const protos[] = {NULL, "x86_32-abi", "x86_64-abi",
                                         "arm-abi"};
    static uint8_t page[VFB_PAGE];
    struct vfb_geom g;
    struct vfb_dirty d = {0};
    int32_t w, h;
    uint32_t stride, mem, cons;
    size_t take = size < VFB_PAGE ? size : VFB_PAGE, pd_off;
    unsigned mode;
    uint8_t *fb;
    bool resized = false;
    char why[96];
    uint64_t sum = 0;

    memset(page, 0, sizeof(page));
    memcpy(page, data, take);
    memcpy(&w, page + VFB_WIDTH, 4);
    memcpy(&h, page + VFB_HEIGHT, 4);
    memcpy(&stride, page + VFB_LINE_LENGTH, 4);
    memcpy(&mem, page + VFB_MEM_LENGTH, 4);
    if (vfb_geom_configure(&g, FUZZ_LIM, w, h, page[VFB_DEPTH], mem, 0, stride,
                           why, sizeof(why)) < 0) {
        return 0;
    }
    mode = vfb_pd_mode(page, protos[size > take ? data[take] % 4 : 0], &pd_off);
    for (size_t i = 0; i < vfb_pd_pages(g.fb_len, mode) && i < 64; i++) {
        sum += vfb_pd_entry(page + pd_off, mode, i);
    }
    fb = calloc(1, g.fb_len);
    if (fb == NULL) {
        return 0;
    }
    if (size > take + 1) {
        size_t n = size - take - 1;

        memcpy(fb, data + take + 1, n < g.fb_len ? n : g.fb_len);
    }
    memcpy(&cons, page + VFB_OUT_CONS, 4);
    for (int round = 0; round < 2; round++) {
        if (vfb_ring_consume(page, &cons, &g, &d, &resized) < 0) {
            break;
        }
        fuzz_convert(&g, fb, &d);
        memset(&d, 0, sizeof(d));
        /* The frontend "produces" one more ring's worth. */
        memcpy(&mode, page + VFB_OUT_PROD, 4);
        mode += (unsigned)(sum & 0x3f);
        memcpy(page + VFB_OUT_PROD, &mode, 4);
    }
    free(fb);
    return 0;
}
