/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vfb backend's guest-facing rules (hw/pv/vfb-fmt.c) over plain
 * memory: geometry checks and clipping, page-directory modes, the
 * out-ring consumer (updates, clipping, fullscreen fallbacks, resizes,
 * a producer more than a ring ahead), the converter at every depth and
 * its bounds, and the VNC keysym table.  The end-to-end path (xenbus,
 * mapping, VNC) is tests/integration/vfb-vnc.sh.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw/pv/vfb.h"
#include "src/vnc.h"
#include "tests/tap.h"

static const struct vfb_pixfmt xrgb = {16, 8, 0};

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static void test_geom(void)
{
    struct vfb_geom g = {0}, keep;
    char why[96];

    is_int(vfb_geom_configure(&g, 0, 640, 480, 32, 640 * 480 * 4, 0, 640 * 4,
                              why, sizeof(why)),
           0, "640x480x32 accepted");
    ok(g.width == 640 && g.height == 480 && g.stride == 2560 &&
           g.fb_len == 640 * 480 * 4,
       "geometry as given");
    keep = g;
    is_int(vfb_geom_configure(&g, 0, 640, 480, 7, 1 << 20, 0, 2560, why,
                              sizeof(why)),
           -EINVAL, "depth 7 refused");
    ok(memcmp(&g, &keep, sizeof(g)) == 0, "a refusal leaves the geometry");
    is_int(vfb_geom_configure(&g, 0, 640, 480, 32, 1 << 20, 0, 0, why,
                              sizeof(why)),
           -EINVAL, "stride 0 refused");
    is_int(vfb_geom_configure(&g, 0, 640, 480, 32, 1 << 20, 0, -4, why,
                              sizeof(why)),
           -EINVAL, "negative stride refused");
    is_int(vfb_geom_configure(&g, 0, 640, 480, 32, 4096, 0, 8192, why,
                              sizeof(why)),
           -EINVAL, "stride beyond mem_length refused");
    is_int(
        vfb_geom_configure(&g, 0, 16, 16, 32, 4096, 4096, 64, why, sizeof(why)),
        -EINVAL, "offset at the end refused");
    is_int(
        vfb_geom_configure(&g, 0, 16, 16, 32, 4096, -1, 64, why, sizeof(why)),
        -EINVAL, "negative offset refused");
    is_int(vfb_geom_configure(&g, 0, 100000, 100000, 16, 65536, 0, 256, why,
                              sizeof(why)),
           0, "huge width and height are clipped, not refused");
    ok(g.width == 128 && g.height == 256, "clipped to stride/bpp and lines");
    is_int(vfb_geom_configure(&g, 0, -5, -5, 32, 65536, 4096, 1024, why,
                              sizeof(why)),
           0, "negative width/height mean as much as fits");
    ok(g.width == 256 && g.height == 60, "what fits after the offset");
    is_int(vfb_geom_configure(&g, 8192, 64, 64, 32, 1 << 20, 0, 256, why,
                              sizeof(why)),
           0, "videoram limit");
    ok(g.fb_len == 8192 && g.height == 32, "fb_len cut to the limit");
    is_int(vfb_geom_configure(&g, 0, 8192, 8192, 8, 0xffffffffu, 0, 8192, why,
                              sizeof(why)),
           0, "mem_length 4 GiB");
    ok(g.fb_len == VFB_LEN_CAP && (size_t)g.width * g.height <= VFB_PIXELS_MAX,
       "capped at VFB_LEN_CAP and VFB_PIXELS_MAX");
    is_int(vfb_geom_configure(&g, 0, 4, 4, 32, 4096, 0, 2, why, sizeof(why)), 0,
           "stride shorter than a pixel: width 0");
    ok(g.width == 0, "an empty framebuffer is allowed (shown blank)");
}

static void test_pd(void)
{
    uint8_t page[VFB_PAGE] = {0};
    size_t off;

    is_int(vfb_pd_mode(page, "x86_32-abi", &off), 32, "x86_32-abi: 32-bit");
    is_int((int)off, VFB_PD32, "x86_32-abi: pd at 36");
    is_int(vfb_pd_mode(page, "x86_64-abi", &off), 64, "x86_64-abi: 64-bit");
    is_int((int)off, VFB_PD64, "x86_64-abi: pd at 40");
    put32(page + VFB_PD64, 1234);
    is_int(vfb_pd_mode(page, NULL, &off), 64, "no protocol, pd[0] set: 64");
    put32(page + VFB_PD64, 0);
    put32(page + VFB_PD32, 1234);
    is_int(vfb_pd_mode(page, NULL, &off), 32, "no protocol, pd[1] zero: 32");
    is_int((int)vfb_pd_pages(4096 * 512, 64), 1, "512 pages: 1 dir (64)");
    is_int((int)vfb_pd_pages(4096 * 513, 64), 2, "513 pages: 2 dirs (64)");
    is_int((int)vfb_pd_pages(4096 * 1024, 32), 1, "1024 pages: 1 dir (32)");
    put32(page + 100, 0xdeadbeef);
    ok(vfb_pd_entry(page + 100, 32, 0) == 0xdeadbeef, "32-bit entry");
}

