/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xendm-analyze: prints a QEMU device-state stream section by section
 * with field names and values (text, or JSON with --json); re-encodes
 * a decoded stream (--reencode) or converts a qemu-xen stream into one
 * xendm loads (--convert).  See docs/xendm-analyze.md and the man
 * page.
 *
 *   xendm-analyze [--json] [--layouts VMDESC.json]... FILE
 *   xendm-analyze [--layouts VMDESC.json]... --reencode IN OUT
 *   xendm-analyze [--layouts VMDESC.json]... [--modelled VMDESC.json]...
 *                 --convert IN OUT
 *   xendm-analyze [--layouts VMDESC.json]... --encode JSON OUT
 *
 * Layouts: the stream's own VMDESCRIPTION, then each --layouts file in
 * order, then xendm's built-in descriptions.  --convert keeps what
 * xendm's built-in descriptions (and any --modelled file) describe.  The input file is
 * untrusted; exit status 1 with "FILE: offset 0x...: reason" on any
 * refusal, 2 on a usage error.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../qapi/json.h"
#include "../src/analyze.h"
#include "../src/convert.h"

#if defined(__has_include)
#if __has_include("../hw/vmsd-table.h")
#include "../hw/vmsd-table.h"
#define ANALYZE_HAVE_TABLE 1
#endif
#endif

#define ANALYZE_MAX_INPUT (256u << 20)

static void usage(FILE *out)
{
    fprintf(out,
            "usage: xendm-analyze [--json] [--layouts VMDESC.json]... FILE\n"
            "       xendm-analyze [--layouts VMDESC.json]... --reencode IN "
            "OUT\n"
            "       xendm-analyze [--layouts VMDESC.json]... "
            "[--modelled VMDESC.json]... --convert IN OUT\n"
            "       xendm-analyze [--layouts VMDESC.json]... --encode JSON "
            "OUT\n");
}

/* Reads a whole file (bounded); NULL with errno set. */
static uint8_t *read_file(const char *path, size_t *len)
{
    uint8_t *buf = NULL, *grown;
    size_t cap = 0, n = 0;
    ssize_t r;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        return NULL;
    }
    for (;;) {
        if (n == cap) {
            cap = cap ? 2 * cap : 65536;
            if (cap > ANALYZE_MAX_INPUT + 1 ||
                (grown = realloc(buf, cap)) == NULL) {
                errno = cap > ANALYZE_MAX_INPUT + 1 ? EFBIG : ENOMEM;
                goto fail;
            }
            buf = grown;
        }
        r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            goto fail;
        }
        if (r == 0) {
            break;
        }
        n += (size_t)r;
    }
    close(fd);
    *len = n;
    return buf;
fail:
    r = errno;
    free(buf);
    close(fd);
    errno = (int)r;
    return NULL;
}

static int write_file(const char *path, const struct wbuf *w)
{
    FILE *f = fopen(path, "wb");

    if (f == NULL) {
        return -errno;
    }
    if (fwrite(w->data, 1, w->len, f) != w->len) {
        fclose(f);
        unlink(path);
        return -EIO;
    }
    if (fclose(f) != 0) {
        unlink(path);
        return -EIO;
    }
    return 0;
}

/* VMDESCRIPTION files, then (if built in) xendm's own descriptions. */
static int load_layouts(struct layout_set *set, char **files, size_t n)
{
    char err[512];
    uint8_t *buf;
    size_t i, len;

    for (i = 0; i < n; i++) {
        buf = read_file(files[i], &len);
        if (buf == NULL) {
            fprintf(stderr, "xendm-analyze: %s: %s\n", files[i],
                    strerror(errno));
            return -1;
        }
        if (layout_set_add_vmdesc_text(set, (const char *)buf, len, files[i],
                                       err, sizeof(err)) < 0) {
            fprintf(stderr, "xendm-analyze: %s\n", err);
            free(buf);
            return -1;
        }
        free(buf);
    }
#ifdef ANALYZE_HAVE_TABLE
    for (i = 0; vmsd_table[i] != NULL; i++) {
        if (layout_set_add_vmsd(set, vmsd_table[i], "xendm built-in",
                                err, sizeof(err)) < 0) {
            /* One bad description must not hide every other layout. */
            fprintf(stderr, "xendm-analyze: warning: skipping the built-in "
                    "description of %s: %s\n", vmsd_table[i]->name, err);
        }
    }
#endif
    return 0;
}

/* --convert: the report on stdout, the refusal on stderr. */
static int convert(const struct analyze_stream *s, const uint8_t *buf,
                   size_t len, const struct layout_set *modelled,
                   const char *out)
{
    struct wbuf w;
    char err[512] = "";
    int rc;

    wbuf_init(&w, 0);
    rc = convert_stream(s, buf, len, modelled, &w, stdout, err, sizeof(err));
    if (rc == 0) {
        rc = write_file(out, &w);
        if (rc < 0) {
            snprintf(err, sizeof(err), "%s: %s", out, strerror(-rc));
        }
    }
    wbuf_free(&w);
    if (rc < 0) {
        fprintf(stderr, "xendm-analyze: refusing to convert: %s\n", err);
        return 1;
    }
    printf("wrote %s\n", out);
    return 0;
}

