/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PS/2 mouse: commands, IntelliMouse/Explorer detection, motion packets,
 * and its saved state ("ps2mouse" v2).  The ring and the common saved
 * state are shared with the keyboard (ps2.c, ps2-int.h).
 */
#include <string.h>

#include "ps2-int.h"
#include "ps2.h"

#define AUX_SET_SCALE11 0xe6
#define AUX_SET_SCALE21 0xe7
#define AUX_SET_RES 0xe8
#define AUX_GET_SCALE 0xe9
#define AUX_SET_STREAM 0xea
#define AUX_POLL 0xeb
#define AUX_RESET_WRAP 0xec
#define AUX_SET_WRAP 0xee
#define AUX_SET_REMOTE 0xf0
#define AUX_GET_TYPE 0xf2
#define AUX_SET_SAMPLE 0xf3
#define AUX_ENABLE_DEV 0xf4
#define AUX_DISABLE_DEV 0xf5
#define AUX_SET_DEFAULT 0xf6
#define AUX_RESET 0xff
#define AUX_ACK 0xfa

#define MOUSE_STATUS_REMOTE 0x40
#define MOUSE_STATUS_ENABLED 0x20
#define MOUSE_STATUS_SCALE21 0x10

/* ---- mouse ---- */

void ps2mouse_queue(struct ps2_mouse *m, uint8_t b)
{
    ps2_ring_queue(&m->st.common, &b, 1, m->irq, m->opaque);
}

static int clamp(int v, int lim)
{
    return v > lim ? lim : v < -lim ? -lim : v;
}

static int mouse_send_packet(struct ps2_mouse *m)
{
    struct ps2_mouse_state *s = &m->st;
    uint8_t pkt[4];
    int n = s->mouse_type ? 4 : 3;
    int dx = clamp(s->mouse_dx, 127), dy = clamp(s->mouse_dy, 127);
    int dz = s->mouse_dz, dw = s->mouse_dw;

    if (PS2_QUEUE_SIZE - s->common.count < n) {
        return 0;
    }
    pkt[0] = (uint8_t)(0x08 | ((dx < 0) << 4) | ((dy < 0) << 5) |
                       (s->mouse_buttons & 0x07));
    pkt[1] = (uint8_t)dx;
    pkt[2] = (uint8_t)dy;
    if (s->mouse_type == 3) {
        dz = clamp(dz, 127);
        pkt[3] = (uint8_t)dz;
        s->mouse_dz -= dz;
        s->mouse_dw = 0;
    } else if (s->mouse_type == 4) {
        if (dw != 0) {
            dw = clamp(dw, 31);
            pkt[3] = (uint8_t)((dw & 0x3f) | 0x40);
            s->mouse_dw -= dw;
        } else {
            dz = clamp(dz, 7);
            pkt[3] = (uint8_t)((dz & 0x0f) | ((s->mouse_buttons & 0x18) << 1));
            s->mouse_dz -= dz;
        }
    } else {
        s->mouse_dz = 0;
        s->mouse_dw = 0;
    }
    ps2_ring_queue(&s->common, pkt, n, m->irq, m->opaque);
    s->mouse_dx -= dx;
    s->mouse_dy -= dy;
    return 1;
}

void ps2mouse_event(struct ps2_mouse *m, int dx, int dy, int dz,
                    uint8_t buttons)
{
    struct ps2_mouse_state *s = &m->st;

    if (!(s->mouse_status & MOUSE_STATUS_ENABLED)) {
        return;
    }
    /* bounded so a flood of motion cannot overflow the accumulators */
    s->mouse_dx = clamp(s->mouse_dx + clamp(dx, 4096), 1 << 20);
    s->mouse_dy = clamp(s->mouse_dy - clamp(dy, 4096), 1 << 20);
    s->mouse_dz = clamp(s->mouse_dz + clamp(dz, 4096), 1 << 20);
    s->mouse_buttons = buttons & 0x1f;
    if (s->mouse_status & MOUSE_STATUS_REMOTE) {
        return;
    }
    while (mouse_send_packet(m)) {
        if (!s->mouse_dx && !s->mouse_dy && !s->mouse_dz && !s->mouse_dw) {
            break;
        }
    }
}

static void mouse_detect(struct ps2_mouse_state *s, uint8_t val)
{
    switch (s->mouse_detect_state) {
    case 1:
        s->mouse_detect_state = val == 100 ? 2 : val == 200 ? 3 : 0;
        break;
    case 2:
    case 3:
        if (val == 80) {
            s->mouse_type = s->mouse_detect_state == 2 ? 3 : 4;
        }
        s->mouse_detect_state = 0;
        break;
    default:
        if (val == 200) {
            s->mouse_detect_state = 1;
        }
        break;
    }
}

static void mouse_set_defaults(struct ps2_mouse_state *s)
{
    s->mouse_sample_rate = 100;
    s->mouse_resolution = 2;
    s->mouse_status = 0;
}

