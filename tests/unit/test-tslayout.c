/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The xenstore layout (xensim/tslayout.c) against the store of real
 * running domains written by libxl 4.17 (tests/vectors/lab/
 * xenstore-{pv1,hvm1}-1-running.txt): every node we write exists there
 * with the same permissions (and value, where the value is libxl's),
 * and every node libxl wrote there is one we write -- the nodes the
 * guest, the device model, xenconsoled and the domain builder wrote
 * being listed explicitly below.
 */
#include "config.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tap.h"
#include "xensim/tslayout.h"

struct cap {
    char path[256];
    char value[256];
    char perms[64];
};

static size_t load_capture(const char *name, struct cap *c, size_t max)
{
    const char *top = getenv("top_srcdir");
    char path[4096], line[1024];
    size_t n = 0;
    FILE *f;

    snprintf(path, sizeof(path), "%s/tests/vectors/lab/%s",
             top != NULL ? top : ".", name);
    if ((f = fopen(path, "r")) == NULL) {
        return 0;
    }
    while (fgets(line, sizeof(line), f) != NULL && n < max) {
        char *eq = strstr(line, " = \""), *q, *po;
        if (eq == NULL || (po = strrchr(line, '(')) == NULL) {
            continue;
        }
        *eq = '\0';
        q = strrchr(eq + 4, '"');
        if (q == NULL) {
            continue;
        }
        *q = '\0';
        snprintf(c[n].path, sizeof(c[n].path), "%.255s", line);
        snprintf(c[n].value, sizeof(c[n].value), "%.255s", eq + 4);
        po[strcspn(po, ")")] = '\0';
        snprintf(c[n].perms, sizeof(c[n].perms), "%.63s", po + 1);
        n++;
    }
    fclose(f);
    return n;
}

/* Nodes written by the guest, the DM, xenconsoled, the builder, or by
 * libxl after the DM started (not part of the layout). */
static const char *const others[] = {
    "/local/domain/@/device/*/*/protocol",
    "/local/domain/@/device/*/*/ring-ref",
    "/local/domain/@/device/*/*/event-channel",
    "/local/domain/@/device/*/*/feature-*",
    "/local/domain/@/device/*/*/request-*",
    "/local/domain/@/device/*/*/page-*",
    "/local/domain/@/store*",
    "/local/domain/@/console/port",
    "/local/domain/@/console/ring-ref",
    "/local/domain/@/console/tty",
    "/local/domain/@/console/vnc-*",
    "/local/domain/@/serial*",
    "/local/domain/@/image*",
    "/local/domain/0/backend/*/@/*/feature-*",
    "/local/domain/0/backend/*/@/*/discard-*",
    "/local/domain/0/backend/*/@/*/max-ring-page-order",
    "/local/domain/0/backend/*/@/*/info",
    "/local/domain/0/backend/*/@/*/sector*",
    "/local/domain/0/backend/*/@/*/hotplug-status",
    "/local/domain/0/backend/*/@/*/request-update",
    "/libxl/@/dm-version",
};

/* Values that are not libxl's at capture time. */
static const char *const skip_value[] = {
    "*/state", "/local/domain/@/control/feature-*", "/vm/*/start_time",
};

static bool match_any(const char *const *pats, size_t n, const char *path,
                      uint32_t domid)
{
    char pat[256], num[16];
    size_t i;

    snprintf(num, sizeof(num), "%u", domid);
    for (i = 0; i < n; i++) {
        const char *at = strchr(pats[i], '@');
        if (at != NULL) {
            snprintf(pat, sizeof(pat), "%.*s%s%s", (int)(at - pats[i]),
                     pats[i], num, at + 1);
        } else {
            snprintf(pat, sizeof(pat), "%s", pats[i]);
        }
        if (fnmatch(pat, path, 0) == 0) {
            return true;
        }
    }
    return false;
}

static bool in_scope(const char *path, uint32_t domid, const char *uuid)
{
    char a[64], b[96], c[64];

    snprintf(a, sizeof(a), "/local/domain/%u", domid);
    snprintf(b, sizeof(b), "/vm/%s", uuid);
    snprintf(c, sizeof(c), "/libxl/%u", domid);
    if (strncmp(path, a, strlen(a)) == 0 && (path[strlen(a)] == '\0' ||
                                             path[strlen(a)] == '/')) {
        return true;
    }
    if (strncmp(path, b, strlen(b)) == 0 || strncmp(path, c, strlen(c)) == 0) {
        return true;
    }
    snprintf(a, sizeof(a), "/local/domain/0/backend/");
    if (strncmp(path, a, strlen(a)) == 0) {
        const char *p = strchr(path + strlen(a), '/');
        unsigned d;
        return p != NULL && sscanf(p, "/%u", &d) == 1 && d == domid &&
               strchr(p + 1, '/') != NULL;
    }
    return false;
}

static void check(const char *what, const char *cfgname,
                  const char *capname, uint32_t domid, const char *uuid)
{
    static struct cap cap[1024];
    const char *top = getenv("top_srcdir");
    struct tsl_domain d = { domid, uuid, 1.0 };
    struct tsl_list l;
    struct xlcfg cfg;
    char path[4096], buf[8192], err[200], perms[64];
    size_t ncap = load_capture(capname, cap, 1024), i, k;
    size_t bad_ours = 0, bad_theirs = 0, nchecked = 0;
    FILE *f;

    snprintf(path, sizeof(path), "%s/tests/vectors/lab/%s",
             top != NULL ? top : ".", cfgname);
    f = fopen(path, "r");
    k = f != NULL ? fread(buf, 1, sizeof(buf), f) : 0;
    if (f != NULL) {
        fclose(f);
    }
    if (!ok(ncap > 0 && xlcfg_read(buf, k, &cfg, err, sizeof(err)) == 0,
            "%s: vectors load", what)) {
        return;
    }
    is_int(tsl_build_domain(&cfg, &d, &l), 0, "%s: layout builds", what);
    for (i = 0; i < l.n; i++) {
        tsl_perms_string(&l.v[i], perms, sizeof(perms));
        for (k = 0; k < ncap && strcmp(cap[k].path, l.v[i].path) != 0; k++) {
        }
        if (k == ncap) {
            printf("#   we write %s, libxl did not\n", l.v[i].path);
            bad_ours++;
            continue;
        }
        if (strcmp(cap[k].perms, perms) != 0) {
            printf("#   %s: perms %s, libxl %s\n", l.v[i].path, perms,
                   cap[k].perms);
            bad_ours++;
        } else if (!match_any(skip_value, 3, l.v[i].path, domid) &&
                   strcmp(cap[k].value, l.v[i].value) != 0) {
            printf("#   %s: value '%s', libxl '%s'\n", l.v[i].path,
                   l.v[i].value, cap[k].value);
            bad_ours++;
        }
        nchecked++;
    }
    is_int(bad_ours, 0, "%s: all %zu nodes we write match libxl's "
           "(path, perms, value)", what, nchecked);
    for (k = 0; k < ncap; k++) {
        bool found = false;
        if (!in_scope(cap[k].path, domid, uuid) ||
            match_any(others, sizeof(others) / sizeof(others[0]),
                      cap[k].path, domid)) {
            continue;
        }
        for (i = 0; i < l.n && !found; i++) {
            size_t n = strlen(cap[k].path);
            found = strncmp(l.v[i].path, cap[k].path, n) == 0 &&
                    (l.v[i].path[n] == '\0' || l.v[i].path[n] == '/');
        }
        if (!found) {
            printf("#   libxl wrote %s, we do not\n", cap[k].path);
            bad_theirs++;
        }
    }
    is_int(bad_theirs, 0, "%s: every node libxl wrote is in our layout", what);
    tsl_free(&l);
    xlcfg_free(&cfg);
}

static void test_destroy_paths(void)
{
    struct xlcfg cfg;
    char err[100];
    char **p;
    size_t n;

    xlcfg_read("name='x'", 8, &cfg, err, sizeof(err));
    p = tsl_destroy_paths(&cfg, 9, "u-u");
    for (n = 0; p != NULL && p[n] != NULL; n++) {
    }
    ok(n == 8 && strcmp(p[4], "/local/domain/0/device-model/9") == 0 &&
           strcmp(p[5], "/local/domain/9") == 0 &&
           strcmp(p[7], "/libxl/9") == 0, "destroy removes 8 trees");
    tsl_free_paths(p);
    xlcfg_free(&cfg);
}

int main(void)
{
    check("pv1", "pv1.cfg", "xenstore-pv1-1-running.txt", 1,
          "9246ac98-e630-11f1-8203-f1d800c896ba");
    check("hvm1", "hvm1.cfg", "xenstore-hvm1-1-running.txt", 3,
          "079091b2-7b83-4d2b-b2cc-cd40ddb37553");
    test_destroy_paths();
    return tap_done();
}
