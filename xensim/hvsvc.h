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

#include <stdint.h>

struct loop;
struct hvs;

/* Starts serving in dir (which must exist); NULL with errno. */
struct hvs *hvsvc_start(struct loop *loop, const char *dir);
/* Destroys every domain, closes every connection, unlinks sockets. */
void hvsvc_stop(struct hvs *hs);
/* Called once for every domain destroyed (e.g. xenstored's release). */
void hvsvc_on_death(struct hvs *hs, void (*fn)(void *opaque, uint32_t domid),
                    void *opaque);

#endif
