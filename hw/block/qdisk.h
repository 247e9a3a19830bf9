/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The qdisk backend type (blkif over raw images) for the xenbus
 * framework, and its QMP views.  Put {"qdisk", &qdisk_ops} in the
 * table of backend types; QMP's query-block / query-blockstats call
 * the two functions below (each returns a new JSON array the caller
 * owns, or NULL on allocation failure).
 */
#ifndef XENDM_QDISK_H
#define XENDM_QDISK_H

#include "hw/pv/xenbus.h"

struct json;

extern const struct xenbus_ops qdisk_ops;

struct json *qdisk_query_block(struct xenbus *bus);
struct json *qdisk_query_blockstats(struct xenbus *bus);

#endif
