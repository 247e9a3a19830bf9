/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * JSON values: a bounded parser and a generator, over yajl.  This is
 * the only module that includes yajl.  The parser takes untrusted
 * input (QMP clients, VMDESCRIPTION files) and enforces a nesting
 * limit and a size limit, validates UTF-8, and never aborts.
 */
#ifndef XENDM_JSON_H
#define XENDM_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_type {
    JSON_NULL,
    JSON_BOOL,
    JSON_INT,     /* fits int64_t */
    JSON_UINT,    /* above INT64_MAX, fits uint64_t */
    JSON_DOUBLE,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT,
};

struct json;

struct json_member {
    char *key;
    struct json *val;
};

struct json {
    enum json_type type;
    union {
        bool b;
        int64_t i;
        uint64_t u;
        double d;
        struct {
            char *s;     /* NUL-terminated; may contain NULs within len */
            size_t len;
        } str;
        struct {
            struct json **items;
            size_t n, cap;
        } arr;
        struct {
            struct json_member *m;
            size_t n, cap;
        } obj;
    } u;
};

struct json_limits {
    size_t max_depth;   /* nesting of arrays/objects; 0 = 64 */
    size_t max_bytes;   /* input size; 0 = unlimited */
};

/*
 * Parses exactly one JSON value from buf[0..len).  NULL on error with
 * a message in err (if non-NULL).  Trailing non-whitespace is an
 * error.
 */
struct json *json_parse(const char *buf, size_t len,
                        const struct json_limits *lim, char *err,
                        size_t errlen);
void json_free(struct json *j);

/* Accessors return NULL / false when the type does not match. */
const struct json *json_get(const struct json *obj, const char *key);
const char *json_string(const struct json *j);
bool json_int64(const struct json *j, int64_t *out);
bool json_uint64(const struct json *j, uint64_t *out);
bool json_bool(const struct json *j, bool *out);
size_t json_array_len(const struct json *j);
const struct json *json_array_at(const struct json *j, size_t i);

/* Constructors; NULL on allocation failure (which the adders tolerate). */
struct json *json_new_null(void);
struct json *json_new_bool(bool b);
struct json *json_new_int(int64_t i);
struct json *json_new_uint(uint64_t u);
struct json *json_new_double(double d);
struct json *json_new_string(const char *s);
struct json *json_new_stringn(const char *s, size_t len);
struct json *json_new_array(void);
struct json *json_new_object(void);
struct json *json_copy(const struct json *j);
/* Take ownership of val (freed on failure); -ENOMEM or 0. */
int json_array_append(struct json *arr, struct json *val);
int json_object_set(struct json *obj, const char *key, struct json *val);

/*
 * Serialises j.  Compact unless `pretty`.  Returns a malloc'd
 * NUL-terminated string, or NULL with errno set.
 */
char *json_to_string(const struct json *j, bool pretty, size_t *len_out);

#endif
