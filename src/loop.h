/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The single-threaded event loop that owns every device and QMP
 * callback (redis ae's shape): fd events on epoll, one-shot or
 * periodic timers on CLOCK_MONOTONIC, deferred calls run before the
 * next sleep, and a before-sleep hook.  Threads never touch a loop;
 * they report back through an eventfd registered here.
 */
#ifndef XENDM_LOOP_H
#define XENDM_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#define LOOP_READ 0x1u
#define LOOP_WRITE 0x2u
/* Reported only: the peer hung up or the fd is in error. */
#define LOOP_HUP 0x4u

struct loop;
struct loop_timer;

typedef void loop_fd_fn(struct loop *loop, int fd, unsigned events,
                        void *opaque);
/*
 * A timer callback returns the delay in ns until it should run again,
 * or a negative value to stay disarmed (the timer remains allocated
 * for loop_timer_mod or loop_timer_del by its owner).  A callback may
 * re-arm its own timer with loop_timer_mod and then return -1, but must
 * not loop_timer_del it.
 */
typedef int64_t loop_timer_fn(struct loop *loop, void *opaque);
typedef void loop_defer_fn(void *opaque);

/* Monotonic clock in ns, the loop's time base. */
uint64_t loop_now_ns(void);

struct loop *loop_new(void);
void loop_free(struct loop *loop);

/* 0 or -errno.  An fd is registered at most once. */
int loop_fd_add(struct loop *loop, int fd, unsigned events, loop_fd_fn *fn,
                void *opaque);
int loop_fd_mod(struct loop *loop, int fd, unsigned events);
/* Safe to call from any callback, including the fd's own. */
void loop_fd_del(struct loop *loop, int fd);

/* Arms a timer delay_ns from now; NULL with errno on failure. */
struct loop_timer *loop_timer_add(struct loop *loop, uint64_t delay_ns,
                                  loop_timer_fn *fn, void *opaque);
/* Re-arms an existing timer at an absolute monotonic deadline. */
void loop_timer_mod(struct loop *loop, struct loop_timer *t,
                    uint64_t deadline_ns);
void loop_timer_del(struct loop *loop, struct loop_timer *t);

/* Runs fn(opaque) once, from the loop, before it next sleeps. */
int loop_defer(struct loop *loop, loop_defer_fn *fn, void *opaque);

void loop_set_before_sleep(struct loop *loop, loop_defer_fn *fn,
                           void *opaque);

/*
 * One iteration: deferred calls, due timers, then wait at most
 * timeout_ms (-1: until the next timer or event) and dispatch.
 * Returns the number of callbacks run, or -errno.
 */
int loop_run_once(struct loop *loop, int timeout_ms);
/* Runs until loop_stop(); 0 or -errno. */
int loop_run(struct loop *loop);
void loop_stop(struct loop *loop);
bool loop_stopped(const struct loop *loop);

#endif
