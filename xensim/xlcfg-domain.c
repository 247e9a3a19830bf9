/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interpretation of an xl config's settings into a struct xlcfg: the
 * keys xensim's toolstack understands, the xl-disk-configuration(5)
 * disk spec language, vfb/channel/vkb specs, and libxl's vdev
 * numbering.  Defaults are libxl 4.17's (HVM cirrus VGA with 8 MiB of
 * video RAM, boot order "cda", one vCPU).  Input is untrusted text.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xensim/xlcfg.h"
#include "src/log.h"

static char *dupstr(const char *s, size_t n)
{
    char *d = malloc(n + 1);

    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* ---------------------------------------------------------------- vdev */

/* Bijective base-26 letters ("a" = 0, "z" = 25, "aa" = 26). */
static int letters_index(const char **pp)
{
    const char *p = *pp;
    long v = 0;
    int n = 0;

    while (*p >= 'a' && *p <= 'z') {
        v = v * 26 + (*p - 'a' + 1);
        if (v > (1L << 20) || ++n > 4) {
            return -1;
        }
        p++;
    }
    if (n == 0) {
        return -1;
    }
    *pp = p;
    return (int)(v - 1);
}

static int partition_number(const char *p)
{
    long v = 0;

    if (*p == '\0') {
        return 0;
    }
    if (*p == '0') {
        return p[1] == '\0' ? 0 : -1;
    }
    for (; *p != '\0'; p++) {
        if (!isdigit((unsigned char)*p)) {
            return -1;
        }
        v = v * 10 + (*p - '0');
        if (v > 255) {
            return -1;
        }
    }
    return (int)v;
}

int xlcfg_vdev_number(const char *vdev, int *disk, int *partition)
{
    const char *p;
    int d, part;

    if (vdev == NULL || strlen(vdev) > 32) {
        return -EINVAL;
    }
    if (strncmp(vdev, "xvd", 3) == 0 || strncmp(vdev, "hd", 2) == 0 ||
        strncmp(vdev, "sd", 2) == 0) {
        p = vdev + (vdev[0] == 'x' ? 3 : 2);
        d = letters_index(&p);
        part = d < 0 ? -1 : partition_number(p);
        if (d < 0 || part < 0) {
            return -EINVAL;
        }
        *disk = d;
        *partition = part;
        if (vdev[0] == 'x') {
            if (d < 16 && part < 16) {
                return (202 << 8) | (d << 4) | part;
            }
            return (1 << 28) | (d << 8) | part;
        }
        if (vdev[0] == 'h') {
            if (d >= 4 || part >= 64) {
                return -EINVAL;
            }
            return ((d < 2 ? 3 : 22) << 8) | ((d & 1) << 6) | part;
        }
        if (d >= 16 || part >= 16) {
            return -EINVAL;
        }
        return (8 << 8) | (d << 4) | part;
    }
    return -EINVAL;
}

/* ---------------------------------------------------------------- disks */

static const struct {
    const char *name;
    enum xlcfg_format fmt;
} format_table[] = {
    { "raw", XLCFG_FORMAT_RAW },     { "qcow", XLCFG_FORMAT_QCOW },
    { "qcow2", XLCFG_FORMAT_QCOW2 }, { "vhd", XLCFG_FORMAT_VHD },
    { "qed", XLCFG_FORMAT_QED },     { "empty", XLCFG_FORMAT_EMPTY },
};

static int format_parse(const char *s, enum xlcfg_format *out)
{
    size_t i;

    for (i = 0; i < sizeof(format_table) / sizeof(format_table[0]); i++) {
        if (strcmp(s, format_table[i].name) == 0) {
            *out = format_table[i].fmt;
            return 0;
        }
    }
    return -EINVAL;
}

const char *xlcfg_format_qemu_name(enum xlcfg_format f)
{
    size_t i;

    if (f == XLCFG_FORMAT_EMPTY) {
        return NULL;
    }
    for (i = 0; i < sizeof(format_table) / sizeof(format_table[0]); i++) {
        if (format_table[i].fmt == f) {
            return format_table[i].name;
        }
    }
    return NULL;
}

const char *xlcfg_format_params_prefix(enum xlcfg_format f)
{
    return f == XLCFG_FORMAT_RAW ? "aio" : xlcfg_format_qemu_name(f);
}

/* Deprecated "<prefix>:<target>" forms and what they mean. */
static const struct {
    const char *prefix;
    enum xlcfg_format fmt;
    enum xlcfg_backend backend;
} legacy_prefix[] = {
    { "raw:", XLCFG_FORMAT_RAW, XLCFG_BACKEND_DEFAULT },
    { "qcow:", XLCFG_FORMAT_QCOW, XLCFG_BACKEND_DEFAULT },
    { "qcow2:", XLCFG_FORMAT_QCOW2, XLCFG_BACKEND_DEFAULT },
    { "vhd:", XLCFG_FORMAT_VHD, XLCFG_BACKEND_DEFAULT },
    { "aio:", XLCFG_FORMAT_RAW, XLCFG_BACKEND_DEFAULT },
    { "file:", XLCFG_FORMAT_RAW, XLCFG_BACKEND_DEFAULT },
    { "phy:", XLCFG_FORMAT_RAW, XLCFG_BACKEND_PHY },
    { "tap:aio:", XLCFG_FORMAT_RAW, XLCFG_BACKEND_TAP },
    { "tap2:aio:", XLCFG_FORMAT_RAW, XLCFG_BACKEND_TAP },
    { "tap:qcow2:", XLCFG_FORMAT_QCOW2, XLCFG_BACKEND_TAP },
};

struct disk_parse {
    struct xlcfg_disk *d;
    bool have[4];                /* target, format, vdev, access */
    bool legacy;                 /* positional order target,vdev,access */
    char *err;
    size_t errlen;
};

enum { POS_TARGET, POS_FORMAT, POS_VDEV, POS_ACCESS };

static int disk_set(struct disk_parse *dp, int which, const char *v,
                    size_t n)
{
    struct xlcfg_disk *d = dp->d;
    char buf[64];

    if (dp->have[which]) {
        return log_reason(dp->err, dp->errlen, "disk: parameter given twice");
    }
    dp->have[which] = true;
    if (which == POS_TARGET) {
        d->target = dupstr(v, n);
        return d->target != NULL ? 0 : -ENOMEM;
    }
    if (n >= sizeof(buf)) {
        return log_reason(dp->err, dp->errlen, "disk: value too long");
    }
    memcpy(buf, v, n);
    buf[n] = '\0';
    if (which == POS_FORMAT) {
        if (format_parse(buf, &d->format) < 0) {
            return log_reason(dp->err, dp->errlen, "disk: unknown format '%s'",
                            buf);
        }
        return 0;
    }
    if (which == POS_VDEV) {
        char *colon = strchr(buf, ':');
        if (colon != NULL) {
            if (strcmp(colon, ":cdrom") != 0) {
                return log_reason(dp->err, dp->errlen, "disk: bad vdev '%s'",
                                buf);
            }
            *colon = '\0';
            d->cdrom = true;
            d->readwrite = false;
        }
        d->vdev = strdup(buf);
        return d->vdev != NULL ? 0 : -ENOMEM;
    }
    if (strcmp(buf, "rw") == 0 || strcmp(buf, "w") == 0) {
        d->readwrite = true;
    } else if (strcmp(buf, "ro") == 0 || strcmp(buf, "r") == 0) {
        d->readwrite = false;
    } else {
        return log_reason(dp->err, dp->errlen, "disk: bad access '%s'", buf);
    }
    return 0;
}

static int disk_positional(struct disk_parse *dp, const char *v, size_t n)
{
    static const int order[] = { POS_TARGET, POS_FORMAT, POS_VDEV,
                                 POS_ACCESS };
    size_t i, k;

    for (i = 0; i < 4; i++) {
        int which = order[i];
        if (dp->have[which] || (dp->legacy && which == POS_FORMAT)) {
            continue;
        }
        if (n == 0) {            /* empty: leave this one unspecified */
            dp->have[which] = true;
            return 0;
        }
        if (which != POS_TARGET) {
            return disk_set(dp, which, v, n);
        }
        for (k = 0; k < sizeof(legacy_prefix) / sizeof(legacy_prefix[0]);
             k++) {
            size_t pl = strlen(legacy_prefix[k].prefix);
            if (n > pl && strncmp(v, legacy_prefix[k].prefix, pl) == 0) {
                dp->legacy = true;
                dp->d->format = legacy_prefix[k].fmt;
                dp->d->backend = legacy_prefix[k].backend;
                dp->have[POS_FORMAT] = true;
                return disk_set(dp, POS_TARGET, v + pl, n - pl);
            }
        }
        return disk_set(dp, POS_TARGET, v, n);
    }
    return log_reason(dp->err, dp->errlen, "disk: too many positional values");
}

static const struct {
    const char *flag;
    size_t off;                  /* offsetof the bool in xlcfg_disk */
    bool value;
} disk_flags[] = {
    { "cdrom", offsetof(struct xlcfg_disk, cdrom), true },
    { "discard", offsetof(struct xlcfg_disk, discard), true },
    { "no-discard", offsetof(struct xlcfg_disk, discard), false },
    { "trusted", offsetof(struct xlcfg_disk, trusted), true },
    { "untrusted", offsetof(struct xlcfg_disk, trusted), false },
    { "direct-io-safe", 0, false },
};

static int disk_keyval(struct disk_parse *dp, const char *k, size_t kn,
                       const char *v, size_t vn)
{
    static const char *const pos_names[] = { "target", "format", "vdev",
                                             "access" };
    char val[32];
    int i;

#define KEY_IS(s) (kn == strlen(s) && strncmp(k, s, kn) == 0)
    for (i = 0; i < 4; i++) {
        if (KEY_IS(pos_names[i])) {
            return disk_set(dp, i, v, vn);
        }
    }
    if (vn >= sizeof(val)) {
        return log_reason(dp->err, dp->errlen, "disk: value too long");
    }
    memcpy(val, v, vn);
    val[vn] = '\0';
    if (KEY_IS("devtype")) {
        if (strcmp(val, "cdrom") != 0 && strcmp(val, "disk") != 0) {
            return log_reason(dp->err, dp->errlen, "disk: bad devtype '%s'",
                            val);
        }
        dp->d->cdrom = strcmp(val, "cdrom") == 0;
        return 0;
    }
    if (KEY_IS("backendtype")) {
        if (strcmp(val, "qdisk") == 0) {
            dp->d->backend = XLCFG_BACKEND_QDISK;
        } else if (strcmp(val, "phy") == 0) {
            dp->d->backend = XLCFG_BACKEND_PHY;
        } else if (strcmp(val, "tap") == 0) {
            dp->d->backend = XLCFG_BACKEND_TAP;
        } else {
            return log_reason(dp->err, dp->errlen,
                            "disk: bad backendtype '%s'", val);
        }
        return 0;
    }
    if (KEY_IS("backend") || KEY_IS("script") || KEY_IS("specification")) {
        return 0;                /* accepted, not simulated */
    }
#undef KEY_IS
    return log_reason(dp->err, dp->errlen, "disk: unknown key '%.*s'", (int)kn,
                    k);
}

static int disk_token(struct disk_parse *dp, const char *t, size_t n)
{
    const char *eq;
    size_t i;

    while (n > 0 && isspace((unsigned char)*t)) {
        t++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)t[n - 1])) {
        n--;
    }
    for (i = 0; i < sizeof(disk_flags) / sizeof(disk_flags[0]); i++) {
        if (n == strlen(disk_flags[i].flag) &&
            strncmp(t, disk_flags[i].flag, n) == 0) {
            if (disk_flags[i].off != 0) {
                *(bool *)((char *)dp->d + disk_flags[i].off) =
                    disk_flags[i].value;
            }
            if (strcmp(disk_flags[i].flag, "cdrom") == 0) {
                dp->d->readwrite = false;
            }
            return 0;
        }
    }
    eq = memchr(t, '=', n);
    if (eq != NULL) {
        return disk_keyval(dp, t, (size_t)(eq - t), eq + 1,
                           n - (size_t)(eq - t) - 1);
    }
    return disk_positional(dp, t, n);
}

