/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the HVM device tests: a machine wired to a
 * recording host (interrupt levels, link routes, unplugs, a manual
 * clock), file loading, and finding a section's body in a QEMU stream.
 */
#ifndef XENDM_TEST_HVM_UTIL_H
#define XENDM_TEST_HVM_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "hw/emu/pc.h"

struct test_host {
    int64_t now;
    int isa[MACHINE_NR_ISA_IRQS];
    unsigned isa_calls;
    int link[4];
    unsigned unplugged;
    int rom_locked;
};

extern const struct machine_host_ops test_host_ops;

/* The plain pc-i440fx-3.1 layout QEMU can make: no platform, 4 irqs. */
void test_config_pc(struct machine_config *cfg);
void test_host_init(struct test_host *h);

/* Reads a whole file (malloc'd); NULL on error. */
uint8_t *test_read_file(const char *path, size_t *len);
/* $top_srcdir (or ".") + "/" + rel, into buf. */
const char *test_srcpath(char *buf, size_t len, const char *rel);

/*
 * Finds FULL section idstr/instance in a Xen-shaped stream; returns
 * the body offset (and the section version in *version) or -1.
 */
long test_find_section(const uint8_t *d, size_t len, const char *idstr,
                       uint32_t instance, uint32_t *version);

/* One port access to the machine, as the guest CPU would make it. */
uint32_t test_pio_in(struct machine *m, uint16_t port, unsigned size);
void test_pio_out(struct machine *m, uint16_t port, unsigned size,
                  uint32_t v);

#endif
