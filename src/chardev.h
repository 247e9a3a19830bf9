/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Character devices from -chardev and -serial: listening unix
 * sockets (a path we bind, or a listening fd libxl passed), ptys and
 * null sinks.  A socket serves one client at a time; the next is
 * accepted after it disconnects.  QMP monitors take over a socket's
 * clients (chardev_set_acceptor); the serial ports and PV consoles
 * read and write through chardev_set_reader/chardev_write.  Nothing
 * here blocks the loop: writes that would block are dropped.
 */
#ifndef XENDM_CHARDEV_H
#define XENDM_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct xendm;
struct chardev;
struct json;

typedef void chardev_read_fn(struct chardev *cd, const void *buf,
                             size_t len, void *opaque);
/* A client connected; the acceptor owns fd until chardev_client_done. */
typedef void chardev_accept_fn(struct chardev *cd, int fd, void *opaque);

int chardev_open_all(struct xendm *x, char *err, size_t errlen);
/* Closes every chardev and unlinks the socket paths it created. */
void chardev_close_all(struct xendm *x);

struct chardev *chardev_lookup(struct xendm *x, const char *id);
const char *chardev_id(const struct chardev *cd);

void chardev_set_acceptor(struct chardev *cd, chardev_accept_fn *fn,
                          void *opaque);
/* The acceptor closed its client: accept the next one. */
void chardev_client_done(struct chardev *cd);

/* Attaches a frontend (serial port, console); NULL detaches. */
void chardev_set_reader(struct chardev *cd, chardev_read_fn *fn,
                        void *opaque);
/* Bytes accepted (the rest is dropped), 0 without a peer. */
size_t chardev_write(struct chardev *cd, const void *buf, size_t len);
/* "/dev/pts/N" for a pty, else NULL. */
const char *chardev_pty_path(const struct chardev *cd);

/*
 * A new pty chardev labelled `label`, made at run time as QEMU's
 * qemu_chr_new does for a PV console whose `output` is "pty"; it is
 * listed by query-chardev and closed with the others.  NULL (and a
 * reason in err) when the table is full or no pty can be opened.
 */
struct chardev *chardev_new_pty(struct xendm *x, const char *label,
                                char *err, size_t errlen);

/* QMP query-chardev: [{"label","filename","frontend-open"}]. */
struct json *chardev_query(struct xendm *x);

#endif
