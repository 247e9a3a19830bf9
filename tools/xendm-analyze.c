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
 *   xendm-analyze [--layouts VMDESC.json]... --convert IN OUT
 *
 * Layouts: the stream's own VMDESCRIPTION, then each --layouts file in
 * order, then xendm's built-in descriptions.  The input file is
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
/* convert */

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
            "       xendm-analyze [--layouts VMDESC.json]... --convert IN "
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
    if (layout_set_add_vmsd_table(set, vmsd_table, "xendm built-in", err,
                                  sizeof(err)) < 0) {
        fprintf(stderr, "xendm-analyze: built-in descriptions: %s\n", err);
        return -1;
    }
#endif
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

enum analyze_mode { MODE_PRINT, MODE_REENCODE, MODE_CONVERT };

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, 'j' },
        { "layouts", required_argument, NULL, 'l' },
        { "reencode", no_argument, NULL, 'r' },
        { "convert", no_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    enum analyze_mode mode = MODE_PRINT;
    bool json = false;
    char **files = calloc((size_t)argc + 1, sizeof(*files));
    size_t nfiles = 0, len;
    struct layout_set set;
    struct analyze_stream s;
    char err[512];
    uint8_t *buf;
    int c, rc = 1;

    while (files != NULL &&
           (c = getopt_long(argc, argv, "jl:h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = true;
            break;
        case 'l':
            files[nfiles++] = optarg;
            break;
        case 'r':
            mode = MODE_REENCODE;
            break;
        case 'c':
            mode = MODE_CONVERT;
            break;
        case 'h':
            usage(stdout);
            free(files);
            return 0;
        default:
            usage(stderr);
            free(files);
            return 2;
        }
    }
    if (files == NULL ||
        argc - optind != (mode == MODE_PRINT ? 1 : 2)) {
        usage(stderr);
        free(files);
        return 2;
    }
    layout_set_init(&set);
    if (load_layouts(&set, files, nfiles) < 0) {
        goto out;
    }
    buf = read_file(argv[optind], &len);
    if (buf == NULL) {
        fprintf(stderr, "xendm-analyze: %s: %s\n", argv[optind],
                strerror(errno));
        goto out;
    }
    if (analyze_decode(buf, len, &set, &s, err, sizeof(err)) < 0) {
        fprintf(stderr, "xendm-analyze: %s: %s\n", argv[optind], err);
    } else if (mode == MODE_REENCODE) {
        rc = reencode(&s, argv[optind + 1]);
    } else if (mode == MODE_CONVERT) {
        rc = 1;
    } else if (json) {
        rc = print_json(&s);
    } else {
        analyze_print_text(stdout, &s);
        rc = 0;
    }
    analyze_stream_free(&s);
    free(buf);
out:
    layout_set_free(&set);
    free(files);
    return rc;
}
