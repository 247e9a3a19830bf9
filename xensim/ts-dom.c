/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The toolstack's per-domain bookkeeping files (see ts.h): record,
 * load, find by name or id, forget.  Files are written whole to a
 * temporary name and renamed, so a reader never sees half a file; the
 * reader bounds what it reads (these files are ours, but a host
 * directory is writable by anyone who can run xensim).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xensim/ts.h"

int ts_file_write(const char *path, const char *text)
{
    char tmp[600];
    size_t n = strlen(text);
    int fd, rc = 0;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
        return -ENAMETOOLONG;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return -errno;
    }
    if (write(fd, text, n) != (ssize_t)n) {
        rc = -EIO;
    }
    if (close(fd) < 0 && rc == 0) {
        rc = -errno;
    }
    if (rc == 0 && rename(tmp, path) < 0) {
        rc = -errno;
    }
    if (rc < 0) {
        unlink(tmp);
    }
    return rc;
}

char *ts_file_read(const char *path, size_t max)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char *buf;
    size_t n = 0;

    if (fd < 0) {
        return NULL;
    }
    buf = malloc(max + 1);
    while (buf != NULL && n < max) {
        ssize_t k = read(fd, buf + n, max - n);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            break;
        }
        n += (size_t)k;
    }
    close(fd);
    if (buf != NULL) {
        buf[n] = '\0';
    }
    return buf;
}

int ts_pid_read(struct ts *ts, uint32_t domid, const char *file)
{
    char path[512], *s;
    long v;

    if (ts_path(ts, path, sizeof(path), domid, file) < 0 ||
        (s = ts_file_read(path, 32)) == NULL) {
        return -ENOENT;
    }
    v = strtol(s, NULL, 10);
    free(s);
    return v > 1 && v < (1L << 22) ? (int)v : -ENOENT;
}

void ts_uuid_new(char *out)
{
    unsigned char b[16] = { 0 };
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

    if (fd >= 0) {
        if (read(fd, b, sizeof(b)) != (ssize_t)sizeof(b)) {
            memset(b, 0x5a, sizeof(b));
        }
        close(fd);
    }
    b[6] = (b[6] & 0x0f) | 0x40;     /* version 4 */
    b[8] = (b[8] & 0x3f) | 0x80;
    sprintf(out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
            "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
            b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

int ts_dom_record(struct ts *ts, const struct ts_dom *d)
{
    char path[512];
    int rc;

    snprintf(path, sizeof(path), "%s/toolstack", ts->dir);
    if (mkdir(path, 0755) < 0 && errno != EEXIST) {
        return -errno;
    }
    ts_path(ts, path, sizeof(path), d->domid, NULL);
    if (mkdir(path, 0755) < 0 && errno != EEXIST) {
        return -errno;
    }
    ts_path(ts, path, sizeof(path), d->domid, "config");
    if ((rc = ts_file_write(path, d->cfgtext)) < 0) {
        return rc;
    }
    ts_path(ts, path, sizeof(path), d->domid, "uuid");
    if ((rc = ts_file_write(path, d->uuid)) < 0) {
        return rc;
    }
    ts_path(ts, path, sizeof(path), d->domid, "name");
    return ts_file_write(path, d->name);
}

int ts_dom_load(struct ts *ts, uint32_t domid, struct ts_dom *d)
{
    char path[512], err[200], *s;
    int rc;

    memset(d, 0, sizeof(*d));
    d->domid = domid;
    ts_path(ts, path, sizeof(path), domid, "config");
    d->cfgtext = ts_file_read(path, XLCFG_MAX_BYTES);
    if (d->cfgtext == NULL) {
        return -ENOENT;
    }
    rc = xlcfg_read(d->cfgtext, strlen(d->cfgtext), &d->cfg, err, sizeof(err));
    if (rc < 0) {
        ts_errx("domain %u: stored config: %s", domid, err);
        free(d->cfgtext);
        d->cfgtext = NULL;
        return rc;
    }
    ts_path(ts, path, sizeof(path), domid, "uuid");
    if ((s = ts_file_read(path, 39)) != NULL) {
        snprintf(d->uuid, sizeof(d->uuid), "%s", s);
        free(s);
    }
    ts_path(ts, path, sizeof(path), domid, "name");
    if ((s = ts_file_read(path, 71)) != NULL) {
        snprintf(d->name, sizeof(d->name), "%s", s);
        free(s);
    }
    return 0;
}

void ts_dom_free(struct ts_dom *d)
{
    if (d->cfgtext != NULL) {
        xlcfg_free(&d->cfg);
    }
    free(d->cfgtext);
    d->cfgtext = NULL;
}

int ts_dom_forget(struct ts *ts, uint32_t domid)
{
    static const char *const files[] = {
        "config", "uuid", "name", "monitor.pid", "guest.pid", "dm.pid",
        "guest.status", "guest.log",
    };
    char path[512];
    size_t i;

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        ts_path(ts, path, sizeof(path), domid, files[i]);
        unlink(path);
    }
    ts_path(ts, path, sizeof(path), domid, NULL);
    return rmdir(path) < 0 && errno != ENOENT ? -errno : 0;
}

int ts_dom_find(struct ts *ts, const char *name_or_id, uint32_t *domid)
{
    char path[512], *end, *s;
    unsigned long v = strtoul(name_or_id, &end, 10);
    struct dirent *de;
    DIR *dir;
    int rc = -ENOENT;

    if (*name_or_id != '\0' && *end == '\0' && v < 0x7ff0) {
        ts_path(ts, path, sizeof(path), (uint32_t)v, "name");
        if (access(path, F_OK) == 0) {
            *domid = (uint32_t)v;
            return 0;
        }
    }
    snprintf(path, sizeof(path), "%s/toolstack", ts->dir);
    if ((dir = opendir(path)) == NULL) {
        return -ENOENT;
    }
    while (rc < 0 && (de = readdir(dir)) != NULL) {
        v = strtoul(de->d_name, &end, 10);
        if (de->d_name[0] == '.' || *end != '\0' || v >= 0x7ff0) {
            continue;
        }
        ts_path(ts, path, sizeof(path), (uint32_t)v, "name");
        s = ts_file_read(path, 71);
        if (s != NULL && strcmp(s, name_or_id) == 0) {
            *domid = (uint32_t)v;
            rc = 0;
        }
        free(s);
    }
    closedir(dir);
    return rc;
}
