/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Disk I/O engines: io_uring and a worker-thread pool, both reporting
 * to the loop through an eventfd.  See io-engine.h.
 *
 * Theory of operation.  ioeng_submit never performs I/O and never
 * calls back: it queues the request on `pending` and arranges (once
 * per batch, with loop_defer) for `engine_kick` to run before the loop
 * sleeps.  For io_uring the kick moves as many pending requests as
 * the submission queue holds into SQEs and submits them in one
 * syscall, so a frontend that queues 32 requests costs one
 * io_uring_enter.  What the kernel completed inline during that
 * submission (page-cache hits) is reaped right after it, with no
 * wake-up.  The loop polls the ring's own fd (readable while CQEs
 * wait), so reaping leaves nothing to read and nothing to wake us
 * spuriously; `engine_reap` pulls CQEs, resumes short transfers,
 * calls `done`, and kicks again.  Each run
 * of completions is bracketed (`in_batch`) and followed by the
 * owner's batch-end hook, so a block backend publishes its responses
 * and notifies its frontend once per run.  For
 * threads the kick hands `pending` to the workers under the mutex;
 * each worker does the blocking call, appends to `completed` and
 * writes the eventfd; the loop side swaps the list out and calls back.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#ifdef HAVE_URING
#include <liburing.h>
#endif

#include "hw/block/io-engine.h"
#include "src/loop.h"

#define IOENG_MAX_THREADS 4

struct ioeng {
    struct loop *loop;
    enum ioeng_kind kind;
    int efd;
    unsigned depth;
    unsigned inflight;       /* submitted, not yet called back */
    bool kick_queued;
    bool freeing;
    bool in_batch;
    ioeng_batch_fn *batch_end;
    void *batch_opaque;
    struct ioeng_req *pend_head, *pend_tail;  /* loop side only */
#ifdef HAVE_URING
    struct io_uring ring;
    unsigned in_ring;
#endif
    /* thread pool */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct ioeng_req *work_head, *work_tail;
    struct ioeng_req *completed;
    bool stop;
    unsigned nthreads;
    pthread_t threads[IOENG_MAX_THREADS];
};

static void list_push(struct ioeng_req **head, struct ioeng_req **tail,
                      struct ioeng_req *r)
{
    r->next = NULL;
    if (*tail) {
        (*tail)->next = r;
    } else {
        *head = r;
    }
    *tail = r;
}

static struct ioeng_req *list_pop(struct ioeng_req **head,
                                  struct ioeng_req **tail)
{
    struct ioeng_req *r = *head;

    if (r) {
        *head = r->next;
        if (*head == NULL) {
            *tail = NULL;
        }
    }
    return r;
}

/* One blocking step of req; returns bytes moved, 0, or -errno. */
static int64_t engine_step_sync(struct ioeng_req *req)
{
    /* Flush and discard carry no buffer: no arithmetic on NULL. */
    uint8_t *buf = req->buf != NULL ? (uint8_t *)req->buf + req->doneb : NULL;
    uint64_t off = req->off + req->doneb;
    size_t len = (size_t)(req->len - req->doneb);
    ssize_t n;

    switch (req->op) {
    case IOENG_READ:
        n = req->iov ? preadv(req->fd, req->iov, (int)req->iovcnt, (off_t)off)
                     : pread(req->fd, buf, len, (off_t)off);
        break;
    case IOENG_WRITE:
        n = req->iov
                ? pwritev(req->fd, req->iov, (int)req->iovcnt, (off_t)off)
                : pwrite(req->fd, buf, len, (off_t)off);
        break;
    case IOENG_FLUSH:
        return fdatasync(req->fd) < 0 ? -errno : 0;
    case IOENG_DISCARD:
        return fallocate(req->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                         (off_t)req->off, (off_t)req->len) < 0
                   ? -errno
                   : 0;
    default:
        return -EINVAL;
    }
    return n < 0 ? -errno : n;
}

/*
 * Accounts for a step's result: 1 if the request is finished (with
 * *res set), 0 if a read/write must continue.
 */
