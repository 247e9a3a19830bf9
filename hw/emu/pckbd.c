/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * i8042 keyboard controller.
 *
 * Theory of operation.  The controller has one output buffer that the
 * guest reads at port 0x60.  Three sources compete for it: the
 * keyboard, the mouse and (with extended state) the controller's own
 * command replies; `pending` records which have data and
 * kbd_update_irq picks one, sets the OBF bits in `status` and raises
 * IRQ 1 or 12 as the mode byte allows.  Without extended state (the
 * xenfv machine) a controller reply is pushed into the keyboard or
 * mouse queue instead, which is what QEMU 7.2 does for
 * pc-i440fx-3.1; the saved `pending_tmp` then uses the two compat
 * bits.  Hooks on the saved description mirror QEMU's pre_save,
 * pre_load and post_load so saved bytes match.
 */
#include <string.h>

#include "pckbd.h"

#define STAT_OBF 0x01
#define STAT_SELFTEST 0x04
#define STAT_CMD 0x08
#define STAT_UNLOCKED 0x10
#define STAT_MOUSE_OBF 0x20

#define MODE_KBD_INT 0x01
#define MODE_MOUSE_INT 0x02
#define MODE_DISABLE_KBD 0x10
#define MODE_DISABLE_MOUSE 0x20
#define MODE_KCC 0x40

#define OUT_RESET 0x01
#define OUT_A20 0x02
#define OUT_OBF 0x10
#define OUT_MOUSE_OBF 0x20
#define OUT_ONES 0xcc

#define PENDING_KBD_COMPAT 0x01
#define PENDING_AUX_COMPAT 0x02
#define PENDING_CTRL_KBD 0x04
#define PENDING_CTRL_AUX 0x08
#define PENDING_KBD MODE_DISABLE_KBD
#define PENDING_AUX MODE_DISABLE_MOUSE

#define OBSRC_KBD 0x01
#define OBSRC_MOUSE 0x02
#define OBSRC_CTRL 0x04

#define CCMD_READ_MODE 0x20
#define CCMD_WRITE_MODE 0x60
#define CCMD_MOUSE_DISABLE 0xa7
#define CCMD_MOUSE_ENABLE 0xa8
#define CCMD_TEST_MOUSE 0xa9
#define CCMD_SELF_TEST 0xaa
#define CCMD_KBD_TEST 0xab
#define CCMD_KBD_DISABLE 0xad
#define CCMD_KBD_ENABLE 0xae
#define CCMD_READ_INPORT 0xc0
#define CCMD_READ_OUTPORT 0xd0
#define CCMD_WRITE_OUTPORT 0xd1
#define CCMD_WRITE_OBUF 0xd2
#define CCMD_WRITE_AUX_OBUF 0xd3
#define CCMD_WRITE_MOUSE 0xd4
#define CCMD_DISABLE_A20 0xdd
#define CCMD_ENABLE_A20 0xdf
#define CCMD_PULSE_BITS_3_0 0xf0
#define CCMD_RESET 0xfe
#define CCMD_NO_OP 0xff

#define ISA_IRQ_KBD 1
#define ISA_IRQ_MOUSE 12

static void pckbd_update_irq_lines(struct pckbd *k)
{
    const struct pckbd_state *s = &k->st;
    int kbd = 0, mouse = 0;

    if (s->status & STAT_OBF) {
        if (s->status & STAT_MOUSE_OBF) {
            mouse = !!(s->mode & MODE_MOUSE_INT);
        } else {
            kbd = (s->mode & MODE_KBD_INT) && !(s->mode & MODE_DISABLE_KBD);
        }
    }
    k->set_irq(k->opaque, ISA_IRQ_KBD, kbd);
    k->set_irq(k->opaque, ISA_IRQ_MOUSE, mouse);
}

static void pckbd_deassert_irq(struct pckbd *k)
{
    k->st.status &= (uint8_t)~(STAT_OBF | STAT_MOUSE_OBF);
    k->st.outport &= (uint8_t)~(OUT_OBF | OUT_MOUSE_OBF);
    pckbd_update_irq_lines(k);
}

static uint8_t pckbd_pending(const struct pckbd_state *s)
{
    if (s->extended_state) {
        return s->pending & (uint8_t)(~s->mode | ~(PENDING_KBD | PENDING_AUX));
    }
    return s->pending;
}

