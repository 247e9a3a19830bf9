/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PV console frontend (io/console.h; Linux hvc_xen for secondary
 * consoles) and the `console-echo` workload.
 *
 * The frontend takes the first device/console/<n> whose type is
 * "ioemu" (the consoles the device model serves: xl channels), grants
 * one page holding struct xencons_interface to the backend, allocates
 * an unbound event channel, writes ring-ref and port, goes
 * Initialised, and once the backend is Connected goes Connected.
 * console-echo then copies every byte from the `in` ring (host to
 * guest) to the `out` ring (guest to host), and ends after echoing an
 * EOT (0x04) byte.  Ring indices written by the backend are untrusted:
 * a producer claiming more than the ring holds ends the workload.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include <stdint.h>
#include <xen/xen.h>
#include <xen/io/console.h>
#include <xen/io/xenbus.h>

#include "xensim/guest.h"
#include "xensim/hvclient.h"

#define CON_TIMEOUT_MS 60000

static int con_state(struct guest *g, const char *be)
{
    char path[200], *v;
    unsigned len;
    int st;

    snprintf(path, sizeof(path), "%s/state", be);
    v = xs_read(g->xs, XBT_NULL, path, &len);
    st = v != NULL ? atoi(v) : -1;
    free(v);
    return st;
}

static int con_find(struct guest *g, char *fe, size_t len)
{
    unsigned n, i;
    char **ids = xs_directory(g->xs, XBT_NULL, "device/console", &n);
    int rc = -ENOENT;

    for (i = 0; ids != NULL && i < n && rc < 0; i++) {
        char path[100], *type;
        unsigned l;
        snprintf(path, sizeof(path), "device/console/%s/type", ids[i]);
        type = xs_read(g->xs, XBT_NULL, path, &l);
        if (type != NULL && strcmp(type, "ioemu") == 0) {
            snprintf(fe, len, "device/console/%s", ids[i]);
            rc = 0;
        }
        free(type);
    }
    free(ids);
    return rc;
}

static int con_write(struct guest *g, const char *fe, const char *key,
                     unsigned long v)
{
    char path[160], val[32];

    snprintf(path, sizeof(path), "%s/%s", fe, key);
    snprintf(val, sizeof(val), "%lu", v);
    return xs_write(g->xs, XBT_NULL, path, val, strlen(val)) ? 0 : -errno;
}

static int con_connect(struct guest *g, const char *fe, char *be,
                       size_t belen, struct xencons_interface **intf,
                       int *port)
{
    char path[160], *v;
    unsigned len, waited;
    uint64_t gfn;
    int ref, rc;

    snprintf(path, sizeof(path), "%s/backend", fe);
    if ((v = xs_read(g->xs, XBT_NULL, path, &len)) == NULL) {
        return -ENOENT;
    }
    snprintf(be, belen, "%s", v);
    free(v);
    if ((*intf = guest_page_alloc(g, &gfn)) == NULL ||
        (ref = guest_grant(g, 0, gfn, false)) < 0 ||
        (*port = hvc_evtchn_alloc_unbound(g->hv, 0)) < 0) {
        return -ENOMEM;
    }
    if ((rc = con_write(g, fe, "ring-ref", (unsigned)ref)) < 0 ||
        (rc = con_write(g, fe, "port", (unsigned)*port)) < 0 ||
        (rc = con_write(g, fe, "state", XenbusStateInitialised)) < 0) {
        return rc;
    }
    for (waited = 0; con_state(g, be) != XenbusStateConnected; waited += 50) {
        if (waited > CON_TIMEOUT_MS) {
            return -ETIMEDOUT;
        }
        if (guest_control(g, 50) == GUEST_CTL_SUSPEND) {
            guest_suspend(g);
        }
    }
    return con_write(g, fe, "state", XenbusStateConnected);
}

int guest_console_echo(struct guest *g, int argc, char **argv)
{
    struct xencons_interface *c;
    char fe[64], be[160];
    uint64_t echoed = 0;
    int port, rc;
    bool eot = false;

    (void)argc;
    (void)argv;
    if (con_find(g, fe, sizeof(fe)) < 0) {
        fprintf(stderr, "console-echo: no ioemu console (add a channel)\n");
        return 4;
    }
    if ((rc = con_connect(g, fe, be, sizeof(be), &c, &port)) < 0) {
        fprintf(stderr, "console-echo: %s: connect failed: %s\n", fe,
                strerror(-rc));
        return 3;
    }
    printf("console-echo: %s connected\n", fe);
    fflush(stdout);
    while (!eot) {
        XENCONS_RING_IDX cons, prod, ocons, oprod;
        int p = hvc_evtchn_wait(g->hv, 200);

        if (p >= 0) {
            hvc_evtchn_unmask(g->hv, (uint32_t)p);
        }
        if (guest_control(g, 0) == GUEST_CTL_SUSPEND) {
            guest_suspend(g);
        }
        cons = c->in_cons;
        prod = __atomic_load_n(&c->in_prod, __ATOMIC_ACQUIRE);
        if (prod - cons > sizeof(c->in)) {
            fprintf(stderr, "console-echo: backend broke the in ring\n");
            return 3;
        }
        while (cons != prod) {
            ocons = __atomic_load_n(&c->out_cons, __ATOMIC_ACQUIRE);
            oprod = c->out_prod;
            if (oprod - ocons >= sizeof(c->out)) {
                break;               /* out ring full: wait for the host */
            }
            char ch = c->in[MASK_XENCONS_IDX(cons, c->in)];
            c->out[MASK_XENCONS_IDX(oprod, c->out)] = ch;
            __atomic_store_n(&c->out_prod, oprod + 1, __ATOMIC_RELEASE);
            cons++;
            echoed++;
            if (ch == 0x04) {
                eot = true;
                break;
            }
        }
        __atomic_store_n(&c->in_cons, cons, __ATOMIC_RELEASE);
        hvc_evtchn_notify(g->hv, (uint32_t)port);
    }
    printf("console-echo: echoed %llu bytes\n", (unsigned long long)echoed);
    fflush(stdout);
    return 0;
}
