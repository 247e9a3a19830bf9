/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The toolstack's xenstore access: real libxenstore (xs_open honours
 * XENSTORED_PATH, which `xensim` points at $XENSIM_DIR/xenstored.sock),
 * wrapped in the few operations libxl performs: write a layout in one
 * transaction (retried on EAGAIN, as libxl's transaction loops are),
 * remove trees, read and write single nodes, and wait with a watch
 * until a node takes a value (libxl__xswait / the spawn watch).
 */
#ifndef XENSIM_TSXS_H
#define XENSIM_TSXS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xensim/tslayout.h"

struct xs_handle;

/* Opens a connection as the control domain; NULL with errno. */
struct xs_handle *tsxs_open(void);
void tsxs_close(struct xs_handle *h);

/* Writes every node of l with its permissions, atomically. */
int tsxs_apply(struct xs_handle *h, const struct tsl_list *l);
/* Removes each tree (missing ones are fine). */
int tsxs_rm_trees(struct xs_handle *h, char *const *paths);
int tsxs_write(struct xs_handle *h, const char *path, const char *value);
/* Malloc'd value or NULL (errno ENOENT if absent). */
char *tsxs_read(struct xs_handle *h, const char *path);
int tsxs_mkdir(struct xs_handle *h, const char *path);
/* Removes path if it has no children (libxl__xs_path_cleanup). */
int tsxs_rm_if_empty(struct xs_handle *h, const char *path);

/*
 * Waits until `path` reads `want` (or, if want is NULL, exists), for
 * at most timeout_ms; also returns early with -ECHILD if alive(pid)
 * turns false (pid > 0: the process we wait for died).  0, -ETIMEDOUT,
 * -ECHILD or -errno.
 */
/*
 * Whether pid still runs: our child is reaped here if it died; a zombie
 * that is not ours (not yet reaped by init) counts as gone.
 */
bool tsxs_proc_alive(int pid);

int tsxs_wait_value(struct xs_handle *h, const char *path, const char *want,
                    int timeout_ms, int pid);

#endif
