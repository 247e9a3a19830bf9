/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A thin wrapper over the real libxenstore, so that only xen/ includes
 * xenstore.h.  Paths are as libxenstore takes them: absolute, or
 * relative to the connecting domain's home (/local/domain/<self>),
 * which is how QEMU writes device-model/<domid>/… .  Watches are
 * delivered from the loop: store_attach puts libxenstore's watch fd
 * on it and each event calls the callback registered with the token.
 * All calls return 0 / a pointer, or -errno / NULL with errno set.
 */
#ifndef XENDM_STORE_H
#define XENDM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct loop;

enum store_perm_bits {
    STORE_PERM_NONE = 0,
    STORE_PERM_READ = 1,
    STORE_PERM_WRITE = 2,
};

struct store_perm {
    uint32_t domid;
    unsigned perms;     /* enum store_perm_bits */
};

typedef void store_watch_fn(struct store *st, const char *path,
                            const char *token, void *opaque);

/* Connects (XENSTORED_PATH is honoured by libxenstore). */
struct store *store_open(char *err, size_t errlen);
void store_close(struct store *st);
/*
 * -xen-domid-restrict: closes the connection as QEMU's libxenstore
 * does under xentoolcore_restrict_all; every later call fails EPERM.
 */
int store_restrict(struct store *st);
bool store_restricted(const struct store *st);

/* The value (NUL-terminated, length in *len if non-NULL); free() it. */
char *store_read(struct store *st, const char *path, size_t *len);
int store_write(struct store *st, const char *path, const void *val,
                size_t len);
int store_write_str(struct store *st, const char *path, const char *val);
int store_mkdir(struct store *st, const char *path);
int store_rm(struct store *st, const char *path);
/* Child names; free() the array (one allocation). */
char **store_directory(struct store *st, const char *path, unsigned *n);
int store_set_perms(struct store *st, const char *path,
                    const struct store_perm *perms, unsigned n);
/* /local/domain/<domid>; free() it. */
char *store_get_domain_path(struct store *st, uint32_t domid);

int store_attach(struct store *st, struct loop *loop);
int store_watch(struct store *st, const char *path, const char *token,
                store_watch_fn *fn, void *opaque);
int store_unwatch(struct store *st, const char *path, const char *token);

#endif
