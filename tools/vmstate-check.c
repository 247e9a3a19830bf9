/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xendm-vmstate-check OLD.json NEW.json
 *
 * Compares two -dump-vmstate JSON dumps (QEMU's format, as written by
 * vmstate_dump_file()) and reports every change in NEW that breaks
 * loading a stream written with OLD's descriptions:
 *   - a description or a subsection removed or renamed;
 *   - version_id lowered, or minimum_version_id raised;
 *   - at any stream version both sides accept, the fields on the wire
 *     differ: a field removed, added without a version bump, resized
 *     (size or array length), moved, or changed between a nested
 *     struct and a scalar; nested structs are compared at their local
 *     versions, since those are not on the wire.
 * A field renamed in place with the same size, or one turned into
 * unused bytes of the same size (or back), keeps the wire layout and
 * is only a warning; so are fields gated by a field_exists predicate,
 * which the dump cannot evaluate.
 *
 * Prints one "BREAK:" or "warning:" line per finding and a summary.
 * Exit status: 0 compatible, 1 breaking changes, 2 unusable input.
 * The dumps are files we generate, but they are parsed with limits.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../qapi/json.h"

#define CHK_MAX_FIELDS 4096
#define CHK_MAX_VERSIONS 1024

struct chk {
    int breaks;
    int warnings;
};

struct chk_field {
    const char *name;
    int64_t version;
    bool exists_fn;
    int64_t bytes;              /* size x (x-num or 1) */
    const struct json *desc;
};

static void chk_say(struct chk *c, bool is_break, const char *path,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void chk_say(struct chk *c, bool is_break, const char *path,
                    const char *fmt, ...)
{
    va_list ap;

    printf("%s: %s: ", is_break ? "BREAK" : "warning", path);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (is_break) {
        c->breaks++;
    } else {
        c->warnings++;
    }
}

static int64_t chk_int(const struct json *o, const char *key, int64_t dflt)
{
    int64_t v;

    return json_int64(json_get(o, key), &v) ? v : dflt;
}

static const char *chk_str(const struct json *o, const char *key)
{
    const char *s = json_string(json_get(o, key));

    return s != NULL ? s : "?";
}

/* The fields of `desc` present on the wire at `version`. */
static size_t chk_fields(const struct json *desc, int64_t version,
                         struct chk_field *out)
{
    const struct json *fields = json_get(desc, "Fields");
    size_t i, n = 0;

    for (i = 0; i < json_array_len(fields) && n < CHK_MAX_FIELDS; i++) {
        const struct json *f = json_array_at(fields, i);
        struct chk_field cf;
        bool b = false;

        cf.name = chk_str(f, "field");
        cf.version = chk_int(f, "version_id", 0);
        cf.exists_fn = json_bool(json_get(f, "field_exists"), &b) && b;
        cf.bytes = chk_int(f, "size", 0) * chk_int(f, "x-num", 1);
        cf.desc = json_get(f, "Description");
        if (cf.exists_fn || cf.version <= version) {
            out[n++] = cf;
        }
    }
    return n;
}

static void chk_desc(struct chk *c, const char *path, const struct json *o,
                     const struct json *n, bool versioned);

static bool chk_is_unused(const struct chk_field *f)
{
    return strcmp(f->name, "unused") == 0;
}

static size_t chk_find(const struct chk_field *f, size_t n, const char *name)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (strcmp(f[i].name, name) == 0) {
            return i;
        }
    }
    return n;
}

