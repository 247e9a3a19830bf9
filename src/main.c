/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xendm: a small device model for Xen, started by libxl in place of
 * qemu-xen.  (Skeleton entry point; the control-plane work replaces it
 * with libxl's full command line.)
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

int main(int argc, char **argv)
{
    log_init(argv[0], LOG_LEVEL_WARN);
    if (argc > 1 && (strcmp(argv[1], "--version") == 0 ||
                     strcmp(argv[1], "-version") == 0)) {
        printf("xendm %s\n", PACKAGE_VERSION);
        return 0;
    }
    fprintf(stderr, "usage: xendm [--version]\n");
    return 1;
}
