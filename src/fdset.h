/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * File descriptors a QMP client passes in (SCM_RIGHTS): fd sets
 * (add-fd, remove-fd, query-fdsets, "/dev/fdset/N" paths) and named
 * fds (getfd, closefd), with QEMU's rules and messages
 * (monitor/fds.c).  Every call that fails writes its reason to err.
 */
#ifndef XENDM_FDSET_H
#define XENDM_FDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct fdsets;
struct json;

struct fdsets *fdsets_new(void);
/* Closes every fd still held. */
void fdsets_free(struct fdsets *fs);

/*
 * Takes fd into set `id` (created if absent) or, without has_id, into
 * the first free set id.  On success *out_id is the set; on failure
 * fd is NOT closed (the caller closes it).
 */
int fdsets_add(struct fdsets *fs, int fd, bool has_id, int64_t id,
               const char *opaque, int64_t *out_id, char *err,
               size_t errlen);
int fdsets_remove(struct fdsets *fs, int64_t id, bool has_fd, int64_t fd,
                  char *err, size_t errlen);
struct json *fdsets_query(const struct fdsets *fs);
/* The last QMP client went away: drop fds no command holds (QEMU). */
void fdsets_monitors_gone(struct fdsets *fs);

/* getfd / closefd.  getfd takes fd (closing it on failure). */
int fdsets_getfd(struct fdsets *fs, const char *name, int fd, char *err,
                 size_t errlen);
int fdsets_closefd(struct fdsets *fs, const char *name, char *err,
                   size_t errlen);
/* Borrow a named fd (still owned by fs), or -ENOENT. */
int fdsets_named(const struct fdsets *fs, const char *name);

/*
 * Opens a path as QEMU's qemu_open does: "/dev/fdset/N" dups the
 * member of set N whose O_ACCMODE equals flags', anything else is
 * open(2).  Returns a new fd (O_CLOEXEC) or -errno with err set to
 * "Could not open|create 'PATH': REASON".
 */
int fdset_open(struct fdsets *fs, const char *path, int flags, mode_t mode,
               char *err, size_t errlen);

#endif
