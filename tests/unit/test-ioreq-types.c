/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ioreq dispatcher's handling of the request types Xen sends
 * without a rep count: IOREQ_TYPE_INVALIDATE (after the guest changes
 * its physmap, e.g. Linux mapping its grant table into the platform
 * device's BAR) and IOREQ_TYPE_TIMEOFFSET arrive with count 0 and must
 * be served, not refused; PIO, COPY and PCI config with count 0 or
 * above the cap stay refused.  Found under real Xen 4.17 (make
 * check-xen), where every INVALIDATE was refused as "bad count".
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "hw/emu/ioreq.h"
#include "tests/tap.h"

static unsigned invalidations;

static int mem_read(void *o, uint64_t gpa, void *buf, size_t len)
{
    (void)o;
    (void)gpa;
    memset(buf, 0, len);
    return 0;
}

static int mem_write(void *o, uint64_t gpa, const void *buf, size_t len)
{
    (void)o;
    (void)gpa;
    (void)buf;
    (void)len;
    return 0;
}

static void mem_invalidate(void *o)
{
    (void)o;
    invalidations++;
}

static const struct ioreq_mem_ops mem = {mem_read, mem_write,
                                         mem_invalidate};

static int64_t host_now(void *o)
{
    (void)o;
    return 0;
}

static const struct machine_host_ops host = {.now = host_now};

static ioreq_t req_of(uint8_t type, uint32_t count)
{
    ioreq_t r;

    memset(&r, 0, sizeof(r));
    r.type = type;
    r.size = 4;
    r.count = count;
    r.dir = IOREQ_WRITE;
    r.data = UINT64_MAX;
    return r;
}

int main(void)
{
    static struct machine m;
    struct machine_config cfg;
    struct ioreq_dispatch d;
    ioreq_t r;

    machine_config_xenfv(&cfg, 64);
    if (machine_init(&m, &cfg, &host, NULL) < 0) {
        ok(0, "machine_init");
        return tap_done();
    }
    ioreq_dispatch_init(&d, &m, &mem, NULL);

    r = req_of(IOREQ_TYPE_INVALIDATE, 0);
    is_int(ioreq_dispatch(&d, &r), 0, "INVALIDATE with count 0 is served");
    is_int(invalidations, 1, "and drops the mapping cache");
    r = req_of(IOREQ_TYPE_TIMEOFFSET, 0);
    is_int(ioreq_dispatch(&d, &r), 0, "TIMEOFFSET with count 0 is served");
    is_int(d.stats.handled, 2, "both counted as handled");

    r = req_of(IOREQ_TYPE_PIO, 0);
    r.addr = 0x3f8;
    ok(ioreq_dispatch(&d, &r) < 0, "PIO with count 0 is refused");
    r = req_of(IOREQ_TYPE_COPY, IOREQ_MAX_COUNT + 1);
    ok(ioreq_dispatch(&d, &r) < 0, "COPY above the rep cap is refused");
    r = req_of(IOREQ_TYPE_PCI_CONFIG, 0);
    ok(ioreq_dispatch(&d, &r) < 0, "PCI config with count 0 is refused");
    r = req_of(99, 0);
    ok(ioreq_dispatch(&d, &r) < 0, "an unknown type is refused");
    return tap_done();
}
