/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * JSON over yajl.  The parser uses yajl's event callbacks to build
 * our own tree so the nesting depth and input size can be bounded
 * (yajl_tree has neither limit); numbers arrive as text and are
 * classified here so 64-bit unsigned values survive.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#include "json.h"

#define JSON_DEFAULT_DEPTH 64

struct json_builder {
    struct json **stack;   /* open containers */
    char **keys;           /* pending key per open object */
    size_t depth;
    size_t max_depth;
    struct json *root;
    bool too_deep;
    bool oom;
};

static struct json *json_alloc(enum json_type type)
{
    struct json *j = calloc(1, sizeof(*j));

    if (j != NULL) {
        j->type = type;
    }
    return j;
}

void json_free(struct json *j)
{
    size_t i;

    if (j == NULL) {
        return;
    }
    switch (j->type) {
    case JSON_STRING:
        free(j->u.str.s);
        break;
    case JSON_ARRAY:
        for (i = 0; i < j->u.arr.n; i++) {
            json_free(j->u.arr.items[i]);
        }
        free(j->u.arr.items);
        break;
    case JSON_OBJECT:
        for (i = 0; i < j->u.obj.n; i++) {
            free(j->u.obj.m[i].key);
            json_free(j->u.obj.m[i].val);
        }
        free(j->u.obj.m);
        break;
    default:
        break;
    }
    free(j);
}

struct json *json_new_null(void)
{
    return json_alloc(JSON_NULL);
}

struct json *json_new_bool(bool b)
{
    struct json *j = json_alloc(JSON_BOOL);

    if (j != NULL) {
        j->u.b = b;
    }
    return j;
}

struct json *json_new_int(int64_t i)
{
    struct json *j = json_alloc(JSON_INT);

    if (j != NULL) {
        j->u.i = i;
    }
    return j;
}

struct json *json_new_uint(uint64_t u)
{
    struct json *j;

    if (u <= INT64_MAX) {
        return json_new_int((int64_t)u);
    }
    j = json_alloc(JSON_UINT);
    if (j != NULL) {
        j->u.u = u;
    }
    return j;
}

struct json *json_new_double(double d)
{
    struct json *j = json_alloc(JSON_DOUBLE);

    if (j != NULL) {
        j->u.d = d;
    }
    return j;
}

struct json *json_new_stringn(const char *s, size_t len)
{
    struct json *j = json_alloc(JSON_STRING);

    if (j == NULL) {
        return NULL;
    }
    j->u.str.s = malloc(len + 1);
    if (j->u.str.s == NULL) {
        free(j);
        return NULL;
    }
    if (len != 0) {
        memcpy(j->u.str.s, s, len);
    }
    j->u.str.s[len] = '\0';
    j->u.str.len = len;
    return j;
}

struct json *json_new_string(const char *s)
{
    return json_new_stringn(s, strlen(s));
}

struct json *json_new_array(void)
{
    return json_alloc(JSON_ARRAY);
}

struct json *json_new_object(void)
{
    return json_alloc(JSON_OBJECT);
}

int json_array_append(struct json *arr, struct json *val)
{
    if (arr == NULL || val == NULL || arr->type != JSON_ARRAY) {
        json_free(val);
        return -ENOMEM;
    }
    if (arr->u.arr.n == arr->u.arr.cap) {
        size_t cap = arr->u.arr.cap ? arr->u.arr.cap * 2 : 4;
        struct json **n = realloc(arr->u.arr.items, cap * sizeof(*n));
        if (n == NULL) {
            json_free(val);
            return -ENOMEM;
        }
        arr->u.arr.items = n;
        arr->u.arr.cap = cap;
    }
    arr->u.arr.items[arr->u.arr.n++] = val;
    return 0;
}

static int json_object_add(struct json *obj, char *key, struct json *val)
{
    if (obj->u.obj.n == obj->u.obj.cap) {
        size_t cap = obj->u.obj.cap ? obj->u.obj.cap * 2 : 4;
        struct json_member *n = realloc(obj->u.obj.m, cap * sizeof(*n));
        if (n == NULL) {
            free(key);
            json_free(val);
            return -ENOMEM;
        }
        obj->u.obj.m = n;
        obj->u.obj.cap = cap;
    }
    obj->u.obj.m[obj->u.obj.n].key = key;
    obj->u.obj.m[obj->u.obj.n].val = val;
    obj->u.obj.n++;
    return 0;
}

