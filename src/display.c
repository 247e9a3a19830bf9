/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The -vnc listener.  QEMU binds HOST:5900+DISPLAY at start-up (trying
 * displays up to to=N when the port is taken) and reports the bound
 * address in query-vnc; libxl copies it into xenstore for
 * `xl vncviewer`.  We bind it here, before privileges are dropped,
 * and keep the listening fd in x->vnc for the VNC server (src/vnc.c),
 * which accepts on it from the loop.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vnc.h"
#include "xendm.h"

static int display_bind(struct xendm *x, int display)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res, *ai;
    const char *host = x->opts.vnc.host[0] ? x->opts.vnc.host : NULL;
    char port[16];
    int rc = -EADDRINUSE, one = 1;

    snprintf(port, sizeof(port), "%d", 5900 + display);
    if (getaddrinfo(host, port, &hints, &res) != 0) {
        return -EINVAL;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        int fd = socket(ai->ai_family,
                        ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

        if (fd < 0) {
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1) == 0) {
            x->vnc.listen_fd = fd;
            x->vnc.family = ai->ai_family == AF_INET6 ? "ipv6" : "ipv4";
            getnameinfo(ai->ai_addr, ai->ai_addrlen, x->vnc.host,
                        sizeof(x->vnc.host), x->vnc.service,
                        sizeof(x->vnc.service),
                        NI_NUMERICHOST | NI_NUMERICSERV);
            rc = 0;
            break;
        }
        rc = -errno;
        close(fd);
    }
    freeaddrinfo(res);
    return rc;
}

int display_open(struct xendm *x, char *err, size_t errlen)
{
    const struct vnc_opts *v = &x->opts.vnc;
    int d, last, rc = 0;

    x->vnc.listen_fd = -1;
    if (!v->enabled) {
        return 0;
    }
    last = v->to >= 0 ? v->to : v->display;
    for (d = v->display; d <= last; d++) {
        rc = display_bind(x, d);
        if (rc != -EADDRINUSE) {
            break;
        }
    }
    if (rc < 0) {
        snprintf(err, errlen, "-vnc: cannot listen on %s:%d%s: %s",
                 v->host, 5900 + v->display, v->to >= 0 ? " and up" : "",
                 strerror(-rc));
        return rc;
    }
    return vnc_server_start(x, err, errlen);
}

void display_close(struct xendm *x)
{
    vnc_server_stop(x);
    if (x->vnc.listen_fd >= 0) {
        close(x->vnc.listen_fd);
        x->vnc.listen_fd = -1;
    }
}
