/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `ports SCRIPT` workload: vCPU 0 of an HVM guest runs a script of
 * port, MMIO and PCI-config accesses through the simulated
 * hypervisor (which hands each to the ioreq server that claims it,
 * or answers all ones), checking reads against expected values.
 *
 *   # comment
 *   outb 0x80 0x12          inw 0x10 0x49d2      inl 0xcfc
 *   writel 0xfebf0000 1     readb 0xfebf0004 0xff
 *   cfgrw 00:02.0+0x00 0x5853                    cfgwb 00:02.0+0x3c 5
 *
 * A read without an expected value prints what it got.  Exit status:
 * 0 when every expectation held, 1 otherwise, 2 for a bad script.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <xen/hvm/ioreq.h>

#include "xensim/guest.h"
#include "xensim/hvclient.h"

static const struct {
    const char *op;
    uint8_t type;
    uint8_t dir;
    uint32_t size;
} port_ops[] = {
    { "inb", IOREQ_TYPE_PIO, IOREQ_READ, 1 },
    { "inw", IOREQ_TYPE_PIO, IOREQ_READ, 2 },
    { "inl", IOREQ_TYPE_PIO, IOREQ_READ, 4 },
    { "outb", IOREQ_TYPE_PIO, IOREQ_WRITE, 1 },
    { "outw", IOREQ_TYPE_PIO, IOREQ_WRITE, 2 },
    { "outl", IOREQ_TYPE_PIO, IOREQ_WRITE, 4 },
    { "readb", IOREQ_TYPE_COPY, IOREQ_READ, 1 },
    { "readw", IOREQ_TYPE_COPY, IOREQ_READ, 2 },
    { "readl", IOREQ_TYPE_COPY, IOREQ_READ, 4 },
    { "readq", IOREQ_TYPE_COPY, IOREQ_READ, 8 },
    { "writeb", IOREQ_TYPE_COPY, IOREQ_WRITE, 1 },
    { "writew", IOREQ_TYPE_COPY, IOREQ_WRITE, 2 },
    { "writel", IOREQ_TYPE_COPY, IOREQ_WRITE, 4 },
    { "writeq", IOREQ_TYPE_COPY, IOREQ_WRITE, 8 },
    { "cfgrb", IOREQ_TYPE_PCI_CONFIG, IOREQ_READ, 1 },
    { "cfgrw", IOREQ_TYPE_PCI_CONFIG, IOREQ_READ, 2 },
    { "cfgrl", IOREQ_TYPE_PCI_CONFIG, IOREQ_READ, 4 },
    { "cfgwb", IOREQ_TYPE_PCI_CONFIG, IOREQ_WRITE, 1 },
    { "cfgww", IOREQ_TYPE_PCI_CONFIG, IOREQ_WRITE, 2 },
    { "cfgwl", IOREQ_TYPE_PCI_CONFIG, IOREQ_WRITE, 4 },
};

static int parse_num(const char *s, uint64_t *v)
{
    char *end;

    errno = 0;
    *v = strtoull(s, &end, 0);
    return errno == 0 && *end == '\0' && s[0] != '-' ? 0 : -EINVAL;
}

/* "BB:DD.F+REG" -> sbdf << 32 | reg (segment 0). */
static int parse_cfg_addr(const char *s, uint64_t *addr)
{
    unsigned bus, dev, fn, reg;
    char tail;

    if (sscanf(s, "%x:%x.%x+%i%c", &bus, &dev, &fn, &reg, &tail) != 4 ||
        bus > 255 || dev > 31 || fn > 7 || reg > 0xfff) {
        return -EINVAL;
    }
    *addr = ((uint64_t)((bus << 8) | (dev << 3) | fn) << 32) | reg;
    return 0;
}

