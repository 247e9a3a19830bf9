/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * From raw xl settings to a struct xlcfg: a table of the keys we
 * understand, each with its kind and its slot, then the list-valued
 * keys (disk, vkb, vfb, serial, channel) and libxl's defaults.
 * Unknown keys are ignored, as xl ignores them.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xensim/xlcfg.h"
#include "src/log.h"

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (s == NULL || *s == '\0' || *s == '-' || *s == '+') {
        return -EINVAL;
    }
    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno != 0 || *end != '\0' || v > max) {
        return -EINVAL;
    }
    *out = v;
    return 0;
}

static int parse_bool(const char *s, bool *out)
{
    uint64_t v;

    if (parse_u64(s, 1, &v) < 0) {
        return -EINVAL;
    }
    *out = v != 0;
    return 0;
}

enum key_kind { K_STR, K_U64, K_U32, K_BOOL };

#define SLOT(f) offsetof(struct xlcfg, f)
static const struct {
    const char *key;
    enum key_kind kind;
    size_t off;
    uint64_t max;
} scalar_keys[] = {
    { "name", K_STR, SLOT(name), 0 },
    { "memory", K_U64, SLOT(memory_mb), 1u << 20 },
    { "maxmem", K_U64, SLOT(maxmem_mb), 1u << 20 },
    { "vcpus", K_U32, SLOT(vcpus), 128 },
    { "maxvcpus", K_U32, SLOT(maxvcpus), 128 },
    { "device_model_override", K_STR, SLOT(dm_override), 0 },
    { "guest", K_STR, SLOT(guest), 0 },
    { "kernel", K_STR, SLOT(kernel), 0 },
    { "ramdisk", K_STR, SLOT(ramdisk), 0 },
    { "cmdline", K_STR, SLOT(cmdline), 0 },
    { "extra", K_STR, SLOT(extra), 0 },
    { "boot", K_STR, SLOT(boot), 0 },
    { "vga", K_STR, SLOT(vga), 0 },
    { "videoram", K_U64, SLOT(videoram_mb), 1024 },
    { "acpi", K_BOOL, SLOT(acpi), 0 },
    { "nographic", K_BOOL, SLOT(nographic), 0 },
    { "vnc", K_BOOL, SLOT(hvm_vnc.vnc), 0 },
    { "vnclisten", K_STR, SLOT(hvm_vnc.vnclisten), 0 },
    { "vncdisplay", K_U32, SLOT(hvm_vnc.vncdisplay), 99 },
    { "vncunused", K_BOOL, SLOT(hvm_vnc.vncunused), 0 },
    { "vncpasswd", K_STR, SLOT(hvm_vnc.vncpasswd), 0 },
    { "keymap", K_STR, SLOT(hvm_vnc.keymap), 0 },
    { "sdl", K_BOOL, SLOT(hvm_vnc.sdl), 0 },
};
#undef SLOT

static int load_scalar(const struct xlcfg_setting *s, size_t i,
                       struct xlcfg *cfg, char *err, size_t errlen)
{
    void *slot = (char *)cfg + scalar_keys[i].off;
    uint64_t v;

    if (s->type != XLCFG_V_STRING) {
        return log_reason(err, errlen, "line %u: '%s' must not be a list",
                         s->line, s->key);
    }
    switch (scalar_keys[i].kind) {
    case K_STR:
        free(*(char **)slot);
        *(char **)slot = strdup(s->str);
        return *(char **)slot != NULL ? 0 : -ENOMEM;
    case K_BOOL:
        if (parse_bool(s->str, (bool *)slot) < 0) {
            return log_reason(err, errlen, "line %u: '%s' must be 0 or 1",
                             s->line, s->key);
        }
        return 0;
    case K_U64:
    case K_U32:
        if (parse_u64(s->str, scalar_keys[i].max, &v) < 0) {
            return log_reason(err, errlen,
                             "line %u: '%s' must be a number <= %llu",
                             s->line, s->key,
                             (unsigned long long)scalar_keys[i].max);
        }
        if (scalar_keys[i].kind == K_U64) {
            *(uint64_t *)slot = v;
        } else if (scalar_keys[i].off == offsetof(struct xlcfg,
                                                  hvm_vnc.vncdisplay)) {
            *(int *)slot = (int)v;
        } else {
            *(uint32_t *)slot = (uint32_t)v;
        }
        return 0;
    }
    return -EINVAL;
}