static int engine_account(struct ioeng_req *req, int64_t got, int *res)
{
    if (got < 0) {
        *res = (int)got;
        return 1;
    }
    if (req->op != IOENG_READ && req->op != IOENG_WRITE) {
        *res = 0;
        return 1;
    }
    if (got == 0) {
        *res = -EIO;
        return 1;
    }
    req->doneb += (uint64_t)got;
    if (req->doneb >= req->len) {
        *res = 0;
        return 1;
    }
    if (req->iov != NULL &&
        ioeng_iov_advance(&req->iov, &req->iovcnt, (uint64_t)got) != 0) {
        *res = -EIO;        /* the kernel moved more than we asked */
        return 1;
    }
    return 0;
}

uint64_t ioeng_iov_advance(struct iovec **iov, unsigned *cnt, uint64_t n)
{
    while (n > 0 && *cnt > 0) {
        struct iovec *v = *iov;

        if (n < v->iov_len) {
            v->iov_base = (uint8_t *)v->iov_base + n;
            v->iov_len -= n;
            return 0;
        }
        n -= v->iov_len;
        (*iov)++;
        (*cnt)--;
    }
    return n;
}

int ioeng_do_sync(struct ioeng_req *req)
{
    int res = 0;
    int64_t got;

    req->doneb = 0;
    do {
        got = engine_step_sync(req);
        if (got == -EINTR) {
            continue;
        }
    } while (!engine_account(req, got, &res));
    return res;
}

static void engine_complete(struct ioeng *e, struct ioeng_req *req, int res)
{
    e->inflight--;
    if (!e->freeing) {
        req->done(req, res);
    }
}

/* ---- thread pool ---- */

static void *engine_worker(void *opaque)
{
    struct ioeng *e = opaque;
    struct ioeng_req *req;
    uint64_t one = 1;
    int res;

    for (;;) {
        pthread_mutex_lock(&e->lock);
        while (e->work_head == NULL && !e->stop) {
            pthread_cond_wait(&e->cond, &e->lock);
        }
        if (e->work_head == NULL) {
            pthread_mutex_unlock(&e->lock);
            return NULL;
        }
        req = list_pop(&e->work_head, &e->work_tail);
        pthread_mutex_unlock(&e->lock);

        res = ioeng_do_sync(req);
        req->doneb = (uint64_t)(int64_t)res;

        pthread_mutex_lock(&e->lock);
        req->next = e->completed;
        e->completed = req;
        pthread_mutex_unlock(&e->lock);
        if (write(e->efd, &one, sizeof(one)) < 0) {
            /* The counter cannot overflow at our rates; nothing to do. */
        }
    }
}

static void threads_kick(struct ioeng *e)
{
    struct ioeng_req *r;

    pthread_mutex_lock(&e->lock);
    while ((r = list_pop(&e->pend_head, &e->pend_tail)) != NULL) {
        list_push(&e->work_head, &e->work_tail, r);
    }
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->lock);
}

static void threads_reap(struct ioeng *e)
{
    struct ioeng_req *list, *next, *rev = NULL;

    pthread_mutex_lock(&e->lock);
    list = e->completed;
    e->completed = NULL;
    pthread_mutex_unlock(&e->lock);
    /* Completed is a stack; call back in completion order. */
    for (; list; list = next) {
        next = list->next;
        list->next = rev;
        rev = list;
    }
    for (; rev; rev = next) {
        next = rev->next;
        engine_complete(e, rev, (int)(int64_t)rev->doneb);
    }
}

static int threads_start(struct ioeng *e, unsigned n)
{
    pthread_mutex_init(&e->lock, NULL);
    pthread_cond_init(&e->cond, NULL);
    for (e->nthreads = 0; e->nthreads < n; e->nthreads++) {
        if (pthread_create(&e->threads[e->nthreads], NULL, engine_worker,
                           e) != 0) {
            break;
        }
    }
    return e->nthreads > 0 ? 0 : -EAGAIN;
}

static void threads_stop(struct ioeng *e)
{
    pthread_mutex_lock(&e->lock);
    e->stop = true;
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->lock);
    for (unsigned i = 0; i < e->nthreads; i++) {
        pthread_join(e->threads[i], NULL);
    }
    pthread_mutex_destroy(&e->lock);
    pthread_cond_destroy(&e->cond);
}

