/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tests/vmstate-dump FILE: writes the -dump-vmstate JSON of every
 * description in hw/vmsd-table.c through vmstate_dump_file(), for the
 * baseline comparison in tests/integration/state-vmstate-check.sh
 * (`xendm -dump-vmstate FILE` calls the same function).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "../src/vmstate-dump.h"

int main(int argc, char **argv)
{
    int rc;

    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE|-\n", argv[0]);
        return 2;
    }
    rc = vmstate_dump_file(argv[1]);
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", argv[1], strerror(-rc));
        return 1;
    }
    return 0;
}
