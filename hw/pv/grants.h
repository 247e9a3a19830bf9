/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The grant provider PV backends use: copy to/from granted pages, or
 * map them.  An ops table so the request paths run unchanged on real
 * Xen, on xensim (both through xen/hv.h, see pv_grants_hv) and in
 * unit tests and fuzzers, which supply a table over plain memory.
 *
 * Trust: grant references come from the guest; the provider must
 * reject bad ones (a per-segment status for copies, NULL for maps),
 * never crash.
 */
#ifndef XENDM_PV_GRANTS_H
#define XENDM_PV_GRANTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xen/hv.h"

struct pv_grant_ops {
    /* Performs each segment; per-segment status (0 or negative). */
    int (*copy)(void *ctx, struct hv_grant_copy_seg *segs, uint32_t n);
    /* Maps n grants of domid contiguously; NULL with errno. */
    void *(*map)(void *ctx, uint32_t domid, uint32_t n, const uint32_t *refs,
                 int prot);
    int (*unmap)(void *ctx, void *addr, uint32_t n);
    bool (*copy_supported)(void *ctx);
    /*
     * Optional (NULL: not available): maps guest frames by number, as
     * vfb's page-ref and page directory need (privileged foreign
     * mapping); errs[i] gets 0 or -errno per frame.  NULL with errno.
     */
    void *(*fmap)(void *ctx, uint32_t domid, size_t n, const uint64_t *gfns,
                  int prot, int *errs);
    int (*funmap)(void *ctx, void *addr, size_t n);
};

struct pv_grants {
    const struct pv_grant_ops *ops;
    void *ctx;
};

/* The provider over the process's hypervisor handle (hw/pv/grants-hv.c). */
void pv_grants_hv(struct pv_grants *g, struct hv *hv);

#endif