static void ring_put(uint8_t *page, uint32_t idx, uint8_t type, int32_t a,
                     int32_t b, int32_t c, int32_t d, int32_t e)
{
    uint8_t *ev = page + VFB_OUT_OFFS + (idx % VFB_OUT_LEN) * VFB_EVENT;

    memset(ev, 0, VFB_EVENT);
    ev[0] = type;
    put32(ev + 4, (uint32_t)a);
    put32(ev + 8, (uint32_t)b);
    put32(ev + 12, (uint32_t)c);
    put32(ev + 16, (uint32_t)d);
    put32(ev + 20, (uint32_t)e);
}

static void test_ring(void)
{
    static uint8_t page[VFB_PAGE];
    struct vfb_geom g;
    struct vfb_dirty d = {0};
    uint32_t cons = 0, v;
    bool resized = false;
    char why[96];

    vfb_geom_configure(&g, 0, 100, 100, 32, 400 * 100, 0, 400, why,
                       sizeof(why));
    ring_put(page, 0, VFB_TYPE_UPDATE, 10, 20, 30, 40, 0);
    ring_put(page, 1, VFB_TYPE_UPDATE, -10, -10, 50, 50, 0);
    ring_put(page, 2, VFB_TYPE_UPDATE, 90, 90, 1000, 1000, 0);
    ring_put(page, 3, VFB_TYPE_UPDATE, INT32_MAX, 0, INT32_MAX, 5, 0);
    ring_put(page, 4, VFB_TYPE_UPDATE, 5, 5, -3, 4, 0);
    ring_put(page, 5, 0xee, 0, 0, 0, 0, 0);
    put32(page + VFB_OUT_PROD, 6);
    is_int(vfb_ring_consume(page, &cons, &g, &d, &resized), 6,
           "six events consumed");
    memcpy(&v, page + VFB_OUT_CONS, 4);
    ok(cons == 6 && v == 6, "out_cons published");
    ok(d.n == 3 && !d.full && !resized, "three rectangles kept");
    ok(d.r[0].x == 10 && d.r[0].y == 20 && d.r[0].w == 30 && d.r[0].h == 40,
       "an update inside the screen as given");
    ok(d.r[1].x == 0 && d.r[1].y == 0 && d.r[1].w == 50 && d.r[1].h == 50,
       "negative x/y raised to 0 (QEMU keeps the width)");
    ok(d.r[2].x == 90 && d.r[2].w == 10 && d.r[2].h == 10,
       "an oversized update clipped to the screen");

    memset(&d, 0, sizeof(d));
    for (uint32_t i = 0; i < VFB_MAX_RECTS + 1; i++) {
        ring_put(page, cons + i, VFB_TYPE_UPDATE, (int32_t)i, 0, 1, 1, 0);
    }
    put32(page + VFB_OUT_PROD, cons + VFB_MAX_RECTS + 1);
    vfb_ring_consume(page, &cons, &g, &d, &resized);
    ok(d.full, "past VFB_MAX_RECTS the update becomes fullscreen");
    memset(&d, 0, sizeof(d));
    ring_put(page, cons, VFB_TYPE_UPDATE, 0, 0, 100, 60, 0);
    put32(page + VFB_OUT_PROD, cons + 1);
    vfb_ring_consume(page, &cons, &g, &d, &resized);
    ok(d.full, "full width and more than half the lines: fullscreen");

    memset(&d, 0, sizeof(d));
    ring_put(page, cons, VFB_TYPE_RESIZE, 50, 40, 200, 16, 800);
    ring_put(page, cons + 1, VFB_TYPE_RESIZE, 50, 40, 200, 16, 400 * 100);
    ring_put(page, cons + 2, VFB_TYPE_RESIZE, 50, 40, 0, 16, 0);
    ring_put(page, cons + 3, VFB_TYPE_RESIZE, 50, 40, 200, 12, 0);
    put32(page + VFB_OUT_PROD, cons + 4);
    vfb_ring_consume(page, &cons, &g, &d, &resized);
    ok(resized && g.width == 50 && g.height == 40 && g.depth == 16 &&
           g.stride == 200 && g.offset == 800 && g.fb_len == 40000,
       "a valid resize applied, the invalid ones ignored");

    put32(page + VFB_OUT_PROD, cons + VFB_OUT_LEN + 1);
    v = cons;
    is_int(vfb_ring_consume(page, &cons, &g, &d, &resized), -EPROTO,
           "producer more than a ring ahead: -EPROTO");
    ok(cons == v, "nothing consumed from a broken ring");
    put32(page + VFB_OUT_PROD, cons - 1);
    is_int(vfb_ring_consume(page, &cons, &g, &d, &resized), -EPROTO,
           "producer behind the consumer: -EPROTO");
}

