/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VNC server over libvncserver.  See vnc.h.
 *
 * Theory of operation.  One rfbScreen per process, created with no
 * listener of its own (port 0): our loop accepts on x->vnc.listen_fd,
 * hands each socket to rfbNewClient and watches it; when a client
 * socket is readable, or when the screen changed, we call
 * rfbProcessEvents with a zero timeout, which reads at most one
 * message per ready client and sends pending framebuffer updates
 * (deferUpdateTime 0).  A client libvncserver drops is taken off the
 * loop from its clientGoneHook.  Screen changes arrive from vfb
 * through the vfb_sink: surface() allocates a new 32-bit copy of the
 * guest framebuffer and swaps it in with rfbNewFramebuffer (clients
 * get DesktopSize), update() converts the dirty rectangle from guest
 * memory and marks it modified; a zero-delay timer coalesces the
 * kick.  Pixels are produced in the screen's own server format.
 * Pointer events become an absolute position (clipped to the screen)
 * plus BTN_LEFT/MIDDLE/RIGHT key events for changed buttons, wheel
 * buttons become dz; key events go through vnc_keysym_to_linux.
 *
 * Limits: at most VNC_MAX_CLIENTS clients; a client that stalls a
 * message or does not read for VNC_CLIENT_WAIT_MS is dropped (that is
 * the longest the loop can be held by one); sockets above FD_SETSIZE
 * are refused (libvncserver uses select()).
 *
 * libvncserver is opened with dlopen() when a server is started, not
 * linked: it drags in 17 shared libraries, which every xendm (libxl's
 * -machine none probe, every domain without -vnc) would otherwise map
 * at exec.  Its functions are reached through `lib`, each pointer typed
 * from rfb.h's own declaration.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rfb/rfb.h>

#include "hw/pv/vfb.h"
#include "log.h"
#include "loop.h"
#include "qapi/json.h"
#include "vnc.h"
#include "xendm.h"

#define VNC_CLIENT_WAIT_MS 2000
#define VNC_LIB_SONAME     "libvncserver.so.1"

static struct vnc_lib {
    void *dl;
    __typeof__(rfbGetScreen) *get_screen;
    __typeof__(rfbInitServerWithPthreadsAndZRLE) *init_server;
    __typeof__(rfbProcessEvents) *process_events;
    __typeof__(rfbNewClient) *new_client;
    __typeof__(rfbCloseClient) *close_client;
    __typeof__(rfbEncryptBytes) *encrypt_bytes;
    __typeof__(rfbNewFramebuffer) *new_framebuffer;
    __typeof__(rfbMarkRectAsModified) *mark_rect;
    __typeof__(rfbGetClientIterator) *get_iterator;
    __typeof__(rfbClientIteratorNext) *iterator_next;
    __typeof__(rfbReleaseClientIterator) *release_iterator;
    __typeof__(rfbShutdownServer) *shutdown_server;
    __typeof__(rfbScreenCleanup) *screen_cleanup;
    __typeof__(rfbLog) *log;
    __typeof__(rfbErr) *err;
    __typeof__(rfbMaxClientWait) *max_client_wait;
} lib;

static const struct {
    const char *name;
    size_t at;
} lib_syms[] = {
    {"rfbGetScreen", offsetof(struct vnc_lib, get_screen)},
    {"rfbInitServerWithPthreadsAndZRLE", offsetof(struct vnc_lib, init_server)},
    {"rfbProcessEvents", offsetof(struct vnc_lib, process_events)},
    {"rfbNewClient", offsetof(struct vnc_lib, new_client)},
    {"rfbCloseClient", offsetof(struct vnc_lib, close_client)},
    {"rfbEncryptBytes", offsetof(struct vnc_lib, encrypt_bytes)},
    {"rfbNewFramebuffer", offsetof(struct vnc_lib, new_framebuffer)},
    {"rfbMarkRectAsModified", offsetof(struct vnc_lib, mark_rect)},
    {"rfbGetClientIterator", offsetof(struct vnc_lib, get_iterator)},
    {"rfbClientIteratorNext", offsetof(struct vnc_lib, iterator_next)},
    {"rfbReleaseClientIterator", offsetof(struct vnc_lib, release_iterator)},
    {"rfbShutdownServer", offsetof(struct vnc_lib, shutdown_server)},
    {"rfbScreenCleanup", offsetof(struct vnc_lib, screen_cleanup)},
    {"rfbLog", offsetof(struct vnc_lib, log)},
    {"rfbErr", offsetof(struct vnc_lib, err)},
    {"rfbMaxClientWait", offsetof(struct vnc_lib, max_client_wait)},
};

