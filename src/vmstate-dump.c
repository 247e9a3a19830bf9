/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The -dump-vmstate JSON writer (see vmstate-dump.h).  It reads only
 * our own static descriptions; the JSON goes through qapi/json.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "savevm.h"
#include "vmstate-dump.h"

static struct json *dump_desc(const struct vmstate_desc *vmsd);

static int dump_set_int(struct json *o, const char *key, int64_t v)
{
    return json_object_set(o, key, json_new_int(v));
}

static struct json *dump_field(const struct vmstate_field *f)
{
    struct json *o = json_new_object();
    int rc;

    rc = json_object_set(o, "field", json_new_string(f->name));
    rc |= dump_set_int(o, "version_id", f->version_id);
    rc |= json_object_set(o, "field_exists",
                          json_new_bool(f->field_exists != NULL));
    rc |= dump_set_int(o, "size", (int64_t)f->size);
    if (f->num > 0) {
        rc |= dump_set_int(o, "x-num", f->num);
    }
    if (f->vmsd != NULL) {
        rc |= json_object_set(o, "Description", dump_desc(f->vmsd));
    }
    if (rc != 0) {
        json_free(o);
        return NULL;
    }
    return o;
}

static struct json *dump_desc(const struct vmstate_desc *vmsd)
{
    const struct vmstate_desc *const *sub;
    const struct vmstate_field *f;
    struct json *o = json_new_object(), *a;
    int rc;

    rc = json_object_set(o, "name", json_new_string(vmsd->name));
    rc |= dump_set_int(o, "version_id", vmsd->version_id);
    rc |= dump_set_int(o, "minimum_version_id", vmsd->minimum_version_id);
    if (vmsd->fields != NULL) {
        a = json_new_array();
        for (f = vmsd->fields; f->name != NULL; f++) {
            if (f->kind != VMS_VALIDATE) {
                rc |= json_array_append(a, dump_field(f));
            }
        }
        rc |= json_object_set(o, "Fields", a);
    }
    if (vmsd->subsections != NULL) {
        a = json_new_array();
        for (sub = vmsd->subsections; *sub != NULL; sub++) {
            rc |= json_array_append(a, dump_desc(*sub));
        }
        rc |= json_object_set(o, "Subsections", a);
    }
    if (rc != 0) {
        json_free(o);
        return NULL;
    }
    return o;
}

struct json *vmstate_dump_json(const struct vmstate_desc *const *table,
                               const char *machine)
{
    struct json *root = json_new_object(), *m = json_new_object(), *d;
    int rc;

    rc = json_object_set(m, "Name", json_new_string(machine));
    rc |= json_object_set(root, "vmschkmachine", m);
    for (; rc == 0 && *table != NULL; table++) {
        d = json_new_object();
        rc |= json_object_set(d, "Name", json_new_string((*table)->name));
        rc |= dump_set_int(d, "version_id", (*table)->version_id);
        rc |= dump_set_int(d, "minimum_version_id",
                           (*table)->minimum_version_id);
        rc |= json_object_set(d, "Description", dump_desc(*table));
        rc |= json_object_set(root, (*table)->name, d);
    }
    if (rc != 0) {
        json_free(root);
        errno = ENOMEM;
        return NULL;
    }
    return root;
}

static int dump_write(FILE *fp, const char *text, size_t len)
{
    if (fwrite(text, 1, len, fp) != len || fputc('\n', fp) == EOF ||
        fflush(fp) != 0) {
        return -(errno ? errno : EIO);
    }
    return 0;
}

int vmstate_dump_file(const char *path)
{
    struct json *j = vmstate_dump_json(vmsd_table, SAVEVM_DEFAULT_MACHINE);
    char *text;
    size_t len;
    FILE *fp;
    int rc;

    if (j == NULL) {
        return -ENOMEM;
    }
    text = json_to_string(j, true, &len);
    json_free(j);
    if (text == NULL) {
        return -ENOMEM;
    }
    if (strcmp(path, "-") == 0) {
        rc = dump_write(stdout, text, len);
    } else if ((fp = fopen(path, "w")) == NULL) {
        rc = -errno;
    } else {
        errno = 0;
        rc = dump_write(fp, text, len);
        if (fclose(fp) != 0 && rc == 0) {
            rc = -errno;
        }
    }
    free(text);
    return rc;
}
