/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Disk I/O that never blocks the event loop.
 *
 * A block backend hands reads, writes, flushes (fdatasync) and
 * discards (fallocate PUNCH_HOLE|KEEP_SIZE) to an engine; each
 * completes later through its `done` callback, always called from the
 * loop and never from inside ioeng_submit.  Two engines: io_uring
 * (when liburing is present and the kernel allows it), whose
 * completions wake the loop through a registered eventfd, and a small
 * pool of worker threads that report through an eventfd.  The
 * threads touch only the request they were given and the queues
 * guarded by the engine's mutex; they never touch the loop.
 *
 * A read or write names its memory either as one buffer (`buf`) or as
 * a scatter list (`iov`, `iovcnt`: preadv/pwritev, IORING_OP_READV/
 * WRITEV), which lets a block backend move data straight between the
 * file and guest pages it has mapped.
 *
 * Trust: offsets and lengths were validated by the caller against the
 * disk size; the engine trusts them.  Short transfers are resumed
 * (for a scatter list by advancing it in place); a read that hits end
 * of file completes with -EIO.
 */
#ifndef XENDM_IO_ENGINE_H
#define XENDM_IO_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

struct loop;
struct ioeng;

enum ioeng_kind {
    IOENG_AUTO = 0,   /* io_uring if it works, else threads */
    IOENG_URING,
    IOENG_THREADS,
};

enum ioeng_op {
    IOENG_READ = 0,
    IOENG_WRITE,
    IOENG_FLUSH,
    IOENG_DISCARD,
};

struct ioeng_req;
typedef void ioeng_done_fn(struct ioeng_req *req, int res);

struct ioeng_req {
    enum ioeng_op op;
    int fd;
    uint64_t off;
    uint64_t len;           /* READ/WRITE: bytes, the sum of iov if set */
    void *buf;
    /*
     * Instead of buf (NULL: use buf): at most IOV_MAX elements.  The
     * engine advances the array in place to resume a short transfer,
     * so it must stay the caller's until `done`.
     */
    struct iovec *iov;
    unsigned iovcnt;
    ioeng_done_fn *done;    /* res: 0 or -errno */
    void *opaque;
    /* private to the engine */
    uint64_t doneb;
    struct ioeng_req *next;
};

/*
 * A new engine on `loop` with room for `depth` requests in flight
 * (more are queued).  NULL with errno on failure.  The environment
 * variable XENDM_IO_ENGINE=threads|uring overrides IOENG_AUTO.
 */
struct ioeng *ioeng_new(struct loop *loop, enum ioeng_kind kind,
                        unsigned depth);

/*
 * Releases the engine.  Requests still in flight are waited for and
 * their callbacks are NOT called: callers drain first.
 */
void ioeng_free(struct ioeng *e);

/* Queues req; 0, or -errno (then done is never called). */
int ioeng_submit(struct ioeng *e, struct ioeng_req *req);

unsigned ioeng_inflight(const struct ioeng *e);

/*
 * Batches: completions are called back in runs (every CQE ready after
 * a submission or a wake-up); `fn` runs once after each run, so a
 * caller can publish and notify once per run instead of once per
 * request.  ioeng_in_batch is true inside a run when such a hook is
 * set (a caller without one must act at once).  One hook per engine.
 */
typedef void ioeng_batch_fn(void *opaque);
void ioeng_set_batch_end(struct ioeng *e, ioeng_batch_fn *fn, void *opaque);
bool ioeng_in_batch(const struct ioeng *e);
const char *ioeng_name(const struct ioeng *e);

/*
 * Drops `n` bytes from the front of a scatter list: whole elements go
 * (*iov and *cnt move on), the first partly used one is trimmed.
 * Returns the bytes it could not drop (0 unless n exceeds the list).
 */
uint64_t ioeng_iov_advance(struct iovec **iov, unsigned *cnt, uint64_t n);

/* The same operation done synchronously (for the bench's host side
 * and for tests): 0 or -errno. */
int ioeng_do_sync(struct ioeng_req *req);

#endif