static void test_convert(void)
{
    static uint8_t fb[4096];
    uint32_t out[16 * 4];
    struct vfb_geom g;
    struct vfb_rect r = {0, 0, 2, 1};
    char why[96];

    vfb_geom_configure(&g, 0, 16, 4, 8, sizeof(fb), 0, 16, why, sizeof(why));
    fb[0] = 0xff;
    fb[1] = 0x25; /* 001 001 01 */
    is_int(vfb_convert(&g, fb, sizeof(fb), &r, out, 16, &xrgb), 0,
           "depth 8 converts");
    ok(out[0] == 0xe0e0c0 && out[1] == 0x202040, "RGB 3:3:2 widened");
    vfb_geom_configure(&g, 0, 16, 4, 16, sizeof(fb), 0, 32, why, sizeof(why));
    fb[0] = 0x1f;
    fb[1] = 0xf8; /* r 31, g 0, b 31 */
    fb[2] = 0xe0;
    fb[3] = 0x07; /* g 63 */
    vfb_convert(&g, fb, sizeof(fb), &r, out, 16, &xrgb);
    ok(out[0] == 0xf800f8 && out[1] == 0x00fc00, "RGB 5:6:5 widened");
    vfb_geom_configure(&g, 0, 16, 4, 24, sizeof(fb), 0, 48, why, sizeof(why));
    memcpy(fb, "\x01\x02\x03\x04\x05\x06", 6);
    vfb_convert(&g, fb, sizeof(fb), &r, out, 16, &xrgb);
    ok(out[0] == 0x030201 && out[1] == 0x060504, "packed 24-bit B,G,R");
    vfb_geom_configure(&g, 0, 16, 4, 32, sizeof(fb), 64, 64, why, sizeof(why));
    put32(fb + 64, 0xff123456);
    vfb_convert(&g, fb, sizeof(fb), &r, out, 16, &xrgb);
    ok(out[0] == 0x123456, "32-bit xRGB at an offset, x byte dropped");
    vfb_convert(&g, fb, sizeof(fb), &r, out, 16,
                &(struct vfb_pixfmt){0, 8, 16});
    ok(out[0] == 0x563412, "another server format");
    r = (struct vfb_rect){15, 0, 2, 1};
    is_int(vfb_convert(&g, fb, sizeof(fb), &r, out, 16, &xrgb), -ERANGE,
           "a rect past the width is refused");
    r = (struct vfb_rect){0, 3, 1, 2};
    is_int(vfb_convert(&g, fb, sizeof(fb), &r, out, 16, &xrgb), -ERANGE,
           "a rect past the height is refused");
    r = (struct vfb_rect){0, 0, 1, 1};
    is_int(vfb_convert(&g, fb, 64, &r, out, 16, &xrgb), -ERANGE,
           "a geometry larger than the mapping is refused");
}

static void test_keys(void)
{
    ok(vnc_keysym_to_linux('a') == 30 && vnc_keysym_to_linux('A') == 30,
       "a and A: KEY_A");
    ok(vnc_keysym_to_linux('!') == 2 && vnc_keysym_to_linux('0') == 11,
       "! is KEY_1, 0 is KEY_0");
    ok(vnc_keysym_to_linux(0xff0d) == 28 && vnc_keysym_to_linux(0xff1b) == 1,
       "Return and Escape");
    ok(vnc_keysym_to_linux(0xffc9) == 88 && vnc_keysym_to_linux(0xffe1) == 42,
       "F12 and Shift_L");
    ok(vnc_keysym_to_linux(0xffff) == 111, "Delete (last entry)");
    ok(vnc_keysym_to_linux(0xfe20) == 15, "ISO_Left_Tab (first entry)");
    ok(vnc_keysym_to_linux(0x10000) == 0 && vnc_keysym_to_linux(0x7f) == 0 &&
           vnc_keysym_to_linux(0xffffffffu) == 0,
       "unknown keysyms map to 0");
}

int main(void)
{
    test_geom();
    test_pd();
    test_ring();
    test_convert();
    test_keys();
    return tap_done();
}
