/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Bounded big-endian byte cursor for decoding untrusted input, and a
 * growable buffer for encoding.
 *
 * A read cursor never reads past its end: a short read sets the
 * sticky `error` flag, returns zeroes, and every later read fails
 * too, so a decoder may read a whole record and check once.
 * `cursor_offset` gives the position for error messages.
 */
#ifndef XENDM_CURSOR_H
#define XENDM_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cursor {
    const uint8_t *base;
    size_t len;
    size_t pos;
    bool error;
};

void cursor_init(struct cursor *c, const void *data, size_t len);
size_t cursor_remaining(const struct cursor *c);
size_t cursor_offset(const struct cursor *c);
bool cursor_ok(const struct cursor *c);

uint8_t cursor_u8(struct cursor *c);
uint16_t cursor_be16(struct cursor *c);
uint32_t cursor_be32(struct cursor *c);
uint64_t cursor_be64(struct cursor *c);
/* Copies n bytes into dst (zero-filled on a short read). */
bool cursor_bytes(struct cursor *c, void *dst, size_t n);
/* Returns a pointer to the next n bytes and advances, or NULL. */
const uint8_t *cursor_take(struct cursor *c, size_t n);
bool cursor_skip(struct cursor *c, size_t n);
/* Peeks at byte `ahead` from the current position without consuming it. */
bool cursor_peek(const struct cursor *c, size_t ahead, uint8_t *out);

struct wbuf {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max;      /* 0: no limit; beyond it appends fail with -E2BIG */
    int error;       /* sticky: first -errno seen by an append */
};

void wbuf_init(struct wbuf *b, size_t max);
void wbuf_free(struct wbuf *b);
void wbuf_reset(struct wbuf *b);
/* Each append returns 0 or the sticky -errno. */
int wbuf_put(struct wbuf *b, const void *data, size_t n);
int wbuf_u8(struct wbuf *b, uint8_t v);
int wbuf_be16(struct wbuf *b, uint16_t v);
int wbuf_be32(struct wbuf *b, uint32_t v);
int wbuf_be64(struct wbuf *b, uint64_t v);
/* Overwrites 4 bytes at `at` (for back-patched lengths). */
int wbuf_patch_be32(struct wbuf *b, size_t at, uint32_t v);

#endif