int xlcfg_parse_disk(const char *spec, struct xlcfg_disk *disk, char *err,
                     size_t errlen)
{
    struct disk_parse dp = { .d = disk, .err = err, .errlen = errlen };
    const char *p = spec, *comma;
    int rc = 0;

    memset(disk, 0, sizeof(*disk));
    disk->readwrite = true;
    disk->discard = true;
    disk->trusted = true;
    if (strlen(spec) > XLCFG_MAX_STRING) {
        return log_reason(err, errlen, "disk: spec too long");
    }
    while (rc == 0 && *p != '\0') {
        while (isspace((unsigned char)*p)) {
            p++;
        }
        if (strncmp(p, "target=", 7) == 0) {
            /* target= takes the rest of the spec, commas included. */
            rc = disk_set(&dp, POS_TARGET, p + 7, strlen(p + 7));
            break;
        }
        comma = strchr(p, ',');
        if (comma == NULL) {
            comma = p + strlen(p);
        }
        rc = disk_token(&dp, p, (size_t)(comma - p));
        p = *comma != '\0' ? comma + 1 : comma;
    }
    if (rc == 0 && disk->vdev == NULL) {
        rc = log_reason(err, errlen, "disk: no vdev");
    }
    if (rc == 0 && (disk->target == NULL || disk->target[0] == '\0')) {
        if (!disk->cdrom) {
            rc = log_reason(err, errlen, "disk %s: no target", disk->vdev);
        } else {
            disk->format = XLCFG_FORMAT_EMPTY;
        }
    }
    if (rc == 0 && disk->cdrom) {
        disk->readwrite = false;
    }
    if (rc == 0) {
        int dn, part;
        if (xlcfg_vdev_number(disk->vdev, &dn, &part) < 0) {
            rc = log_reason(err, errlen, "disk: invalid vdev '%s'",
                            disk->vdev);
        }
    }
    if (rc < 0) {
        xlcfg_disk_free(disk);
    }
    return rc;
}

void xlcfg_disk_free(struct xlcfg_disk *disk)
{
    free(disk->target);
    free(disk->vdev);
    disk->target = NULL;
    disk->vdev = NULL;
}