int json_object_set(struct json *obj, const char *key, struct json *val)
{
    char *k;
    size_t i;

    if (obj == NULL || val == NULL || obj->type != JSON_OBJECT) {
        json_free(val);
        return -ENOMEM;
    }
    for (i = 0; i < obj->u.obj.n; i++) {
        if (strcmp(obj->u.obj.m[i].key, key) == 0) {
            json_free(obj->u.obj.m[i].val);
            obj->u.obj.m[i].val = val;
            return 0;
        }
    }
    k = strdup(key);
    if (k == NULL) {
        json_free(val);
        return -ENOMEM;
    }
    return json_object_add(obj, k, val);
}

struct json *json_copy(const struct json *j)
{
    struct json *c;
    size_t i;

    if (j == NULL) {
        return NULL;
    }
    switch (j->type) {
    case JSON_STRING:
        return json_new_stringn(j->u.str.s, j->u.str.len);
    case JSON_ARRAY:
        c = json_new_array();
        for (i = 0; c != NULL && i < j->u.arr.n; i++) {
            if (json_array_append(c, json_copy(j->u.arr.items[i])) < 0) {
                json_free(c);
                return NULL;
            }
        }
        return c;
    case JSON_OBJECT:
        c = json_new_object();
        for (i = 0; c != NULL && i < j->u.obj.n; i++) {
            if (json_object_set(c, j->u.obj.m[i].key,
                                json_copy(j->u.obj.m[i].val)) < 0) {
                json_free(c);
                return NULL;
            }
        }
        return c;
    default:
        c = json_alloc(j->type);
        if (c != NULL) {
            c->u = j->u;
        }
        return c;
    }
}

const struct json *json_get(const struct json *obj, const char *key)
{
    size_t i;

    if (obj == NULL || obj->type != JSON_OBJECT) {
        return NULL;
    }
    for (i = 0; i < obj->u.obj.n; i++) {
        if (strcmp(obj->u.obj.m[i].key, key) == 0) {
            return obj->u.obj.m[i].val;
        }
    }
    return NULL;
}

const char *json_string(const struct json *j)
{
    return j != NULL && j->type == JSON_STRING ? j->u.str.s : NULL;
}

bool json_int64(const struct json *j, int64_t *out)
{
    if (j == NULL || j->type != JSON_INT) {
        return false;
    }
    *out = j->u.i;
    return true;
}

bool json_uint64(const struct json *j, uint64_t *out)
{
    if (j == NULL) {
        return false;
    }
    if (j->type == JSON_INT && j->u.i >= 0) {
        *out = (uint64_t)j->u.i;
        return true;
    }
    if (j->type == JSON_UINT) {
        *out = j->u.u;
        return true;
    }
    return false;
}

bool json_bool(const struct json *j, bool *out)
{
    if (j == NULL || j->type != JSON_BOOL) {
        return false;
    }
    *out = j->u.b;
    return true;
}

size_t json_array_len(const struct json *j)
{
    return j != NULL && j->type == JSON_ARRAY ? j->u.arr.n : 0;
}

const struct json *json_array_at(const struct json *j, size_t i)
{
    if (j == NULL || j->type != JSON_ARRAY || i >= j->u.arr.n) {
        return NULL;
    }
    return j->u.arr.items[i];
}

/* ---- parser ---- */

/* Attaches a finished value to the innermost open container. */
static int builder_add(struct json_builder *b, struct json *v)
{
    struct json *top;

    if (v == NULL) {
        b->oom = true;
        return 0;
    }
    if (b->depth == 0) {
        if (b->root != NULL) {
            json_free(v);
            return 0;
        }
        b->root = v;
        return 1;
    }
    top = b->stack[b->depth - 1];
    if (top->type == JSON_ARRAY) {
        if (json_array_append(top, v) < 0) {
            b->oom = true;
            return 0;
        }
        return 1;
    }
    if (json_object_add(top, b->keys[b->depth - 1], v) < 0) {
        b->keys[b->depth - 1] = NULL;
        b->oom = true;
        return 0;
    }
    b->keys[b->depth - 1] = NULL;
    return 1;
}

