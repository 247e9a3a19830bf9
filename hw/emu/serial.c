/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * 16550A UART.
 *
 * Theory of operation.  The registers, both FIFOs and the receive
 * timeout live in `struct serial_state`, laid out for the saved
 * description, which matches QEMU 7.2's ISA serial port field for
 * field: a wrapper "serial" v3 holding the UART "serial" v3 struct
 * (divider, rbr, ier, iir, lcr, mcr, lsr, msr, scr, fcr) and its
 * subsections thr_ipending, tsr, recv_fifo, xmit_fifo,
 * fifo_timeout_timer, timeout_ipending and poll, each emitted under
 * QEMU's condition.  Register side effects follow QEMU 7.2 so that the
 * same port writes give the same saved bytes.  Transmission is
 * immediate while the backend takes bytes.  When it cannot (its
 * chardev is full), the byte stays in TSR with `tsr_retry` set and
 * LSR.TEMT clear, further THR writes only queue (as QEMU's serial
 * with a G_IO_OUT watch), and serial_output_ready sends it on; unlike
 * QEMU, which drops the byte after four retries, it waits as long as
 * it takes, so a guest that polls LSR loses nothing.  The receive
 * timeout is a deadline on the machine's virtual clock.
 */
#include <errno.h>
#include <string.h>

#include "serial-int.h"
#include "serial.h"


bool serial_fifo_empty(const struct serial_fifo *f)
{
    return f->num == 0;
}

void serial_fifo_reset(struct serial_fifo *f)
{
    f->head = 0;
    f->num = 0;
}

static void fifo_push(struct serial_fifo *f, uint8_t v)
{
    if (f->num < SERIAL_FIFO_LEN) {
        f->data[(f->head + f->num) % SERIAL_FIFO_LEN] = v;
        f->num++;
    }
}

static uint8_t fifo_pop(struct serial_fifo *f)
{
    uint8_t v;

    if (f->num == 0) {
        return 0;
    }
    v = f->data[f->head % SERIAL_FIFO_LEN];
    f->head = (f->head + 1) % SERIAL_FIFO_LEN;
    f->num--;
    return v;
}

static void serial_update_irq(struct serial *s)
{
    struct serial_state *st = &s->st;
    uint8_t id = IIR_NO_INT;

    if ((st->ier & IER_RLSI) && (st->lsr & LSR_INT_ANY)) {
        id = IIR_RLSI;
    } else if ((st->ier & IER_RDI) && st->timeout_ipending) {
        id = IIR_CTI;
    } else if ((st->ier & IER_RDI) && (st->lsr & LSR_DR) &&
               (!(st->fcr & FCR_FE) ||
                st->recv_fifo.num >= (uint32_t)st->recv_fifo_itl)) {
        id = IIR_RDI;
    } else if ((st->ier & IER_THRI) && st->thr_ipending) {
        id = IIR_THRI;
    } else if ((st->ier & IER_MSI) && (st->msr & MSR_ANY_DELTA)) {
        id = IIR_MSI;
    }
    st->iir = (uint8_t)(id | (st->iir & 0xf0));
    if (s->set_irq) {
        s->set_irq(s->opaque, id != IIR_NO_INT);
    }
}

/* Character time as QEMU computes it (single-precision speed). */
void serial_update_parameters(struct serial_state *st,
                                     uint32_t baudbase)
{
    int frame = 1 + ((st->lcr & 0x03) + 5) + ((st->lcr & 0x04) ? 2 : 1);
    float speed;

    if (st->lcr & 0x08) {
        frame++;
    }
    speed = st->divider == 0 ? 3500.0f : (float)baudbase / st->divider;
    st->char_transmit_time = (uint64_t)((NS_PER_SEC / speed) * frame);
}

void serial_write_fcr(struct serial_state *st, uint8_t val)
{
    static const int32_t itl[4] = { 1, 4, 8, 14 };

    st->fcr = val;
    if (val & FCR_FE) {
        st->iir |= IIR_FE;
        st->recv_fifo_itl = itl[val >> 6];
    } else {
        st->iir &= (uint8_t)~IIR_FE;
    }
}

static int64_t serial_now(struct serial *s)
{
    return s->now ? s->now(s->opaque) : 0;
}

static void serial_arm_timeout(struct serial *s)
{
    s->st.fifo_timeout_timer =
        serial_now(s) + (int64_t)(s->st.char_transmit_time * 4);
}

static void serial_receive1(struct serial *s, const uint8_t *buf, size_t n)
{
    struct serial_state *st = &s->st;
    size_t i;

    if (n == 0) {
        return;
    }
    if (st->fcr & FCR_FE) {
        for (i = 0; i < n; i++) {
            if (st->recv_fifo.num < SERIAL_FIFO_LEN) {
                fifo_push(&st->recv_fifo, buf[i]);
            } else {
                st->lsr |= LSR_OE;
            }
        }
        st->lsr |= LSR_DR;
        serial_arm_timeout(s);
    } else {
        if (st->lsr & LSR_DR) {
            st->lsr |= LSR_OE;
        }
        st->rbr = buf[0];
        st->lsr |= LSR_DR;
    }
    serial_update_irq(s);
}

