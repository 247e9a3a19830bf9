/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * QEMU-style option values: "a=b,c=d", where ",," stands for a literal
 * comma and a leading bare word is the value of an implied key
 * ("xenfv,suppress-vmdesc=on" is type=xenfv,…).  A bare word later on
 * is an old-style boolean: "server" is server=on, "nowait" is
 * wait=off.  Used by cmdline.c on argv, which libxl (trusted, but
 * possibly another version) builds; every value is bounded.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "optlist.h"
#include "xendm.h"

const char *optlist_get(const struct optlist *o, const char *key)
{
    size_t i;
    const char *v = NULL;

    /* QEMU lets a later key=value override an earlier one. */
    for (i = 0; i < o->n; i++) {
        if (strcmp(o->keys[i], key) == 0) {
            v = o->vals[i];
        }
    }
    return v;
}

void optlist_free(struct optlist *o)
{
    size_t i;

    for (i = 0; i < o->n; i++) {
        free(o->keys[i]);
        free(o->vals[i]);
    }
    free(o->raw);
    memset(o, 0, sizeof(*o));
}

/* Copies one ",,"-unescaped element starting at *p; advances *p. */
static char *optlist_take(const char **p, const char *stop)
{
    const char *s = *p;
    size_t len = strlen(s), i, j = 0;
    char *out = malloc(len + 1);

    if (out == NULL) {
        return NULL;
    }
    for (i = 0; s[i] != '\0'; i++) {
        if (s[i] == ',') {
            if (s[i + 1] == ',') {
                out[j++] = ',';
                i++;
                continue;
            }
            break;
        }
        if (stop != NULL && strchr(stop, s[i]) != NULL) {
            break;
        }
        out[j++] = s[i];
    }
    out[j] = '\0';
    *p = s + i;
    return out;
}

static int optlist_add(struct optlist *o, char *k, char *v)
{
    if (o->n >= sizeof(o->keys) / sizeof(o->keys[0])) {
        free(k);
        free(v);
        return -E2BIG;
    }
    o->keys[o->n] = k;
    o->vals[o->n] = v;
    o->n++;
    return 0;
}

int optlist_parse(struct optlist *o, const char *option, const char *arg,
                  const char *implied_key)
{
    const char *p = arg;
    bool first = true;
    int rc;

    memset(o, 0, sizeof(*o));
    o->option = option;
    o->raw = strdup(arg);
    if (o->raw == NULL) {
        return -ENOMEM;
    }
    while (*p != '\0') {
        char *k = optlist_take(&p, "="), *v;

        if (k == NULL) {
            return -ENOMEM;
        }
        if (*p == '=') {
            p++;
            v = optlist_take(&p, NULL);
        } else if (first && implied_key != NULL) {
            v = k;
            k = strdup(implied_key);
        } else if (strncmp(k, "no", 2) == 0 && k[2] != '\0') {
            v = strdup("off");
            memmove(k, k + 2, strlen(k + 2) + 1);
        } else {
            v = strdup("on");
        }
        if (k == NULL || v == NULL) {
            free(k);
            free(v);
            return -ENOMEM;
        }
        if (k[0] == '\0') {
            free(k);
            free(v);
            return -EINVAL;
        }
        rc = optlist_add(o, k, v);
        if (rc < 0) {
            return rc;
        }
        first = false;
        if (*p == ',') {
            p++;
            if (*p == '\0') {
                return -EINVAL;
            }
        }
    }
    return 0;
}

int optlist_bool(const char *v, bool *out)
{
    static const struct {
        const char *s;
        bool b;
    } words[] = {
        {"on", true}, {"yes", true}, {"true", true}, {"y", true},
        {"off", false}, {"no", false}, {"false", false}, {"n", false},
    };
    size_t i;

    for (i = 0; v != NULL && i < sizeof(words) / sizeof(words[0]); i++) {
        if (strcmp(v, words[i].s) == 0) {
            *out = words[i].b;
            return 0;
        }
    }
    return -EINVAL;
}

int optlist_uint(const char *v, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long n;

    if (v == NULL || *v == '\0' || *v == '-' || *v == '+') {
        return -EINVAL;
    }
    errno = 0;
    n = strtoull(v, &end, 0);
    if (errno != 0 || *end != '\0' || n > max) {
        return -EINVAL;
    }
    *out = n;
    return 0;
}

int optlist_size(const char *v, char default_suffix, uint64_t *out)
{
    static const char suffixes[] = "BKMGT";
    char *end;
    unsigned long long n;
    const char *s;
    char suffix;
    unsigned shift;

    if (v == NULL || *v < '0' || *v > '9') {
        return -EINVAL;
    }
    errno = 0;
    n = strtoull(v, &end, 10);
    if (errno != 0) {
        return -EINVAL;
    }
    suffix = *end != '\0' ? *end : default_suffix;
    if (*end != '\0' && end[1] != '\0') {
        return -EINVAL;
    }
    s = strchr(suffixes, suffix >= 'a' ? suffix - 32 : suffix);
    if (s == NULL || suffix == '\0') {
        return -EINVAL;
    }
    shift = (unsigned)(s - suffixes) * 10;
    if (shift != 0 && n > (UINT64_MAX >> shift)) {
        return -ERANGE;
    }
    *out = (uint64_t)n << shift;
    return 0;
}
