/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer harness for xensim's xenstored message parser and
 * dispatch: a fresh store per input, with a control-domain connection
 * and a guest (domain 5) connection that have no socket; the input is
 * a sequence of chunks, each [selector][length][bytes], the selector's
 * low bit choosing the connection.  Raw bytes go through the same
 * wire_feed/wire_dispatch the sockets use, so framing, every handler,
 * transactions, watches and domain requests are reached.  A framing
 * violation closes that connection, as on a socket.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "xensim/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct loop *loop = loop_new();
    struct store *st;
    struct sconn *c[2];
    bool dead[2] = {false, false};
    size_t off = 0;

    if (loop == NULL) {
        return 0;
    }
    st = store_new(loop, NULL);
    if (st == NULL) {
        loop_free(loop);
        return 0;
    }
    c[0] = store_test_conn(st, 0);
    c[1] = store_test_conn(st, 5);
    while (off + 2 <= size && c[0] != NULL && c[1] != NULL) {
        unsigned which = data[off] & 1;
        size_t len = data[off + 1];

        off += 2;
        if (len > size - off) {
            len = size - off;
        }
        if (!dead[which] && store_test_feed(c[which], data + off, len) < 0) {
            dead[which] = true;
        }
        off += len;
    }
    store_free(st);
    loop_free(loop);
    return 0;
}
