/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fd sets and named fds (see fdset.h).  Theory of operation: a small
 * fixed table of sets, each a fixed table of members; ids are kept as
 * QEMU allocates them (first free id from 0 upwards).  A member is
 * never handed out: "/dev/fdset/N" opens get a dup, so the member
 * stays valid for the next command, and since every user closes its
 * dup before the command returns no "dup outstanding" bookkeeping is
 * needed: remove-fd closes at once, and when the last QMP client
 * disconnects every set is emptied, as QEMU's monitor_fdset_cleanup
 * does when mon_refcount drops to zero.  The fds come from a QMP
 * client, i.e. are trusted only to be fds; the limits below stop a
 * client from exhausting our descriptor table.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdset.h"
#include "qapi/json.h"

#define FDSET_MAX_SETS 32
#define FDSET_MAX_FDS 16
#define FDSET_MAX_NAMED 16
#define FDSET_NAME_MAX 128

struct fdset_member {
    int fd;
    char *opaque;
};

struct fdset {
    bool used;
    int64_t id;
    struct fdset_member fds[FDSET_MAX_FDS];
    size_t nfds;
};

struct fdset_named {
    char *name;
    int fd;
};

struct fdsets {
    struct fdset sets[FDSET_MAX_SETS];
    struct fdset_named named[FDSET_MAX_NAMED];
};

struct fdsets *fdsets_new(void)
{
    return calloc(1, sizeof(struct fdsets));
}

static void fdset_clear(struct fdset *s)
{
    size_t i;

    for (i = 0; i < s->nfds; i++) {
        close(s->fds[i].fd);
        free(s->fds[i].opaque);
    }
    memset(s, 0, sizeof(*s));
}

void fdsets_monitors_gone(struct fdsets *fs)
{
    size_t i;

    for (i = 0; fs != NULL && i < FDSET_MAX_SETS; i++) {
        fdset_clear(&fs->sets[i]);
    }
}

void fdsets_free(struct fdsets *fs)
{
    size_t i;

    if (fs == NULL) {
        return;
    }
    fdsets_monitors_gone(fs);
    for (i = 0; i < FDSET_MAX_NAMED; i++) {
        if (fs->named[i].name != NULL) {
            close(fs->named[i].fd);
            free(fs->named[i].name);
        }
    }
    free(fs);
}

static struct fdset *fdset_find(struct fdsets *fs, int64_t id)
{
    size_t i;

    for (i = 0; i < FDSET_MAX_SETS; i++) {
        if (fs->sets[i].used && fs->sets[i].id == id) {
            return &fs->sets[i];
        }
    }
    return NULL;
}

static struct fdset *fdset_create(struct fdsets *fs, int64_t id)
{
    size_t i;

    for (i = 0; i < FDSET_MAX_SETS; i++) {
        if (!fs->sets[i].used) {
            fs->sets[i].used = true;
            fs->sets[i].id = id;
            fs->sets[i].nfds = 0;
            return &fs->sets[i];
        }
    }
    return NULL;
}

static int64_t fdset_first_free(struct fdsets *fs)
{
    int64_t id = 0;

    while (fdset_find(fs, id) != NULL) {
        id++;
    }
    return id;
}