static void pckbd_update_irq(struct pckbd *k)
{
    struct pckbd_state *s = &k->st;
    uint8_t pending = pckbd_pending(s);

    s->status &= (uint8_t)~(STAT_OBF | STAT_MOUSE_OBF);
    s->outport &= (uint8_t)~(OUT_OBF | OUT_MOUSE_OBF);
    if (pending) {
        s->status |= STAT_OBF;
        s->outport |= OUT_OBF;
        if (pending & PENDING_CTRL_KBD) {
            s->obsrc = OBSRC_CTRL;
        } else if (pending & PENDING_CTRL_AUX) {
            s->status |= STAT_MOUSE_OBF;
            s->outport |= OUT_MOUSE_OBF;
            s->obsrc = OBSRC_CTRL;
        } else if (pending & PENDING_KBD) {
            s->obsrc = OBSRC_KBD;
        } else {
            s->status |= STAT_MOUSE_OBF;
            s->outport |= OUT_MOUSE_OBF;
            s->obsrc = OBSRC_MOUSE;
        }
    }
    pckbd_update_irq_lines(k);
}

static void pckbd_safe_update_irq(struct pckbd *k)
{
    if (k->st.status & STAT_OBF) {
        return;
    }
    if (pckbd_pending(&k->st)) {
        pckbd_update_irq(k);
    }
}

static void pckbd_kbd_irq(void *opaque, int level)
{
    struct pckbd *k = opaque;

    if (level) {
        k->st.pending |= PENDING_KBD;
    } else {
        k->st.pending &= (uint8_t)~PENDING_KBD;
    }
    pckbd_safe_update_irq(k);
}

static void pckbd_aux_irq(void *opaque, int level)
{
    struct pckbd *k = opaque;

    if (level) {
        k->st.pending |= PENDING_AUX;
    } else {
        k->st.pending &= (uint8_t)~PENDING_AUX;
    }
    pckbd_safe_update_irq(k);
}

static void pckbd_queue(struct pckbd *k, uint8_t b, int aux)
{
    struct pckbd_state *s = &k->st;

    if (!s->extended_state) {
        if (aux) {
            ps2mouse_queue(&k->mouse, b);
        } else {
            ps2kbd_queue(&k->kbd, b);
        }
        return;
    }
    s->cbdata = b;
    s->pending &= (uint8_t)~(PENDING_CTRL_KBD | PENDING_CTRL_AUX);
    s->pending |= aux ? PENDING_CTRL_AUX : PENDING_CTRL_KBD;
    pckbd_safe_update_irq(k);
}

static uint8_t pckbd_dequeue(struct pckbd *k)
{
    uint8_t b = k->st.cbdata;

    k->st.pending &= (uint8_t)~(PENDING_CTRL_KBD | PENDING_CTRL_AUX);
    if (pckbd_pending(&k->st)) {
        pckbd_update_irq(k);
    }
    return b;
}

static void pckbd_outport_write(struct pckbd *k, uint8_t val)
{
    k->st.outport = val;
    if (!(val & OUT_RESET) && k->reset) {
        k->reset(k->opaque);
    }
}

uint8_t pckbd_read_status(struct pckbd *k)
{
    return k->st.status;
}

void pckbd_write_command(struct pckbd *k, uint8_t val)
{
    struct pckbd_state *s = &k->st;

    if ((val & CCMD_PULSE_BITS_3_0) == CCMD_PULSE_BITS_3_0) {
        val = (val & 1) ? CCMD_NO_OP : CCMD_RESET;
    }
    switch (val) {
    case CCMD_READ_MODE:
        pckbd_queue(k, s->mode, 0);
        break;
    case CCMD_WRITE_MODE:
    case CCMD_WRITE_OBUF:
    case CCMD_WRITE_AUX_OBUF:
    case CCMD_WRITE_MOUSE:
    case CCMD_WRITE_OUTPORT:
        s->write_cmd = val;
        break;
    case CCMD_MOUSE_DISABLE:
        s->mode |= MODE_DISABLE_MOUSE;
        break;
    case CCMD_MOUSE_ENABLE:
        s->mode &= (uint8_t)~MODE_DISABLE_MOUSE;
        pckbd_safe_update_irq(k);
        break;
    case CCMD_TEST_MOUSE:
    case CCMD_KBD_TEST:
        pckbd_queue(k, 0x00, 0);
        break;
    case CCMD_SELF_TEST:
        s->status |= STAT_SELFTEST;
        pckbd_queue(k, 0x55, 0);
        break;
    case CCMD_KBD_DISABLE:
        s->mode |= MODE_DISABLE_KBD;
        break;
    case CCMD_KBD_ENABLE:
        s->mode &= (uint8_t)~MODE_DISABLE_KBD;
        pckbd_safe_update_irq(k);
        break;
    case CCMD_READ_INPORT:
        pckbd_queue(k, 0x80, 0);
        break;
    case CCMD_READ_OUTPORT:
        pckbd_queue(k, s->outport, 0);
        break;
    case CCMD_ENABLE_A20:
        s->outport |= OUT_A20;
        break;
    case CCMD_DISABLE_A20:
        s->outport &= (uint8_t)~OUT_A20;
        break;
    case CCMD_RESET:
        if (k->reset) {
            k->reset(k->opaque);
        }
        break;
    default:
        break;
    }
}

