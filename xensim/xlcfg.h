/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xl domain configuration files (xl.cfg(5)) for xensim's toolstack.
 *
 * Two layers.  xlcfg_parse() reads the generic syntax -- `key = value`
 * settings separated by newlines or `;`, values that are numbers,
 * single- or double-quoted strings or `[ ... ]` lists of strings,
 * `#` comments, `+=` to append to a list -- into a list of raw
 * settings.  xlcfg_load() then interprets the subset of keys the
 * simulated toolstack understands (name, type, memory, vcpus, disk,
 * vkb, vfb, serial, channel, device_model_override, the HVM display
 * and boot keys libxl turns into device-model arguments, and our own
 * `guest`) into a struct xlcfg.  Unknown keys are ignored, as xl does.
 *
 * Everything here is untrusted text: lengths are bounded (file size,
 * string size, list length, number of disks), every error is reported
 * with its line number, and nothing aborts.
 */
#ifndef XENSIM_XLCFG_H
#define XENSIM_XLCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XLCFG_MAX_BYTES (1u << 20)   /* whole file */
#define XLCFG_MAX_STRING 4096        /* one string value */
#define XLCFG_MAX_LIST 64            /* items in one list */
#define XLCFG_MAX_SETTINGS 512

enum xlcfg_vtype {
    XLCFG_V_STRING,   /* quoted string or bare number, kept as text */
    XLCFG_V_LIST,
};

struct xlcfg_setting {
    char *key;
    enum xlcfg_vtype type;
    bool is_number;     /* an unquoted number (for scalars) */
    char *str;          /* XLCFG_V_STRING */
    char **items;       /* XLCFG_V_LIST */
    size_t nitems;
    unsigned line;
};

struct xlcfg_raw {
    struct xlcfg_setting *s;
    size_t n;
};

/* 0 or -EINVAL/-E2BIG/-ENOMEM; on error `err` says where and why. */
int xlcfg_parse(const char *text, size_t len, struct xlcfg_raw *out,
                char *err, size_t errlen);
void xlcfg_raw_free(struct xlcfg_raw *raw);
/* The last setting named `key`, or NULL. */
const struct xlcfg_setting *xlcfg_raw_get(const struct xlcfg_raw *raw,
                                          const char *key);

enum xlcfg_type {
    XLCFG_TYPE_PV,
    XLCFG_TYPE_PVH,
    XLCFG_TYPE_HVM,
};

enum xlcfg_backend {
    XLCFG_BACKEND_DEFAULT,   /* libxl picks: qdisk for us (no blkback) */
    XLCFG_BACKEND_QDISK,
    XLCFG_BACKEND_PHY,
    XLCFG_BACKEND_TAP,
};

enum xlcfg_format {
    XLCFG_FORMAT_RAW,
    XLCFG_FORMAT_QCOW,
    XLCFG_FORMAT_QCOW2,
    XLCFG_FORMAT_VHD,
    XLCFG_FORMAT_QED,
    XLCFG_FORMAT_EMPTY,
};

struct xlcfg_disk {
    char *target;            /* may be NULL for an empty cdrom */
    enum xlcfg_format format;
    char *vdev;
    bool readwrite;
    bool cdrom;
    enum xlcfg_backend backend;
    bool discard;            /* discard-enable */
    bool trusted;
};

struct xlcfg_vfb {
    bool vnc;
    char *vnclisten;
    int vncdisplay;
    bool vncunused;
    char *vncpasswd;
    char *keymap;
    bool sdl;
};

enum xlcfg_conn { XLCFG_CONN_PTY, XLCFG_CONN_SOCKET };

struct xlcfg_channel {
    char *name;
    enum xlcfg_conn connection;
    char *path;              /* socket only */
};

#define XLCFG_MAX_DISKS 16
#define XLCFG_MAX_DEVS 8

struct xlcfg {
    char *name;
    enum xlcfg_type type;
    uint64_t memory_mb;       /* default 128 */
    uint64_t maxmem_mb;       /* default = memory */
    uint32_t vcpus;           /* default 1 */
    uint32_t maxvcpus;        /* default = vcpus */
    struct xlcfg_disk disks[XLCFG_MAX_DISKS];
    size_t ndisks;
    size_t nvkbs;             /* vkb = [ ... ] entries */
    struct xlcfg_vfb vfbs[XLCFG_MAX_DEVS];
    size_t nvfbs;
    char *serials[XLCFG_MAX_DEVS];   /* HVM serial / serial list */
    size_t nserials;
    struct xlcfg_channel channels[XLCFG_MAX_DEVS];
    size_t nchannels;
    char *dm_override;        /* device_model_override */
    char *guest;              /* ours: simulated guest program + args */
    /* HVM keys libxl turns into device-model arguments. */
    struct xlcfg_vfb hvm_vnc; /* vnc, vnclisten, vncdisplay, vncunused... */
    char *kernel, *ramdisk, *cmdline;
    char *extra;              /* xl: the cmdline when cmdline is unset */
    char *boot;               /* default "cda" */
    char *vga;                /* "cirrus" (default), "stdvga", "none" */
    uint64_t videoram_mb;     /* default 8 for cirrus, 16 for stdvga */
    bool acpi;                /* default true */
    bool nographic;
};

/* Interprets raw settings.  0 or -EINVAL with a message in err. */
int xlcfg_load(const struct xlcfg_raw *raw, struct xlcfg *cfg, char *err,
               size_t errlen);
/* Parses and loads text in one go. */
int xlcfg_read(const char *text, size_t len, struct xlcfg *cfg, char *err,
               size_t errlen);
void xlcfg_free(struct xlcfg *cfg);

/*
 * One xl-disk-configuration(5) spec, e.g.
 * "format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=/img".
 */
int xlcfg_parse_disk(const char *spec, struct xlcfg_disk *disk, char *err,
                     size_t errlen);
void xlcfg_disk_free(struct xlcfg_disk *disk);

/*
 * libxl__device_disk_dev_number: the xenstore device number of a vdev
 * ("xvda" -> 51712, "hda" -> 768, "sdb" -> 2064, "xvdq" -> extended),
 * with the disk index and partition.  -EINVAL if not a valid vdev.
 */
int xlcfg_vdev_number(const char *vdev, int *disk, int *partition);

const char *xlcfg_type_name(enum xlcfg_type t);
/* The name libxl uses for a format in qdisk params ("aio" for raw). */
const char *xlcfg_format_params_prefix(enum xlcfg_format f);
/* QEMU's format name for -drive ("raw", "qcow2", ...) or NULL. */
const char *xlcfg_format_qemu_name(enum xlcfg_format f);

#endif
