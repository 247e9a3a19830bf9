/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of the core modules: the bounded cursor, the write
 * buffer, the event loop and the JSON layer.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../../qapi/json.h"
#include "../../src/cursor.h"
#include "../../src/loop.h"
#include "../tap.h"

static void test_cursor(void)
{
    static const uint8_t data[] = { 0x12, 0x34, 0x56, 0x78, 0x9a,
                                    0xbc, 0xde, 0xf0, 0x01 };
    struct cursor c;
    uint8_t b;

    cursor_init(&c, data, sizeof(data));
    is_int(cursor_be16(&c), 0x1234, "be16");
    is_int(cursor_be32(&c), 0x56789abc, "be32");
    ok(cursor_peek(&c, 0, &b) && b == 0xde, "peek does not consume");
    is_int(cursor_remaining(&c), 3, "remaining");
    is_int(cursor_be32(&c), 0, "short read returns zero");
    ok(!cursor_ok(&c), "short read sets the sticky error");
    is_int(cursor_u8(&c), 0, "reads after an error fail");
    is_int(cursor_offset(&c), 6, "a failed read does not advance");

    cursor_init(&c, data, sizeof(data));
    ok(cursor_be64(&c) == 0x123456789abcdef0ull, "be64");
    ok(cursor_take(&c, SIZE_MAX) == NULL, "huge take refused");
}

static void test_wbuf(void)
{
    static const uint8_t want[] = { 0xab, 0x12, 0x34, 0, 0, 0, 9, 1, 2,
                                    3, 4, 5, 6, 7, 8 };
    struct wbuf b;

    wbuf_init(&b, 0);
    wbuf_u8(&b, 0xab);
    wbuf_be16(&b, 0x1234);
    wbuf_be32(&b, 0);
    wbuf_be64(&b, 0x0102030405060708ull);
    ok(wbuf_patch_be32(&b, 3, 9) == 0, "patch");
    is_int(b.len, sizeof(want), "length");
    is_mem(b.data, want, sizeof(want), "encoding");
    wbuf_free(&b);

    wbuf_init(&b, 4);
    ok(wbuf_be32(&b, 1) == 0, "fits the limit");
    ok(wbuf_u8(&b, 1) == -E2BIG, "over the limit");
    ok(wbuf_u8(&b, 1) == -E2BIG, "error is sticky");
    wbuf_free(&b);
}

struct loop_ctx {
    int fd;
    int reads;
    int ticks;
    int deferred;
};

static void on_read(struct loop *loop, int fd, unsigned ev, void *opaque)
{
    struct loop_ctx *ctx = opaque;
    uint64_t v;

    if (read(fd, &v, sizeof(v)) == sizeof(v)) {
        ctx->reads++;
    }
    loop_fd_del(loop, fd);
}

static int64_t on_tick(struct loop *loop, void *opaque)
{
    struct loop_ctx *ctx = opaque;

    if (++ctx->ticks == 3) {
        loop_stop(loop);
        return -1;
    }
    return 1000000;
}

static void on_defer(void *opaque)
{
    ((struct loop_ctx *)opaque)->deferred++;
}

static void test_loop(void)
{
    struct loop *loop = loop_new();
    struct loop_ctx ctx = { 0 };
    struct loop_timer *t;
    uint64_t one = 1;

    ok(loop != NULL, "loop_new");
    ctx.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    ok(loop_fd_add(loop, ctx.fd, LOOP_READ, on_read, &ctx) == 0, "fd add");
    ok(loop_fd_add(loop, ctx.fd, LOOP_READ, on_read, &ctx) == -EEXIST,
       "fd added twice refused");
    ok(write(ctx.fd, &one, sizeof(one)) == sizeof(one), "eventfd write");
    t = loop_timer_add(loop, 1000000, on_tick, &ctx);
    ok(t != NULL, "timer add");
    ok(loop_defer(loop, on_defer, &ctx) == 0, "defer");
    ok(loop_run(loop) == 0, "loop runs until stopped");
    is_int(ctx.reads, 1, "fd callback ran once, then deleted itself");
    is_int(ctx.ticks, 3, "periodic timer ran three times");
    is_int(ctx.deferred, 1, "deferred call ran once");
    loop_timer_del(loop, t);
    close(ctx.fd);
    loop_free(loop);
}

static void test_json(void)
{
    static const char deep[] = "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]";
    struct json_limits lim = { .max_depth = 8 };
    char err[128];
    struct json *j;
    const char *in = "{\"execute\":\"x\",\"id\":18446744073709551615,"
                     "\"arguments\":{\"a\":[1,-2,true,null,\"s\"]}}";
    uint64_t u;
    char *s;

    j = json_parse(in, strlen(in), NULL, err, sizeof(err));
    ok(j != NULL, "parse an object");
    ok(json_uint64(json_get(j, "id"), &u) && u == UINT64_MAX,
       "u64 survives");
    is_int(json_array_len(json_get(json_get(j, "arguments"), "a")), 5,
           "array length");
    s = json_to_string(j, false, NULL);
    ok(s != NULL && strcmp(s, in) == 0, "round trip: %s", s ? s : "NULL");
    free(s);
    json_free(j);

    ok(json_parse(deep, strlen(deep), &lim, err, sizeof(err)) == NULL &&
       strstr(err, "deep") != NULL, "nesting limit: %s", err);
    ok(json_parse("{\"a\":", 5, NULL, err, sizeof(err)) == NULL,
       "truncated input refused");
    ok(json_parse("\"\xff\"", 3, NULL, err, sizeof(err)) == NULL,
       "invalid UTF-8 refused");
    ok(json_parse("1 2", 3, NULL, err, sizeof(err)) == NULL,
       "trailing garbage refused");
}

int main(void)
{
    test_cursor();
    test_wbuf();
    test_loop();
    test_json();
    return tap_done();
}
