/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The grant provider over xen/hv.h: the one the daemon uses, on real
 * Xen (libxengnttab) and on xensim alike.  The hv layer validates
 * references and reports per-segment status; nothing to add here.
 */
#include "hw/pv/grants.h"

static int grants_hv_copy(void *ctx, struct hv_grant_copy_seg *segs,
                          uint32_t n)
{
    return hv_grant_copy(ctx, segs, n);
}

static void *grants_hv_map(void *ctx, uint32_t domid, uint32_t n,
                           const uint32_t *refs, int prot)
{
    return hv_grant_map(ctx, domid, n, refs, prot);
}

static int grants_hv_unmap(void *ctx, void *addr, uint32_t n)
{
    return hv_grant_unmap(ctx, addr, n);
}

static bool grants_hv_copy_supported(void *ctx)
{
    return hv_grant_copy_supported(ctx);
}

static void *grants_hv_fmap(void *ctx, uint32_t domid, size_t n,
                            const uint64_t *gfns, int prot, int *errs)
{
    return hv_fmem_map(ctx, domid, prot, n, gfns, errs);
}

static int grants_hv_funmap(void *ctx, void *addr, size_t n)
{
    return hv_fmem_unmap(ctx, addr, n);
}

static const struct pv_grant_ops grants_hv_ops = {
    .copy = grants_hv_copy,
    .map = grants_hv_map,
    .unmap = grants_hv_unmap,
    .copy_supported = grants_hv_copy_supported,
    .fmap = grants_hv_fmap,
    .funmap = grants_hv_funmap,
};

void pv_grants_hv(struct pv_grants *g, struct hv *hv)
{
    g->ops = &grants_hv_ops;
    g->ctx = hv;
}
