/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the chardev module: the chardev itself, shared by chardev.c
 * (opening, clients, ptys, query-chardev) and chardev-flow.c (bounded
 * output, flow control both ways).  Nothing outside src/chardev*.c
 * includes this.
 */
#ifndef XENDM_CHARDEV_INT_H
#define XENDM_CHARDEV_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include "chardev.h"
#include "loop.h"
#include "xendm.h"

struct chardev {
    struct xendm *x;
    const struct chardev_spec *spec;
    int listen_fd;
    int client_fd;            /* owned here unless an acceptor took it */
    bool created_path;        /* unlink at exit */
    int dir_fd;               /* the socket's directory, for unlinkat */
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    char pty[64];
    struct loop_timer *retry;
    chardev_accept_fn *accept_fn;
    void *accept_opaque;
    bool acceptor_busy;       /* the acceptor holds a client */
    chardev_read_fn *read_fn;
    void *read_opaque;
    bool pty_hup;             /* no slave open: the fd is off the loop */
    uint8_t *out;             /* pending output, CHARDEV_OUT_MAX bytes */
    size_t out_len;
    bool owe_ready;           /* a write was cut short: call ready_fn */
    chardev_ready_fn *ready_fn;
    void *ready_opaque;
    chardev_room_fn *room_fn; /* how much input the reader takes now */
    bool input_paused;        /* reader full: LOOP_READ is off */
    bool hup_parked;          /* peer gone while paused: fd off the loop */
    struct chardev_spec own;  /* spec of a chardev made at run time */
    char own_id[32];
};

/* chardev.c: closes the client, listens again, discards its output. */
void chardev_drop_client(struct chardev *cd);
/* chardev.c: the loop callback of a socket client. */
void chardev_client_io(struct loop *loop, int fd, unsigned events,
                       void *opaque);

/* chardev-flow.c */
/* The loop events the client fd needs now. */
unsigned chardev_flow_events(const struct chardev *cd);
/* Writes pending output on EPOLLOUT; 0, or -EPIPE when the peer is gone. */
int chardev_flow_flush(struct chardev *cd);
/* Reads what the reader has room for; false when the peer is gone. */
bool chardev_flow_pump(struct chardev *cd, int fd);
/* The peer is gone: drop its output, release a waiting producer. */
void chardev_flow_discard(struct chardev *cd);

#endif
