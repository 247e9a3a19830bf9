/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The device model's command line, built exactly as libxl 4.17's
 * libxl__build_device_model_args_new() builds it for qemu-xen (no
 * stubdom, no dm_restrict), and the environment it adds.  Unit-tested
 * against the argv captured from real xl in the lab
 * (shared/lab/captures/final-trace/dm/dm-NNN.argv).
 */
#ifndef XENSIM_DMARGV_H
#define XENSIM_DMARGV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xensim/xlcfg.h"

struct dmargv_opts {
    const char *dm_path;     /* argv[0] */
    uint32_t domid;
    const char *run_dir;     /* libxl: /var/run/xen; xensim: $XENSIM_DIR */
    int restore_fd;          /* -incoming fd:N, or -1 */
};

struct dmargv {
    char **argv;             /* NULL-terminated */
    size_t argc;
    char **env;              /* "KEY=VALUE", NULL-terminated */
    size_t nenv;
};

/* 0 or -errno (-EINVAL for configs libxl also refuses). */
int dmargv_build(const struct xlcfg *cfg, const struct dmargv_opts *o,
                 struct dmargv *out);
void dmargv_free(struct dmargv *a);

/*
 * libxl__need_xenpv_qemu: whether a PV/PVH guest gets a device model
 * at all (vfb, a qdisk disk, a vkb, a channel).  HVM guests always do.
 */
bool dmargv_needed(const struct xlcfg *cfg);

/* The disk backend libxl would choose here (qdisk: no blkback). */
enum xlcfg_backend dmargv_disk_backend(const struct xlcfg_disk *d);

/* The QMP socket paths for a domain, into buf. */
int dmargv_qmp_path(char *buf, size_t len, const char *run_dir,
                    const char *which, uint32_t domid);

#endif
