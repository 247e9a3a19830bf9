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
 * The machine's timers (UART receive timeouts) run on the VM clock
 * (src/cpu-timers.h: stopped while the VM is, restored by a load)
 * through a loop timer re-armed after every request and at cont.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chardev.h"
#include "cpu-timers.h"
#include "hw/emu/hvm-machine.h"
#include "hw/emu/hvm-boot.h"
#include "hw/emu/ioreq.h"
#include "hw/emu/pc-hv.h"
#include "hw/pv/pv-machine.h"
#include "log.h"
#include "loop.h"
#include "runstate.h"
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

/* 0 holds the UART's transmitter until hvm_uart_ready; no peer drops. */
static size_t hvm_uart_write(void *opaque, const uint8_t *buf, size_t len)
{
    struct hvm_port *p = opaque;
    ssize_t n = chardev_write(p->cd, buf, len);

    return n < 0 ? len : (size_t)n;
}

static void hvm_uart_ready(struct chardev *cd, void *opaque)
{
    struct hvm_port *p = opaque;

    serial_output_ready(p->uart);
}

static void hvm_uart_accept(void *opaque)
{
    struct hvm_port *p = opaque;

    hvm_port_flush(p);
    if (p->len < sizeof(p->held)) {
        chardev_input_ready(p->cd);
    }
}

/* Input is read only into room held back for the UART: none is lost. */
static size_t hvm_chardev_room(struct chardev *cd, void *opaque)
{
    struct hvm_port *p = opaque;

    return sizeof(p->held) - p->len;
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

/*
 * Arms the loop timer for the machine's next deadline.  Deadlines are
 * VM-clock times; while the VM runs the VM clock advances with the
 * host's, so the host deadline is now + (next - vm_now).  While the
 * VM is stopped nothing is due: the idle tick only keeps the timer
 * alive, and the run-state listener re-arms at cont.
 */
static void hvm_rearm(struct hvmachine *hm)
{
    uint64_t host;
    int64_t now, next;

    if (!hm->timer || !hm->x->timers.running) {
        return;
    }
    host = loop_now_ns();
    now = cpu_timers_now(&hm->x->timers, host);
    next = machine_run_timers(&hm->m, now);
    if (next >= 0) {
        int64_t delay = next - now;

        if (delay < 0 || delay > HVM_IDLE_TICK_NS) {
            delay = delay < 0 ? 0 : HVM_IDLE_TICK_NS;
        }
        loop_timer_mod(hm->x->loop, hm->timer, host + (uint64_t)delay);
    }
}

static int64_t hvm_tick(struct loop *loop, void *opaque)
{
    struct hvmachine *hm = opaque;
    int64_t now, next;
    unsigned i;

    (void)loop;
    if (!hm->x->timers.running) {
        return HVM_IDLE_TICK_NS;
    }
    /* A byte held across a restore has no output-ready owed: retry it. */
    for (i = 0; i < hm->m.cfg.nr_serial; i++) {
        if (hm->ports[i].cd != NULL) {
            serial_output_ready(hm->ports[i].uart);
        }
    }
    now = pc_hv_ops.now(&hm->host);
    next = machine_run_timers(&hm->m, now);
    if (next < 0 || next - now > HVM_IDLE_TICK_NS) {
        return HVM_IDLE_TICK_NS;
    }
    return next > now ? next - now : 1000;
}

/* At cont: deadlines set before the stop are due again. */
static void hvm_runstate(struct xendm *x, enum runstate_id old,
                         enum runstate_id now, void *opaque)
{
    (void)old;
    (void)opaque;
    if (now == RUNSTATE_RUNNING && x->hvm_priv != NULL) {
        hvm_rearm(x->hvm_priv);
    }
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
            chardev_set_input_room(p->cd, hvm_chardev_room);
            chardev_set_output_ready(p->cd, hvm_uart_ready, p);
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
    hm->host.clock = &x->timers;
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
    /* after the VM clock's listener (main_open), so it sees the clock run */
    rc = runstate_listen(&x->rs, hvm_runstate, NULL);
    if (rc < 0) {
        snprintf(err, errlen, "HVM machine: run-state listener: %s",
                 strerror(-rc));
    }
    return rc;
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
                chardev_set_output_ready(hm->ports[i].cd, NULL, NULL);
            }
        }
        hvmboot_fwcfg_free(hm->fwcfg);
        free(hm);
        x->hvm_priv = NULL;
    }
    pvmachine_exit(x);
}
