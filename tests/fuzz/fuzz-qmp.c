/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer harness for the QMP parser and dispatcher: client bytes
 * run through qmp_dispatch (JSON parse, request checks, negotiation,
 * argument checks, the command handlers) against a real context: run
 * state, fd sets, the savevm registry.  The first input byte chooses
 * the negotiation state, whether an SCM_RIGHTS fd (a /dev/null dup)
 * rides with the first message, and whether the rest is one message
 * or a raw byte stream split by the server's streamer (qmp-stream.c)
 * into as many messages as it holds.  The file
 * commands create and truncate what they are named, so only
 * "/dev/fdset/..." filenames are let through (the fd sets hold
 * /dev/null dups); a named file would be a real file on this host.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdset.h"
#include "log.h"
#include "qapi/json.h"
#include "qapi/qmp-stream.h"
#include "qapi/qmp.h"
#include "savevm.h"
#include "xendm.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct xendm fuzz_x;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    log_init("fuzz-qmp", LOG_LEVEL_WARN);
    fuzz_x.loop = loop_new();
    fuzz_x.fdsets = fdsets_new();
    fuzz_x.savevm = savevm_new();
    fuzz_x.vnc.listen_fd = -1;
    fuzz_x.opts.incoming_fd = -1;
    fuzz_x.opts.smp_cpus = 2;
    fuzz_x.machine = machine_find(MACHINE_NONE);
    cpu_timers_register(fuzz_x.savevm, &fuzz_x.timers);
    runstate_init(&fuzz_x.rs, RUNSTATE_RUNNING);
    return 0;
}

/* False if the message names a file other than an fd set. */
static bool fuzz_path_safe(const uint8_t *data, size_t size)
{
    struct json *j = json_parse((const char *)data, size, NULL, NULL, 0);
    const struct json *f = json_get(json_get(j, "arguments"), "filename");
    bool safe = true;

    if (f != NULL && f->type == JSON_STRING) {
        const char *s = f->u.str.s;
        size_t n = f->u.str.len;

        safe = n >= 11 && memcmp(s, "/dev/fdset/", 11) == 0 &&
               memchr(s + 11, '/', n - 11) == NULL;
    }
    json_free(j);
    return safe;
}

/* One message; every reply must be an encodable return or error. */
static void fuzz_one(const char *msg, size_t len, bool *negotiated, int *fd)
{
    struct json *reply;
    char *s;

    if (!fuzz_path_safe((const uint8_t *)msg, len)) {
        return;
    }
    reply = qmp_dispatch(&fuzz_x, NULL, msg, len, negotiated,
                         *fd >= 0 ? fd : NULL);
    if (reply == NULL) {
        return;
    }
    s = json_to_string(reply, false, NULL);
    if (s == NULL || (json_get(reply, "return") == NULL &&
                      json_get(reply, "error") == NULL)) {
        abort();
    }
    free(s);
    json_free(reply);
}

static void fuzz_stream(const uint8_t *data, size_t size, bool *negotiated,
                        int *fd)
{
    struct qmp_stream st;
    size_t i;

    /* Small limits so the skip paths are reached. */
    qmp_stream_init(&st, 512, 8);
    for (i = 0; i < size; i++) {
        enum qmp_stream_result r = qmp_stream_byte(&st, (char)data[i]);

        if (r == QMP_STREAM_MESSAGE) {
            if (st.len > 512) {
                abort();   /* the bound must hold */
            }
            fuzz_one(st.msg, st.len, negotiated, fd);
        }
        if (r != QMP_STREAM_MORE) {
            qmp_stream_next(&st);
        }
    }
    qmp_stream_free(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool negotiated;
    int fd = -1;

    if (size < 1 || size > (1u << 20)) {
        return 0;
    }
    negotiated = data[0] & 1;
    if (data[0] & 2) {
        fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            fd = dup(0);
        }
    }
    fuzz_x.quit_requested = false;
    if (data[0] & 4) {
        fuzz_stream(data + 1, size - 1, &negotiated, &fd);
    } else {
        fuzz_one((const char *)data + 1, size - 1, &negotiated, &fd);
    }
    if (fd >= 0) {
        close(fd);
    }
    /* Keep the fd tables from growing across runs. */
    fdsets_monitors_gone(fuzz_x.fdsets);
    if (fuzz_x.rs.id == RUNSTATE_SHUTDOWN) {
        runstate_init(&fuzz_x.rs, RUNSTATE_RUNNING);
    }
    return 0;
}
