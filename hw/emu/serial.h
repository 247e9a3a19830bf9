/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A 16550A UART, saved as QEMU 7.2's ISA serial port ("serial" v3,
 * instance id = port index, with QEMU's seven subsections).
 *
 * The guest drives it through serial_pio_read/write (offsets 0-7);
 * transmitted bytes go to a backend ops table the control plane fills
 * in (a chardev); received bytes come in through serial_receive(),
 * which takes at most serial_can_receive() bytes, as QEMU's chardev
 * layer would.  Nothing the guest writes can make it allocate or
 * block: the backend is expected to buffer or drop.
 */
#ifndef XENDM_HW_SERIAL_H
#define XENDM_HW_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#include "vmstate.h"

#define SERIAL_FIFO_LEN 16

/* QEMU's Fifo8 as saved: capacity bytes, be32 head, be32 num. */
struct serial_fifo {
    uint8_t data[SERIAL_FIFO_LEN];
    uint32_t head;
    uint32_t num;
};

/*
 * Everything the description references (one plain struct).  Values
 * derived on load come first: users of the description that size
 * their copy by its extent still have room for them.
 */
struct serial_state {
    int32_t realized;           /* a machine's UART, not a bare copy */
    int32_t recv_fifo_itl;
    int32_t last_break_enable;
    uint64_t char_transmit_time;
    uint16_t divider;
    uint8_t rbr, thr, tsr, ier, iir, lcr, mcr, lsr, msr, scr, fcr;
    uint8_t fcr_vmstate;
    int32_t thr_ipending;
    int32_t timeout_ipending;
    int32_t poll_msl;
    uint32_t tsr_retry;
    struct serial_fifo recv_fifo;
    struct serial_fifo xmit_fifo;
    int64_t fifo_timeout_timer;   /* ns deadline, -1 = stopped */
    int64_t modem_status_poll;    /* never armed here (no tty backend) */
};

struct serial_backend_ops {
    /*
     * Writes bytes to the outside without blocking: how many were
     * taken (dropped ones count as taken); 0 holds the transmitter
     * (tsr_retry, LSR.TEMT clear) until serial_output_ready.
     */
    size_t (*write)(void *opaque, const uint8_t *buf, size_t len);
    /* The guest read RBR: offer held-back input again (may be NULL). */
    void (*accept_input)(void *opaque);
};

struct serial {
    struct serial_state st;
    uint32_t baudbase;
    const struct serial_backend_ops *be;
    void *be_opaque;
    /* the machine's hooks: IRQ line level and the virtual clock */
    void (*set_irq)(void *opaque, int level);
    int64_t (*now)(void *opaque);
    void *opaque;
};

extern const struct vmstate_desc serial_isa_vmsd;

void serial_init(struct serial *s, void (*set_irq)(void *, int),
                 int64_t (*now)(void *), void *opaque);
void serial_set_backend(struct serial *s, const struct serial_backend_ops *be,
                        void *be_opaque);
void serial_reset(struct serial *s);

uint8_t serial_pio_read(struct serial *s, unsigned off);
void serial_pio_write(struct serial *s, unsigned off, uint8_t val);
/* The backend can take output again: retry a held byte. */
void serial_output_ready(struct serial *s);

/* How many bytes serial_receive would take now. */
size_t serial_can_receive(const struct serial *s);
/* Takes up to serial_can_receive() bytes; returns how many it took. */
size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len);
void serial_receive_break(struct serial *s);

/* Fires the FIFO timeout if its deadline is <= now. */
void serial_run_timers(struct serial *s, int64_t now);
/* After a committed load: bound the timeout deadline, re-drive the IRQ. */
void serial_loaded(struct serial *s);

#endif
