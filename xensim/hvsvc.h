/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim's hypervisor services as a service of the xensim daemon:
 * domains, guest memory, grant tables, event channels, ioreq servers
 * and device-model operations, served on DIR/hv.sock (the control
 * domain) and DIR/domains/<domid>/hv.sock (each guest).  The protocol
 * is in hvproto.h and docs/xensim.md; clients use hvclient.h.
 *
 * Everything runs on the caller's loop; nothing blocks on a client.
 */
#ifndef XENDM_HVSVC_H
#define XENDM_HVSVC_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
struct hyp;

/*
 * Starts serving in dir (which must exist); NULL with errno.  With dir
 * NULL nothing listens and clients come only through hvsvc_adopt.
 */
struct hyp *hvsvc_start(struct loop *loop, const char *dir);
/* Destroys every domain, closes every connection, unlinks sockets. */
void hvsvc_stop(struct hyp *hs);
/*
 * Tells another service (xenstored) about domains: `shutdown` when a
 * domain shuts down or crashes, `released` once it is destroyed.
 */
struct hvsvc_hooks {
    void (*shutdown)(void *opaque, uint32_t domid);
    void (*released)(void *opaque, uint32_t domid);
    void *opaque;
};
void hvsvc_set_hooks(struct hyp *hs, const struct hvsvc_hooks *hooks);
/*
 * Serves an already connected SOCK_SEQPACKET fd (non-blocking) as a
 * client of domain domid: for tests and fuzzers.  Takes the fd.
 */
int hvsvc_adopt(struct hyp *hs, int fd, uint32_t domid, bool priv);
/* Whether domid exists now (dom0 always does). */
bool hvsvc_domain_exists(void *hs, uint32_t domid);

#endif
