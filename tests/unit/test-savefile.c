/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The xensim save-file format (xensim/savefile.c): a byte-exact
 * round trip of config, sparse memory and device state; an unknown
 * optional record skipped and an unknown mandatory one refused; and
 * every malformed-file case the reader promises to catch.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/tap.h"
#include "xensim/savefile.h"

#define NPAGES 600

static int memfd(void)
{
    return memfd_create("savefile", MFD_CLOEXEC);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static int write_sample(int fd, const uint8_t *mem)
{
    static const char cfg[] = "name = 'x'\nmemory = 4\n";
    uint8_t h[8] = { 0, 0, 0, 7, 0, 0, 0, 2 };
    int rc;

    if ((rc = savefile_write_header(fd)) < 0 ||
        (rc = savefile_write_record(fd, SAVEFILE_REC_DOMAIN, 0, h, 8, cfg,
                                    sizeof(cfg) - 1)) < 0 ||
        (rc = savefile_write_record(fd, 99, 0, NULL, 0, "future", 6)) < 0 ||
        (rc = savefile_write_memory(fd, mem, NPAGES)) < 0 ||
        (rc = savefile_write_record(fd, SAVEFILE_REC_EMULATOR_CONTEXT, 0, h,
                                    8, "QEVM\0\0\0\3\0", 9)) < 0 ||
        (rc = savefile_write_end(fd)) < 0) {
        return rc;
    }
    return 0;
}

static void test_round_trip(void)
{
    uint8_t *mem = calloc(NPAGES, SAVEFILE_PAGE);
    uint8_t *back = calloc(NPAGES, SAVEFILE_PAGE);
    struct savefile_reader r;
    struct savefile_record rec;
    int fd = memfd(), rc, domain = 0, emu = 0, memrecs = 0;
    size_t i;
    off_t size;

    for (i = 0; i < NPAGES; i++) {
        if (i % 7 != 3) {          /* sparse: some pages stay zero */
            memset(mem + i * SAVEFILE_PAGE, (int)(i * 13 + 1), SAVEFILE_PAGE);
        }
    }
    is_int(write_sample(fd, mem), 0, "writes a save file");
    size = lseek(fd, 0, SEEK_END);
    ok(size % 8 == 0, "file is 8-byte aligned (%lld bytes)", (long long)size);
    lseek(fd, 0, SEEK_SET);
    is_int(savefile_open(&r, fd), 0, "header accepted");
    while ((rc = savefile_next(&r, &rec)) == 1) {
        uint64_t pfn;
        uint32_t count;
        const uint8_t *pages;
        if (rec.type == SAVEFILE_REC_DOMAIN) {
            domain++;
            ok(rec.len == 8 + 22 && memcmp(rec.body + 8, "name = 'x'", 10) == 0,
               "DOMAIN record body");
        } else if (rec.type == SAVEFILE_REC_MEMORY) {
            memrecs++;
            if (savefile_memory_decode(&rec, NPAGES, &pfn, &count, &pages) == 0) {
                memcpy(back + pfn * SAVEFILE_PAGE, pages,
                       (size_t)count * SAVEFILE_PAGE);
            } else {
                ok(0, "MEMORY record decodes");
            }
        } else if (rec.type == SAVEFILE_REC_EMULATOR_CONTEXT) {
            emu++;
            ok(rec.len == 17 && memcmp(rec.body + 8, "QEVM", 4) == 0,
               "EMULATOR_CONTEXT body");
        } else {
            ok(0, "unexpected record %u", rec.type);
        }
        free(rec.body);
    }
    is_int(rc, 0, "ends at END (%s)", r.err);
    ok(domain == 1 && emu == 1, "one DOMAIN, one EMULATOR_CONTEXT; the "
       "unknown optional record was skipped");
    ok(memrecs > NPAGES / 7 / 2, "memory split in %d runs around zero pages",
       memrecs);
    is_mem(back, mem, (size_t)NPAGES * SAVEFILE_PAGE,
           "memory round-trips byte for byte");
    close(fd);
    free(mem);
    free(back);
}

/* Runs the reader to the end over `bytes`; returns the final rc. */
static int read_all(const uint8_t *bytes, size_t n, char *err, size_t errlen)
{
    struct savefile_reader r;
    struct savefile_record rec;
    int fd = memfd(), rc;

    if (write(fd, bytes, n) != (ssize_t)n) {
        close(fd);
        return -EIO;
    }
    lseek(fd, 0, SEEK_SET);
    rc = savefile_open(&r, fd);
    while (rc == 0 && (rc = savefile_next(&r, &rec)) == 1) {
        free(rec.body);
        rc = 0;
    }
    snprintf(err, errlen, "%s", r.err);
    close(fd);
    return rc;
}

static void test_malformed(void)
{
    uint8_t *mem = calloc(4, SAVEFILE_PAGE);
    uint8_t buf[1 << 16];
    char err[200];
    int fd = memfd();
    ssize_t n;

    memset(mem, 0xab, 4 * SAVEFILE_PAGE);
    savefile_write_header(fd);
    savefile_write_record(fd, SAVEFILE_REC_DOMAIN, 0, NULL, 0, "abc", 3);
    savefile_write_memory(fd, mem, 4);
    savefile_write_end(fd);
    lseek(fd, 0, SEEK_SET);
    n = read(fd, buf, sizeof(buf));
    close(fd);
    ok(n > 0 && read_all(buf, (size_t)n, err, sizeof(err)) == 0,
       "the sample is valid");

    buf[0] ^= 1;
    ok(read_all(buf, (size_t)n, err, sizeof(err)) == -EINVAL,
       "bad magic: %s", err);
    buf[0] ^= 1;
    put32(buf + 8, 2);
    ok(read_all(buf, (size_t)n, err, sizeof(err)) == -EINVAL,
       "version 2: %s", err);
    put32(buf + 8, 1);
    ok(read_all(buf, (size_t)n - 16, err, sizeof(err)) == -EINVAL,
       "missing END: %s", err);
    ok(read_all(buf, (size_t)n - 100, err, sizeof(err)) == -EINVAL,
       "truncated body: %s", err);
    ok(read_all(buf, 10, err, sizeof(err)) == -EINVAL,
       "truncated header: %s", err);
    buf[16 + 16 + 3] = 1;          /* first pad byte of the DOMAIN record */
    ok(read_all(buf, (size_t)n, err, sizeof(err)) == -EINVAL,
       "non-zero padding: %s", err);
    buf[16 + 16 + 3] = 0;
    put32(buf + 16 + 8, 0x7fffffff);   /* length high word */
    ok(read_all(buf, (size_t)n, err, sizeof(err)) == -EINVAL,
       "huge length: %s", err);
    put32(buf + 16 + 8, 0);
    put32(buf + 16, 77);
    put32(buf + 16 + 4, SAVEFILE_RF_MANDATORY);
    ok(read_all(buf, (size_t)n, err, sizeof(err)) == -EINVAL,
       "unknown mandatory record: %s", err);
    put32(buf + 16 + 4, 0);
    ok(read_all(buf, (size_t)n, err, sizeof(err)) == 0,
       "unknown optional record skipped");
    buf[n] = 0;
    ok(read_all(buf, (size_t)n + 1, err, sizeof(err)) == -EINVAL,
       "trailing data after END: %s", err);
    free(mem);
}

static void test_memory_decode(void)
{
    struct savefile_record rec = { SAVEFILE_REC_MEMORY, 0, 16 + 4096, NULL };
    uint8_t body[16 + 4096] = { 0 };
    const uint8_t *pages;
    uint64_t pfn;
    uint32_t count;

    rec.body = body;
    put32(body + 4, 9);
    put32(body + 8, 1);
    ok(savefile_memory_decode(&rec, 10, &pfn, &count, &pages) == 0 &&
           pfn == 9 && count == 1, "last page fits");
    ok(savefile_memory_decode(&rec, 9, &pfn, &count, &pages) == -EINVAL,
       "page past the domain refused");
    put32(body + 8, 2);
    ok(savefile_memory_decode(&rec, 100, &pfn, &count, &pages) == -EINVAL,
       "count disagreeing with length refused");
    put32(body + 8, 0);
    ok(savefile_memory_decode(&rec, 100, &pfn, &count, &pages) == -EINVAL,
       "empty run refused");
    put32(body, 0xffffffff);
    put32(body + 4, 0xffffffff);
    put32(body + 8, 1);
    ok(savefile_memory_decode(&rec, 100, &pfn, &count, &pages) == -EINVAL,
       "pfn overflow refused");
}

int main(void)
{
    test_round_trip();
    test_malformed();
    test_memory_decode();
    return tap_done();
}