static uint64_t mask_of(uint32_t size)
{
    return size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* One script line; 0 matched, 1 mismatch, 2 bad line. */
static int run_line(struct guest *g, char *line, unsigned lineno)
{
    char *words[4], *save = NULL;
    struct hvc_io io = { 0 };
    uint64_t want = 0;
    size_t i;
    int n = 0, rc;

    for (char *w = strtok_r(line, " \t\r\n", &save); w != NULL && n < 4;
         w = strtok_r(NULL, " \t\r\n", &save)) {
        words[n++] = w;
    }
    if (n == 0 || words[0][0] == '#') {
        return 0;
    }
    for (i = 0; i < sizeof(port_ops) / sizeof(port_ops[0]); i++) {
        if (strcmp(words[0], port_ops[i].op) == 0) {
            break;
        }
    }
    if (i == sizeof(port_ops) / sizeof(port_ops[0]) || n < 2 ||
        (port_ops[i].dir == IOREQ_WRITE && n != 3) || n > 3) {
        fprintf(stderr, "ports: line %u: bad line\n", lineno);
        return 2;
    }
    io.type = port_ops[i].type;
    io.dir = port_ops[i].dir;
    io.size = port_ops[i].size;
    io.count = 1;
    rc = io.type == IOREQ_TYPE_PCI_CONFIG ? parse_cfg_addr(words[1], &io.addr)
                                          : parse_num(words[1], &io.addr);
    if (rc < 0 || (io.type == IOREQ_TYPE_PIO && io.addr > 0xffff) ||
        (n == 3 && parse_num(words[2], &want) < 0)) {
        fprintf(stderr, "ports: line %u: bad number\n", lineno);
        return 2;
    }
    if (io.dir == IOREQ_WRITE) {
        io.data = want & mask_of(io.size);
    }
    rc = hvc_vcpu_io(g->hv, g->domid, 0, &io);
    if (rc < 0) {
        fprintf(stderr, "ports: line %u: %s failed: %s\n", lineno, words[0],
                strerror(-rc));
        return 1;
    }
    if (io.dir == IOREQ_WRITE) {
        return 0;
    }
    io.data &= mask_of(io.size);
    printf("%s %s = 0x%llx%s\n", words[0], words[1],
           (unsigned long long)io.data,
           n == 3 ? (io.data == (want & mask_of(io.size)) ? " (ok)"
                                                          : " (MISMATCH)")
                  : "");
    return n == 3 && io.data != (want & mask_of(io.size)) ? 1 : 0;
}

int guest_ports(struct guest *g, int argc, char **argv)
{
    char line[256];
    unsigned lineno = 0;
    int worst = 0;
    FILE *f;

    if (argc < 1 || (f = fopen(argv[0], "r")) == NULL) {
        fprintf(stderr, "ports: usage: ports SCRIPT\n");
        return 2;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        int r;
        if (g->resumed && ++lineno <= g->state->progress[0]) {
            continue;            /* done before the save */
        }
        if (!g->resumed) {
            lineno++;
        }
        r = run_line(g, line, lineno);
        if (r > worst) {
            worst = r;
        }
        if (r == 2) {
            break;
        }
        if (guest_control(g, 0) == GUEST_CTL_SUSPEND) {
            g->state->progress[0] = lineno;
            fclose(f);
            guest_suspend(g);
        }
    }
    fclose(f);
    fflush(stdout);
    return worst;
}

/*
 * What Linux's xen_unplug_emulated_devices does on an HVM guest before
 * it uses PV disks and NICs: check the Xen platform device's magic
 * (0x49d2 at port 0x10) and protocol version (port 0x12), log its
 * product number and build, then unplug the emulated IDE disks and
 * NICs (UNPLUG_ALL_IDE_DISKS | UNPLUG_ALL_NICS written to port 0x10).
 * 0, -ENODEV when there is no platform device, or -errno.
 */
int guest_platform_unplug(struct guest *g)
{
    static const struct { uint8_t dir; uint32_t size; uint64_t port, val; }
    steps[] = {
        { IOREQ_READ, 2, 0x10, 0x49d2 },        /* magic */
        { IOREQ_READ, 1, 0x12, 1 },             /* protocol version */
        { IOREQ_WRITE, 2, 0x12, 3 },            /* product: Linux */
        { IOREQ_WRITE, 4, 0x10, 0x060100 },     /* build */
        { IOREQ_WRITE, 2, 0x10, 3 },            /* unplug disks, NICs */
    };
    size_t i;
    int rc;

    for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        struct hvc_io io = { .type = IOREQ_TYPE_PIO, .dir = steps[i].dir,
                             .size = steps[i].size, .count = 1,
                             .addr = steps[i].port };
        if (io.dir == IOREQ_WRITE) {
            io.data = steps[i].val;
        }
        if ((rc = hvc_vcpu_io(g->hv, g->domid, 0, &io)) < 0) {
            return rc;
        }
        if (io.dir == IOREQ_READ &&
            (io.data & mask_of(io.size)) != steps[i].val) {
            fprintf(stderr, "unplug: port 0x%llx read 0x%llx, not 0x%llx\n",
                    (unsigned long long)steps[i].port,
                    (unsigned long long)(io.data & mask_of(io.size)),
                    (unsigned long long)steps[i].val);
            return -ENODEV;
        }
    }
    return 0;
}