static int builder_open(struct json_builder *b, enum json_type type)
{
    struct json *c;

    if (b->depth >= b->max_depth) {
        b->too_deep = true;
        return 0;
    }
    c = json_alloc(type);
    if (c == NULL) {
        b->oom = true;
        return 0;
    }
    if (!builder_add(b, c)) {
        return 0;
    }
    b->stack[b->depth] = c;
    b->keys[b->depth] = NULL;
    b->depth++;
    return 1;
}

static int cb_null(void *ctx)
{
    return builder_add(ctx, json_new_null());
}

static int cb_boolean(void *ctx, int v)
{
    return builder_add(ctx, json_new_bool(v != 0));
}

static int cb_number(void *ctx, const char *s, size_t len)
{
    char tmp[64];
    char *end;
    bool integral = true;
    size_t i;

    if (len >= sizeof(tmp)) {
        /* Longer than any int64 or sensible double: keep as double. */
        return builder_add(ctx, json_new_double(HUGE_VAL));
    }
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    for (i = 0; i < len; i++) {
        if (tmp[i] == '.' || tmp[i] == 'e' || tmp[i] == 'E') {
            integral = false;
        }
    }
    errno = 0;
    if (integral && tmp[0] == '-') {
        long long v = strtoll(tmp, &end, 10);
        if (errno == 0 && *end == '\0') {
            return builder_add(ctx, json_new_int(v));
        }
    } else if (integral) {
        unsigned long long v = strtoull(tmp, &end, 10);
        if (errno == 0 && *end == '\0') {
            return builder_add(ctx, json_new_uint(v));
        }
    }
    errno = 0;
    return builder_add(ctx, json_new_double(strtod(tmp, NULL)));
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
    return builder_add(ctx, json_new_stringn((const char *)s, len));
}

static int cb_start_map(void *ctx)
{
    return builder_open(ctx, JSON_OBJECT);
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
    struct json_builder *b = ctx;
    char *k = malloc(len + 1);

    if (k == NULL) {
        b->oom = true;
        return 0;
    }
    memcpy(k, s, len);
    k[len] = '\0';
    free(b->keys[b->depth - 1]);
    b->keys[b->depth - 1] = k;
    return 1;
}

static int cb_end(void *ctx)
{
    struct json_builder *b = ctx;

    b->depth--;
    free(b->keys[b->depth]);
    b->keys[b->depth] = NULL;
    return 1;
}

static int cb_start_array(void *ctx)
{
    return builder_open(ctx, JSON_ARRAY);
}

static const yajl_callbacks json_callbacks = {
    .yajl_null = cb_null,
    .yajl_boolean = cb_boolean,
    .yajl_number = cb_number,
    .yajl_string = cb_string,
    .yajl_start_map = cb_start_map,
    .yajl_map_key = cb_map_key,
    .yajl_end_map = cb_end,
    .yajl_start_array = cb_start_array,
    .yajl_end_array = cb_end,
};

static void json_set_err(char *err, size_t errlen, const char *msg)
{
    if (err != NULL && errlen != 0) {
        snprintf(err, errlen, "%s", msg);
    }
}

