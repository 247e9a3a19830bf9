/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Converting a qemu-xen (or full QEMU) device-state stream into one
 * xendm loads: `xendm-analyze --convert IN OUT`.
 *
 * Every section of the decoded input is either kept, because xendm
 * models the device (a layout in `modeled`, normally made from
 * xendm's built-in descriptions, accepts its idstr and version and
 * its body walks completely with xendm's own layout), or dropped,
 * because a rule says why losing it is safe (state that Xen itself
 * emulates and saves, QEMU-only bookkeeping, RAM, the configuration
 * section, an idle device).  Anything else refuses the whole
 * conversion: no partial output.  The output is the Xen shape: header,
 * the kept FULL sections byte for byte without footers, EOF.
 *
 * Trusts only a stream analyze_decode() accepted.
 */
#ifndef XENDM_CONVERT_H
#define XENDM_CONVERT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyze.h"

/*
 * Converts the decoded stream `s` (decoded from buf[0..len)) into
 * `out`, printing one line per section to `report` (may be NULL):
 * "keep ..." or "drop ...: why it is safe".  Returns 0, or -EINVAL
 * with the reason in err and nothing usable in out.
 */
int convert_stream(const struct analyze_stream *s, const uint8_t *buf,
                   size_t len, const struct layout_set *modeled,
                   struct wbuf *out, FILE *report, char *err,
                   size_t errlen);

#endif
