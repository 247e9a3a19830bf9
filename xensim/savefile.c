/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The xensim save-file format (see savefile.h and docs/xensim.md):
 * a versioned header and 8-byte-aligned records, written with plain
 * write(2) and read back through bounded reads.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cursor.h"
#include "xensim/savefile.h"

static int write_all(int fd, const void *buf, size_t n)
{
    const uint8_t *p = buf;

    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return w < 0 ? -errno : -EIO;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

int savefile_write_header(int fd)
{
    uint8_t h[16];

    memcpy(h, SAVEFILE_MAGIC, 8);
    put_be32(h + 8, SAVEFILE_VERSION);
    put_be32(h + 12, 0);
    return write_all(fd, h, sizeof(h));
}

int savefile_write_record(int fd, uint32_t type, uint32_t rflags,
                          const void *head, size_t headlen, const void *body,
                          size_t bodylen)
{
    static const uint8_t zero[8];
    uint64_t len = (uint64_t)headlen + bodylen;
    uint8_t h[16];
    int rc;

    if (len > SAVEFILE_MAX_BODY) {
        return -EFBIG;
    }
    put_be32(h, type);
    put_be32(h + 4, rflags);
    put_be64(h + 8, len);
    if ((rc = write_all(fd, h, sizeof(h))) < 0 ||
        (headlen > 0 && (rc = write_all(fd, head, headlen)) < 0) ||
        (bodylen > 0 && (rc = write_all(fd, body, bodylen)) < 0)) {
        return rc;
    }
    return len % 8 ? write_all(fd, zero, 8 - len % 8) : 0;
}

static bool page_is_zero(const uint8_t *p)
{
    static const uint8_t zero[SAVEFILE_PAGE];

    return memcmp(p, zero, SAVEFILE_PAGE) == 0;
}

int savefile_write_memory(int fd, const uint8_t *mem, uint64_t npages)
{
    uint64_t pfn = 0;

    while (pfn < npages) {
        uint64_t start;
        uint8_t h[16];
        uint32_t count;
        int rc;

        while (pfn < npages && page_is_zero(mem + pfn * SAVEFILE_PAGE)) {
            pfn++;
        }
        start = pfn;
        while (pfn < npages && pfn - start < SAVEFILE_MAX_RUN &&
               !page_is_zero(mem + pfn * SAVEFILE_PAGE)) {
            pfn++;
        }
        count = (uint32_t)(pfn - start);
        if (count == 0) {
            break;
        }
        put_be64(h, start);
        put_be32(h + 8, count);
        put_be32(h + 12, 0);
        rc = savefile_write_record(fd, SAVEFILE_REC_MEMORY, 0, h, sizeof(h),
                                   mem + start * SAVEFILE_PAGE,
                                   (size_t)count * SAVEFILE_PAGE);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

int savefile_write_end(int fd)
{
    return savefile_write_record(fd, SAVEFILE_REC_END, 0, NULL, 0, NULL, 0);
}

/* ---------------------------------------------------------------- reading */

__attribute__((format(printf, 3, 4)))
static int rd_fail(struct savefile_reader *r, int rc, const char *fmt, ...)
{
    va_list ap;
    char msg[120];

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(r->err, sizeof(r->err), "save file, offset %llu: %s",
             (unsigned long long)r->offset, msg);
    return rc;
}

/* Exactly n bytes, or -EINVAL on a short file. */
static int read_exact(struct savefile_reader *r, void *buf, size_t n)
{
    uint8_t *p = buf;
    size_t got = 0;

    while (got < n) {
        ssize_t k = read(r->fd, p + got, n - got);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k < 0) {
            return rd_fail(r, -errno, "read: %s", strerror(errno));
        }
        if (k == 0) {
            return rd_fail(r, -EINVAL, "truncated");
        }
        got += (size_t)k;
    }
    r->offset += n;
    return 0;
}

int savefile_open(struct savefile_reader *r, int fd)
{
    uint8_t h[16];
    struct cursor c;
    uint32_t version;
    int rc;

    memset(r, 0, sizeof(*r));
    r->fd = fd;
    if ((rc = read_exact(r, h, sizeof(h))) < 0) {
        return rc;
    }
    if (memcmp(h, SAVEFILE_MAGIC, 8) != 0) {
        return rd_fail(r, -EINVAL, "not a xensim save file (bad magic)");
    }
    cursor_init(&c, h + 8, 8);
    version = cursor_be32(&c);
    if (version != SAVEFILE_VERSION) {
        return rd_fail(r, -EINVAL, "unsupported version %u", version);
    }
    return 0;
}

static int skip_padding(struct savefile_reader *r, uint64_t len)
{
    uint8_t pad[8];
    size_t n = len % 8 ? 8 - (size_t)(len % 8) : 0;
    size_t i;
    int rc;

    if (n == 0) {
        return 0;
    }
    if ((rc = read_exact(r, pad, n)) < 0) {
        return rc;
    }
    for (i = 0; i < n; i++) {
        if (pad[i] != 0) {
            return rd_fail(r, -EINVAL, "non-zero padding");
        }
    }
    return 0;
}

static bool type_known(uint32_t t)
{
    return t <= SAVEFILE_REC_EMULATOR_XENSTORE;
}

int savefile_next(struct savefile_reader *r, struct savefile_record *rec)
{
    memset(rec, 0, sizeof(*rec));
    for (;;) {
        uint8_t h[16], probe;
        struct cursor c;
        int rc;

        if (r->ended) {
            return 0;
        }
        if ((rc = read_exact(r, h, sizeof(h))) < 0) {
            return rc == -EINVAL ? rd_fail(r, -EINVAL, "no END record") : rc;
        }
        cursor_init(&c, h, sizeof(h));
        rec->type = cursor_be32(&c);
        rec->rflags = cursor_be32(&c);
        rec->len = cursor_be64(&c);
        if (rec->len > SAVEFILE_MAX_BODY) {
            return rd_fail(r, -EINVAL, "record of %llu bytes is too long",
                           (unsigned long long)rec->len);
        }
        if (rec->type == SAVEFILE_REC_END) {
            r->ended = true;
            if (rec->len != 0) {
                return rd_fail(r, -EINVAL, "END record with a body");
            }
            ssize_t k = read(r->fd, &probe, 1);
            if (k != 0) {
                return rd_fail(r, -EINVAL, "data after the END record");
            }
            return 0;
        }
        rec->body = malloc(rec->len ? rec->len : 1);
        if (rec->body == NULL) {
            return rd_fail(r, -ENOMEM, "out of memory");
        }
        if ((rc = read_exact(r, rec->body, rec->len)) < 0 ||
            (rc = skip_padding(r, rec->len)) < 0) {
            free(rec->body);
            rec->body = NULL;
            return rc;
        }
        if (type_known(rec->type)) {
            return 1;
        }
        free(rec->body);
        rec->body = NULL;
        if (rec->rflags & SAVEFILE_RF_MANDATORY) {
            return rd_fail(r, -EINVAL, "unknown mandatory record type %u",
                           rec->type);
        }
        /* An optional record from a newer writer: skip it. */
    }
}

int savefile_memory_decode(const struct savefile_record *rec,
                           uint64_t max_pages, uint64_t *first_pfn,
                           uint32_t *count, const uint8_t **pages)
{
    struct cursor c;

    if (rec->type != SAVEFILE_REC_MEMORY || rec->len < 16) {
        return -EINVAL;
    }
    cursor_init(&c, rec->body, (size_t)rec->len);
    *first_pfn = cursor_be64(&c);
    *count = cursor_be32(&c);
    if (cursor_be32(&c) != 0 || *count == 0 || *count > SAVEFILE_MAX_RUN ||
        rec->len != 16 + (uint64_t)*count * SAVEFILE_PAGE ||
        *first_pfn >= max_pages || *count > max_pages - *first_pfn) {
        return -EINVAL;
    }
    *pages = rec->body + 16;
    return 0;
}