/* A comma-separated "k=v,k=v" device spec, one pair at a time. */
static int spec_next(const char **pp, char *k, size_t kl, char *v, size_t vl)
{
    const char *p = *pp, *comma, *eq;
    size_t n;

    while (*p == ' ' || *p == ',') {
        p++;
    }
    if (*p == '\0') {
        return 0;
    }
    comma = strchr(p, ',');
    n = comma != NULL ? (size_t)(comma - p) : strlen(p);
    eq = memchr(p, '=', n);
    if (eq == NULL || (size_t)(eq - p) >= kl ||
        n - (size_t)(eq - p) - 1 >= vl) {
        return -EINVAL;
    }
    memcpy(k, p, (size_t)(eq - p));
    k[eq - p] = '\0';
    memcpy(v, eq + 1, n - (size_t)(eq - p) - 1);
    v[n - (size_t)(eq - p) - 1] = '\0';
    *pp = p + n;
    return 1;
}

static int load_vfb(const char *spec, struct xlcfg_vfb *vfb, char *err,
                    size_t errlen)
{
    char k[32], v[256];
    bool have_vnc = false;
    int rc;

    memset(vfb, 0, sizeof(*vfb));
    vfb->vncunused = true;
    while ((rc = spec_next(&spec, k, sizeof(k), v, sizeof(v))) > 0) {
        uint64_t n;
        if (strcmp(k, "vnc") == 0) {
            have_vnc = true;
            rc = parse_bool(v, &vfb->vnc);
        } else if (strcmp(k, "sdl") == 0) {
            rc = parse_bool(v, &vfb->sdl);
        } else if (strcmp(k, "vncunused") == 0) {
            rc = parse_bool(v, &vfb->vncunused);
        } else if (strcmp(k, "vncdisplay") == 0) {
            rc = parse_u64(v, 99, &n);
            vfb->vncdisplay = (int)n;
        } else if (strcmp(k, "vnclisten") == 0) {
            free(vfb->vnclisten);
            rc = (vfb->vnclisten = strdup(v)) != NULL ? 0 : -ENOMEM;
        } else if (strcmp(k, "vncpasswd") == 0) {
            free(vfb->vncpasswd);
            rc = (vfb->vncpasswd = strdup(v)) != NULL ? 0 : -ENOMEM;
        } else if (strcmp(k, "keymap") == 0) {
            free(vfb->keymap);
            rc = (vfb->keymap = strdup(v)) != NULL ? 0 : -ENOMEM;
        } else {
            rc = 0;              /* opengl, display, xauthority: ignored */
        }
        if (rc < 0) {
            return log_reason(err, errlen, "vfb: bad value for '%s'", k);
        }
    }
    if (rc < 0) {
        return log_reason(err, errlen, "vfb: bad spec");
    }
    if (!have_vnc && !vfb->sdl) {
        vfb->vnc = true;         /* libxl: VNC unless SDL was asked for */
    }
    return 0;
}

static int load_channel(const char *spec, struct xlcfg_channel *ch,
                        char *err, size_t errlen)
{
    char k[32], v[256];
    bool have_conn = false;
    int rc;

    memset(ch, 0, sizeof(*ch));
    while ((rc = spec_next(&spec, k, sizeof(k), v, sizeof(v))) > 0) {
        if (strcmp(k, "name") == 0) {
            free(ch->name);
            if ((ch->name = strdup(v)) == NULL) {
                return -ENOMEM;
            }
        } else if (strcmp(k, "connection") == 0) {
            have_conn = true;
            if (strcmp(v, "pty") == 0) {
                ch->connection = XLCFG_CONN_PTY;
            } else if (strcmp(v, "socket") == 0) {
                ch->connection = XLCFG_CONN_SOCKET;
            } else {
                return log_reason(err, errlen, "channel: bad connection '%s'",
                                 v);
            }
        } else if (strcmp(k, "path") == 0) {
            free(ch->path);
            if ((ch->path = strdup(v)) == NULL) {
                return -ENOMEM;
            }
        }
    }
    if (rc < 0 || ch->name == NULL || !have_conn) {
        return log_reason(err, errlen,
                         "channel: needs name= and connection=pty|socket");
    }
    if (ch->connection == XLCFG_CONN_SOCKET && ch->path == NULL) {
        return log_reason(err, errlen, "channel %s: socket needs path=",
                         ch->name);
    }
    return 0;
}

