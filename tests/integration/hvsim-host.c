/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hosts xensim's hypervisor services for the control-plane tests
 * (python, which cannot link tests/unit/hv-harness.c): starts the
 * service in a private temp dir, creates a small PV domain for each
 * domid given as an argument, prints the dir (use it as XENSIM_DIR:
 * it serves hv.sock), and stops it when stdin closes.
 * Exists only until `xensim start` hosts hv.sock itself.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tests/unit/hv-harness.h"
#include "xensim/hvclient.h"

static int hvsim_domains(const char *dir, int n, char **ids)
{
    struct hvc *c = NULL;
    int i, tries, rc = 0;

    /* The service may still be coming up: retry the connection. */
    for (tries = 0; c == NULL && tries < 100; tries++) {
        c = hvc_open(dir, HVC_CONTROL);
        if (c == NULL) {
            usleep(20000);
        }
    }
    if (c == NULL) {
        perror("hvsim-host: hvc_open");
        return -1;
    }
    for (i = 0; i < n && rc == 0; i++) {
        struct hvc_domain_config cfg = {.type = HVC_DOM_PV, .vcpus = 1,
                                        .mem_kib = 1024};
        uint32_t got;

        cfg.domid = (uint32_t)strtoul(ids[i], NULL, 10);
        rc = hvc_domain_create(c, &cfg, &got);
        if (rc < 0) {
            fprintf(stderr, "hvsim-host: domain %u: %d\n", cfg.domid, rc);
        }
    }
    hvc_close(c);
    return rc;
}

int main(int argc, char **argv)
{
    struct hv_harness h;
    char buf[64];

    if (harness_start(&h) < 0) {
        fprintf(stderr, "hvsim-host: cannot start the hv service\n");
        return 1;
    }
    if (hvsim_domains(h.dir, argc - 1, argv + 1) < 0) {
        fprintf(stderr, "hvsim-host: cannot create the domains\n");
        harness_stop(&h);
        return 1;
    }
    printf("%s\n", h.dir);
    fflush(stdout);
    while (read(0, buf, sizeof(buf)) > 0) {
    }
    return harness_stop(&h) < 0 ? 1 : 0;
}