uint8_t pckbd_read_data(struct pckbd *k)
{
    struct pckbd_state *s = &k->st;

    if (s->status & STAT_OBF) {
        pckbd_deassert_irq(k);
        if (s->obsrc & OBSRC_KBD) {
            s->obdata = ps2kbd_read(&k->kbd);
        } else if (s->obsrc & OBSRC_MOUSE) {
            s->obdata = ps2mouse_read(&k->mouse);
        } else if (s->obsrc & OBSRC_CTRL) {
            s->obdata = pckbd_dequeue(k);
        }
    }
    return s->obdata;
}

void pckbd_write_data(struct pckbd *k, uint8_t val)
{
    struct pckbd_state *s = &k->st;

    switch (s->write_cmd) {
    case 0:
        ps2kbd_write(&k->kbd, val);
        s->mode &= (uint8_t)~MODE_DISABLE_KBD;
        pckbd_safe_update_irq(k);
        break;
    case CCMD_WRITE_MODE:
        s->mode = val;
        ps2kbd_set_translation(&k->kbd, (s->mode & MODE_KCC) != 0);
        pckbd_update_irq_lines(k);
        pckbd_safe_update_irq(k);
        break;
    case CCMD_WRITE_OBUF:
        pckbd_queue(k, val, 0);
        break;
    case CCMD_WRITE_AUX_OBUF:
        pckbd_queue(k, val, 1);
        break;
    case CCMD_WRITE_OUTPORT:
        pckbd_outport_write(k, val);
        break;
    case CCMD_WRITE_MOUSE:
        ps2mouse_write(&k->mouse, val);
        s->mode &= (uint8_t)~MODE_DISABLE_MOUSE;
        pckbd_safe_update_irq(k);
        break;
    default:
        break;
    }
    s->write_cmd = 0;
}

void pckbd_reset(struct pckbd *k)
{
    struct pckbd_state *s = &k->st;

    s->mode = MODE_KBD_INT | MODE_MOUSE_INT;
    s->status = STAT_CMD | STAT_UNLOCKED;
    s->outport = OUT_RESET | OUT_A20 | OUT_ONES;
    s->pending = 0;
    pckbd_deassert_irq(k);
    ps2kbd_reset(&k->kbd);
    ps2mouse_reset(&k->mouse);
}

void pckbd_init(struct pckbd *k, bool extended_state,
                void (*set_irq)(void *, unsigned, int),
                void (*reset)(void *), void *opaque)
{
    memset(k, 0, sizeof(*k));
    k->st.extended_state = extended_state;
    k->set_irq = set_irq;
    k->reset = reset;
    k->opaque = opaque;
    ps2kbd_init(&k->kbd, pckbd_kbd_irq, k);
    ps2mouse_init(&k->mouse, pckbd_aux_irq, k);
    pckbd_reset(k);
}

void pckbd_loaded(struct pckbd *k)
{
    pckbd_update_irq_lines(k);
}

/* ---- saved state ---- */

static uint8_t outport_default(const struct pckbd_state *s)
{
    return (uint8_t)(OUT_RESET | OUT_A20 | OUT_ONES |
                     ((s->status & STAT_OBF) ? OUT_OBF : 0) |
                     ((s->status & STAT_MOUSE_OBF) ? OUT_MOUSE_OBF : 0));
}

static bool outport_needed(void *opaque)
{
    const struct pckbd_state *s = opaque;

    return s->outport != outport_default(s);
}

