/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Bounded big-endian cursor and growable write buffer; see cursor.h.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"

void cursor_init(struct cursor *c, const void *data, size_t len)
{
    c->base = data;
    c->len = data != NULL ? len : 0;
    c->pos = 0;
    c->error = false;
}

size_t cursor_remaining(const struct cursor *c)
{
    return c->len - c->pos;
}

size_t cursor_offset(const struct cursor *c)
{
    return c->pos;
}

bool cursor_ok(const struct cursor *c)
{
    return !c->error;
}

const uint8_t *cursor_take(struct cursor *c, size_t n)
{
    const uint8_t *p;

    if (c->error || n > c->len - c->pos) {
        c->error = true;
        return NULL;
    }
    p = c->base + c->pos;
    c->pos += n;
    return p;
}

bool cursor_skip(struct cursor *c, size_t n)
{
    return cursor_take(c, n) != NULL;
}

bool cursor_bytes(struct cursor *c, void *dst, size_t n)
{
    const uint8_t *p = cursor_take(c, n);

    if (p == NULL) {
        memset(dst, 0, n);
        return false;
    }
    memcpy(dst, p, n);
    return true;
}

bool cursor_peek(const struct cursor *c, size_t ahead, uint8_t *out)
{
    if (c->error || ahead >= c->len - c->pos) {
        return false;
    }
    *out = c->base[c->pos + ahead];
    return true;
}

uint8_t cursor_u8(struct cursor *c)
{
    const uint8_t *p = cursor_take(c, 1);

    return p != NULL ? p[0] : 0;
}

uint16_t cursor_be16(struct cursor *c)
{
    const uint8_t *p = cursor_take(c, 2);

    return p != NULL ? (uint16_t)((p[0] << 8) | p[1]) : 0;
}

uint32_t cursor_be32(struct cursor *c)
{
    const uint8_t *p = cursor_take(c, 4);

    if (p == NULL) {
        return 0;
    }
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | p[3];
}

uint64_t cursor_be64(struct cursor *c)
{
    uint64_t hi = cursor_be32(c);

    return (hi << 32) | cursor_be32(c);
}

void wbuf_init(struct wbuf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

void wbuf_free(struct wbuf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

void wbuf_reset(struct wbuf *b)
{
    b->len = 0;
    b->error = 0;
}

static int wbuf_reserve(struct wbuf *b, size_t n)
{
    size_t want;
    uint8_t *p;

    if (b->error) {
        return b->error;
    }
    if (n > SIZE_MAX - b->len || (b->max && b->len + n > b->max)) {
        b->error = -E2BIG;
        return b->error;
    }
    if (b->len + n <= b->cap) {
        return 0;
    }
    want = b->cap ? b->cap : 256;
    while (want < b->len + n) {
        want = want > SIZE_MAX / 2 ? b->len + n : want * 2;
    }
    p = realloc(b->data, want);
    if (p == NULL) {
        b->error = -ENOMEM;
        return b->error;
    }
    b->data = p;
    b->cap = want;
    return 0;
}

int wbuf_put(struct wbuf *b, const void *data, size_t n)
{
    int rc = wbuf_reserve(b, n);

    if (rc < 0) {
        return rc;
    }
    if (n != 0) {
        memcpy(b->data + b->len, data, n);
    }
    b->len += n;
    return 0;
}

int wbuf_u8(struct wbuf *b, uint8_t v)
{
    return wbuf_put(b, &v, 1);
}

int wbuf_be16(struct wbuf *b, uint16_t v)
{
    uint8_t p[2] = { (uint8_t)(v >> 8), (uint8_t)v };

    return wbuf_put(b, p, sizeof(p));
}

int wbuf_be32(struct wbuf *b, uint32_t v)
{
    uint8_t p[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
                     (uint8_t)(v >> 8), (uint8_t)v };

    return wbuf_put(b, p, sizeof(p));
}

int wbuf_be64(struct wbuf *b, uint64_t v)
{
    int rc = wbuf_be32(b, (uint32_t)(v >> 32));

    return rc < 0 ? rc : wbuf_be32(b, (uint32_t)v);
}

int wbuf_patch_be32(struct wbuf *b, size_t at, uint32_t v)
{
    if (b->error) {
        return b->error;
    }
    if (at > b->len || b->len - at < 4) {
        return -EINVAL;
    }
    b->data[at] = (uint8_t)(v >> 24);
    b->data[at + 1] = (uint8_t)(v >> 16);
    b->data[at + 2] = (uint8_t)(v >> 8);
    b->data[at + 3] = (uint8_t)v;
    return 0;
}
