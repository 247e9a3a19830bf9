/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Chardev flow control (see chardev.h, chardev-int.h).  Theory of
 * operation.  Output: chardev_write writes straight to the peer while
 * nothing is pending, and keeps what the peer does not take in a
 * buffer of at most CHARDEV_OUT_MAX bytes, allocated on first need;
 * while it is non-empty the client fd also waits for EPOLLOUT, and
 * chardev_flow_flush empties it in order.  A write that does not fit
 * returns short and sets `owe_ready`; once the buffer is down to half,
 * the producer's output-ready callback runs (from the loop), so the
 * producer refills while output still flows.  Input: when the reader
 * has a room function, chardev_flow_pump reads at most that much; at
 * zero the fd stops asking for EPOLLIN (`input_paused`) and the bytes
 * stay in the peer's socket until chardev_input_ready.  A peer that
 * hangs up while input is paused would report EPOLLHUP forever, so its
 * fd is taken off the loop (`hup_parked`) until then.  A peer that
 * goes away loses what was buffered for it; the producer is released
 * and its next write gets -EPIPE, which producers treat as "dropped",
 * as QEMU drops output to a disconnected chardev.  Everything here
 * runs on the loop thread and never blocks it.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chardev-int.h"
#include "loop.h"

/* The owed output-ready call, from the loop. */
static void chardev_release(void *opaque)
{
    struct chardev *cd = opaque;

    if (cd->owe_ready) {
        cd->owe_ready = false;
        if (cd->ready_fn != NULL) {
            cd->ready_fn(cd, cd->ready_opaque);
        }
    }
}

/*
 * The peer is gone: its pending output goes, and a waiting producer
 * is released -- from the loop, never from inside its own write.
 */
void chardev_flow_discard(struct chardev *cd)
{
    cd->out_len = 0;
    if (cd->owe_ready && loop_defer(cd->x->loop, chardev_release, cd) < 0) {
        chardev_release(cd);
    }
}

/* The loop events the fd needs: read unless the reader is full,
 * write while output waits. */
unsigned chardev_flow_events(const struct chardev *cd)
{
    return (cd->input_paused ? 0 : LOOP_READ) |
           (cd->out_len > 0 ? LOOP_WRITE : 0);
}

/*
 * Writes pending output.  0, or -EPIPE when the peer is gone (the
 * caller drops it).  Calls the owed output-ready once half drained.
 */
int chardev_flow_flush(struct chardev *cd)
{
    bool had = cd->out_len > 0;

    while (cd->out_len > 0) {
        ssize_t n = write(cd->client_fd, cd->out, cd->out_len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            break;
        }
        if (n <= 0) {
            return -EPIPE;
        }
        memmove(cd->out, cd->out + n, cd->out_len - (size_t)n);
        cd->out_len -= (size_t)n;
    }
    if (had && cd->out_len == 0) {
        loop_fd_mod(cd->x->loop, cd->client_fd, chardev_flow_events(cd));
    }
    if (cd->owe_ready && cd->out_len <= CHARDEV_OUT_MAX / 2) {
        cd->owe_ready = false;
        if (cd->ready_fn != NULL) {
            cd->ready_fn(cd, cd->ready_opaque);
        }
    }
    return 0;
}

/*
 * Reads what fd has and hands it to the reader.  False when the peer
 * is gone (EOF or a hard error); true for data or a transient miss.
 */
bool chardev_flow_pump(struct chardev *cd, int fd)
{
    char buf[4096];
    size_t want = sizeof(buf);
    ssize_t n;

    if (cd->room_fn != NULL && cd->read_fn != NULL) {
        want = cd->room_fn(cd, cd->read_opaque);
        if (want > sizeof(buf)) {
            want = sizeof(buf);
        }
    }
    if (want == 0) {
        /* The reader is full: leave the bytes with the peer until
         * chardev_input_ready. */
        cd->input_paused = true;
        loop_fd_mod(cd->x->loop, fd, chardev_flow_events(cd));
        return true;
    }
    n = read(fd, buf, want);

    if (n > 0) {
        if (cd->read_fn != NULL) {
            cd->read_fn(cd, buf, (size_t)n, cd->read_opaque);
        }
        return true;
    }
    return n < 0 && (errno == EAGAIN || errno == EINTR);
}

void chardev_input_ready(struct chardev *cd)
{
    if (!cd->input_paused) {
        return;
    }
    cd->input_paused = false;
    if (cd->hup_parked) {
        cd->hup_parked = false;
        if (loop_fd_add(cd->x->loop, cd->client_fd, chardev_flow_events(cd),
                        chardev_client_io, cd) < 0) {
            chardev_drop_client(cd);
        }
    } else if (cd->client_fd >= 0 && cd->accept_fn == NULL &&
               !cd->pty_hup) {
        loop_fd_mod(cd->x->loop, cd->client_fd, chardev_flow_events(cd));
    }
}

void chardev_set_input_room(struct chardev *cd, chardev_room_fn *fn)
{
    cd->room_fn = fn;
    chardev_input_ready(cd);
}

void chardev_set_output_ready(struct chardev *cd, chardev_ready_fn *fn,
                              void *opaque)
{
    cd->ready_fn = fn;
    cd->ready_opaque = opaque;
    if (fn == NULL) {
        cd->owe_ready = false;
    }
}

bool chardev_connected(const struct chardev *cd)
{
    return cd->client_fd >= 0 && cd->accept_fn == NULL && !cd->pty_hup;
}

ssize_t chardev_write(struct chardev *cd, const void *buf, size_t len)
{
    size_t done = 0, room;
    ssize_t n;

    if (!chardev_connected(cd)) {
        return -EPIPE;
    }
    if (cd->out_len == 0) {
        n = write(cd->client_fd, buf, len);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            if (cd->spec->kind == CHARDEV_SOCKET) {
                chardev_drop_client(cd);
            }
            return -EPIPE;
        }
        done = n > 0 ? (size_t)n : 0;
    }
    if (done < len && cd->out == NULL) {
        cd->out = malloc(CHARDEV_OUT_MAX);
        if (cd->out == NULL) {
            cd->owe_ready = true;
            return (ssize_t)done;
        }
    }
    room = CHARDEV_OUT_MAX - cd->out_len;
    if (room > len - done) {
        room = len - done;
    }
    if (room > 0) {
        bool was_empty = cd->out_len == 0;

        memcpy(cd->out + cd->out_len, (const uint8_t *)buf + done, room);
        cd->out_len += room;
        done += room;
        if (was_empty) {
            loop_fd_mod(cd->x->loop, cd->client_fd, chardev_flow_events(cd));
        }
    }
    if (done < len) {
        cd->owe_ready = true;
    }
    return (ssize_t)done;
}

size_t chardev_output_pending(const struct chardev *cd)
{
    return cd->out_len;
}

