/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Saving and loading device state through the machine's state engine
 * (x->devstate, the savevm registry once it is linked), with a
 * fallback for a machine that registers no device state at all
 * (-machine none, xenpv): QEMU's Xen stream for it is the header and
 * EOF, nine bytes, and a load accepts exactly that and refuses any
 * section with QEMU's messages.  Loads read at most DEVSTATE_MAX
 * bytes from the (untrusted) file before parsing anything.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cursor.h"
#include "savevm.h"
#include "xendm.h"

#define DEVSTATE_MAX (64u << 20)

static int devstate_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return n < 0 ? -errno : -EIO;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int empty_save_fd(struct xendm *x, int fd, char *err, size_t errlen)
{
    struct wbuf b;
    int rc;

    wbuf_init(&b, 0);
    wbuf_be32(&b, QEMU_VM_FILE_MAGIC);
    wbuf_be32(&b, QEMU_VM_FILE_VERSION);
    wbuf_u8(&b, QEMU_VM_EOF);
    rc = b.error;
    if (rc == 0) {
        rc = devstate_write_all(fd, b.data, b.len);
    }
    if (rc < 0) {
        snprintf(err, errlen, "write: %s", strerror(-rc));
    }
    wbuf_free(&b);
    return rc;
}

/* Reads all of fd (bounded) into a malloc'd buffer. */
static int devstate_slurp(int fd, uint8_t **out, size_t *len, char *err,
                          size_t errlen)
{
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap), *p;

    while (buf != NULL) {
        ssize_t r;

        if (n == cap) {
            if (cap >= DEVSTATE_MAX) {
                free(buf);
                snprintf(err, errlen, "stream larger than %u bytes",
                         DEVSTATE_MAX);
                return -EFBIG;
            }
            p = realloc(buf, cap * 2);
            if (p == NULL) {
                break;
            }
            buf = p;
            cap *= 2;
        }
        r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            int e = errno;

            free(buf);
            snprintf(err, errlen, "read: %s", strerror(e));
            return -e;
        }
        if (r == 0) {
            *out = buf;
            *len = n;
            return 0;
        }
        n += (size_t)r;
    }
    free(buf);
    snprintf(err, errlen, "out of memory");
    return -ENOMEM;
}

static int empty_check(const uint8_t *buf, size_t len, char *err,
                       size_t errlen)
{
    struct cursor c;
    uint32_t magic, version;
    uint8_t type;

    cursor_init(&c, buf, len);
    magic = cursor_be32(&c);
    version = cursor_be32(&c);
    if (!cursor_ok(&c)) {
        snprintf(err, errlen, "stream ends inside the header");
        return -EINVAL;
    }
    if (magic != QEMU_VM_FILE_MAGIC) {
        snprintf(err, errlen, "Not a migration stream, magic: %x != %x",
                 magic, QEMU_VM_FILE_MAGIC);
        return -EINVAL;
    }
    if (version == QEMU_VM_FILE_VERSION_COMPAT) {
        snprintf(err, errlen,
                 "SaveVM v2 format is obsolete and no longer supported");
        return -ENOTSUP;
    }
    if (version != QEMU_VM_FILE_VERSION) {
        snprintf(err, errlen, "Unsupported migration stream version");
        return -ENOTSUP;
    }
    type = cursor_u8(&c);
    if (!cursor_ok(&c)) {
        snprintf(err, errlen, "stream ends before its EOF marker");
        return -EINVAL;
    }
    if (type == QEMU_VM_SECTION_FULL || type == QEMU_VM_SECTION_START) {
        uint8_t idlen;
        const uint8_t *id;
        uint32_t inst;

        cursor_be32(&c);
        idlen = cursor_u8(&c);
        id = cursor_take(&c, idlen);
        inst = cursor_be32(&c);
        snprintf(err, errlen, "Unknown section or instance '%.*s' %u. Make "
                 "sure that your current VM setup matches your saved VM "
                 "setup, including any hotplugged devices",
                 id != NULL ? (int)idlen : 0, id != NULL ? (const char *)id : "",
                 inst);
        return -EINVAL;
    }
    if (type != QEMU_VM_EOF) {
        snprintf(err, errlen, "Unknown section type %d", type);
        return -EINVAL;
    }
    return 0;
}

static int empty_load_fd(struct xendm *x, int fd, char *err, size_t errlen)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = devstate_slurp(fd, &buf, &len, err, errlen);

    if (rc < 0) {
        return rc;
    }
    rc = empty_check(buf, len, err, errlen);
    free(buf);
    return rc;
}

const struct devstate_ops devstate_empty_ops = {
    .save_fd = empty_save_fd,
    .load_fd = empty_load_fd,
};

int devstate_save_fd(struct xendm *x, int fd, char *err, size_t errlen)
{
    const struct devstate_ops *ops =
        x->devstate != NULL ? x->devstate : &devstate_empty_ops;

    return ops->save_fd(x, fd, err, errlen);
}

int devstate_load_fd(struct xendm *x, int fd, char *err, size_t errlen)
{
    const struct devstate_ops *ops =
        x->devstate != NULL ? x->devstate : &devstate_empty_ops;

    return ops->load_fd(x, fd, err, errlen);
}
