/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for QEMU-style option values (see optlist.c); struct
 * optlist itself is in xendm.h.  All return 0 or -EINVAL/-ERANGE.
 */
#ifndef XENDM_OPTLIST_H
#define XENDM_OPTLIST_H

#include <stdbool.h>
#include <stdint.h>

/* on/off/yes/no/true/false/y/n. */
int optlist_bool(const char *v, bool *out);
/* Decimal, 0x hex or 0 octal, at most max. */
int optlist_uint(const char *v, uint64_t max, uint64_t *out);
/* "184", "184M", "1G": a byte count; a bare number has default_suffix. */
int optlist_size(const char *v, char default_suffix, uint64_t *out);

#endif
