/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The HVM machine in the daemon.
 *
 * prepare (full privileges): the PV backends' prepare opens the
 * hypervisor handle and owns its event-channel fd; we build the
 * emulated PC for the guest's RAM size and -serial ports, register its
 * state in the daemon's savevm registry (so xen-save-devices-state,
 * xen-load-devices-state and -incoming see it), connect each UART to
 * its chardev, and ask pv-machine to pass our ports to us.  start
 * (after the privilege drop, the first access to guest data): the
 * xenstore watches of the PV side, then the ioreq server bring-up.
 * exit undoes both halves and copes with a half-built state.
 *
 * Received serial bytes are held (up to HVM_RX_HOLD per port) while
 * the UART cannot take them and offered again when the guest reads
 * RBR, as QEMU's chardev layer does; beyond that they are dropped.
 * The machine's timers (UART receive timeouts) run on a loop timer
 * re-armed after every request.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chardev.h"
#include "hw/emu/hvm-machine.h"
#include "hw/emu/hvm-boot.h"
#include "hw/emu/ioreq.h"
#include "hw/emu/pc-hv.h"
#include "hw/pv/pv-machine.h"
#include "log.h"
#include "loop.h"
#include "xen/hv.h"
#include "xendm.h"

#define HVM_RX_HOLD 4096
#define HVM_IDLE_TICK_NS 100000000LL

struct hvm_port {
    struct hvmachine *hm;
    struct serial *uart;
    struct chardev *cd;
    uint8_t held[HVM_RX_HOLD];
    size_t len;
};

struct hvmachine {
    struct xendm *x;
    struct machine m;
    struct pc_hv_host host;
    struct ioreq_server srv;
    bool srv_up;
    struct loop_timer *timer;
    struct hvm_port ports[MACHINE_MAX_SERIAL];
    struct fwcfg *fwcfg;            /* -kernel only */
};

static void hvm_port_flush(struct hvm_port *p)
{
    size_t took;

    while (p->len > 0 && (took = serial_receive(p->uart, p->held, p->len))) {
        memmove(p->held, p->held + took, p->len - took);
        p->len -= took;
    }
}

static void hvm_uart_write(void *opaque, const uint8_t *buf, size_t len)
{
    struct hvm_port *p = opaque;

    chardev_write(p->cd, buf, len);
}

static void hvm_uart_accept(void *opaque)
{
    hvm_port_flush(opaque);
}

static const struct serial_backend_ops hvm_uart_ops = {
    .write = hvm_uart_write,
    .accept_input = hvm_uart_accept,
};

static void hvm_chardev_read(struct chardev *cd, const void *buf, size_t len,
                             void *opaque)
{
    struct hvm_port *p = opaque;
    size_t room = sizeof(p->held) - p->len;

    if (len > room) {
        log_debug("%s: serial input held back is full, %zu bytes dropped",
                  chardev_id(cd), len - room);
        len = room;
    }
    memcpy(p->held + p->len, buf, len);
    p->len += len;
    hvm_port_flush(p);
}

static void hvm_rearm(struct hvmachine *hm)
{
    int64_t now = hm->host.hv ? pc_hv_ops.now(&hm->host) : 0;
    int64_t next = machine_run_timers(&hm->m, now);

    if (hm->timer && next >= 0) {
        loop_timer_mod(hm->x->loop, hm->timer, (uint64_t)next);
    }
}

static int64_t hvm_tick(struct loop *loop, void *opaque)
{
    struct hvmachine *hm = opaque;
    int64_t now = pc_hv_ops.now(&hm->host);
    int64_t next = machine_run_timers(&hm->m, now);

    (void)loop;
    if (next < 0 || next - now > HVM_IDLE_TICK_NS) {
        return HVM_IDLE_TICK_NS;
    }
    return next > now ? next - now : 1000;
}

static bool hvm_port_filter(void *opaque, int port)
{
    struct hvmachine *hm = opaque;

    if (!hm->srv_up || !ioreq_server_owns_port(&hm->srv, port)) {
        return false;
    }
    hv_evtchn_unmask(hm->x->hv, (uint32_t)port);
    ioreq_server_set_dirty_log(&hm->srv, hm->x->dirty_log);
    ioreq_server_port_event(&hm->srv, port);
    hvm_rearm(hm);
    return true;
}