int fdsets_add(struct fdsets *fs, int fd, bool has_id, int64_t id,
               const char *opaque, int64_t *out_id, char *err, size_t errlen)
{
    struct fdset *s;
    char *op = NULL;

    if (has_id && id < 0) {
        snprintf(err, errlen,
                 "Parameter 'fdset-id' expects a non-negative value");
        return -EINVAL;
    }
    s = has_id ? fdset_find(fs, id) : NULL;
    if (s == NULL) {
        s = fdset_create(fs, has_id ? id : fdset_first_free(fs));
    }
    if (s == NULL || s->nfds >= FDSET_MAX_FDS) {
        snprintf(err, errlen, "Too many file descriptors passed in");
        return -EMFILE;
    }
    if (opaque != NULL && (op = strdup(opaque)) == NULL) {
        snprintf(err, errlen, "Out of memory");
        return -ENOMEM;
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    s->fds[s->nfds].fd = fd;
    s->fds[s->nfds].opaque = op;
    s->nfds++;
    *out_id = s->id;
    return 0;
}

int fdsets_remove(struct fdsets *fs, int64_t id, bool has_fd, int64_t fd,
                  char *err, size_t errlen)
{
    struct fdset *s = fdset_find(fs, id);
    size_t i;

    for (i = 0; s != NULL && i < s->nfds; i++) {
        if (has_fd && s->fds[i].fd != fd) {
            continue;
        }
        close(s->fds[i].fd);
        free(s->fds[i].opaque);
        s->fds[i] = s->fds[--s->nfds];
        if (s->nfds == 0) {
            s->used = false;
        }
        if (has_fd) {
            return 0;
        }
        i--;
    }
    if (s != NULL && !has_fd) {
        s->used = false;
        return 0;
    }
    if (has_fd) {
        snprintf(err, errlen, "File descriptor named 'fdset-id:%" PRId64
                 ", fd:%" PRId64 "' not found", id, fd);
    } else {
        snprintf(err, errlen,
                 "File descriptor named 'fdset-id:%" PRId64 "' not found",
                 id);
    }
    return -ENOENT;
}

struct json *fdsets_query(const struct fdsets *fs)
{
    struct json *arr = json_new_array();
    size_t i, k;

    for (i = 0; i < FDSET_MAX_SETS; i++) {
        const struct fdset *s = &fs->sets[i];
        struct json *o, *fds;

        if (!s->used) {
            continue;
        }
        o = json_new_object();
        fds = json_new_array();
        for (k = 0; k < s->nfds; k++) {
            struct json *m = json_new_object();

            json_object_set(m, "fd", json_new_int(s->fds[k].fd));
            if (s->fds[k].opaque != NULL) {
                json_object_set(m, "opaque",
                                json_new_string(s->fds[k].opaque));
            }
            json_array_append(fds, m);
        }
        json_object_set(o, "fdset-id", json_new_int(s->id));
        json_object_set(o, "fds", fds);
        json_array_append(arr, o);
    }
    return arr;
}

static struct fdset_named *fdsets_named_find(const struct fdsets *fs,
                                             const char *name)
{
    size_t i;

    for (i = 0; i < FDSET_MAX_NAMED; i++) {
        if (fs->named[i].name != NULL &&
            strcmp(fs->named[i].name, name) == 0) {
            return (struct fdset_named *)&fs->named[i];
        }
    }
    return NULL;
}

int fdsets_getfd(struct fdsets *fs, const char *name, int fd, char *err,
                 size_t errlen)
{
    struct fdset_named *n;
    size_t i;

    if (name[0] >= '0' && name[0] <= '9') {
        close(fd);
        snprintf(err, errlen, "Parameter 'fdname' expects a name not "
                 "starting with a digit");
        return -EINVAL;
    }
    n = fdsets_named_find(fs, name);
    if (n != NULL) {
        close(n->fd);
        n->fd = fd;
        return 0;
    }
    for (i = 0; i < FDSET_MAX_NAMED; i++) {
        if (fs->named[i].name == NULL) {
            fs->named[i].name = strndup(name, FDSET_NAME_MAX);
            if (fs->named[i].name == NULL) {
                break;
            }
            fs->named[i].fd = fd;
            fcntl(fd, F_SETFD, FD_CLOEXEC);
            return 0;
        }
    }
    close(fd);
    snprintf(err, errlen, "Too many file descriptors passed in");
    return -EMFILE;
}

int fdsets_closefd(struct fdsets *fs, const char *name, char *err,
                   size_t errlen)
{
    struct fdset_named *n = fdsets_named_find(fs, name);

    if (n == NULL) {
        snprintf(err, errlen, "File descriptor named '%s' not found", name);
        return -ENOENT;
    }
    close(n->fd);
    free(n->name);
    n->name = NULL;
    return 0;
}

int fdsets_named(const struct fdsets *fs, const char *name)
{
    const struct fdset_named *n = fdsets_named_find(fs, name);

    return n != NULL ? n->fd : -ENOENT;
}

/* "/dev/fdset/N": a dup of the member whose access mode matches. */
static int fdset_dup(struct fdsets *fs, const char *idstr, int flags)
{
    struct fdset *s;
    char *end;
    long long id;
    size_t i;

    errno = 0;
    id = strtoll(idstr, &end, 10);
    if (errno != 0 || *end != '\0' || end == idstr || id < 0) {
        return -EINVAL;
    }
    s = fdset_find(fs, id);
    if (s == NULL) {
        return -EACCES;
    }
    for (i = 0; i < s->nfds; i++) {
        int fl = fcntl(s->fds[i].fd, F_GETFL);

        if (fl >= 0 && (fl & O_ACCMODE) == (flags & O_ACCMODE)) {
            int d = fcntl(s->fds[i].fd, F_DUPFD_CLOEXEC, 0);

            return d >= 0 ? d : -errno;
        }
    }
    return -EACCES;
}

int fdset_open(struct fdsets *fs, const char *path, int flags, mode_t mode,
               char *err, size_t errlen)
{
    int fd;

    if (strncmp(path, "/dev/fdset/", 11) == 0) {
        fd = fdset_dup(fs, path + 11, flags);
        if (fd >= 0 && (flags & O_TRUNC)) {
            struct stat st;
            off_t pos = lseek(fd, 0, SEEK_CUR);

            /* The caller asked for a file holding exactly what it writes. */
            if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && pos >= 0 &&
                ftruncate(fd, pos) < 0) {
                int e = errno;

                close(fd);
                fd = -e;
            }
        }
    } else {
        fd = open(path, flags | O_CLOEXEC, mode);
        if (fd < 0) {
            fd = -errno;
        }
    }
    if (fd < 0) {
        snprintf(err, errlen, "Could not %s '%s': %s",
                 (flags & O_CREAT) ? "create" : "open", path, strerror(-fd));
    }
    return fd;
}