static void serial_xmit(struct serial *s)
{
    struct serial_state *st = &s->st;

    do {
        if (st->tsr_retry == 0 && (st->fcr & FCR_FE)) {
            st->tsr = fifo_pop(&st->xmit_fifo);
            if (st->xmit_fifo.num == 0) {
                st->lsr |= LSR_THRE;
            }
        } else if (st->tsr_retry == 0) {
            st->tsr = st->thr;
            st->lsr |= LSR_THRE;
        }
        if ((st->lsr & LSR_THRE) && !st->thr_ipending) {
            st->thr_ipending = 1;
            serial_update_irq(s);
        }
        if (st->mcr & MCR_LOOP) {
            serial_receive1(s, &st->tsr, 1);
        } else if (s->be && s->be->write &&
                   s->be->write(s->be_opaque, &st->tsr, 1) == 0) {
            /* Held: QEMU's count saturates at its retry limit. */
            if (st->tsr_retry < MAX_XMIT_RETRY) {
                st->tsr_retry++;
            }
            return;
        }
        st->tsr_retry = 0;
    } while (!(st->lsr & LSR_THRE));
    st->lsr |= LSR_TEMT;
}

static void serial_write_ier(struct serial *s, uint8_t val)
{
    struct serial_state *st = &s->st;
    uint8_t changed = (uint8_t)((st->ier ^ val) & 0x0f);

    st->ier = val & 0x0f;
    if (changed & IER_THRI) {
        st->thr_ipending = (st->ier & IER_THRI) && (st->lsr & LSR_THRE);
    }
    if (changed) {
        serial_update_irq(s);
    }
}

static void serial_write_fcr_reg(struct serial *s, uint8_t val)
{
    struct serial_state *st = &s->st;

    if ((val ^ st->fcr) & FCR_FE) {
        val |= FCR_XFR | FCR_RFR;
    }
    if (val & FCR_RFR) {
        st->lsr &= (uint8_t)~(LSR_DR | LSR_BI);
        st->fifo_timeout_timer = -1;
        st->timeout_ipending = 0;
        serial_fifo_reset(&st->recv_fifo);
    }
    if (val & FCR_XFR) {
        st->lsr |= LSR_THRE;
        st->thr_ipending = 1;
        serial_fifo_reset(&st->xmit_fifo);
    }
    serial_write_fcr(st, val & 0xc9);
    serial_update_irq(s);
}

void serial_output_ready(struct serial *s)
{
    if (s->st.tsr_retry > 0 && !(s->st.lsr & LSR_TEMT)) {
        serial_xmit(s);
    }
}

void serial_pio_write(struct serial *s, unsigned off, uint8_t val)
{
    struct serial_state *st = &s->st;

    switch (off & 7) {
    case 0:
        if (st->lcr & LCR_DLAB) {
            st->divider = (uint16_t)((st->divider & 0xff00) | val);
            serial_update_parameters(st, s->baudbase);
            break;
        }
        st->thr = val;
        if (st->fcr & FCR_FE) {
            if (st->xmit_fifo.num == SERIAL_FIFO_LEN) {
                fifo_pop(&st->xmit_fifo);
            }
            fifo_push(&st->xmit_fifo, val);
        }
        st->thr_ipending = 0;
        st->lsr &= (uint8_t)~(LSR_THRE | LSR_TEMT);
        serial_update_irq(s);
        if (st->tsr_retry == 0) {
            serial_xmit(s);
        }
        break;
    case 1:
        if (st->lcr & LCR_DLAB) {
            st->divider = (uint16_t)((st->divider & 0x00ff) | val << 8);
            serial_update_parameters(st, s->baudbase);
        } else {
            serial_write_ier(s, val);
        }
        break;
    case 2:
        serial_write_fcr_reg(s, val);
        break;
    case 3:
        st->lcr = val;
        serial_update_parameters(st, s->baudbase);
        st->last_break_enable = (val >> 6) & 1;
        break;
    case 4:
        st->mcr = val & 0x1f;
        break;
    case 7:
        st->scr = val;
        break;
    default:
        break;
    }
}

static uint8_t serial_read_rbr(struct serial *s)
{
    struct serial_state *st = &s->st;
    uint8_t ret;

    if (st->fcr & FCR_FE) {
        ret = fifo_pop(&st->recv_fifo);
        if (st->recv_fifo.num == 0) {
            st->lsr &= (uint8_t)~(LSR_DR | LSR_BI);
        } else {
            serial_arm_timeout(s);
        }
        st->timeout_ipending = 0;
    } else {
        ret = st->rbr;
        st->lsr &= (uint8_t)~(LSR_DR | LSR_BI);
    }
    serial_update_irq(s);
    if (!(st->mcr & MCR_LOOP) && s->be && s->be->accept_input) {
        s->be->accept_input(s->be_opaque);
    }
    return ret;
}