/* ---- io_uring ---- */

#ifdef HAVE_URING
static void uring_prep(struct io_uring_sqe *sqe, struct ioeng_req *req)
{
    /* Flush and discard carry no buffer: no arithmetic on NULL. */
    uint8_t *buf = req->buf != NULL ? (uint8_t *)req->buf + req->doneb : NULL;
    uint64_t off = req->off + req->doneb;
    unsigned len = (unsigned)(req->len - req->doneb);

    switch (req->op) {
    case IOENG_READ:
        if (req->iov) {
            io_uring_prep_readv(sqe, req->fd, req->iov, req->iovcnt, off);
        } else {
            io_uring_prep_read(sqe, req->fd, buf, len, off);
        }
        break;
    case IOENG_WRITE:
        if (req->iov) {
            io_uring_prep_writev(sqe, req->fd, req->iov, req->iovcnt, off);
        } else {
            io_uring_prep_write(sqe, req->fd, buf, len, off);
        }
        break;
    case IOENG_FLUSH:
        io_uring_prep_fsync(sqe, req->fd, IORING_FSYNC_DATASYNC);
        break;
    case IOENG_DISCARD:
        io_uring_prep_fallocate(sqe, req->fd,
                                FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                                req->off, req->len);
        break;
    }
    io_uring_sqe_set_data(sqe, req);
}

static void uring_kick(struct ioeng *e)
{
    struct io_uring_sqe *sqe;
    unsigned queued = 0;

    while (e->pend_head && e->in_ring < e->depth &&
           (sqe = io_uring_get_sqe(&e->ring)) != NULL) {
        uring_prep(sqe, list_pop(&e->pend_head, &e->pend_tail));
        e->in_ring++;
        queued++;
    }
    if (queued > 0) {
        io_uring_submit(&e->ring);
    }
}

static void uring_reap(struct ioeng *e)
{
    struct io_uring_cqe *cqe;
    struct ioeng_req *req;
    int res;

    while (io_uring_peek_cqe(&e->ring, &cqe) == 0) {
        req = io_uring_cqe_get_data(cqe);
        res = cqe->res;
        io_uring_cqe_seen(&e->ring, cqe);
        e->in_ring--;
        if (res == -EAGAIN || res == -EINTR) {
            list_push(&e->pend_head, &e->pend_tail, req);
            continue;
        }
        if (!engine_account(req, res, &res)) {
            list_push(&e->pend_head, &e->pend_tail, req);
            continue;
        }
        engine_complete(e, req, res);
    }
}
#endif

/* ---- common ---- */

static void engine_schedule_kick(struct ioeng *e);

/* One run of completions, then the owner's batch-end hook. */
static void engine_batch(struct ioeng *e, void (*reap)(struct ioeng *))
{
    e->in_batch = true;
    reap(e);
    e->in_batch = false;
    if (e->batch_end && !e->freeing) {
        e->batch_end(e->batch_opaque);
    }
}

static void engine_kick(void *opaque)
{
    struct ioeng *e = opaque;

    e->kick_queued = false;
#ifdef HAVE_URING
    if (e->kind == IOENG_URING) {
        uring_kick(e);
        /* Completed inline: reap now rather than after a wake-up. */
        if (io_uring_cq_ready(&e->ring) > 0) {
            engine_batch(e, uring_reap);
            engine_schedule_kick(e);
        }
        return;
    }
#endif
    threads_kick(e);
}

static void engine_schedule_kick(struct ioeng *e)
{
    if (!e->kick_queued && e->pend_head) {
        if (loop_defer(e->loop, engine_kick, e) == 0) {
            e->kick_queued = true;
        } else {
            engine_kick(e);
        }
    }
}

static void engine_reap(struct loop *loop, int fd, unsigned events,
                        void *opaque)
{
    struct ioeng *e = opaque;
    uint64_t cnt;

#ifdef HAVE_URING
    if (e->kind == IOENG_URING) {
        engine_batch(e, uring_reap);
        engine_schedule_kick(e);
        return;
    }
#endif
    if (read(e->efd, &cnt, sizeof(cnt)) < 0) {
        /* EAGAIN: spurious wake-up; reap anyway. */
    }
    engine_batch(e, threads_reap);
}

