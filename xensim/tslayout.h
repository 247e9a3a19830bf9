/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The xenstore nodes libxl 4.17 writes for a domain, as data: the
 * domain's home (/local/domain/<d>: name, vm, cpu, memory, the
 * guest-writable control/device/data nodes), /vm/<uuid>, /libxl/<d>,
 * and for each device the frontend and backend directories with the
 * keys and permissions libxl gives them (libxl_create.c
 * libxl__domain_make, libxl_device.c libxl__device_generic_add,
 * libxl_disk.c, libxl_vkb.c, libxl_vfb.c, libxl_console.c).  Checked
 * node by node, permissions included, against the store of a real
 * running domain (tests/vectors/lab/xenstore-*-running.txt).
 *
 * tslayout only builds the list; ts-xs.c writes it through real
 * libxenstore and removes it again on destroy.
 */
#ifndef XENSIM_TSLAYOUT_H
#define XENSIM_TSLAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "xensim/xlcfg.h"

#define TSL_MAX_PERMS 3

/* One xenstore ACL entry: XS_PERM_* bits for a domain. */
struct tsl_perm {
    uint32_t domid;
    char perm;               /* 'n', 'r', 'w', 'b' as xenstore-ls shows */
};

struct tsl_node {
    char *path;
    char *value;
    struct tsl_perm perms[TSL_MAX_PERMS];   /* [0] is the owner */
    size_t nperms;
};

struct tsl_list {
    struct tsl_node *v;
    size_t n, cap;
    int rc;                  /* sticky -ENOMEM */
};

struct tsl_domain {
    uint32_t domid;
    const char *uuid;        /* "xxxxxxxx-xxxx-..." */
    double start_time;
};

/* Every node libxl writes when creating the domain, devices included. */
int tsl_build_domain(const struct xlcfg *cfg, const struct tsl_domain *d,
                     struct tsl_list *out);
/* The device nodes alone (frontend, backend, /libxl copies). */
int tsl_build_devices(const struct xlcfg *cfg, uint32_t domid,
                      struct tsl_list *out);
void tsl_free(struct tsl_list *l);

/*
 * The trees destroy removes (libxl__destroy_domid and
 * libxl__devices_destroy): backends of each kind, device-model/<d>,
 * /local/domain/<d>, /vm/<uuid>, /libxl/<d>.  NULL-terminated,
 * malloc'd strings.
 */
char **tsl_destroy_paths(const struct xlcfg *cfg, uint32_t domid,
                         const char *uuid);
void tsl_free_paths(char **paths);

/* "n0,r1" as xenstore-ls -p prints a node's permissions. */
int tsl_perms_string(const struct tsl_node *n, char *buf, size_t len);

#endif
