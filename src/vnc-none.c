/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The build without libvncserver (configure found none): -vnc still
 * binds its port (libxl reads it back through query-vnc) but nothing
 * is served on it; start-up says so.  See vnc.h.
 */
#include "config.h"

#include <stddef.h>

#include "log.h"
#include "qapi/json.h"
#include "vnc.h"
#include "xendm.h"

int vnc_server_start(struct xendm *x, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    if (x->vnc.listen_fd >= 0) {
        log_warnx("-vnc: built without libvncserver: the display is not "
                  "served");
    }
    return 0;
}

void vnc_server_stop(struct xendm *x)
{
    (void)x;
}

void vnc_set_input(struct vnc_server *s, const struct vnc_input_ops *ops,
                   void *opaque)
{
    (void)s;
    (void)ops;
    (void)opaque;
}

const void *vnc_sink(void)
{
    return NULL;
}

struct json *vnc_query_clients(struct xendm *x)
{
    (void)x;
    return json_new_array();
}