/* Loads libvncserver once; 0, or -ENOENT with the reason in err. */
static int vnc_lib_open(char *err, size_t errlen)
{
    size_t i;

    if (lib.dl != NULL) {
        return 0;
    }
    lib.dl = dlopen(VNC_LIB_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (lib.dl == NULL) {
        snprintf(err, errlen, "-vnc: cannot load %s: %s", VNC_LIB_SONAME,
                 dlerror());
        return -ENOENT;
    }
    for (i = 0; i < sizeof(lib_syms) / sizeof(lib_syms[0]); i++) {
        void *sym = dlsym(lib.dl, lib_syms[i].name);

        if (sym == NULL) {
            snprintf(err, errlen, "-vnc: %s lacks %s", VNC_LIB_SONAME,
                     lib_syms[i].name);
            dlclose(lib.dl);
            lib.dl = NULL;
            return -ENOENT;
        }
        memcpy((char *)&lib + lib_syms[i].at, &sym, sizeof(sym));
    }
    return 0;
}
#define BTN_LEFT           0x110
#define BTN_RIGHT          0x111
#define BTN_MIDDLE         0x112

struct vnc_server {
    struct xendm *x;
    struct loop *loop;
    rfbScreenInfoPtr screen;
    uint32_t *fb;
    int w, h;
    struct vfb_pixfmt fmt;
    struct loop_timer *kick;
    const struct vnc_input_ops *in;
    void *in_opaque;
    int buttons;
    unsigned nclients;
    void (*viewers_fn)(void *opaque);   /* vfb 0's refresh advice */
    void *viewers_opaque;
    char name[128];
};

struct vnc_client {
    struct vnc_server *s;
    int fd;
};

static void vnc_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void vnc_log(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    n = strlen(buf);
    if (n > 0 && buf[n - 1] == '\n') {
        buf[n - 1] = '\0';
    }
    log_debug("vnc: %s", buf);
}

static int64_t vnc_kick_fire(struct loop *loop, void *opaque)
{
    struct vnc_server *s = opaque;

    lib.process_events(s->screen, 0);
    return -1;
}

static void vnc_kick(struct vnc_server *s)
{
    loop_timer_mod(s->loop, s->kick, loop_now_ns());
}

static void vnc_client_io(struct loop *loop, int fd, unsigned events,
                          void *opaque)
{
    struct vnc_server *s = opaque;

    lib.process_events(s->screen, 0);
}

static void vnc_client_gone(rfbClientPtr cl)
{
    struct vnc_client *c = cl->clientData;

    if (c != NULL) {
        loop_fd_del(c->s->loop, c->fd);
        c->s->nclients--;
        log_info("vnc: client on fd %d gone", c->fd);
        if (c->s->viewers_fn != NULL) {
            c->s->viewers_fn(c->s->viewers_opaque);
        }
        free(c);
        cl->clientData = NULL;
    }
}

static void vnc_accept(struct loop *loop, int fd, unsigned events, void *opaque)
{
    struct vnc_server *s = opaque;
    int sock = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    struct vnc_client *c;
    rfbClientPtr cl;

    if (sock < 0) {
        return;
    }
    if (sock >= FD_SETSIZE || s->nclients >= VNC_MAX_CLIENTS) {
        log_warnx("vnc: refusing a client (%u connected, fd %d)", s->nclients,
                  sock);
        close(sock);
        return;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        close(sock);
        return;
    }
    c->s = s;
    c->fd = sock;
    cl = lib.new_client(s->screen, sock);
    if (cl == NULL) {
        free(c); /* libvncserver closed the socket */
        return;
    }
    cl->clientData = c;
    cl->clientGoneHook = vnc_client_gone;
    s->nclients++;
    if (loop_fd_add(s->loop, sock, LOOP_READ, vnc_client_io, s) < 0) {
        lib.close_client(cl);
        vnc_kick(s);
        return;
    }
    log_info("vnc: client connected on fd %d", sock);
    if (s->viewers_fn != NULL) {
        s->viewers_fn(s->viewers_opaque);
    }
}

/* ---- input ---- */

static void vnc_key(rfbBool down, rfbKeySym sym, rfbClientPtr cl)
{
    struct vnc_server *s = cl->screen->screenData;
    uint32_t code = vnc_keysym_to_linux((uint32_t)sym);

    if (code != 0 && s->in != NULL) {
        s->in->key(s->in_opaque, code, down);
    }
}

static void vnc_pointer(int mask, int x, int y, rfbClientPtr cl)
{
    static const struct {
        int bit;
        uint32_t code;
    } btns[] = {{1, BTN_LEFT}, {2, BTN_MIDDLE}, {4, BTN_RIGHT}};
    struct vnc_server *s = cl->screen->screenData;
    int dz = 0, changed = (mask ^ s->buttons);

    if (s->in == NULL) {
        s->buttons = mask;
        return;
    }
    x = x < 0 ? 0 : x >= s->w ? s->w - 1 : x;
    y = y < 0 ? 0 : y >= s->h ? s->h - 1 : y;
    if ((mask & 8) && !(s->buttons & 8)) {
        dz = -1;
    }
    if ((mask & 16) && !(s->buttons & 16)) {
        dz = 1;
    }
    s->in->position(s->in_opaque, x, y, dz);
    for (size_t i = 0; i < sizeof(btns) / sizeof(btns[0]); i++) {
        if (changed & btns[i].bit) {
            s->in->key(s->in_opaque, btns[i].code, (mask & btns[i].bit) != 0);
        }
    }
    s->buttons = mask;
}

void vnc_set_input(struct vnc_server *s, const struct vnc_input_ops *ops,
                   void *opaque)
{
    if (s != NULL) {
        s->in = ops;
        s->in_opaque = opaque;
    }
}

/* VNC authentication against x->vnc.password (none set: refused). */
static rfbBool vnc_check_password(rfbClientPtr cl, const char *resp, int len)
{
    struct vnc_server *s = cl->screen->screenData;
    unsigned char want[CHALLENGESIZE];
    char key[9] = {0};
    unsigned diff = 0;

    if (s->x->vnc.password == NULL || len != CHALLENGESIZE) {
        return FALSE;
    }
    strncpy(key, s->x->vnc.password, 8);
    memcpy(want, cl->authChallenge, CHALLENGESIZE);
    lib.encrypt_bytes(want, key);
    for (int i = 0; i < CHALLENGESIZE; i++) {
        diff |= want[i] ^ (unsigned char)resp[i];
    }
    return diff == 0;
}

/* ---- the display ---- */

static void vnc_resize(struct vnc_server *s, int w, int h,
                       const struct vfb_surface *surf)
{
    uint32_t *fb = calloc((size_t)w * (size_t)h, 4), *old = s->fb;
    struct vfb_rect all = {0, 0, (uint32_t)w, (uint32_t)h};

    if (fb == NULL) {
        log_warnx("vnc: no memory for a %dx%d screen", w, h);
        return;
    }
    if (surf != NULL) {
        vfb_convert(&surf->geom, surf->base, surf->len, &all, fb, (size_t)w,
                    &s->fmt);
    }
    s->fb = fb;
    s->w = w;
    s->h = h;
    lib.new_framebuffer(s->screen, (char *)fb, w, h, 8, 3, 4);
    free(old);
    vnc_kick(s);
}

static void sink_surface(void *ctx, const struct vfb_surface *surf)
{
    struct vnc_server *s = ctx;

    if (surf == NULL || surf->geom.width == 0 || surf->geom.height == 0) {
        vnc_resize(s, VNC_BLANK_W, VNC_BLANK_H, NULL);
        return;
    }
    vnc_resize(s, (int)surf->geom.width, (int)surf->geom.height, surf);
}

static void sink_update(void *ctx, const struct vfb_surface *surf,
                        const struct vfb_rect *r)
{
    struct vnc_server *s = ctx;

    if (surf->geom.width != (uint32_t)s->w ||
        surf->geom.height != (uint32_t)s->h) {
        sink_surface(ctx, surf);
        return;
    }
    if (vfb_convert(&surf->geom, surf->base, surf->len, r, s->fb, (size_t)s->w,
                    &s->fmt) == 0) {
        lib.mark_rect(s->screen, (int)r->x, (int)r->y,
                              (int)(r->x + r->w), (int)(r->y + r->h));
        vnc_kick(s);
    }
}

static unsigned sink_viewers(void *ctx)
{
    struct vnc_server *s = ctx;

    return s->nclients;
}

static void sink_watch_viewers(void *ctx, void (*fn)(void *opaque),
                               void *opaque)
{
    struct vnc_server *s = ctx;

    s->viewers_fn = fn;
    s->viewers_opaque = opaque;
}

static const struct vfb_sink vnc_vfb_sink = {
    .surface = sink_surface,
    .update = sink_update,
    .viewers = sink_viewers,
    .watch_viewers = sink_watch_viewers,
};

const void *vnc_sink(void)
{
    return &vnc_vfb_sink;
}

/* ---- QMP ---- */

struct json *vnc_query_clients(struct xendm *x)
{
    struct json *arr = json_new_array();
    struct vnc_server *s = x->vnc.server;
    rfbClientIteratorPtr it;
    rfbClientPtr cl;

    if (s == NULL || arr == NULL) {
        return arr;
    }
    it = lib.get_iterator(s->screen);
    while ((cl = lib.iterator_next(it)) != NULL) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        char host[64], serv[16];
        struct json *o;

        if (cl->sock == RFB_INVALID_SOCKET ||
            getpeername(cl->sock, (struct sockaddr *)&ss, &sl) < 0 ||
            getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), serv,
                        sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
            continue;
        }
        o = json_new_object();
        json_object_set(o, "host", json_new_string(host));
        json_object_set(o, "service", json_new_string(serv));
        json_object_set(
            o, "family",
            json_new_string(ss.ss_family == AF_INET6 ? "ipv6" : "ipv4"));
        json_object_set(o, "websocket", json_new_bool(false));
        json_array_append(arr, o);
    }
    lib.release_iterator(it);
    return arr;
}