/* The items of a list-valued key; a scalar counts as a one-item list. */
static size_t items_of(const struct xlcfg_setting *s, char *const **items)
{
    if (s->type == XLCFG_V_LIST) {
        *items = s->items;
        return s->nitems;
    }
    *items = &s->str;
    return 1;
}

static int load_lists(const struct xlcfg_raw *raw, struct xlcfg *cfg,
                      char *err, size_t errlen)
{
    const struct xlcfg_setting *s;
    char *const *it;
    size_t n, i;
    int rc;

    if ((s = xlcfg_raw_get(raw, "disk")) != NULL) {
        n = items_of(s, &it);
        if (n > XLCFG_MAX_DISKS) {
            return log_reason(err, errlen, "more than %d disks",
                             XLCFG_MAX_DISKS);
        }
        for (i = 0; i < n; i++) {
            rc = xlcfg_parse_disk(it[i], &cfg->disks[i], err, errlen);
            if (rc < 0) {
                return rc;
            }
            cfg->ndisks++;
        }
    }
    if ((s = xlcfg_raw_get(raw, "vkb")) != NULL) {
        cfg->nvkbs = items_of(s, &it);
        if (cfg->nvkbs > XLCFG_MAX_DEVS) {
            return log_reason(err, errlen, "too many vkb devices");
        }
    }
    if ((s = xlcfg_raw_get(raw, "vfb")) != NULL) {
        n = items_of(s, &it);
        if (n > XLCFG_MAX_DEVS) {
            return log_reason(err, errlen, "too many vfb devices");
        }
        for (i = 0; i < n; i++, cfg->nvfbs++) {
            if ((rc = load_vfb(it[i], &cfg->vfbs[i], err, errlen)) < 0) {
                cfg->nvfbs++;
                return rc;
            }
        }
    }
    if ((s = xlcfg_raw_get(raw, "serial")) != NULL) {
        n = items_of(s, &it);
        if (n > XLCFG_MAX_DEVS) {
            return log_reason(err, errlen, "too many serial ports");
        }
        for (i = 0; i < n; i++, cfg->nserials++) {
            if ((cfg->serials[i] = strdup(it[i])) == NULL) {
                return -ENOMEM;
            }
        }
    }
    if ((s = xlcfg_raw_get(raw, "channel")) != NULL) {
        n = items_of(s, &it);
        if (n > XLCFG_MAX_DEVS) {
            return log_reason(err, errlen, "too many channels");
        }
        for (i = 0; i < n; i++) {
            rc = load_channel(it[i], &cfg->channels[i], err, errlen);
            cfg->nchannels++;
            if (rc < 0) {
                return rc;
            }
        }
    }
    return 0;
}

static int load_type(const struct xlcfg_raw *raw, struct xlcfg *cfg,
                     char *err, size_t errlen)
{
    const struct xlcfg_setting *s = xlcfg_raw_get(raw, "type");
    const struct xlcfg_setting *b = xlcfg_raw_get(raw, "builder");
    const char *t = s != NULL ? s->str : NULL;

    if (t == NULL && b != NULL && b->str != NULL) {
        t = strcmp(b->str, "hvm") == 0 ? "hvm" : "pv";   /* deprecated */
    }
    if (t == NULL || strcmp(t, "pv") == 0) {
        cfg->type = XLCFG_TYPE_PV;
    } else if (strcmp(t, "pvh") == 0) {
        cfg->type = XLCFG_TYPE_PVH;
    } else if (strcmp(t, "hvm") == 0) {
        cfg->type = XLCFG_TYPE_HVM;
    } else {
        return log_reason(err, errlen, "type must be pv, pvh or hvm");
    }
    return 0;
}

