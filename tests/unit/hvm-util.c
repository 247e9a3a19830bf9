/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared helpers of the HVM device tests (see hvm-util.h).  The host
 * records what the machine forwards so tests can check interrupts and
 * routes without Xen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvm-util.h"

static void th_isa(void *o, unsigned irq, int level)
{
    struct test_host *h = o;

    if (irq < MACHINE_NR_ISA_IRQS) {
        h->isa[irq] = level;
    }
    h->isa_calls++;
}

static void th_link(void *o, unsigned link, unsigned irq)
{
    struct test_host *h = o;

    if (link < 4) {
        h->link[link] = (int)irq;
    }
}

static int th_rom(void *o, int locked)
{
    ((struct test_host *)o)->rom_locked = locked;
    return 0;
}

static void th_unplug(void *o, unsigned mask)
{
    ((struct test_host *)o)->unplugged |= mask;
}

static int64_t th_now(void *o)
{
    return ((struct test_host *)o)->now;
}

const struct machine_host_ops test_host_ops = {
    .isa_irq = th_isa,
    .pci_link_route = th_link,
    .rom_lock = th_rom,
    .unplug = th_unplug,
    .now = th_now,
};

void test_config_pc(struct machine_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->nr_serial = 1;
    cfg->ram_mb = 128;
    cfg->xen_platform = false;
    cfg->pci_nirq = 4;
    cfg->kbd_extended_state = false;
    /* make-vectors.py's QEMU: 128 MiB, one CPU, default boot order,
     * -rtc base=2020-01-01T00:00:00,clock=vm (VM clock 0 while -S) */
    cfg->cmos.below_4g = 128u << 20;
    cfg->cmos.cpus = 1;
    cfg->cmos.rtc_base = 1577836800;
    cfg->cmos.rtc_clock_ns = 0;
}

void test_host_init(struct test_host *h)
{
    memset(h, 0, sizeof(*h));
    memset(h->link, 0xff, sizeof(h->link));
}

uint8_t *test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;

    if (!f) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) &&
        fread(buf, 1, (size_t)n, f) == (size_t)n) {
        *len = (size_t)n;
        buf[n] = 0;
    } else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

const char *test_srcpath(char *buf, size_t len, const char *rel)
{
    const char *top = getenv("top_srcdir");

    snprintf(buf, len, "%s/%s", top ? top : ".", rel);
    return buf;
}

static uint32_t be32_at(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

long test_find_section(const uint8_t *d, size_t len, const char *idstr,
                       uint32_t instance, uint32_t *version)
{
    size_t n = strlen(idstr), i;

    for (i = 8; i + 6 + n + 8 <= len; i++) {
        const uint8_t *p = d + i;

        if (p[0] == 0x04 && p[5] == n && memcmp(p + 6, idstr, n) == 0 &&
            be32_at(p + 6 + n) == instance) {
            if (version) {
                *version = be32_at(p + 10 + n);
            }
            return (long)(i + 14 + n);
        }
    }
    return -1;
}

uint32_t test_pio_in(struct machine *m, uint16_t port, unsigned size)
{
    uint32_t v = 0;

    machine_pio(m, port, size, false, &v);
    return v;
}

void test_pio_out(struct machine *m, uint16_t port, unsigned size,
                  uint32_t v)
{
    machine_pio(m, port, size, true, &v);
}