static int print_json(const struct analyze_stream *s)
{
    struct json *doc = analyze_to_json(s);
    char *text = doc != NULL ? json_to_string(doc, false, NULL) : NULL;

    json_free(doc);
    if (text == NULL) {
        fprintf(stderr, "xendm-analyze: out of memory\n");
        return 1;
    }
    printf("%s\n", text);
    free(text);
    return 0;
}

static int reencode(const struct analyze_stream *s, const char *out)
{
    struct wbuf w;
    char err[512] = "";
    int rc;

    wbuf_init(&w, 0);
    rc = analyze_encode(s, &w, err, sizeof(err));
    if (rc == 0) {
        rc = write_file(out, &w);
        if (rc < 0) {
            snprintf(err, sizeof(err), "%s: %s", out, strerror(-rc));
        }
    }
    wbuf_free(&w);
    if (rc < 0) {
        fprintf(stderr, "xendm-analyze: encoding: %s\n", err);
        return 1;
    }
    return 0;
}

enum analyze_mode { MODE_PRINT, MODE_REENCODE, MODE_CONVERT, MODE_ENCODE };

struct analyze_args {
    enum analyze_mode mode;
    bool json;
    char **layouts, **modelled;  /* --layouts / --modelled files */
    size_t nlayouts, nmodelled;
};

/* 0, or the exit status for a usage error or --help. */
static int parse_args(int argc, char **argv, struct analyze_args *a)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, 'j' },
        { "layouts", required_argument, NULL, 'l' },
        { "modelled", required_argument, NULL, 'm' },
        { "reencode", no_argument, NULL, 'r' },
        { "convert", no_argument, NULL, 'c' },
        { "encode", no_argument, NULL, 'e' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    while ((c = getopt_long(argc, argv, "jl:m:h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            a->json = true;
            break;
        case 'l':
            a->layouts[a->nlayouts++] = optarg;
            break;
        case 'm':
            a->modelled[a->nmodelled++] = optarg;
            break;
        case 'r':
            a->mode = MODE_REENCODE;
            break;
        case 'c':
            a->mode = MODE_CONVERT;
            break;
        case 'e':
            a->mode = MODE_ENCODE;
            break;
        case 'h':
            usage(stdout);
            return 1;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (argc - optind != (a->mode == MODE_PRINT ? 1 : 2)) {
        usage(stderr);
        return 2;
    }
    return 0;
}

/* --encode: a JSON document (as --json prints it) to a Xen stream. */
static int encode_json(const uint8_t *text, size_t len, const char *in,
                       const char *out, const struct layout_set *set)
{
    struct json_limits lim = { .max_depth = 4 * LAYOUT_MAX_DEPTH + 8,
                               .max_bytes = ANALYZE_MAX_INPUT };
    struct analyze_stream s;
    char err[512] = "";
    struct json *doc = json_parse((const char *)text, len, &lim, err,
                                  sizeof(err));
    int rc = 1;

    if (doc == NULL) {
        fprintf(stderr, "xendm-analyze: %s: not JSON: %s\n", in, err);
        return 1;
    }
    if (analyze_from_json(doc, set, &s, err, sizeof(err)) < 0) {
        fprintf(stderr, "xendm-analyze: %s: %s\n", in, err);
    } else {
        rc = reencode(&s, out);
    }
    analyze_stream_free(&s);
    json_free(doc);
    return rc;
}

static int run(const struct analyze_args *a, const char *in, const char *out,
               const struct layout_set *set, const struct layout_set *modelled)
{
    struct analyze_stream s;
    char err[512];
    size_t len;
    uint8_t *buf = read_file(in, &len);
    int rc = 1;

    if (buf == NULL) {
        fprintf(stderr, "xendm-analyze: %s: %s\n", in, strerror(errno));
        return 1;
    }
    if (a->mode == MODE_ENCODE) {
        rc = encode_json(buf, len, in, out, set);
        free(buf);
        return rc;
    }
    if (analyze_decode(buf, len, set, &s, err, sizeof(err)) < 0) {
        fprintf(stderr, "xendm-analyze: %s: %s\n", in, err);
    } else if (a->mode == MODE_REENCODE) {
        rc = reencode(&s, out);
    } else if (a->mode == MODE_CONVERT) {
        rc = convert(&s, buf, len, modelled, out);
    } else if (a->json) {
        rc = print_json(&s);
    } else {
        analyze_print_text(stdout, &s);
        rc = 0;
    }
    analyze_stream_free(&s);
    free(buf);
    return rc;
}

int main(int argc, char **argv)
{
    struct analyze_args a = { .mode = MODE_PRINT };
    struct layout_set set, modelled;
    int rc;

    a.layouts = calloc((size_t)argc + 1, sizeof(char *));
    a.modelled = calloc((size_t)argc + 1, sizeof(char *));
    if (a.layouts == NULL || a.modelled == NULL) {
        return 1;
    }
    rc = parse_args(argc, argv, &a);
    if (rc != 0) {
        free(a.layouts);
        free(a.modelled);
        return rc == 1 ? 0 : rc;
    }
    layout_set_init(&set);
    layout_set_init(&modelled);
    rc = 1;
    if (load_layouts(&set, a.layouts, a.nlayouts) == 0 &&
        load_layouts(&modelled, a.modelled, a.nmodelled) == 0) {
        rc = run(&a, argv[optind], argv[optind + 1], &set, &modelled);
    }
    layout_set_free(&set);
    layout_set_free(&modelled);
    free(a.layouts);
    free(a.modelled);
    return rc;
}
