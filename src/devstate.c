/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Saving and loading device state: the QMP commands and -incoming
 * reach the state engine (src/savevm.c) through here.  x->savevm is
 * the registry every device of the machine registered into; a machine
 * with no device state (-machine none, xenpv) has an empty registry,
 * whose stream is the header and EOF, exactly what QEMU writes for it.
 * x->devstate lets a machine substitute its own ops (tests do); by
 * default the savevm registry is used in the Xen shape (no footers,
 * no configuration section, no vmdesc), all-or-nothing on load.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cursor.h"
#include "log.h"

#include "savevm.h"
#include "xendm.h"

/*
 * The stream is built in memory, then written from the fd's offset.
 * Unlike savevm_save_fd there is no fsync: QEMU does not sync either,
 * and libxl reads the file back at once through the page cache.  A
 * failed write truncates a regular file back to where it started.
 */
static int savevm_ops_save_fd(struct xendm *x, int fd, char *err,
                              size_t errlen)
{
    struct wbuf b;
    off_t start = lseek(fd, 0, SEEK_CUR);
    size_t off = 0;
    int rc;

    if (x->savevm == NULL) {
        snprintf(err, errlen, "no device state registry");
        return -ENODEV;
    }
    wbuf_init(&b, 0);
    rc = savevm_save_buf(x->savevm, &b, 0, err, errlen);
    while (rc == 0 && off < b.len) {
        ssize_t n = write(fd, b.data + off, b.len - off);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            rc = n < 0 ? -errno : -EIO;
            snprintf(err, errlen, "write: %s", strerror(-rc));
            if (start >= 0 && ftruncate(fd, start) < 0) {
                log_warn("cannot truncate a failed save back");
            }
            break;
        }
        off += (size_t)n;
    }
    wbuf_free(&b);
    return rc;
}

static int savevm_ops_load_fd(struct xendm *x, int fd, char *err,
                              size_t errlen)
{
    if (x->savevm == NULL) {
        snprintf(err, errlen, "no device state registry");
        return -ENODEV;
    }
    return savevm_load_fd(x->savevm, fd, err, errlen);
}

const struct devstate_ops devstate_savevm_ops = {
    .save_fd = savevm_ops_save_fd,
    .load_fd = savevm_ops_load_fd,
};

int devstate_save_fd(struct xendm *x, int fd, char *err, size_t errlen)
{
    const struct devstate_ops *ops =
        x->devstate != NULL ? x->devstate : &devstate_savevm_ops;

    return ops->save_fd(x, fd, err, errlen);
}

int devstate_load_fd(struct xendm *x, int fd, char *err, size_t errlen)
{
    const struct devstate_ops *ops =
        x->devstate != NULL ? x->devstate : &devstate_savevm_ops;

    return ops->load_fd(x, fd, err, errlen);
}