static int outport_post_load(void *opaque, int version_id)
{
    (void)version_id;
    ((struct pckbd_state *)opaque)->outport_present = true;
    return 0;
}

static int ext_pre_save(void *opaque)
{
    /* no throttle timer here: nothing is ever pending at save time */
    ((struct pckbd_state *)opaque)->migration_flags = 0;
    return 0;
}

static int ext_post_load(void *opaque, int version_id)
{
    (void)version_id;
    ((struct pckbd_state *)opaque)->extended_state_loaded = true;
    return 0;
}

static bool ext_needed(void *opaque)
{
    return ((const struct pckbd_state *)opaque)->extended_state;
}

static int kbd_pre_save(void *opaque)
{
    struct pckbd_state *s = opaque;

    if (s->extended_state) {
        s->pending_tmp = s->pending;
        return 0;
    }
    s->pending_tmp = 0;
    if (s->pending & PENDING_KBD) {
        s->pending_tmp |= PENDING_KBD_COMPAT;
    }
    if (s->pending & PENDING_AUX) {
        s->pending_tmp |= PENDING_AUX_COMPAT;
    }
    return 0;
}

static int kbd_pre_load(void *opaque)
{
    struct pckbd_state *s = opaque;

    s->outport_present = false;
    s->extended_state_loaded = false;
    return 0;
}

static int kbd_post_load(void *opaque, int version_id)
{
    struct pckbd_state *s = opaque;

    (void)version_id;
    if (!s->outport_present) {
        s->outport = outport_default(s);
    }
    s->pending = s->pending_tmp;
    if (!s->extended_state_loaded) {
        s->obsrc = (s->status & STAT_OBF)
                       ? ((s->status & STAT_MOUSE_OBF) ? OBSRC_MOUSE
                                                       : OBSRC_KBD)
                       : 0;
        if (s->pending & PENDING_KBD_COMPAT) {
            s->pending |= PENDING_KBD;
        }
        if (s->pending & PENDING_AUX_COMPAT) {
            s->pending |= PENDING_AUX;
        }
    }
    s->pending &= PENDING_CTRL_KBD | PENDING_CTRL_AUX | PENDING_KBD |
                  PENDING_AUX;
    return 0;
}

static const struct vmstate_field outport_fields[] = {
    VMSTATE_U8(outport, struct pckbd_state), VMSTATE_END,
};
static const struct vmstate_desc outport_vmsd = {
    .name = "pckbd_outport", .version_id = 1, .minimum_version_id = 1,
    .needed = outport_needed, .post_load = outport_post_load,
    .fields = outport_fields,
};

static const struct vmstate_field ext_fields[] = {
    VMSTATE_U32(migration_flags, struct pckbd_state),
    VMSTATE_U32(obsrc, struct pckbd_state),
    VMSTATE_U8(obdata, struct pckbd_state),
    VMSTATE_U8(cbdata, struct pckbd_state),
    VMSTATE_END,
};
static const struct vmstate_desc ext_vmsd = {
    .name = "pckbd/extended_state", .needed = ext_needed,
    .pre_save = ext_pre_save, .post_load = ext_post_load,
    .fields = ext_fields,
};

static const struct vmstate_desc *const kbd_subsections[] = {
    &outport_vmsd, &ext_vmsd, NULL,
};

static const struct vmstate_field kbd_fields[] = {
    VMSTATE_U8(write_cmd, struct pckbd_state),
    VMSTATE_U8(status, struct pckbd_state),
    VMSTATE_U8(mode, struct pckbd_state),
    VMSTATE_U8(pending_tmp, struct pckbd_state),
    VMSTATE_END,
};

static const struct vmstate_desc kbd_vmsd = {
    .name = "pckbd",
    .version_id = 3,
    .minimum_version_id = 3,
    .fields = kbd_fields,
    .subsections = kbd_subsections,
    .pre_save = kbd_pre_save,
    .pre_load = kbd_pre_load,
    .post_load = kbd_post_load,
};

struct pckbd_isa_wrap {
    struct pckbd_state kbd;
};

static const struct vmstate_field isa_fields[] = {
    VMSTATE_STRUCT_V(kbd, struct pckbd_isa_wrap, 0, kbd_vmsd,
                     struct pckbd_state),
    VMSTATE_END,
};

const struct vmstate_desc pckbd_isa_vmsd = {
    .name = "pckbd",
    .version_id = 3,
    .minimum_version_id = 3,
    .fields = isa_fields,
};