/* Returns false after reporting the first difference. */
static bool chk_field_lists(struct chk *c, const char *path,
                            const struct chk_field *o, size_t no,
                            const struct chk_field *n, size_t nn,
                            const char *at)
{
    char sub[1024];
    size_t i;

    for (i = 0; i < no || i < nn; i++) {
        if (i >= nn) {
            chk_say(c, true, path, "field '%s' removed%s", o[i].name, at);
            return false;
        }
        if (i >= no) {
            chk_say(c, true, path, "field '%s' added without a version "
                    "bump%s", n[i].name, at);
            return false;
        }
        if (o[i].exists_fn || n[i].exists_fn) {
            chk_say(c, false, path, "field '%s' has a field_exists "
                    "predicate: checked as if present", n[i].name);
        }
        if (strcmp(o[i].name, n[i].name) != 0 && !chk_is_unused(&o[i]) &&
            !chk_is_unused(&n[i])) {
            if (chk_find(n, nn, o[i].name) == nn &&
                chk_find(o, no, n[i].name) != no) {
                chk_say(c, true, path, "field '%s' removed%s", o[i].name, at);
                return false;
            }
            if (chk_find(n, nn, o[i].name) != nn) {
                chk_say(c, true, path, "field '%s' moved (position %zu is "
                        "now '%s')%s", o[i].name, i, n[i].name, at);
                return false;
            }
            chk_say(c, false, path, "field '%s' renamed to '%s'", o[i].name,
                    n[i].name);
        }
        if (o[i].bytes != n[i].bytes) {
            chk_say(c, true, path, "field '%s' resized from %lld to %lld "
                    "bytes%s", o[i].name, (long long)o[i].bytes,
                    (long long)n[i].bytes, at);
            return false;
        }
        if ((o[i].desc == NULL) != (n[i].desc == NULL)) {
            chk_say(c, true, path, "field '%s' changed between a nested "
                    "struct and a scalar%s", o[i].name, at);
            return false;
        }
        if (o[i].desc != NULL) {
            snprintf(sub, sizeof(sub), "%s.%s", path, o[i].name);
            chk_desc(c, sub, o[i].desc, n[i].desc, false);
        }
    }
    return true;
}

static void chk_versions(struct chk *c, const char *path,
                         const struct json *o, const struct json *n)
{
    int64_t ov = chk_int(o, "version_id", 0), nv = chk_int(n, "version_id", 0);
    int64_t omin = chk_int(o, "minimum_version_id", 0);
    int64_t nmin = chk_int(n, "minimum_version_id", 0);
    struct chk_field *of, *nf;
    int64_t v, lo = omin > nmin ? omin : nmin, hi = ov < nv ? ov : nv;
    char at[64];
    size_t no, nn;

    if (nv < ov) {
        chk_say(c, true, path, "version_id lowered from %lld to %lld: "
                "streams at version %lld are refused", (long long)ov,
                (long long)nv, (long long)ov);
    }
    if (nmin > omin) {
        chk_say(c, true, path, "minimum_version_id raised from %lld to "
                "%lld: streams at versions %lld..%lld are refused",
                (long long)omin, (long long)nmin, (long long)omin,
                (long long)(nmin - 1 < ov ? nmin - 1 : ov));
    }
    if (hi - lo > CHK_MAX_VERSIONS) {
        lo = hi - CHK_MAX_VERSIONS;
    }
    of = calloc(CHK_MAX_FIELDS, sizeof(*of));
    nf = calloc(CHK_MAX_FIELDS, sizeof(*nf));
    for (v = lo; of != NULL && nf != NULL && v <= hi; v++) {
        no = chk_fields(o, v, of);
        nn = chk_fields(n, v, nf);
        snprintf(at, sizeof(at), " (stream version %lld)", (long long)v);
        if (!chk_field_lists(c, path, of, no, nf, nn, at)) {
            break;
        }
    }
    free(of);
    free(nf);
}

static const struct json *chk_find_sub(const struct json *subs,
                                       const char *name)
{
    size_t i;

    for (i = 0; i < json_array_len(subs); i++) {
        const struct json *s = json_array_at(subs, i);

        if (strcmp(chk_str(s, "name"), name) == 0) {
            return s;
        }
    }
    return NULL;
}

