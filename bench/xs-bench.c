/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenstore round-trip benchmark with real libxenstore: for SECONDS,
 * xs_write then xs_read of one node (two round trips per iteration)
 * on the xenstored at SOCKET; prints "N write+read pairs/s".
 *
 *   xs-bench SOCKET [SECONDS]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xenstore.h>

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    double secs = argc > 2 ? atof(argv[2]) : 2.0, t0, t;
    struct xs_handle *h;
    unsigned long n = 0;
    char val[32], *got;
    unsigned len;

    if (argc < 2) {
        fprintf(stderr, "usage: xs-bench SOCKET [SECONDS]\n");
        return 2;
    }
    setenv("XENSTORED_PATH", argv[1], 1);
    h = xs_open(0);
    if (h == NULL) {
        perror("xs_open");
        return 1;
    }
    t0 = now_s();
    do {
        for (int i = 0; i < 256; i++, n++) {
            snprintf(val, sizeof(val), "%lu", n);
            if (!xs_write(h, XBT_NULL, "/bench/node", val, strlen(val))) {
                perror("xs_write");
                return 1;
            }
            got = xs_read(h, XBT_NULL, "/bench/node", &len);
            if (got == NULL || strcmp(got, val) != 0) {
                fprintf(stderr, "xs-bench: read back the wrong value\n");
                return 1;
            }
            free(got);
        }
        t = now_s() - t0;
    } while (t < secs);
    printf("%.0f\n", (double)n / t);
    xs_close(h);
    return 0;
}
