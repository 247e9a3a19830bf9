/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated toolstack: every `xensim` subcommand other than
 * start/stop (create, list, destroy, save, restore, ...).  main()
 * hands it its own argc/argv unchanged (argv[1] is the subcommand);
 * it returns the process exit status.  It finds the running host
 * through $XENSIM_DIR.
 */
#ifndef XENSIM_TOOLSTACK_H
#define XENSIM_TOOLSTACK_H

int toolstack_main(int argc, char **argv);

#endif