static void chk_desc(struct chk *c, const char *path, const struct json *o,
                     const struct json *n, bool versioned)
{
    struct chk_field *of, *nf;
    const struct json *osubs = json_get(o, "Subsections");
    const struct json *nsubs = json_get(n, "Subsections");
    char sub[1024];
    size_t i, no, nn;

    if (strcmp(chk_str(o, "name"), chk_str(n, "name")) != 0) {
        chk_say(c, versioned, path, "description renamed from '%s' to "
                "'%s'", chk_str(o, "name"), chk_str(n, "name"));
    }
    if (versioned) {
        chk_versions(c, path, o, n);
    } else {
        of = calloc(CHK_MAX_FIELDS, sizeof(*of));
        nf = calloc(CHK_MAX_FIELDS, sizeof(*nf));
        if (of != NULL && nf != NULL) {
            no = chk_fields(o, chk_int(o, "version_id", 0), of);
            nn = chk_fields(n, chk_int(n, "version_id", 0), nf);
            chk_field_lists(c, path, of, no, nf, nn, " (nested struct)");
        }
        free(of);
        free(nf);
    }
    for (i = 0; i < json_array_len(osubs); i++) {
        const struct json *os = json_array_at(osubs, i);
        const struct json *ns = chk_find_sub(nsubs, chk_str(os, "name"));

        snprintf(sub, sizeof(sub), "%s/%s", path, chk_str(os, "name"));
        if (ns == NULL) {
            chk_say(c, true, path, "subsection '%s' removed or renamed: "
                    "streams carrying it are refused", chk_str(os, "name"));
            continue;
        }
        chk_desc(c, sub, os, ns, true);
    }
}

static struct json *chk_load(const char *path)
{
    struct json_limits lim = { .max_depth = 128, .max_bytes = 64 << 20 };
    char err[256] = "", *buf;
    struct json *j = NULL;
    FILE *fp = fopen(path, "rb");
    long len;

    if (fp == NULL) {
        perror(path);
        return NULL;
    }
    if (fseek(fp, 0, SEEK_END) == 0 && (len = ftell(fp)) >= 0 &&
        len <= (64 << 20) && fseek(fp, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)len + 1)) != NULL) {
        if (fread(buf, 1, (size_t)len, fp) == (size_t)len) {
            j = json_parse(buf, (size_t)len, &lim, err, sizeof(err));
            if (j == NULL) {
                fprintf(stderr, "%s: %s\n", path, err);
            }
        }
        free(buf);
    }
    fclose(fp);
    if (j == NULL && err[0] == '\0') {
        fprintf(stderr, "%s: cannot read (not a regular file of at most "
                "64 MiB?)\n", path);
    }
    if (j != NULL && j->type != JSON_OBJECT) {
        fprintf(stderr, "%s: not a -dump-vmstate object\n", path);
        json_free(j);
        j = NULL;
    }
    return j;
}

int main(int argc, char **argv)
{
    struct chk c = { 0, 0 };
    struct json *o, *n;
    size_t i;

    if (argc != 3) {
        fprintf(stderr, "usage: xendm-vmstate-check OLD.json NEW.json\n");
        return 2;
    }
    o = chk_load(argv[1]);
    n = o != NULL ? chk_load(argv[2]) : NULL;
    if (n == NULL) {
        json_free(o);
        return 2;
    }
    if (strcmp(chk_str(json_get(o, "vmschkmachine"), "Name"),
               chk_str(json_get(n, "vmschkmachine"), "Name")) != 0) {
        chk_say(&c, false, "vmschkmachine", "machine name changed");
    }
    for (i = 0; i < o->u.obj.n; i++) {
        const char *key = o->u.obj.m[i].key;
        const struct json *nd = json_get(n, key);

        if (strcmp(key, "vmschkmachine") == 0) {
            continue;
        }
        if (nd == NULL) {
            chk_say(&c, true, key, "description removed: streams carrying "
                    "it are refused");
            continue;
        }
        chk_desc(&c, key, json_get(o->u.obj.m[i].val, "Description"),
                 json_get(nd, "Description"), true);
    }
    printf("xendm-vmstate-check: %d breaking change(s), %d warning(s)\n",
           c.breaks, c.warnings);
    json_free(o);
    json_free(n);
    return c.breaks ? 1 : 0;
}