/* What the loop polls: the ring itself, or the workers' eventfd. */
static int engine_fd(const struct ioeng *e)
{
#ifdef HAVE_URING
    if (e->kind == IOENG_URING) {
        return e->ring.ring_fd;
    }
#endif
    return e->efd;
}

static enum ioeng_kind engine_pick(enum ioeng_kind kind)
{
    const char *env = getenv("XENDM_IO_ENGINE");

    if (kind == IOENG_AUTO && env != NULL) {
        if (strcmp(env, "threads") == 0) {
            return IOENG_THREADS;
        }
        if (strcmp(env, "uring") == 0) {
            return IOENG_URING;
        }
    }
    return kind;
}

static int engine_start(struct ioeng *e, enum ioeng_kind kind)
{
#ifdef HAVE_URING
    if (kind != IOENG_THREADS) {
        unsigned entries = e->depth < 8 ? 8 : e->depth;

        if (io_uring_queue_init(entries, &e->ring, 0) == 0) {
            e->kind = IOENG_URING;
            return 0;
        }
        if (kind == IOENG_URING) {
            return -ENOSYS;
        }
    }
#else
    if (kind == IOENG_URING) {
        return -ENOSYS;
    }
#endif
    e->kind = IOENG_THREADS;
    return threads_start(e, e->depth < 2 ? 1 : 2);
}

struct ioeng *ioeng_new(struct loop *loop, enum ioeng_kind kind,
                        unsigned depth)
{
    struct ioeng *e = calloc(1, sizeof(*e));
    int rc;

    if (e == NULL) {
        return NULL;
    }
    e->loop = loop;
    e->depth = depth ? depth : 64;
    e->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (e->efd < 0) {
        goto err_free;
    }
    rc = engine_start(e, engine_pick(kind));
    if (rc < 0) {
        errno = -rc;
        goto err_close;
    }
    rc = loop_fd_add(loop, engine_fd(e), LOOP_READ, engine_reap, e);
    if (rc < 0) {
        e->freeing = true;
        ioeng_free(e);
        errno = -rc;
        return NULL;
    }
    return e;

err_close:
    close(e->efd);
err_free:
    free(e);
    return NULL;
}

void ioeng_free(struct ioeng *e)
{
    if (e == NULL) {
        return;
    }
    e->freeing = true;
    loop_fd_del(e->loop, engine_fd(e));
#ifdef HAVE_URING
    if (e->kind == IOENG_URING) {
        struct io_uring_cqe *cqe;

        while (e->in_ring > 0 && io_uring_wait_cqe(&e->ring, &cqe) == 0) {
            io_uring_cqe_seen(&e->ring, cqe);
            e->in_ring--;
        }
        io_uring_queue_exit(&e->ring);
    } else {
        threads_stop(e);
    }
#else
    threads_stop(e);
#endif
    close(e->efd);
    free(e);
}

int ioeng_submit(struct ioeng *e, struct ioeng_req *req)
{
    if (e == NULL) {
        return -ENODEV;
    }
    if (e->freeing || req->done == NULL) {
        return -EINVAL;
    }
    if ((req->op == IOENG_READ || req->op == IOENG_WRITE) &&
        (req->len == 0 || req->len > (1u << 30) ||
         (req->iov != NULL && (req->iovcnt == 0 || req->iovcnt > IOV_MAX)))) {
        return -EINVAL;
    }
    req->doneb = 0;
    e->inflight++;
    list_push(&e->pend_head, &e->pend_tail, req);
    engine_schedule_kick(e);
    return 0;
}

void ioeng_set_batch_end(struct ioeng *e, ioeng_batch_fn *fn, void *opaque)
{
    e->batch_end = fn;
    e->batch_opaque = opaque;
}

bool ioeng_in_batch(const struct ioeng *e)
{
    return e != NULL && e->in_batch && e->batch_end != NULL;
}

unsigned ioeng_inflight(const struct ioeng *e)
{
    return e->inflight;
}

const char *ioeng_name(const struct ioeng *e)
{
    return e->kind == IOENG_URING ? "io_uring" : "threads";
}