uint8_t serial_pio_read(struct serial *s, unsigned off)
{
    struct serial_state *st = &s->st;
    uint8_t ret = 0xff;

    switch (off & 7) {
    case 0:
        if (st->lcr & LCR_DLAB) {
            return (uint8_t)st->divider;
        }
        return serial_read_rbr(s);
    case 1:
        return (st->lcr & LCR_DLAB) ? (uint8_t)(st->divider >> 8) : st->ier;
    case 2:
        ret = st->iir;
        if ((ret & IIR_ID) == IIR_THRI) {
            st->thr_ipending = 0;
            serial_update_irq(s);
        }
        return ret;
    case 3:
        return st->lcr;
    case 4:
        return st->mcr;
    case 5:
        ret = st->lsr;
        if (st->lsr & (LSR_BI | LSR_OE)) {
            st->lsr &= (uint8_t)~(LSR_BI | LSR_OE);
            serial_update_irq(s);
        }
        return ret;
    case 6:
        if (st->mcr & MCR_LOOP) {
            return (uint8_t)(((st->mcr & 0x0c) << 4) |
                             ((st->mcr & 0x02) << 3) |
                             ((st->mcr & 0x01) << 5));
        }
        ret = st->msr;
        if (st->msr & MSR_ANY_DELTA) {
            st->msr &= 0xf0;
            serial_update_irq(s);
        }
        return ret;
    default:
        return st->scr;
    }
}

size_t serial_can_receive(const struct serial *s)
{
    const struct serial_state *st = &s->st;
    uint32_t itl = (uint32_t)st->recv_fifo_itl;

    if (st->mcr & MCR_LOOP) {
        return 0;
    }
    if (st->fcr & FCR_FE) {
        if (st->recv_fifo.num >= SERIAL_FIFO_LEN) {
            return 0;
        }
        return st->recv_fifo.num <= itl ? itl - st->recv_fifo.num : 1;
    }
    return !(st->lsr & LSR_DR);
}

size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len)
{
    size_t n = serial_can_receive(s);

    if (n > len) {
        n = len;
    }
    serial_receive1(s, buf, n);
    return n;
}

void serial_receive_break(struct serial *s)
{
    static const uint8_t nul;

    s->st.rbr = 0;
    if (s->st.recv_fifo.num < SERIAL_FIFO_LEN) {
        fifo_push(&s->st.recv_fifo, nul);
    } else {
        s->st.lsr |= LSR_OE;
    }
    s->st.lsr |= LSR_BI | LSR_DR;
    serial_update_irq(s);
}

void serial_run_timers(struct serial *s, int64_t now)
{
    struct serial_state *st = &s->st;

    if (st->fifo_timeout_timer < 0 || st->fifo_timeout_timer > now) {
        return;
    }
    st->fifo_timeout_timer = -1;
    if (st->recv_fifo.num) {
        st->timeout_ipending = 1;
        serial_update_irq(s);
    }
}

void serial_reset(struct serial *s)
{
    struct serial_state *st = &s->st;

    st->rbr = 0;
    st->ier = 0;
    st->iir = IIR_NO_INT;
    st->lcr = 0;
    st->lsr = LSR_TEMT | LSR_THRE;
    st->msr = MSR_DCD | MSR_DSR | MSR_CTS;
    st->divider = 0x0c;
    st->mcr = MCR_OUT2;
    st->scr = 0;
    st->tsr_retry = 0;
    st->char_transmit_time = (NS_PER_SEC / 9600) * 10;
    st->poll_msl = -1;      /* no backend reports modem lines */
    st->timeout_ipending = 0;
    st->fifo_timeout_timer = -1;
    st->modem_status_poll = -1;
    serial_fifo_reset(&st->recv_fifo);
    serial_fifo_reset(&st->xmit_fifo);
    st->thr_ipending = 0;
    st->last_break_enable = 0;
    if (s->set_irq) {
        s->set_irq(s->opaque, 0);
    }
}

void serial_init(struct serial *s, void (*set_irq)(void *, int),
                 int64_t (*now)(void *), void *opaque)
{
    memset(s, 0, sizeof(*s));
    s->st.realized = 1;
    s->baudbase = 115200;
    s->set_irq = set_irq;
    s->now = now;
    s->opaque = opaque;
    serial_reset(s);
}

void serial_set_backend(struct serial *s, const struct serial_backend_ops *be,
                        void *be_opaque)
{
    s->be = be;
    s->be_opaque = be_opaque;
}

void serial_loaded(struct serial *s)
{
    int64_t now = serial_now(s);
    int64_t limit = now + (int64_t)(s->st.char_transmit_time * 4);

    /* the deadline is on the VM clock the same stream restored, so a
     * genuine one is at most 4 character times ahead; a later one (a
     * crafted stream) is cut to that, an earlier one fires at once */
    if (s->st.fifo_timeout_timer > limit) {
        s->st.fifo_timeout_timer = limit;
    }
    serial_update_irq(s);
}

