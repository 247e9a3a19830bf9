/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A blocking QMP client that talks like libxl (libxl_qmp.c): connect
 * to the unix socket (retrying ENOENT/ECONNREFUSED every 200 ms, as
 * libxl's qmp_open does), read the greeting, send qmp_capabilities,
 * then one command at a time with integer ids starting at 0x786c7100
 * ("xlq\0"), each terminated by "\r\n".  Replies are cut on "\r\n"
 * only, as libxl cuts them, so a server that forgets the CR is caught.
 * Events are skipped.  A file descriptor can ride along with a command
 * (SCM_RIGHTS on its first byte, as libxl__sendmsg_fds does).
 *
 * The server is not trusted: messages are bounded (1 MiB, libxl's
 * QMP_MAX_SIZE_RX_BUF), every wait has a deadline, and a reply whose
 * id does not match is a protocol error.
 */
#ifndef XENSIM_QMPCLIENT_H
#define XENSIM_QMPCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qapi/json.h"

#define QMPC_MAX_MSG (1u << 20)
#define QMPC_FIRST_ID 0x786c7100u

struct qmpc;

/*
 * Connects within timeout_ms, reads the greeting and negotiates
 * capabilities.  NULL with errno and a message in err on failure.
 */
struct qmpc *qmpc_connect(const char *path, int timeout_ms, char *err,
                          size_t errlen);
void qmpc_close(struct qmpc *c);

/* The server's version from the greeting (qemu.major/minor/micro). */
void qmpc_version(const struct qmpc *c, int *major, int *minor, int *micro);

/*
 * Runs `cmd` with `args` (borrowed, may be NULL) and, if fd >= 0, that
 * fd passed with SCM_RIGHTS.  On success *ret (if non-NULL) owns the
 * "return" value.  Returns 0; -EREMOTEIO for an "error" reply (class
 * and desc in err, class also in *err_class if non-NULL); -ETIMEDOUT;
 * -EPROTO for a malformed or mismatched reply; -errno for I/O.
 */
int qmpc_execute(struct qmpc *c, const char *cmd, const struct json *args,
                 int fd, int timeout_ms, struct json **ret, char *err,
                 size_t errlen);

/* The error class of the last -EREMOTEIO reply ("" if none). */
const char *qmpc_last_error_class(const struct qmpc *c);

/* Number of events skipped so far (for tests). */
unsigned qmpc_events_seen(const struct qmpc *c);

#endif
