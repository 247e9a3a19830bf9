/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Placeholder for the simulated toolstack (xensim/toolstack.h): the
 * toolstack work replaces this file.  Until then every subcommand
 * other than start/stop is unknown.
 */
#include "config.h"

#include <stdio.h>

#include "toolstack.h"

int toolstack_main(int argc, char **argv)
{
    fprintf(stderr, "xensim: unknown command '%s'\n",
            argc > 1 ? argv[1] : "");
    return 2;
}