struct json *json_parse(const char *buf, size_t len,
                        const struct json_limits *lim, char *err,
                        size_t errlen)
{
    struct json_builder b;
    yajl_handle h;
    yajl_status st;
    struct json *root = NULL;
    size_t i;

    memset(&b, 0, sizeof(b));
    b.max_depth = lim != NULL && lim->max_depth ? lim->max_depth
                                                 : JSON_DEFAULT_DEPTH;
    if (lim != NULL && lim->max_bytes && len > lim->max_bytes) {
        json_set_err(err, errlen, "JSON input too large");
        errno = E2BIG;
        return NULL;
    }
    b.stack = calloc(b.max_depth, sizeof(*b.stack));
    b.keys = calloc(b.max_depth, sizeof(*b.keys));
    h = yajl_alloc(&json_callbacks, NULL, &b);
    if (b.stack == NULL || b.keys == NULL || h == NULL) {
        json_set_err(err, errlen, "out of memory");
        errno = ENOMEM;
        goto out;
    }
    st = yajl_parse(h, (const unsigned char *)buf, len);
    if (st == yajl_status_ok) {
        st = yajl_complete_parse(h);
    }
    if (st != yajl_status_ok || b.oom || b.too_deep) {
        if (b.too_deep) {
            json_set_err(err, errlen, "JSON nesting too deep");
        } else if (b.oom) {
            json_set_err(err, errlen, "out of memory");
        } else {
            unsigned char *m = yajl_get_error(h, 0, NULL, 0);
            json_set_err(err, errlen, m != NULL ? (char *)m : "invalid JSON");
            if (m != NULL) {
                yajl_free_error(h, m);
            }
        }
        errno = b.oom ? ENOMEM : EINVAL;
        json_free(b.root);
        goto out;
    }
    root = b.root;
out:
    for (i = 0; b.keys != NULL && i < b.max_depth; i++) {
        free(b.keys[i]);
    }
    free(b.keys);
    free(b.stack);
    if (h != NULL) {
        yajl_free(h);
    }
    return root;
}

/* ---- generator ---- */

static yajl_gen_status json_gen_value(yajl_gen g, const struct json *j)
{
    yajl_gen_status st = yajl_gen_status_ok;
    char num[32];
    size_t i;

    switch (j->type) {
    case JSON_NULL:
        return yajl_gen_null(g);
    case JSON_BOOL:
        return yajl_gen_bool(g, j->u.b);
    case JSON_INT:
        return yajl_gen_integer(g, (long long)j->u.i);
    case JSON_UINT:
        snprintf(num, sizeof(num), "%" PRIu64, j->u.u);
        return yajl_gen_number(g, num, strlen(num));
    case JSON_DOUBLE:
        return yajl_gen_double(g, j->u.d);
    case JSON_STRING:
        return yajl_gen_string(g, (const unsigned char *)j->u.str.s,
                               j->u.str.len);
    case JSON_ARRAY:
        st = yajl_gen_array_open(g);
        for (i = 0; st == yajl_gen_status_ok && i < j->u.arr.n; i++) {
            st = json_gen_value(g, j->u.arr.items[i]);
        }
        return st == yajl_gen_status_ok ? yajl_gen_array_close(g) : st;
    case JSON_OBJECT:
        st = yajl_gen_map_open(g);
        for (i = 0; st == yajl_gen_status_ok && i < j->u.obj.n; i++) {
            const char *k = j->u.obj.m[i].key;
            st = yajl_gen_string(g, (const unsigned char *)k, strlen(k));
            if (st == yajl_gen_status_ok) {
                st = json_gen_value(g, j->u.obj.m[i].val);
            }
        }
        return st == yajl_gen_status_ok ? yajl_gen_map_close(g) : st;
    }
    return yajl_gen_invalid_string;
}

char *json_to_string(const struct json *j, bool pretty, size_t *len_out)
{
    const unsigned char *buf;
    size_t len;
    char *out = NULL;
    yajl_gen g;

    if (j == NULL) {
        errno = EINVAL;
        return NULL;
    }
    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    yajl_gen_config(g, yajl_gen_beautify, pretty ? 1 : 0);
    yajl_gen_config(g, yajl_gen_validate_utf8, 1);
    if (json_gen_value(g, j) != yajl_gen_status_ok) {
        errno = EINVAL;
        goto out;
    }
    yajl_gen_get_buf(g, &buf, &len);
    out = malloc(len + 1);
    if (out == NULL) {
        errno = ENOMEM;
        goto out;
    }
    memcpy(out, buf, len);
    out[len] = '\0';
    if (len_out != NULL) {
        *len_out = len;
    }
out:
    yajl_gen_free(g);
    return out;
}
