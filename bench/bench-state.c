/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Benchmark of the state engine: save and load of a device set shaped
 * like QEMU 7.2's pc-serial-xenlike.bin (the fixture registry of
 * tests/unit/savevm-fixtures.c: ~30 sections, 12618 bytes, mostly
 * raw-buffer doubles) and of a scalar-heavy set of the same size (40
 * sections of 110 integer fields each, the engine's per-field path).
 * Each figure is compared with a baseline measured in the same run:
 * memcpy of the same number of bytes for the in-memory paths, and a
 * plain write()+fsync() of the same bytes for saving to a file.
 *
 * Usage: bench-state [TMPDIR]   (prints a small report; ~2 s)
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../tests/unit/savevm-fixtures.h"

struct heavy {
    uint8_t a[40];
    uint16_t b[40];
    uint32_t c[20];
    uint64_t d[10];
};

static const struct vmstate_field heavy_fields[] = {
    VMSTATE_ARRAY_V(VMS_U8, a, struct heavy, 40, 0),
    VMSTATE_ARRAY_V(VMS_U16, b, struct heavy, 40, 0),
    VMSTATE_ARRAY_V(VMS_U32, c, struct heavy, 20, 0),
    VMSTATE_ARRAY_V(VMS_U64, d, struct heavy, 10, 0),
    VMSTATE_END,
};

static const struct vmstate_desc heavy_vmsd = {
    .name = "heavy", .version_id = 1, .minimum_version_id = 1,
    .fields = heavy_fields,
};

#define HEAVY_N 40

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs fn until ~0.25 s have passed; returns seconds per call. */
static double per_call(void (*fn)(void *), void *arg)
{
    double t0 = now(), t;
    long n = 0, batch = 16;

    do {
        for (long i = 0; i < batch; i++) {
            fn(arg);
        }
        n += batch;
        t = now() - t0;
        batch *= 2;
    } while (t < 0.25);
    return t / (double)n;
}

/*
 * Alternates a and b (fsync timings drift; interleaving shares the
 * drift) for ~0.5 s; gives seconds per call of each.
 */
static void per_pair(void (*a)(void *), void (*b)(void *), void *arg,
                     double *ta, double *tb)
{
    double sa = 0, sb = 0, t0 = now(), t;
    long n = 0;

    do {
        t = now();
        a(arg);
        sa += now() - t;
        t = now();
        b(arg);
        sb += now() - t;
        n++;
    } while (now() - t0 < 0.5 || n < 8);
    *ta = sa / (double)n;
    *tb = sb / (double)n;
}

struct ctx {
    struct savevm *sv;
    struct wbuf out;
    uint8_t *stream, *copy;
    size_t len;
    int fd;
    int errors;
};

static void do_save(void *p)
{
    struct ctx *c = p;
    char err[256];

    wbuf_reset(&c->out);
    c->errors += savevm_save_buf(c->sv, &c->out, 0, err, sizeof(err)) != 0;
}

static void do_load(void *p)
{
    struct ctx *c = p;
    char err[256];

    c->errors +=
        savevm_load_buf(c->sv, c->stream, c->len, err, sizeof(err)) != 0;
}

static void do_memcpy(void *p)
{
    struct ctx *c = p;

    memcpy(c->copy, c->stream, c->len);
    __asm__ volatile("" : : "r"(c->copy) : "memory");
}

static void do_save_fd(void *p)
{
    struct ctx *c = p;
    char err[256];

    c->errors += lseek(c->fd, 0, SEEK_SET) != 0 ||
                 ftruncate(c->fd, 0) != 0 ||
                 savevm_save_fd(c->sv, c->fd, 0, err, sizeof(err)) != 0;
}

static void do_write_fd(void *p)
{
    struct ctx *c = p;

    c->errors += lseek(c->fd, 0, SEEK_SET) != 0 ||
                 ftruncate(c->fd, 0) != 0 ||
                 write(c->fd, c->stream, c->len) != (ssize_t)c->len ||
                 fsync(c->fd) != 0;
}

static void report(const char *what, double t, double base, size_t len,
                   const char *base_what)
{
    printf("  %-6s %8.2f us/op %8.1f MB/s   %s %7.2f us/op   ratio %5.1fx\n",
           what, t * 1e6, (double)len / t / 1e6, base_what, base * 1e6,
           t / base);
}

static int run(const char *title, struct savevm *sv, size_t nsections,
               const char *tmpdir)
{
    struct ctx c = { .sv = sv };
    char path[4096], err[256];
    double ts, tl, tm, tf, tw;

    wbuf_init(&c.out, 0);
    if (savevm_save_buf(sv, &c.out, 0, err, sizeof(err)) != 0) {
        fprintf(stderr, "save failed: %s\n", err);
        return 1;
    }
    c.len = c.out.len;
    c.stream = malloc(c.len);
    c.copy = malloc(c.len);
    memcpy(c.stream, c.out.data, c.len);
    printf("%s: %zu sections, %zu bytes\n", title, nsections, c.len);
    ts = per_call(do_save, &c);
    tl = per_call(do_load, &c);
    tm = per_call(do_memcpy, &c);
    report("save", ts, tm, c.len, "memcpy");
    report("load", tl, tm, c.len, "memcpy");
    snprintf(path, sizeof(path), "%s/xendm-bench-state-XXXXXX", tmpdir);
    c.fd = mkstemp(path);
    if (c.fd >= 0) {
        unlink(path);
        per_pair(do_save_fd, do_write_fd, &c, &tf, &tw);
        report("to fd", tf, tw, c.len, "write+fsync");
        close(c.fd);
    }
    wbuf_free(&c.out);
    free(c.stream);
    free(c.copy);
    if (c.errors) {
        fprintf(stderr, "%d failed operations\n", c.errors);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *tmpdir = argc > 1 ? argv[1] : "/tmp";
    static struct heavy heavy[HEAVY_N];
    struct fixture f;
    struct savevm *sv;
    size_t i, n = 0;
    int rc;

    if (fix_build_table(&f, fix_pc_serial, false) != 0) {
        return 1;
    }
    for (i = 0; fix_pc_serial[i].idstr != NULL; i++) {
        n += strcmp(fix_pc_serial[i].idstr, "globalstate") != 0;
    }
    /* The fixture's fill pattern would make the serial double emit its
     * thr_ipending subsection; the vector's value does not. */
    f.serial.state.thr_ipending = 0;
    rc = run("pc-serial-xenlike set", f.sv, n, tmpdir);
    fix_free(&f);

    sv = savevm_new();
    for (i = 0; i < HEAVY_N; i++) {
        struct savevm_reg reg = { .idstr = "heavy", .instance_id = -1,
                                  .alias_id = -1, .vmsd = &heavy_vmsd,
                                  .opaque = &heavy[i],
                                  .size = sizeof(heavy[i]) };

        memset(&heavy[i], (int)i, sizeof(heavy[i]));
        savevm_register(sv, &reg);
    }
    rc |= run("scalar-heavy set (110 fields each)", sv, HEAVY_N, tmpdir);
    savevm_free(sv);
    return rc;
}