int hvmachine_check(struct xendm *x, char *why, size_t whylen)
{
    return hvmboot_check(x, why, whylen);
}

static void hvm_connect_serials(struct hvmachine *hm)
{
    struct xendm *x = hm->x;
    unsigned i;

    for (i = 0; i < hm->m.cfg.nr_serial; i++) {
        struct hvm_port *p = &hm->ports[i];

        p->hm = hm;
        p->uart = &hm->m.serial[i];
        p->cd = x->opts.serials[i] ? chardev_lookup(x, x->opts.serials[i])
                                   : NULL;
        if (p->cd) {
            serial_set_backend(p->uart, &hvm_uart_ops, p);
            chardev_set_reader(p->cd, hvm_chardev_read, p);
        }
    }
}

int hvmachine_prepare(struct xendm *x, char *err, size_t errlen)
{
    struct machine_config cfg;
    struct hvmachine *hm;
    int rc = pvmachine_prepare(x, err, errlen);

    if (rc < 0) {
        return rc;
    }
    hm = calloc(1, sizeof(*hm));
    if (hm == NULL) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    hm->x = x;
    x->hvm_priv = hm;
    pc_hv_host_init(&hm->host, x->hv, x->opts.domid);
    machine_config_xenfv(&cfg, x->opts.ram_mb ? x->opts.ram_mb : 128);
    cfg.nr_serial = x->opts.nserials < MACHINE_MAX_SERIAL
                        ? (unsigned)x->opts.nserials
                        : MACHINE_MAX_SERIAL;
    rc = machine_init(&hm->m, &cfg, &pc_hv_ops, &hm->host);
    if (rc == 0 && x->opts.kernel != NULL) {
        hm->fwcfg = hvmboot_fwcfg_new(x, err, errlen);
        if (hm->fwcfg == NULL) {
            return -EINVAL;
        }
        machine_attach_fwcfg(&hm->m, hm->fwcfg);
    }
    rc = rc ? rc : machine_register_state(&hm->m, x->savevm);
    if (rc < 0) {
        snprintf(err, errlen, "HVM machine: %s", strerror(-rc));
        return rc;
    }
    hvm_connect_serials(hm);
    pvmachine_set_port_filter(x, hvm_port_filter, hm);
    return 0;
}

int hvmachine_restrict(struct xendm *x, char *err, size_t errlen)
{
    return pvmachine_restrict(x, err, errlen);
}

int hvmachine_start(struct xendm *x, char *err, size_t errlen)
{
    struct hvmachine *hm = x->hvm_priv;
    struct hv_domain_info info;
    int rc = pvmachine_start(x, err, errlen);

    if (rc < 0 || hm == NULL) {
        return rc < 0 ? rc : -EINVAL;
    }
    rc = hv_domain_info(x->hv, x->opts.domid, &info);
    if (rc < 0) {
        snprintf(err, errlen, "HVM machine: domain %u: %s", x->opts.domid,
                 strerror(-rc));
        return rc;
    }
    rc = ioreq_server_start(&hm->srv, x->hv, x->opts.domid,
                            info.max_vcpu_id + 1, &hm->m, err, errlen);
    if (rc < 0) {
        return rc;
    }
    hm->srv_up = true;
    hm->timer = loop_timer_add(x->loop, HVM_IDLE_TICK_NS, hvm_tick, hm);
    return hm->timer ? 0 : -ENOMEM;
}

void hvmachine_exit(struct xendm *x)
{
    struct hvmachine *hm = x->hvm_priv;
    unsigned i;

    if (hm != NULL) {
        pvmachine_set_port_filter(x, NULL, NULL);
        if (hm->timer) {
            loop_timer_del(x->loop, hm->timer);
        }
        if (hm->srv_up) {
            ioreq_server_stop(&hm->srv);
        }
        for (i = 0; i < MACHINE_MAX_SERIAL; i++) {
            if (hm->ports[i].cd) {
                chardev_set_reader(hm->ports[i].cd, NULL, NULL);
            }
        }
        hvmboot_fwcfg_free(hm->fwcfg);
        free(hm);
        x->hvm_priv = NULL;
    }
    pvmachine_exit(x);
}
