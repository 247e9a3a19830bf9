/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated guest's "kernel": start-up (connections, wait while
 * the domain is paused, the state page), the page and grant
 * allocators, control/shutdown handling, and the workload table.  See
 * guest.h.  Everything it reads from xenstore is treated as untrusted.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "xensim/guest.h"
#include "xensim/hvclient.h"
#include "xensim/ts.h"

static const struct {
    const char *name;
    int (*fn)(struct guest *g, int argc, char **argv);
} workloads[] = {
    { "idle", guest_idle },
    { "disk-verify", guest_disk_verify },
    { "console-echo", guest_console_echo },
    { "ports", guest_ports },
    { "fb-pattern", guest_fb_pattern },
    { "fwcfg-boot", guest_fwcfg_boot },
};

long guest_xs_read_long(struct guest *g, const char *dir, const char *key)
{
    char path[220], *v;
    unsigned len;
    long n;

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    v = xs_read(g->xs, XBT_NULL, path, &len);
    n = v != NULL ? strtol(v, NULL, 10) : -1;
    free(v);
    return n;
}

int guest_xs_write(struct guest *g, const char *dir, const char *key,
                   const char *val)
{
    char path[220];

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    return xs_write(g->xs, XBT_NULL, path, val, strlen(val)) ? 0 : -errno;
}

int guest_xs_write_ulong(struct guest *g, const char *dir, const char *key,
                         unsigned long long v)
{
    char val[32];

    snprintf(val, sizeof(val), "%llu", v);
    return guest_xs_write(g, dir, key, val);
}

void *guest_page_alloc(struct guest *g, uint64_t *gfn)
{
    uint8_t *p;

    if (g->next_pfn >= g->limit_pfn) {
        errno = ENOMEM;
        return NULL;
    }
    *gfn = g->next_pfn++;
    p = g->mem + *gfn * HVC_PAGE_SIZE;
    memset(p, 0, HVC_PAGE_SIZE);
    return p;
}

int guest_grant(struct guest *g, uint32_t domid, uint64_t gfn, bool ro)
{
    uint32_t ref;
    int rc;

    /* Refs 0-7 are reserved in Xen (GNTTAB_NR_RESERVED_ENTRIES). */
    if (g->next_gref < 8) {
        g->next_gref = 8;
    }
    if (g->next_gref >= g->max_gref) {
        return -ENOSPC;
    }
    ref = g->next_gref++;
    rc = hvc_grant_access(g->hv, ref, domid, gfn, ro);
    return rc < 0 ? rc : (int)ref;
}

enum guest_ctl guest_control(struct guest *g, int timeout_ms)
{
    struct pollfd p = { xs_fileno(g->xs), POLLIN, 0 };
    enum guest_ctl ctl = GUEST_CTL_NONE;
    unsigned len;
    char **ev, *v;

    if (poll(&p, 1, timeout_ms) <= 0) {
        return GUEST_CTL_NONE;
    }
    while ((ev = xs_check_watch(g->xs)) != NULL) {
        free(ev);
    }
    v = xs_read(g->xs, XBT_NULL, "control/shutdown", &len);
    if (v == NULL) {
        return GUEST_CTL_NONE;
    }
    if (strcmp(v, "suspend") == 0) {
        ctl = GUEST_CTL_SUSPEND;
    } else if (strcmp(v, "poweroff") == 0 || strcmp(v, "halt") == 0 ||
               strcmp(v, "reboot") == 0) {
        ctl = GUEST_CTL_POWEROFF;
    }
    free(v);
    return ctl;
}

void guest_suspend(struct guest *g)
{
    /* Linux acknowledges by clearing the node before suspending. */
    xs_write(g->xs, XBT_NULL, "control/shutdown", "", 0);
    printf("guest %u: suspending (resumed %u times so far)\n", g->domid,
           g->state->resumes);
    fflush(stdout);
    hvc_domain_shutdown(g->hv, g->domid, 2 /* SHUTDOWN_suspend */);
    exit(TS_GUEST_SUSPENDED);
}