static void mouse_command(struct ps2_mouse *m, uint8_t val)
{
    struct ps2_mouse_state *s = &m->st;
    uint8_t b[4] = { AUX_ACK, 0, 0, 0 };

    switch (val) {
    case AUX_SET_SCALE11:
        s->mouse_status &= (uint8_t)~MOUSE_STATUS_SCALE21;
        break;
    case AUX_SET_SCALE21:
        s->mouse_status |= MOUSE_STATUS_SCALE21;
        break;
    case AUX_SET_STREAM:
        s->mouse_status &= (uint8_t)~MOUSE_STATUS_REMOTE;
        break;
    case AUX_SET_WRAP:
        s->mouse_wrap = 1;
        break;
    case AUX_SET_REMOTE:
        s->mouse_status |= MOUSE_STATUS_REMOTE;
        break;
    case AUX_GET_TYPE:
        b[1] = s->mouse_type;
        ps2_ring_queue(&s->common, b, 2, m->irq, m->opaque);
        return;
    case AUX_SET_RES:
    case AUX_SET_SAMPLE:
        s->common.write_cmd = val;
        break;
    case AUX_GET_SCALE:
        b[1] = s->mouse_status;
        b[2] = s->mouse_resolution;
        b[3] = s->mouse_sample_rate;
        ps2_ring_queue(&s->common, b, 4, m->irq, m->opaque);
        return;
    case AUX_POLL:
        ps2mouse_queue(m, AUX_ACK);
        mouse_send_packet(m);
        return;
    case AUX_ENABLE_DEV:
        s->mouse_status |= MOUSE_STATUS_ENABLED;
        break;
    case AUX_DISABLE_DEV:
        s->mouse_status &= (uint8_t)~MOUSE_STATUS_ENABLED;
        break;
    case AUX_SET_DEFAULT:
        mouse_set_defaults(s);
        break;
    case AUX_RESET:
        mouse_set_defaults(s);
        s->mouse_type = 0;
        ps2_ring_reset(&s->common);
        b[1] = 0xaa;
        b[2] = s->mouse_type;
        ps2_ring_queue(&s->common, b, 3, m->irq, m->opaque);
        return;
    default:
        return;
    }
    ps2mouse_queue(m, AUX_ACK);
}

void ps2mouse_write(struct ps2_mouse *m, uint8_t val)
{
    struct ps2_mouse_state *s = &m->st;

    switch (s->common.write_cmd) {
    case AUX_SET_SAMPLE:
        s->mouse_sample_rate = val;
        mouse_detect(s, val);
        ps2mouse_queue(m, AUX_ACK);
        s->common.write_cmd = -1;
        return;
    case AUX_SET_RES:
        s->mouse_resolution = val;
        ps2mouse_queue(m, AUX_ACK);
        s->common.write_cmd = -1;
        return;
    default:
        break;
    }
    if (s->mouse_wrap) {
        if (val == AUX_RESET_WRAP) {
            s->mouse_wrap = 0;
            ps2mouse_queue(m, AUX_ACK);
            return;
        }
        if (val != AUX_RESET) {
            ps2mouse_queue(m, val);
            return;
        }
    }
    mouse_command(m, val);
}

uint8_t ps2mouse_read(struct ps2_mouse *m)
{
    return ps2_read_data(&m->st.common, m->irq, m->opaque);
}

void ps2mouse_reset(struct ps2_mouse *m)
{
    struct ps2_common keep_data = m->st.common;

    memset(&m->st, 0, sizeof(m->st));
    memcpy(m->st.common.data, keep_data.data, sizeof(keep_data.data));
    m->st.common.write_cmd = -1;
    ps2_ring_reset(&m->st.common);
    m->irq(m->opaque, 0);
}

void ps2mouse_init(struct ps2_mouse *m, void (*irq)(void *, int),
                   void *opaque)
{
    memset(m, 0, sizeof(*m));
    m->irq = irq;
    m->opaque = opaque;
    ps2mouse_reset(m);
}

static int mouse_post_load(void *opaque, int version_id)
{
    struct ps2_mouse_state *s = opaque;

    (void)version_id;
    ps2_common_post_load(&s->common);
    s->mouse_dw = 0;
    return 0;
}

static const struct vmstate_field mouse_fields[] = {
    VMSTATE_STRUCT_V(common, struct ps2_mouse_state, 0, ps2_common_vmsd,
                     struct ps2_common),
    VMSTATE_U8(mouse_status, struct ps2_mouse_state),
    VMSTATE_U8(mouse_resolution, struct ps2_mouse_state),
    VMSTATE_U8(mouse_sample_rate, struct ps2_mouse_state),
    VMSTATE_U8(mouse_wrap, struct ps2_mouse_state),
    VMSTATE_U8(mouse_type, struct ps2_mouse_state),
    VMSTATE_U8(mouse_detect_state, struct ps2_mouse_state),
    VMSTATE_I32(mouse_dx, struct ps2_mouse_state),
    VMSTATE_I32(mouse_dy, struct ps2_mouse_state),
    VMSTATE_I32(mouse_dz, struct ps2_mouse_state),
    VMSTATE_U8(mouse_buttons, struct ps2_mouse_state),
    VMSTATE_END,
};

const struct vmstate_desc ps2_mouse_vmsd = {
    .name = "ps2mouse",
    .version_id = 2,
    .minimum_version_id = 2,
    .fields = mouse_fields,
    .post_load = mouse_post_load,
};

