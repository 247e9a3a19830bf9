/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test harness for xensim's hypervisor services: runs the service in
 * a child process on its own loop, in a private temporary directory,
 * exactly as the xensim daemon hosts it, and stops it again.
 */
#ifndef XENDM_TESTS_HV_HARNESS_H
#define XENDM_TESTS_HV_HARNESS_H

#include <sys/types.h>

struct hv_harness {
    char dir[256];
    pid_t pid;
};

/*
 * 0, or -errno; dir gets a fresh mktemp directory serving hv.sock.
 * With XENSIM_TEST_DIR set, uses that running xensim host instead.
 */
int harness_start(struct hv_harness *h);
/* Stops the child (SIGTERM), reaps it, removes the directory. */
int harness_stop(struct hv_harness *h);

#endif
