/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The 16550A's saved state: QEMU 7.2's ISA "serial" v3 wrapper around
 * the UART's "serial" v3 description and its seven subsections, with
 * QEMU's pre_save/pre_load/post_load behaviour.  post_load also checks
 * what QEMU leaves unchecked (FIFO head and count within the FIFO,
 * thr_ipending 0 or 1), since the stream is untrusted.
 */
#include <errno.h>

#include "serial-int.h"
#include "serial.h"

static int serial_pre_save(void *opaque)
{
    struct serial_state *st = opaque;

    st->fcr_vmstate = st->fcr;
    return 0;
}

static int serial_pre_load(void *opaque)
{
    struct serial_state *st = opaque;

    st->thr_ipending = -1;
    st->poll_msl = -1;
    st->tsr_retry = 0;
    st->timeout_ipending = 0;
    st->fifo_timeout_timer = -1;
    st->modem_status_poll = -1;
    serial_fifo_reset(&st->recv_fifo);
    serial_fifo_reset(&st->xmit_fifo);
    return 0;
}

static bool fifo_ok(const struct serial_fifo *f)
{
    return f->head < SERIAL_FIFO_LEN && f->num <= SERIAL_FIFO_LEN;
}

static int serial_post_load(void *opaque, int version_id)
{
    struct serial_state *st = opaque;

    if (version_id < 3) {
        st->fcr_vmstate = 0;
    }
    if (!fifo_ok(&st->recv_fifo) || !fifo_ok(&st->xmit_fifo)) {
        return -EINVAL;
    }
    if (st->thr_ipending == -1) {
        st->thr_ipending = (st->iir & IIR_ID) == IIR_THRI;
    } else if (st->thr_ipending != 0 && st->thr_ipending != 1) {
        return -EINVAL;
    }
    /* QEMU's transmitter consistency checks (for a real UART only) */
    if (!st->realized) {
        st->tsr_retry = 0;
    } else if (st->tsr_retry > 0) {
        if (st->lsr & LSR_TEMT) {
            return -EINVAL;
        }
        if (st->tsr_retry > MAX_XMIT_RETRY) {
            st->tsr_retry = MAX_XMIT_RETRY;
        }
    } else if (!(st->lsr & LSR_TEMT)) {
        return -EINVAL;
    }
    st->last_break_enable = (st->lcr >> 6) & 1;
    serial_write_fcr(st, st->fcr_vmstate);
    serial_update_parameters(st, 115200);
    return 0;
}

static bool serial_thr_ipending_needed(void *opaque)
{
    const struct serial_state *st = opaque;

    if (st->ier & IER_THRI) {
        return st->thr_ipending != ((st->iir & IIR_ID) == IIR_THRI);
    }
    return false;
}

static bool serial_tsr_needed(void *opaque)
{
    return ((const struct serial_state *)opaque)->tsr_retry != 0;
}

static bool serial_recv_fifo_needed(void *opaque)
{
    return !serial_fifo_empty(&((const struct serial_state *)opaque)->recv_fifo);
}

static bool serial_xmit_fifo_needed(void *opaque)
{
    return !serial_fifo_empty(&((const struct serial_state *)opaque)->xmit_fifo);
}

static bool serial_timer_needed(void *opaque)
{
    return ((const struct serial_state *)opaque)->fifo_timeout_timer != -1;
}

static bool serial_timeout_ipending_needed(void *opaque)
{
    return ((const struct serial_state *)opaque)->timeout_ipending != 0;
}

static bool serial_poll_needed(void *opaque)
{
    return ((const struct serial_state *)opaque)->poll_msl >= 0;
}

static const struct vmstate_field fifo_fields[] = {
    VMSTATE_BUFFER(data, struct serial_fifo),
    VMSTATE_U32(head, struct serial_fifo),
    VMSTATE_U32(num, struct serial_fifo),
    VMSTATE_END,
};

static const struct vmstate_desc fifo_vmsd = {
    .name = "Fifo8", .version_id = 1, .minimum_version_id = 1,
    .fields = fifo_fields,
};

#define SERIAL_SUB(VAR, NAME, NEEDED, FIELDS)                                \
    static const struct vmstate_desc VAR = {                                 \
        .name = NAME, .version_id = 1, .minimum_version_id = 1,              \
        .needed = NEEDED, .fields = FIELDS,                                  \
    }