int guest_idle(struct guest *g, int argc, char **argv)
{
    uint64_t events = 0;
    unsigned got;

    (void)argc;
    (void)argv;
    if (guest_vkbd_connect_all(g) < 0) {
        return 3;
    }
    for (;;) {
        if ((got = guest_vkbd_poll(g)) > 0) {
            events += got;
            printf("vkbd: %llu input events so far\n",
                   (unsigned long long)events);
            fflush(stdout);
        }
        switch (guest_control(g, 200)) {
        case GUEST_CTL_SUSPEND:
            guest_suspend(g);
        case GUEST_CTL_POWEROFF:
            return 0;
        case GUEST_CTL_NONE:
            break;
        }
    }
}

static int wait_unpaused(struct guest *g)
{
    struct hvc_domain_info info;
    int rc;

    for (;;) {
        struct timespec t = { 0, 10 * 1000 * 1000 };
        if ((rc = hvc_domain_info(g->hv, g->domid, &info)) < 0) {
            return rc;
        }
        if (!info.paused) {
            return 0;
        }
        nanosleep(&t, NULL);
    }
}

static int guest_boot(struct guest *g)
{
    struct hvc_domain_info info;
    int rc;

    if ((rc = wait_unpaused(g)) < 0 ||
        (rc = hvc_domain_info(g->hv, g->domid, &info)) < 0) {
        return rc;
    }
    g->mem = hvc_memory(g->hv, &g->pages);
    if (g->mem == NULL || g->pages < GUEST_FIRST_FREE_PFN + 8) {
        return -ENOMEM;
    }
    g->next_pfn = GUEST_FIRST_FREE_PFN;
    g->limit_pfn = g->pages - 2;         /* the store page lives there */
    if (info.gnttab_gfn >= GUEST_FIRST_FREE_PFN &&
        info.gnttab_gfn < g->limit_pfn) {
        g->limit_pfn = info.gnttab_gfn;
    }
    g->max_gref = hvc_grant_entries(g->hv);
    g->state = (struct guest_state *)(g->mem + GUEST_STATE_PFN * HVC_PAGE_SIZE);
    if (!g->resumed ||
        memcmp(g->state->magic, GUEST_STATE_MAGIC, 8) != 0) {
        memset(g->state, 0, sizeof(*g->state));
        memcpy(g->state->magic, GUEST_STATE_MAGIC, 8);
    } else {
        g->state->resumes++;
    }
    if (!xs_watch(g->xs, "control/shutdown", "ctl")) {
        return -errno;
    }
    return 0;
}

int guest_main(int argc, char **argv)
{
    struct guest g = { 0 };
    const char *wl = "idle";
    char *end;
    size_t i;
    int rc, first;

    if (argc < 2) {
        fprintf(stderr, "usage: xensim guest DOMID [--resume] WORKLOAD "
                "[ARGS]\n");
        return 2;
    }
    g.domid = (uint32_t)strtoul(argv[1], &end, 10);
    g.dir = getenv("XENSIM_DIR");
    if (*end != '\0' || g.dir == NULL) {
        fprintf(stderr, "xensim guest: bad domid or no XENSIM_DIR\n");
        return 2;
    }
    first = 2;
    if (argc > first && strcmp(argv[first], "--resume") == 0) {
        g.resumed = true;
        first++;
    }
    if (argc > first) {
        wl = argv[first];
    }
    for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
        if (strcmp(wl, workloads[i].name) == 0) {
            break;
        }
    }
    if (i == sizeof(workloads) / sizeof(workloads[0])) {
        fprintf(stderr, "xensim guest: unknown workload '%s'\n", wl);
        return 2;
    }
    g.hv = hvc_open(g.dir, g.domid);
    g.xs = xs_open(0);
    if (g.hv == NULL || g.xs == NULL) {
        fprintf(stderr, "xensim guest %u: cannot connect: %s\n", g.domid,
                strerror(errno));
        return 3;
    }
    if ((rc = guest_boot(&g)) < 0) {
        fprintf(stderr, "xensim guest %u: boot failed: %s\n", g.domid,
                strerror(-rc));
        return 3;
    }
    printf("guest %u: %s workload %s\n", g.domid,
           g.resumed ? "resuming" : "starting", wl);
    fflush(stdout);
    rc = workloads[i].fn(&g, argc - first - (argc > first ? 1 : 0),
                         argv + first + (argc > first ? 1 : 0));
    hvc_domain_shutdown(g.hv, g.domid, 0 /* SHUTDOWN_poweroff */);
    xs_close(g.xs);
    hvc_close(g.hv);
    return rc;
}
