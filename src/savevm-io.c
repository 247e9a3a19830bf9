/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Saving the device-state stream to an fd or a path, and loading it
 * from an fd or a path (see savevm.h).
 *
 * A stream is always built in memory first (it is ~12 KiB for a Xen
 * HVM device set), so a device's pre_save can never leave half a
 * stream behind, and then written in one pass.  Every write error is
 * reported: a short write or ENOSPC/EIO truncates an fd back to where
 * it started, and a path save goes through a temporary file, fsync
 * and rename, so the target is either the whole stream or untouched.
 * Existing non-regular targets (a FIFO, a character device) are
 * written in place: renaming over them would replace the device node.
 * Reads are bounded by SAVEVM_MAX_STREAM.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "savevm.h"

static void io_fail(char *err, size_t errlen, const char *what,
                    const char *path, int rc)
{
    if (err != NULL && errlen > 0) {
        snprintf(err, errlen, "%s%s%s: %s", what, path ? " " : "",
                 path ? path : "", strerror(-rc));
    }
}

static int io_write_all(int fd, const uint8_t *p, size_t len)
{
    ssize_t n;

    while (len > 0) {
        n = write(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -errno;
        }
        if (n == 0) {
            return -EIO;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* fsync a regular file; other fds (pipes, devices) have nothing to sync. */
static int io_sync(int fd)
{
    struct stat st;

    if (fstat(fd, &st) < 0) {
        return -errno;
    }
    if (S_ISREG(st.st_mode) && fsync(fd) < 0) {
        return -errno;
    }
    return 0;
}

static int io_write_stream(int fd, const struct wbuf *b)
{
    off_t start = lseek(fd, 0, SEEK_CUR);
    int rc;

    rc = io_write_all(fd, b->data, b->len);
    if (rc == 0) {
        rc = io_sync(fd);
    }
    if (rc < 0 && start >= 0 && ftruncate(fd, start) < 0) {
        /* Not a truncatable file: the error itself is still reported. */
    }
    return rc;
}

int savevm_save_fd(struct savevm *sv, int fd, unsigned opts, char *err,
                   size_t errlen)
{
    struct wbuf b;
    int rc;

    wbuf_init(&b, SAVEVM_MAX_STREAM + 1);
    rc = savevm_save_buf(sv, &b, opts, err, errlen);
    if (rc == 0) {
        rc = io_write_stream(fd, &b);
        if (rc < 0) {
            io_fail(err, errlen, "writing the device state failed", NULL,
                    rc);
        }
    }
    wbuf_free(&b);
    return rc;
}

static int io_save_in_place(struct savevm *sv, const char *path,
                            unsigned opts, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    int rc;

    if (fd < 0) {
        rc = -errno;
        io_fail(err, errlen, "cannot open", path, rc);
        return rc;
    }
    rc = savevm_save_fd(sv, fd, opts, err, errlen);
    if (close(fd) < 0 && rc == 0) {
        rc = -errno;
        io_fail(err, errlen, "closing", path, rc);
    }
    return rc;
}

static int io_sync_dir(const char *path)
{
    char *dir = strdup(path), *slash;
    int fd, rc = 0;

    if (dir == NULL) {
        return -ENOMEM;
    }
    slash = strrchr(dir, '/');
    if (slash == NULL) {
        strcpy(dir, ".");
    } else if (slash == dir) {
        slash[1] = '\0';
    } else {
        *slash = '\0';
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        if (fsync(fd) < 0 && errno != EINVAL) {
            rc = -errno;
        }
        close(fd);
    }
    free(dir);
    return rc;
}

int savevm_save_path(struct savevm *sv, const char *path, unsigned opts,
                     char *err, size_t errlen)
{
    struct stat st;
    size_t len = strlen(path);
    char *tmp;
    int fd, rc;

    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        return io_save_in_place(sv, path, opts, err, errlen);
    }
    tmp = malloc(len + sizeof(".tmp-XXXXXX"));
    if (tmp == NULL) {
        return -ENOMEM;
    }
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".tmp-XXXXXX", sizeof(".tmp-XXXXXX"));
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        io_fail(err, errlen, "cannot create a temporary file for", path, rc);
        free(tmp);
        return rc;
    }
    rc = savevm_save_fd(sv, fd, opts, err, errlen);
    if (close(fd) < 0 && rc == 0) {
        rc = -errno;
        io_fail(err, errlen, "closing the temporary file for", path, rc);
    }
    if (rc == 0 && rename(tmp, path) < 0) {
        rc = -errno;
        io_fail(err, errlen, "cannot rename the temporary file to", path,
                rc);
    }
    if (rc < 0) {
        unlink(tmp);
    } else {
        rc = io_sync_dir(path);
        if (rc < 0) {
            io_fail(err, errlen, "syncing the directory of", path, rc);
        }
    }
    free(tmp);
    return rc;
}

int savevm_load_fd(struct savevm *sv, int fd, char *err, size_t errlen)
{
    size_t cap = 64 * 1024, len = 0;
    uint8_t *buf = malloc(cap), *p;
    ssize_t n;
    int rc;

    if (buf == NULL) {
        return -ENOMEM;
    }
    for (;;) {
        if (len > SAVEVM_MAX_STREAM) {
            free(buf);
            io_fail(err, errlen, "device state larger than 64 MiB", NULL,
                    -EFBIG);
            return -EFBIG;
        }
        if (len == cap) {
            cap = cap * 2 > SAVEVM_MAX_STREAM + 1 ? SAVEVM_MAX_STREAM + 1
                                                   : cap * 2;
            p = realloc(buf, cap);
            if (p == NULL) {
                free(buf);
                return -ENOMEM;
            }
            buf = p;
        }
        n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            rc = -errno;
            free(buf);
            io_fail(err, errlen, "reading the device state failed", NULL,
                    rc);
            return rc;
        }
        if (n == 0) {
            break;
        }
        len += (size_t)n;
    }
    rc = savevm_load_buf(sv, buf, len, err, errlen);
    free(buf);
    return rc;
}

int savevm_load_path(struct savevm *sv, const char *path, char *err,
                     size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    int rc;

    if (fd < 0) {
        rc = -errno;
        io_fail(err, errlen, "cannot open", path, rc);
        return rc;
    }
    rc = savevm_load_fd(sv, fd, err, errlen);
    close(fd);
    return rc;
}
