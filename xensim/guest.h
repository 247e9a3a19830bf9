/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated guest: what `xensim create` runs in each domain
 * (`xensim guest <domid> [--resume] <workload> [args]`).  It plays a
 * guest kernel: it talks to xenstore through real libxenstore on its
 * domain's own socket (so it has the domain's identity and
 * permissions), keeps its grant table and rings in its own memory
 * through the hvclient guest API, and runs one workload.
 *
 * Like a real kernel it keeps everything that must survive a save in
 * guest memory: page 1 holds struct guest_state, so a restored domain
 * (started with --resume) carries on where it stopped.  It obeys
 * control/shutdown as Linux does: "suspend" is acknowledged by
 * clearing the node, then the guest quiesces its devices, records its
 * state, shuts the domain down with reason suspend and exits with
 * TS_GUEST_SUSPENDED; "poweroff"/"halt"/"reboot" shut it down.
 */
#ifndef XENSIM_GUEST_H
#define XENSIM_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hvc;
struct xs_handle;

#define GUEST_STATE_PFN 1
#define GUEST_FIRST_FREE_PFN 16
#define GUEST_STATE_MAGIC "XSGUEST1"

/* Lives in guest memory at GUEST_STATE_PFN; plain data only. */
struct guest_state {
    char magic[8];
    uint32_t resumes;            /* times this guest was restored */
    uint32_t workload_phase;     /* workload-defined progress */
    uint64_t progress[8];        /* workload-defined counters */
};

enum guest_ctl { GUEST_CTL_NONE, GUEST_CTL_SUSPEND, GUEST_CTL_POWEROFF };

struct guest {
    uint32_t domid;
    const char *dir;
    struct hvc *hv;
    struct xs_handle *xs;
    uint8_t *mem;
    uint64_t pages;
    uint64_t next_pfn, limit_pfn;   /* page allocator */
    uint32_t next_gref;             /* grant refs handed out so far */
    uint32_t max_gref;
    struct guest_state *state;
    bool resumed;
};

/* dir/key as a decimal number; -1 when absent. */
long guest_xs_read_long(struct guest *g, const char *dir, const char *key);
/* Writes dir/key; 0 or -errno.  The _ulong form writes a decimal. */
int guest_xs_write(struct guest *g, const char *dir, const char *key,
                   const char *val);
int guest_xs_write_ulong(struct guest *g, const char *dir, const char *key,
                         unsigned long long v);

/* A zeroed page of guest memory; NULL when memory is exhausted. */
void *guest_page_alloc(struct guest *g, uint64_t *gfn);
/* Grants gfn to domid; returns the ref or -errno. */
int guest_grant(struct guest *g, uint32_t domid, uint64_t gfn, bool ro);
/* Control requests seen since the last call (waits up to timeout_ms). */
enum guest_ctl guest_control(struct guest *g, int timeout_ms);
/* Acknowledged suspend: shuts the domain down (suspend) and exits. */
void guest_suspend(struct guest *g) __attribute__((noreturn));

/* vkbd frontends (guest-kbd.c): connect all; count events received. */
int guest_vkbd_connect_all(struct guest *g);
unsigned guest_vkbd_poll(struct guest *g);
union xenkbd_in_event;
/* The same, showing each event to fn first. */
unsigned guest_vkbd_drain(struct guest *g,
                          void (*fn)(const union xenkbd_in_event *ev,
                                     void *opaque),
                          void *opaque);

/* HVM: Linux's unplug of emulated disks and NICs (guest-ports.c). */
int guest_platform_unplug(struct guest *g);

/* Workloads. */
int guest_idle(struct guest *g, int argc, char **argv);
int guest_disk_verify(struct guest *g, int argc, char **argv);
int guest_console_echo(struct guest *g, int argc, char **argv);
int guest_ports(struct guest *g, int argc, char **argv);
int guest_fb_pattern(struct guest *g, int argc, char **argv);
int guest_fwcfg_boot(struct guest *g, int argc, char **argv);

#endif