/* ---- life cycle ---- */

int vnc_server_start(struct xendm *x, char *err, size_t errlen)
{
    struct vnc_server *s;
    int argc = 0;

    if (x->vnc.listen_fd < 0) {
        return 0;
    }
    if (vnc_lib_open(err, errlen) < 0) {
        return -ENOENT;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, errlen, "-vnc: out of memory");
        return -ENOMEM;
    }
    s->x = x;
    s->loop = x->loop;
    *lib.log = vnc_log;
    *lib.err = vnc_log;
    *lib.max_client_wait = VNC_CLIENT_WAIT_MS;
    s->w = VNC_BLANK_W;
    s->h = VNC_BLANK_H;
    s->fb = calloc((size_t)s->w * (size_t)s->h, 4);
    s->screen = lib.get_screen(&argc, NULL, s->w, s->h, 8, 3, 4);
    s->kick = loop_timer_add(x->loop, UINT64_MAX / 2, vnc_kick_fire, s);
    if (s->fb == NULL || s->screen == NULL || s->kick == NULL) {
        snprintf(err, errlen, "-vnc: cannot create the VNC screen");
        x->vnc.server = s;
        vnc_server_stop(x);
        return -ENOMEM;
    }
    snprintf(s->name, sizeof(s->name), "QEMU%s%.100s%s",
             x->opts.name ? " (" : "", x->opts.name ? x->opts.name : "",
             x->opts.name ? ")" : "");
    s->screen->desktopName = s->name;
    s->screen->frameBuffer = (char *)s->fb;
    s->screen->screenData = s;
    s->screen->port = 0;
    s->screen->ipv6port = 0;
    s->screen->autoPort = FALSE;
    s->screen->deferUpdateTime = 0;
    s->screen->maxClientWait = VNC_CLIENT_WAIT_MS;
    s->screen->alwaysShared = TRUE;
    s->screen->cursor = NULL; /* no cursor drawn into the pixels */
    s->screen->kbdAddEvent = vnc_key;
    s->screen->ptrAddEvent = vnc_pointer;
    if (x->opts.vnc.password) {
        s->screen->authPasswdData = s;
        s->screen->passwordCheck = vnc_check_password;
    }
    s->fmt.rshift = s->screen->serverFormat.redShift;
    s->fmt.gshift = s->screen->serverFormat.greenShift;
    s->fmt.bshift = s->screen->serverFormat.blueShift;
    lib.init_server(s->screen);
    x->vnc.server = s;
    if (loop_fd_add(x->loop, x->vnc.listen_fd, LOOP_READ, vnc_accept, s) < 0) {
        snprintf(err, errlen, "-vnc: cannot watch the listening socket");
        vnc_server_stop(x);
        return -EIO;
    }
    return 0;
}

void vnc_server_stop(struct xendm *x)
{
    struct vnc_server *s = x->vnc.server;
    rfbClientIteratorPtr it;
    rfbClientPtr cl;

    if (s == NULL) {
        return;
    }
    if (x->vnc.listen_fd >= 0) {
        loop_fd_del(x->loop, x->vnc.listen_fd);
    }
    if (s->kick != NULL) {
        loop_timer_del(x->loop, s->kick);
    }
    s->viewers_fn = NULL;      /* shutting down: no advice to send */
    if (s->screen != NULL) {
        it = lib.get_iterator(s->screen);
        while ((cl = lib.iterator_next(it)) != NULL) {
            vnc_client_gone(cl);
            cl->clientGoneHook = NULL;
        }
        lib.release_iterator(it);
        lib.shutdown_server(s->screen, TRUE);
        lib.screen_cleanup(s->screen);
    }
    free(s->fb);
    free(s);
    x->vnc.server = NULL;
}
