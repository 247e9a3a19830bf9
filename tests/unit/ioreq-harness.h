/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared pieces of the ioreq tests (test-hv-ioreq, test-hvm-ioreq,
 * test-hv-ioreq-stress): a device model run in a forked child that
 * reports its bring-up through a pipe, and the simulated vCPU's one
 * port/MMIO/PCI access through hvclient's guest API.  The device
 * model itself (what serves the ioreqs) is each test's own.
 */
#ifndef XENDM_TESTS_IOREQ_HARNESS_H
#define XENDM_TESTS_IOREQ_HARNESS_H

#include <stdint.h>
#include <sys/types.h>

#include "xensim/hvclient.h"

/*
 * A device model's main: brings its ioreq server up for domid, calls
 * dmproc_ready(ready_fd, rc), then serves until killed.
 */
typedef void dmproc_main_fn(uint32_t domid, uint32_t vcpus, int ready_fd);

/*
 * Forks a child running fn (killed with its parent); returns its pid
 * once it reported rc == 0, else -1 (after printing a TAP comment).
 */
pid_t dmproc_start(dmproc_main_fn *fn, uint32_t domid, uint32_t vcpus);
/* Reports bring-up to dmproc_start; _exits the child when rc != 0. */
void dmproc_ready(int ready_fd, int rc);
/* Kills and reaps the child (no-op for pid <= 0). */
void dmproc_stop(pid_t pid);

/* One synchronous access by `vcpu`; *data in: write value, out: read. */
int vcpu_access(struct hvc *g, uint32_t domid, uint32_t vcpu, uint8_t type,
                uint8_t dir, uint64_t addr, uint32_t size, uint64_t *data);
/* A read by vCPU 0; 0x1234 (never all ones) when the access failed. */
uint64_t vcpu_rd(struct hvc *g, uint32_t domid, uint8_t type, uint64_t addr,
                 uint32_t size);
/* A write by vCPU 0; 0 or -errno. */
int vcpu_wr(struct hvc *g, uint32_t domid, uint8_t type, uint64_t addr,
            uint32_t size, uint64_t val);
/* A posted (buffered-ring eligible) write by vCPU 0; 0 or -errno. */
int vcpu_bwr(struct hvc *g, uint32_t domid, uint8_t type, uint64_t addr,
             uint32_t size, uint64_t val);

#endif
