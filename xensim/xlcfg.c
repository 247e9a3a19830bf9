/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The generic xl.cfg(5) syntax: a hand-written lexer and parser for
 * `key = value` settings (see xlcfg.h).  It follows libxlu's grammar:
 * statements end at a newline or `;`, a list may span lines and may
 * end with a comma, strings do not span lines, `#` starts a comment,
 * `+=` appends to an earlier list.  The input is untrusted; every
 * size is bounded and errors carry the line number.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xensim/xlcfg.h"

struct lexer {
    const char *p, *end;
    unsigned line;
    char *err;
    size_t errlen;
    int rc;
};

__attribute__((format(printf, 2, 3)))
static int lex_fail(struct lexer *lx, const char *fmt, ...)
{
    va_list ap;
    char msg[200];

    if (lx->rc) {
        return lx->rc;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (lx->err != NULL && lx->errlen > 0) {
        snprintf(lx->err, lx->errlen, "line %u: %s", lx->line, msg);
    }
    lx->rc = -EINVAL;
    return lx->rc;
}

/* Skips blanks and comments, but not newlines (they end statements). */
static void lex_skip_blank(struct lexer *lx)
{
    while (lx->p < lx->end) {
        char c = *lx->p;
        if (c == ' ' || c == '\t' || c == '\r') {
            lx->p++;
        } else if (c == '#') {
            while (lx->p < lx->end && *lx->p != '\n') {
                lx->p++;
            }
        } else if (c == '\\' && lx->p + 1 < lx->end && lx->p[1] == '\n') {
            lx->p += 2;          /* line continuation */
            lx->line++;
        } else {
            break;
        }
    }
}

/* Skips blanks, comments and newlines (inside lists). */
static void lex_skip_space(struct lexer *lx)
{
    for (;;) {
        lex_skip_blank(lx);
        if (lx->p < lx->end && *lx->p == '\n') {
            lx->p++;
            lx->line++;
            continue;
        }
        break;
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* One escape after a backslash; returns the byte or -1. */
static int lex_escape(struct lexer *lx)
{
    static const char from[] = "nrtabfv\\'\"";
    static const char to[] = "\n\r\t\a\b\f\v\\'\"";
    const char *hit;
    int v = 0, i;
    char c;

    if (lx->p >= lx->end) {
        return -1;
    }
    c = *lx->p++;
    if (c != '\0' && (hit = strchr(from, c)) != NULL) {
        return (unsigned char)to[hit - from];
    }
    if (c == 'x') {
        for (i = 0; i < 2 && lx->p < lx->end && hexval(*lx->p) >= 0; i++) {
            v = v * 16 + hexval(*lx->p++);
        }
        return i > 0 ? v : -1;
    }
    if (c >= '0' && c <= '7') {
        v = c - '0';
        for (i = 1; i < 3 && lx->p < lx->end && *lx->p >= '0' && *lx->p <= '7';
             i++) {
            v = v * 8 + (*lx->p++ - '0');
        }
        return v <= 0xff ? v : -1;
    }
    return -1;
}

static char *lex_string(struct lexer *lx)
{
    char quote = *lx->p++;
    char *out = malloc(XLCFG_MAX_STRING + 1);
    size_t n = 0;

    if (out == NULL) {
        lx->rc = -ENOMEM;
        return NULL;
    }
    for (;;) {
        int c;
        if (lx->p >= lx->end || *lx->p == '\n') {
            lex_fail(lx, "unterminated string");
            goto fail;
        }
        c = (unsigned char)*lx->p++;
        if (c == quote) {
            break;
        }
        if (c == '\\') {
            c = lex_escape(lx);
            if (c < 0) {
                lex_fail(lx, "bad escape in string");
                goto fail;
            }
        }
        if (c == 0) {
            lex_fail(lx, "NUL byte in string");
            goto fail;
        }
        if (n >= XLCFG_MAX_STRING) {
            lex_fail(lx, "string longer than %u bytes", XLCFG_MAX_STRING);
            lx->rc = -E2BIG;
            goto fail;
        }
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return out;
fail:
    free(out);
    return NULL;
}

static char *lex_number(struct lexer *lx)
{
    const char *s = lx->p;
    size_t n;
    char *out;

    if (lx->end - s > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        lx->p += 2;
        while (lx->p < lx->end && hexval(*lx->p) >= 0) {
            lx->p++;
        }
        if (lx->p == s + 2) {
            lex_fail(lx, "bad hex number");
            return NULL;
        }
    } else {
        while (lx->p < lx->end && isdigit((unsigned char)*lx->p)) {
            lx->p++;
        }
        /* libxlu also takes a fraction; keep it as text. */
        if (lx->p < lx->end && *lx->p == '.') {
            lx->p++;
            while (lx->p < lx->end && isdigit((unsigned char)*lx->p)) {
                lx->p++;
            }
        }
    }
    if (lx->p < lx->end && (isalnum((unsigned char)*lx->p) || *lx->p == '_')) {
        lex_fail(lx, "bad number");
        return NULL;
    }
    n = (size_t)(lx->p - s);
    if (n > 64) {
        lex_fail(lx, "number too long");
        return NULL;
    }
    out = strndup(s, n);
    if (out == NULL) {
        lx->rc = -ENOMEM;
    }
    return out;
}

/* A scalar: string or number.  *is_number says which. */
static char *lex_scalar(struct lexer *lx, bool *is_number)
{
    char c;

    if (lx->p >= lx->end) {
        lex_fail(lx, "missing value");
        return NULL;
    }
    c = *lx->p;
    if (c == '"' || c == '\'') {
        *is_number = false;
        return lex_string(lx);
    }
    if (isdigit((unsigned char)c)) {
        *is_number = true;
        return lex_number(lx);
    }
    lex_fail(lx, "expected a string, a number or a list");
    return NULL;
}

static void setting_clear(struct xlcfg_setting *s)
{
    size_t i;

    free(s->key);
    free(s->str);
    for (i = 0; i < s->nitems; i++) {
        free(s->items[i]);
    }
    free(s->items);
    memset(s, 0, sizeof(*s));
}

static int list_append(struct lexer *lx, struct xlcfg_setting *s, char *item)
{
    char **n;

    if (s->nitems >= XLCFG_MAX_LIST) {
        free(item);
        lex_fail(lx, "list longer than %u items", XLCFG_MAX_LIST);
        return lx->rc = -E2BIG;
    }
    n = realloc(s->items, (s->nitems + 1) * sizeof(*n));
    if (n == NULL) {
        free(item);
        return lx->rc = -ENOMEM;
    }
    s->items = n;
    s->items[s->nitems++] = item;
    return 0;
}

static int lex_list(struct lexer *lx, struct xlcfg_setting *s)
{
    bool num;

    lx->p++;                     /* '[' */
    for (;;) {
        char *item;
        lex_skip_space(lx);
        if (lx->p < lx->end && *lx->p == ']') {
            lx->p++;
            return 0;
        }
        item = lex_scalar(lx, &num);
        if (item == NULL) {
            return lx->rc ? lx->rc : -EINVAL;
        }
        if (list_append(lx, s, item) < 0) {
            return lx->rc;
        }
        lex_skip_space(lx);
        if (lx->p < lx->end && *lx->p == ',') {
            lx->p++;
            continue;
        }
        if (lx->p < lx->end && *lx->p == ']') {
            lx->p++;
            return 0;
        }
        return lex_fail(lx, "expected ',' or ']' in list");
    }
}

static bool is_ident_start(char c)
{
    return isalpha((unsigned char)c) || c == '_';
}

static bool is_ident(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-';
}

static struct xlcfg_setting *raw_find(struct xlcfg_raw *raw, const char *key)
{
    size_t i;

    for (i = raw->n; i-- > 0;) {
        if (strcmp(raw->s[i].key, key) == 0) {
            return &raw->s[i];
        }
    }
    return NULL;
}

/* `+=`: appends a list (or a scalar) to the earlier list `key`. */
static int raw_append(struct lexer *lx, struct xlcfg_raw *raw,
                      struct xlcfg_setting *s)
{
    struct xlcfg_setting *old = raw_find(raw, s->key);
    size_t i;

    if (old == NULL) {
        return 1;                /* nothing to append to: a plain set */
    }
    if (old->type != XLCFG_V_LIST) {
        return lex_fail(lx, "'+=' on '%s', which is not a list", s->key);
    }
    if (s->type == XLCFG_V_STRING) {
        int rc = list_append(lx, old, s->str);
        s->str = NULL;
        return rc;
    }
    for (i = 0; i < s->nitems; i++) {
        int rc = list_append(lx, old, s->items[i]);
        s->items[i] = NULL;
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

static int lex_setting(struct lexer *lx, struct xlcfg_raw *raw)
{
    struct xlcfg_setting s = { 0 };
    const char *k = lx->p;
    bool append = false;
    int rc;

    while (lx->p < lx->end && is_ident(*lx->p)) {
        lx->p++;
    }
    if (lx->p - k > 128) {
        return lex_fail(lx, "key too long");
    }
    s.key = strndup(k, (size_t)(lx->p - k));
    s.line = lx->line;
    if (s.key == NULL) {
        return lx->rc = -ENOMEM;
    }
    lex_skip_blank(lx);
    if (lx->end - lx->p >= 2 && lx->p[0] == '+' && lx->p[1] == '=') {
        append = true;
        lx->p += 2;
    } else if (lx->p < lx->end && *lx->p == '=') {
        lx->p++;
    } else {
        lex_fail(lx, "expected '=' after '%s'", s.key);
        goto fail;
    }
    lex_skip_blank(lx);
    if (lx->p < lx->end && *lx->p == '[') {
        s.type = XLCFG_V_LIST;
        if (lex_list(lx, &s) < 0) {
            goto fail;
        }
    } else {
        s.type = XLCFG_V_STRING;
        s.str = lex_scalar(lx, &s.is_number);
        if (s.str == NULL) {
            goto fail;
        }
    }
    lex_skip_blank(lx);
    if (lx->p < lx->end && *lx->p != '\n' && *lx->p != ';') {
        lex_fail(lx, "junk after the value of '%s'", s.key);
        goto fail;
    }
    if (append) {
        rc = raw_append(lx, raw, &s);
        if (rc <= 0) {
            setting_clear(&s);
            return rc;
        }
    }
    if (raw->n >= XLCFG_MAX_SETTINGS) {
        lex_fail(lx, "more than %u settings", XLCFG_MAX_SETTINGS);
        goto fail;
    }
    raw->s[raw->n++] = s;
    return 0;
fail:
    setting_clear(&s);
    return lx->rc ? lx->rc : -EINVAL;
}

int xlcfg_parse(const char *text, size_t len, struct xlcfg_raw *out,
                char *err, size_t errlen)
{
    struct lexer lx = { text, text + len, 1, err, errlen, 0 };

    memset(out, 0, sizeof(*out));
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    if (len > XLCFG_MAX_BYTES) {
        lex_fail(&lx, "file larger than %u bytes", XLCFG_MAX_BYTES);
        return -E2BIG;
    }
    out->s = calloc(XLCFG_MAX_SETTINGS, sizeof(*out->s));
    if (out->s == NULL) {
        return -ENOMEM;
    }
    while (lx.rc == 0) {
        lex_skip_blank(&lx);
        if (lx.p >= lx.end) {
            break;
        }
        if (*lx.p == '\n' || *lx.p == ';') {
            if (*lx.p == '\n') {
                lx.line++;
            }
            lx.p++;
            continue;
        }
        if (!is_ident_start(*lx.p)) {
            lex_fail(&lx, "expected a setting name");
            break;
        }
        lex_setting(&lx, out);
    }
    if (lx.rc) {
        xlcfg_raw_free(out);
        return lx.rc;
    }
    return 0;
}

void xlcfg_raw_free(struct xlcfg_raw *raw)
{
    size_t i;

    if (raw->s != NULL) {
        for (i = 0; i < raw->n; i++) {
            setting_clear(&raw->s[i]);
        }
        free(raw->s);
    }
    raw->s = NULL;
    raw->n = 0;
}

const struct xlcfg_setting *xlcfg_raw_get(const struct xlcfg_raw *raw,
                                          const char *key)
{
    return raw_find((struct xlcfg_raw *)raw, key);
}
