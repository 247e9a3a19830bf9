/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event loop over epoll.
 *
 * Theory of operation: fds live in a table indexed by fd number;
 * loop_fd_del only clears the slot, so a callback may delete any fd,
 * its own included, and events already fetched for a deleted fd are
 * dropped because the slot's generation no longer matches.  Timers
 * sit on a list sorted by deadline (device models hold a handful).
 * Deferred calls are a FIFO drained at the start of each iteration.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

struct loop_fd {
    loop_fd_fn *fn;
    void *opaque;
    unsigned events;
    uint32_t gen;
    bool used;
};

struct loop_timer {
    struct loop_timer *next;
    uint64_t deadline;
    loop_timer_fn *fn;
    void *opaque;
    bool armed;
};

struct loop_deferred {
    struct loop_deferred *next;
    loop_defer_fn *fn;
    void *opaque;
};

struct loop {
    int epfd;
    struct loop_fd *fds;
    int nfds;
    uint32_t gen;
    struct loop_timer *timers;
    struct loop_deferred *defer_head;
    struct loop_deferred **defer_tail;
    loop_defer_fn *before_sleep;
    void *before_sleep_opaque;
    bool stop;
};

uint64_t loop_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct loop *loop_new(void)
{
    struct loop *loop = calloc(1, sizeof(*loop));

    if (loop == NULL) {
        return NULL;
    }
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epfd < 0) {
        int err = errno;
        free(loop);
        errno = err;
        return NULL;
    }
    loop->defer_tail = &loop->defer_head;
    return loop;
}

void loop_free(struct loop *loop)
{
    struct loop_timer *t, *tnext;
    struct loop_deferred *d, *dnext;

    if (loop == NULL) {
        return;
    }
    for (t = loop->timers; t != NULL; t = tnext) {
        tnext = t->next;
        free(t);
    }
    for (d = loop->defer_head; d != NULL; d = dnext) {
        dnext = d->next;
        free(d);
    }
    close(loop->epfd);
    free(loop->fds);
    free(loop);
}

static uint32_t loop_epoll_events(unsigned events)
{
    uint32_t ev = 0;

    if (events & LOOP_READ) {
        ev |= EPOLLIN | EPOLLRDHUP;
    }
    if (events & LOOP_WRITE) {
        ev |= EPOLLOUT;
    }
    return ev;
}

static int loop_fd_grow(struct loop *loop, int fd)
{
    struct loop_fd *n;
    int want;

    if (fd < loop->nfds) {
        return 0;
    }
    want = loop->nfds ? loop->nfds : 64;
    while (want <= fd) {
        want *= 2;
    }
    n = realloc(loop->fds, (size_t)want * sizeof(*n));
    if (n == NULL) {
        return -ENOMEM;
    }
    memset(n + loop->nfds, 0, (size_t)(want - loop->nfds) * sizeof(*n));
    loop->fds = n;
    loop->nfds = want;
    return 0;
}

int loop_fd_add(struct loop *loop, int fd, unsigned events, loop_fd_fn *fn,
                void *opaque)
{
    struct epoll_event ev;
    struct loop_fd *slot;
    int rc;

    if (fd < 0) {
        return -EBADF;
    }
    rc = loop_fd_grow(loop, fd);
    if (rc < 0) {
        return rc;
    }
    slot = &loop->fds[fd];
    if (slot->used) {
        return -EEXIST;
    }
    memset(&ev, 0, sizeof(ev));
    ev.events = loop_epoll_events(events);
    slot->gen = ++loop->gen;
    ev.data.u64 = ((uint64_t)slot->gen << 32) | (uint32_t)fd;
    if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        return -errno;
    }
    slot->fn = fn;
    slot->opaque = opaque;
    slot->events = events;
    slot->used = true;
    return 0;
}

int loop_fd_mod(struct loop *loop, int fd, unsigned events)
{
    struct epoll_event ev;
    struct loop_fd *slot;

    if (fd < 0 || fd >= loop->nfds || !loop->fds[fd].used) {
        return -ENOENT;
    }
    slot = &loop->fds[fd];
    if (slot->events == events) {
        return 0;
    }
    memset(&ev, 0, sizeof(ev));
    ev.events = loop_epoll_events(events);
    ev.data.u64 = ((uint64_t)slot->gen << 32) | (uint32_t)fd;
    if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0) {
        return -errno;
    }
    slot->events = events;
    return 0;
}

void loop_fd_del(struct loop *loop, int fd)
{
    if (fd < 0 || fd >= loop->nfds || !loop->fds[fd].used) {
        return;
    }
    /* The fd may already be closed by the caller; ignore EBADF. */
    epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
    memset(&loop->fds[fd], 0, sizeof(loop->fds[fd]));
}

static void loop_timer_unlink(struct loop *loop, struct loop_timer *t)
{
    struct loop_timer **pp;

    for (pp = &loop->timers; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            t->next = NULL;
            t->armed = false;
            return;
        }
    }
}