static const struct vmstate_field thr_ipending_fields[] = {
    VMSTATE_I32(thr_ipending, struct serial_state), VMSTATE_END,
};
SERIAL_SUB(serial_thr_ipending_vmsd, "serial/thr_ipending",
           serial_thr_ipending_needed, thr_ipending_fields);

static const struct vmstate_field tsr_fields[] = {
    VMSTATE_U32(tsr_retry, struct serial_state),
    VMSTATE_U8(thr, struct serial_state),
    VMSTATE_U8(tsr, struct serial_state),
    VMSTATE_END,
};
SERIAL_SUB(serial_tsr_vmsd, "serial/tsr", serial_tsr_needed, tsr_fields);

static const struct vmstate_field recv_fifo_fields[] = {
    VMSTATE_STRUCT_V(recv_fifo, struct serial_state, 1, fifo_vmsd,
                     struct serial_fifo),
    VMSTATE_END,
};
SERIAL_SUB(serial_recv_fifo_vmsd, "serial/recv_fifo",
           serial_recv_fifo_needed, recv_fifo_fields);

static const struct vmstate_field xmit_fifo_fields[] = {
    VMSTATE_STRUCT_V(xmit_fifo, struct serial_state, 1, fifo_vmsd,
                     struct serial_fifo),
    VMSTATE_END,
};
SERIAL_SUB(serial_xmit_fifo_vmsd, "serial/xmit_fifo",
           serial_xmit_fifo_needed, xmit_fifo_fields);

static const struct vmstate_field timer_fields[] = {
    VMSTATE_TIMER(fifo_timeout_timer, struct serial_state), VMSTATE_END,
};
SERIAL_SUB(serial_timer_vmsd, "serial/fifo_timeout_timer",
           serial_timer_needed, timer_fields);

static const struct vmstate_field timeout_ipending_fields[] = {
    VMSTATE_I32(timeout_ipending, struct serial_state), VMSTATE_END,
};
SERIAL_SUB(serial_timeout_ipending_vmsd, "serial/timeout_ipending",
           serial_timeout_ipending_needed, timeout_ipending_fields);

static const struct vmstate_field poll_fields[] = {
    VMSTATE_I32(poll_msl, struct serial_state),
    VMSTATE_TIMER(modem_status_poll, struct serial_state),
    VMSTATE_END,
};
SERIAL_SUB(serial_poll_vmsd, "serial/poll", serial_poll_needed, poll_fields);

static const struct vmstate_desc *const serial_subsections[] = {
    &serial_thr_ipending_vmsd, &serial_tsr_vmsd, &serial_recv_fifo_vmsd,
    &serial_xmit_fifo_vmsd, &serial_timer_vmsd,
    &serial_timeout_ipending_vmsd, &serial_poll_vmsd, NULL,
};

static const struct vmstate_field serial_fields[] = {
    VMSTATE_U16_V(divider, struct serial_state, 2),
    VMSTATE_U8(rbr, struct serial_state),
    VMSTATE_U8(ier, struct serial_state),
    VMSTATE_U8(iir, struct serial_state),
    VMSTATE_U8(lcr, struct serial_state),
    VMSTATE_U8(mcr, struct serial_state),
    VMSTATE_U8(lsr, struct serial_state),
    VMSTATE_U8(msr, struct serial_state),
    VMSTATE_U8(scr, struct serial_state),
    VMSTATE_U8_V(fcr_vmstate, struct serial_state, 3),
    VMSTATE_END,
};

static const struct vmstate_desc serial_uart_vmsd = {
    .name = "serial",
    .version_id = 3,
    .minimum_version_id = 2,
    .fields = serial_fields,
    .subsections = serial_subsections,
    .pre_save = serial_pre_save,
    .pre_load = serial_pre_load,
    .post_load = serial_post_load,
};

/* The ISA wrapper: the UART struct sits at offset 0 of the state. */
struct serial_isa_wrap {
    struct serial_state state;
};

static const struct vmstate_field serial_isa_fields[] = {
    VMSTATE_STRUCT_V(state, struct serial_isa_wrap, 0, serial_uart_vmsd,
                     struct serial_state),
    VMSTATE_END,
};

const struct vmstate_desc serial_isa_vmsd = {
    .name = "serial",
    .version_id = 3,
    .minimum_version_id = 2,
    .fields = serial_isa_fields,
};