static int load_defaults(struct xlcfg *cfg, char *err, size_t errlen)
{
    if (cfg->name == NULL || cfg->name[0] == '\0' ||
        strlen(cfg->name) > 64 || strpbrk(cfg->name, "/ \t\n") != NULL) {
        return log_reason(err, errlen, "a name (1-64 chars, no '/' or "
                         "blanks) is required");
    }
    if (cfg->memory_mb == 0) {
        cfg->memory_mb = 128;
    }
    if (cfg->maxmem_mb < cfg->memory_mb) {
        cfg->maxmem_mb = cfg->memory_mb;
    }
    if (cfg->cmdline == NULL && cfg->extra != NULL &&
        (cfg->cmdline = strdup(cfg->extra)) == NULL) {
        return -ENOMEM;
    }
    if (cfg->vcpus == 0) {
        cfg->vcpus = 1;
    }
    if (cfg->maxvcpus < cfg->vcpus) {
        cfg->maxvcpus = cfg->vcpus;
    }
    if (cfg->type != XLCFG_TYPE_HVM) {
        cfg->videoram_mb = 0;
        return 0;
    }
    if (cfg->vga == NULL && (cfg->vga = strdup("cirrus")) == NULL) {
        return -ENOMEM;
    }
    if (strcmp(cfg->vga, "cirrus") != 0 && strcmp(cfg->vga, "stdvga") != 0 &&
        strcmp(cfg->vga, "none") != 0) {
        return log_reason(err, errlen, "vga must be cirrus, stdvga or none");
    }
    if (strcmp(cfg->vga, "none") == 0) {
        cfg->videoram_mb = 0;
    } else if (cfg->videoram_mb == 0) {
        cfg->videoram_mb = strcmp(cfg->vga, "stdvga") == 0 ? 16 : 8;
    }
    if (cfg->videoram_mb >= cfg->maxmem_mb) {
        return log_reason(err, errlen, "videoram exceeds memory");
    }
    if (cfg->boot == NULL && (cfg->boot = strdup("cda")) == NULL) {
        return -ENOMEM;
    }
    return 0;
}

int xlcfg_load(const struct xlcfg_raw *raw, struct xlcfg *cfg, char *err,
               size_t errlen)
{
    size_t i, k;
    int rc;

    memset(cfg, 0, sizeof(*cfg));
    cfg->acpi = true;
    cfg->hvm_vnc.vnc = true;        /* libxl: HVM guests get VNC by default */
    cfg->hvm_vnc.vncunused = true;
    for (i = 0; i < raw->n; i++) {
        for (k = 0; k < sizeof(scalar_keys) / sizeof(scalar_keys[0]); k++) {
            if (strcmp(raw->s[i].key, scalar_keys[k].key) == 0) {
                if ((rc = load_scalar(&raw->s[i], k, cfg, err, errlen)) < 0) {
                    goto fail;
                }
                break;
            }
        }
    }
    if ((rc = load_type(raw, cfg, err, errlen)) < 0 ||
        (rc = load_lists(raw, cfg, err, errlen)) < 0 ||
        (rc = load_defaults(cfg, err, errlen)) < 0) {
        goto fail;
    }
    return 0;
fail:
    xlcfg_free(cfg);
    return rc;
}

int xlcfg_read(const char *text, size_t len, struct xlcfg *cfg, char *err,
               size_t errlen)
{
    struct xlcfg_raw raw;
    int rc = xlcfg_parse(text, len, &raw, err, errlen);

    if (rc < 0) {
        memset(cfg, 0, sizeof(*cfg));
        return rc;
    }
    rc = xlcfg_load(&raw, cfg, err, errlen);
    xlcfg_raw_free(&raw);
    return rc;
}

static void vfb_free(struct xlcfg_vfb *v)
{
    free(v->vnclisten);
    free(v->vncpasswd);
    free(v->keymap);
}

void xlcfg_free(struct xlcfg *cfg)
{
    size_t i;

    for (i = 0; i < cfg->ndisks; i++) {
        xlcfg_disk_free(&cfg->disks[i]);
    }
    for (i = 0; i < cfg->nvfbs; i++) {
        vfb_free(&cfg->vfbs[i]);
    }
    for (i = 0; i < cfg->nserials; i++) {
        free(cfg->serials[i]);
    }
    for (i = 0; i < cfg->nchannels; i++) {
        free(cfg->channels[i].name);
        free(cfg->channels[i].path);
    }
    vfb_free(&cfg->hvm_vnc);
    free(cfg->name);
    free(cfg->dm_override);
    free(cfg->guest);
    free(cfg->kernel);
    free(cfg->ramdisk);
    free(cfg->cmdline);
    free(cfg->extra);
    free(cfg->boot);
    free(cfg->vga);
    memset(cfg, 0, sizeof(*cfg));
}

const char *xlcfg_type_name(enum xlcfg_type t)
{
    static const char *const names[] = { "pv", "pvh", "hvm" };

    return (unsigned)t < 3 ? names[t] : "?";
}