static void loop_timer_insert(struct loop *loop, struct loop_timer *t)
{
    struct loop_timer **pp = &loop->timers;

    while (*pp != NULL && (*pp)->deadline <= t->deadline) {
        pp = &(*pp)->next;
    }
    t->next = *pp;
    *pp = t;
    t->armed = true;
}

struct loop_timer *loop_timer_add(struct loop *loop, uint64_t delay_ns,
                                  loop_timer_fn *fn, void *opaque)
{
    struct loop_timer *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        return NULL;
    }
    t->fn = fn;
    t->opaque = opaque;
    t->deadline = loop_now_ns() + delay_ns;
    loop_timer_insert(loop, t);
    return t;
}

void loop_timer_mod(struct loop *loop, struct loop_timer *t,
                    uint64_t deadline_ns)
{
    if (t->armed) {
        loop_timer_unlink(loop, t);
    }
    t->deadline = deadline_ns;
    loop_timer_insert(loop, t);
}

void loop_timer_del(struct loop *loop, struct loop_timer *t)
{
    if (t == NULL) {
        return;
    }
    if (t->armed) {
        loop_timer_unlink(loop, t);
    }
    free(t);
}

int loop_defer(struct loop *loop, loop_defer_fn *fn, void *opaque)
{
    struct loop_deferred *d = calloc(1, sizeof(*d));

    if (d == NULL) {
        return -ENOMEM;
    }
    d->fn = fn;
    d->opaque = opaque;
    *loop->defer_tail = d;
    loop->defer_tail = &d->next;
    return 0;
}

void loop_set_before_sleep(struct loop *loop, loop_defer_fn *fn,
                           void *opaque)
{
    loop->before_sleep = fn;
    loop->before_sleep_opaque = opaque;
}

static int loop_run_deferred(struct loop *loop)
{
    struct loop_deferred *d = loop->defer_head;
    int n = 0;

    /* Calls deferred by these callbacks run next iteration. */
    loop->defer_head = NULL;
    loop->defer_tail = &loop->defer_head;
    while (d != NULL) {
        struct loop_deferred *next = d->next;
        d->fn(d->opaque);
        free(d);
        d = next;
        n++;
    }
    return n;
}

static int loop_run_timers(struct loop *loop)
{
    uint64_t now = loop_now_ns();
    int n = 0;

    while (loop->timers != NULL && loop->timers->deadline <= now) {
        struct loop_timer *t = loop->timers;
        int64_t again;

        loop_timer_unlink(loop, t);
        again = t->fn(loop, t->opaque);
        n++;
        if (again >= 0 && !t->armed) {
            t->deadline = now + (uint64_t)again;
            loop_timer_insert(loop, t);
        }
    }
    return n;
}

static int loop_timeout_ms(struct loop *loop, int timeout_ms)
{
    uint64_t now, wait_ns;
    int ms;

    if (loop->defer_head != NULL) {
        return 0;
    }
    if (loop->timers == NULL) {
        return timeout_ms;
    }
    now = loop_now_ns();
    wait_ns = loop->timers->deadline > now ? loop->timers->deadline - now : 0;
    ms = (int)((wait_ns + 999999) / 1000000);
    if (wait_ns > (uint64_t)INT32_MAX * 1000000ull) {
        ms = INT32_MAX;
    }
    if (timeout_ms >= 0 && timeout_ms < ms) {
        ms = timeout_ms;
    }
    return ms;
}

int loop_run_once(struct loop *loop, int timeout_ms)
{
    struct epoll_event evs[64];
    int n, i, ran = 0;

    ran += loop_run_deferred(loop);
    ran += loop_run_timers(loop);
    if (loop->stop) {
        return ran;
    }
    if (loop->before_sleep != NULL) {
        loop->before_sleep(loop->before_sleep_opaque);
    }
    n = epoll_wait(loop->epfd, evs, 64, loop_timeout_ms(loop, timeout_ms));
    if (n < 0) {
        return errno == EINTR ? ran : -errno;
    }
    for (i = 0; i < n; i++) {
        int fd = (int)(uint32_t)evs[i].data.u64;
        uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);
        struct loop_fd *slot;
        unsigned events = 0;

        if (fd >= loop->nfds) {
            continue;
        }
        slot = &loop->fds[fd];
        if (!slot->used || slot->gen != gen) {
            continue;
        }
        if (evs[i].events & (EPOLLIN | EPOLLRDHUP)) {
            events |= LOOP_READ;
        }
        if (evs[i].events & EPOLLOUT) {
            events |= LOOP_WRITE;
        }
        if (evs[i].events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) {
            events |= LOOP_HUP;
        }
        slot->fn(loop, fd, events, slot->opaque);
        ran++;
    }
    ran += loop_run_timers(loop);
    return ran;
}

int loop_run(struct loop *loop)
{
    while (!loop->stop) {
        int rc = loop_run_once(loop, -1);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

void loop_stop(struct loop *loop)
{
    loop->stop = true;
}

bool loop_stopped(const struct loop *loop)
{
    return loop->stop;
}
