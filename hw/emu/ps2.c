/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PS/2 keyboard and mouse.
 *
 * Theory of operation.  A device's bytes sit in a 256-byte ring
 * (rptr..wptr, `count` bytes).  Scancodes and mouse packets are
 * appended at wptr but only while fewer than 16 are queued (the PS/2
 * protocol's queue).  Keyboard command replies are inserted in front
 * of rptr, so a reply overtakes queued scancodes; `cwptr` marks where
 * the replies end, and a new command first drops unread replies.
 * These rules, the scancode translation and every reply byte follow
 * QEMU 7.2 so that saved queues compare byte for byte.  On load the
 * ring pointers are sanitised exactly as QEMU does: replies capped at
 * 8, scancodes at 16, pointers wrapped into the buffer.
 */
#include <string.h>

#include "ps2.h"

#define KBD_CMD_SET_LEDS 0xed
#define KBD_CMD_ECHO 0xee
#define KBD_CMD_SCANCODE 0xf0
#define KBD_CMD_GET_ID 0xf2
#define KBD_CMD_SET_RATE 0xf3
#define KBD_CMD_ENABLE 0xf4
#define KBD_CMD_RESET_DISABLE 0xf5
#define KBD_CMD_RESET_ENABLE 0xf6
#define KBD_CMD_SET_TYPEMATIC 0xfa
#define KBD_CMD_SET_MAKE_BREAK 0xfc
#define KBD_CMD_RESET 0xff
#define KBD_REPLY_POR 0xaa
#define KBD_REPLY_ID 0xab
#define KBD_REPLY_ACK 0xfa
#define KBD_REPLY_RESEND 0xfe

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

#define RING_MASK (PS2_BUFFER_SIZE - 1)

/* The i8042's set-2 to set-1 translation (XT compatibility). */
static const uint8_t set2_to_set1[256] = {
    0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58, 0x64, 0x44, 0x42, 0x40,
    0x3e, 0x0f, 0x29, 0x59, 0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a,
    0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b, 0x67, 0x2e, 0x2d, 0x20,
    0x12, 0x05, 0x04, 0x5c, 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e, 0x6a, 0x72, 0x32, 0x24,
    0x16, 0x08, 0x09, 0x5f, 0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60,
    0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61, 0x6d, 0x73, 0x28, 0x74,
    0x1a, 0x0d, 0x62, 0x6e, 0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b, 0x7c, 0x4f, 0x7d, 0x4b,
    0x47, 0x7e, 0x7f, 0x6f, 0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45,
    0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54, 0x80, 0x81, 0x82, 0x41,
    0x54, 0x85, 0x86, 0x87,
    /* 0x88..0xff translate to themselves */
};

static uint8_t translate(uint8_t code)
{
    return code >= 0x88 ? code : set2_to_set1[code];
}

static void ring_reset(struct ps2_common *c)
{
    c->rptr = 0;
    c->wptr = 0;
    c->cwptr = -1;
    c->count = 0;
}

static void ring_put(struct ps2_common *c, uint8_t b)
{
    if (c->count >= PS2_QUEUE_SIZE) {
        return;
    }
    c->data[c->wptr & RING_MASK] = b;
    c->wptr = (c->wptr + 1) & RING_MASK;
    c->count++;
}

/* Appends n bytes as one unit (all or none), then raises the line. */
static void ring_queue(struct ps2_common *c, const uint8_t *b, int n,
                       void (*irq)(void *, int), void *opaque)
{
    int i;

    if (PS2_QUEUE_SIZE - c->count < n) {
        return;
    }
    for (i = 0; i < n; i++) {
        ring_put(c, b[i]);
    }
    irq(opaque, 1);
}

/* Inserts command replies in front of the queued scancodes. */
static void ring_cqueue(struct ps2_common *c, const uint8_t *b, int n,
                        void (*irq)(void *, int), void *opaque)
{
    int i;

    c->rptr = (c->rptr - n) & RING_MASK;
    c->cwptr = c->rptr;
    for (i = 0; i < n; i++) {
        c->data[c->cwptr] = b[i];
        c->cwptr = (c->cwptr + 1) & RING_MASK;
        c->count++;
    }
    irq(opaque, 1);
}

static void ring_cqueue_reset(struct ps2_common *c)
{
    if (c->cwptr == -1) {
        return;
    }
    c->count -= (c->cwptr - c->rptr) & RING_MASK;
    c->rptr = c->cwptr;
    c->cwptr = -1;
}

uint8_t ps2_read_data(struct ps2_common *c, void (*irq)(void *, int),
                      void *opaque)
{
    uint8_t val;

    if (c->count == 0) {
        /* an empty queue repeats the last byte (EMM386 relies on it) */
        return c->data[(c->rptr - 1) & RING_MASK];
    }
    val = c->data[c->rptr & RING_MASK];
    c->rptr = (c->rptr + 1) & RING_MASK;
    c->count--;
    if (c->rptr == c->cwptr) {
        c->cwptr = -1;
    }
    irq(opaque, 0);
    if (c->count) {
        irq(opaque, 1);
    }
    return val;
}

/* ---- keyboard ---- */

static void kbd_reply(struct ps2_kbd *k, const uint8_t *b, int n)
{
    ring_cqueue(&k->st.common, b, n, k->irq, k->opaque);
}

static void kbd_reply1(struct ps2_kbd *k, uint8_t b)
{
    kbd_reply(k, &b, 1);
}

static void kbd_reset_keyboard(struct ps2_kbd *k)
{
    k->st.scan_enabled = 1;
    k->st.scancode_set = 2;
    ring_reset(&k->st.common);
    k->st.ledstate = 0;
}

void ps2kbd_queue(struct ps2_kbd *k, uint8_t b)
{
    ring_queue(&k->st.common, &b, 1, k->irq, k->opaque);
}

static void kbd_put_keycode(struct ps2_kbd *k, uint8_t code)
{
    if (!k->st.translate) {
        ps2kbd_queue(k, code);
    } else if (code == 0xf0) {
        k->st.need_high_bit = true;
    } else if (k->st.need_high_bit) {
        ps2kbd_queue(k, translate(code) | 0x80);
        k->st.need_high_bit = false;
    } else {
        ps2kbd_queue(k, translate(code));
    }
}

static void kbd_command(struct ps2_kbd *k, uint8_t val)
{
    struct ps2_common *c = &k->st.common;
    uint8_t id[3] = { KBD_REPLY_ACK, KBD_REPLY_ID,
                      k->st.translate ? 0x41 : 0x83 };
    static const uint8_t por[2] = { KBD_REPLY_ACK, KBD_REPLY_POR };

    switch (val) {
    case 0x00:
        kbd_reply1(k, KBD_REPLY_ACK);
        break;
    case KBD_CMD_GET_ID:
        kbd_reply(k, id, 3);
        break;
    case KBD_CMD_ECHO:
        kbd_reply1(k, KBD_CMD_ECHO);
        break;
    case KBD_CMD_ENABLE:
        k->st.scan_enabled = 1;
        kbd_reply1(k, KBD_REPLY_ACK);
        break;
    case KBD_CMD_SCANCODE:
    case KBD_CMD_SET_LEDS:
    case KBD_CMD_SET_RATE:
    case KBD_CMD_SET_MAKE_BREAK:
        c->write_cmd = val;
        kbd_reply1(k, KBD_REPLY_ACK);
        break;
    case KBD_CMD_RESET_DISABLE:
    case KBD_CMD_RESET_ENABLE:
        kbd_reset_keyboard(k);
        k->st.scan_enabled = val == KBD_CMD_RESET_ENABLE;
        kbd_reply1(k, KBD_REPLY_ACK);
        break;
    case KBD_CMD_RESET:
        kbd_reset_keyboard(k);
        kbd_reply(k, por, 2);
        break;
    case KBD_CMD_SET_TYPEMATIC:
        kbd_reply1(k, KBD_REPLY_ACK);
        break;
    default:            /* 0x05 and anything unknown */
        kbd_reply1(k, KBD_REPLY_RESEND);
        break;
    }
}

void ps2kbd_write(struct ps2_kbd *k, uint8_t val)
{
    struct ps2_common *c = &k->st.common;
    uint8_t two[2] = { KBD_REPLY_ACK, 0 };

    ring_cqueue_reset(c);
    switch (c->write_cmd) {
    case KBD_CMD_SET_MAKE_BREAK:
    case KBD_CMD_SET_RATE:
        kbd_reply1(k, KBD_REPLY_ACK);
        c->write_cmd = -1;
        break;
    case KBD_CMD_SCANCODE:
        if (val == 0) {
            two[1] = k->st.translate ? translate((uint8_t)k->st.scancode_set)
                                     : (uint8_t)k->st.scancode_set;
            kbd_reply(k, two, 2);
        } else if (val >= 1 && val <= 3) {
            k->st.scancode_set = val;
            kbd_reply1(k, KBD_REPLY_ACK);
        } else {
            kbd_reply1(k, KBD_REPLY_RESEND);
        }
        c->write_cmd = -1;
        break;
    case KBD_CMD_SET_LEDS:
        k->st.ledstate = val;
        kbd_reply1(k, KBD_REPLY_ACK);
        c->write_cmd = -1;
        break;
    default:
        kbd_command(k, val);
        break;
    }
}

void ps2kbd_set_translation(struct ps2_kbd *k, int on)
{
    k->st.translate = on;
}

void ps2kbd_put_set2(struct ps2_kbd *k, const uint8_t *codes, size_t n)
{
    size_t i;
    bool brk = false;

    if (!k->st.scan_enabled) {
        return;
    }
    for (i = 0; i < n; i++) {
        if (k->st.scancode_set != 1) {
            kbd_put_keycode(k, codes[i]);
        } else if (codes[i] == 0xf0) {
            brk = true;
        } else if (codes[i] == 0xe0 || codes[i] == 0xe1) {
            kbd_put_keycode(k, codes[i]);
        } else {
            kbd_put_keycode(k, (uint8_t)(translate(codes[i]) |
                                         (brk ? 0x80 : 0)));
            brk = false;
        }
    }
}

uint8_t ps2kbd_read(struct ps2_kbd *k)
{
    return ps2_read_data(&k->st.common, k->irq, k->opaque);
}

void ps2kbd_reset(struct ps2_kbd *k)
{
    k->st.common.write_cmd = -1;
    ring_reset(&k->st.common);
    k->irq(k->opaque, 0);
    k->st.scan_enabled = 1;
    k->st.translate = 0;
    k->st.scancode_set = 2;
}

void ps2kbd_init(struct ps2_kbd *k, void (*irq)(void *, int), void *opaque)
{
    memset(k, 0, sizeof(*k));
    k->irq = irq;
    k->opaque = opaque;
    ps2kbd_reset(k);
}

/* ---- mouse ---- */

void ps2mouse_queue(struct ps2_mouse *m, uint8_t b)
{
    ring_queue(&m->st.common, &b, 1, m->irq, m->opaque);
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
    ring_queue(&s->common, pkt, n, m->irq, m->opaque);
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
        ring_queue(&s->common, b, 2, m->irq, m->opaque);
        return;
    case AUX_SET_RES:
    case AUX_SET_SAMPLE:
        s->common.write_cmd = val;
        break;
    case AUX_GET_SCALE:
        b[1] = s->mouse_status;
        b[2] = s->mouse_resolution;
        b[3] = s->mouse_sample_rate;
        ring_queue(&s->common, b, 4, m->irq, m->opaque);
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
        ring_reset(&s->common);
        b[1] = 0xaa;
        b[2] = s->mouse_type;
        ring_queue(&s->common, b, 3, m->irq, m->opaque);
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
    ring_reset(&m->st.common);
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

/* ---- saved state ---- */

static void common_post_load(struct ps2_common *c)
{
    int ccount = 0;

    if (c->cwptr != -1) {
        ccount = (c->cwptr - c->rptr) & RING_MASK;
        if (ccount > PS2_QUEUE_HEADROOM) {
            ccount = PS2_QUEUE_HEADROOM;
        }
    }
    if (c->count < ccount) {
        c->count = ccount;
    } else if (c->count > ccount + PS2_QUEUE_SIZE) {
        c->count = ccount + PS2_QUEUE_SIZE;
    }
    c->rptr &= RING_MASK;
    c->wptr = (c->rptr + c->count) & RING_MASK;
    c->cwptr = ccount ? (c->rptr + ccount) & RING_MASK : -1;
}

static int kbd_pre_load(void *opaque)
{
    struct ps2_kbd_state *s = opaque;

    s->common.cwptr = -1;
    s->ledstate = 0;
    s->need_high_bit = false;
    return 0;
}

static int kbd_post_load(void *opaque, int version_id)
{
    struct ps2_kbd_state *s = opaque;

    if (version_id == 2) {
        s->scancode_set = 2;
    }
    if (s->scancode_set < 1 || s->scancode_set > 3) {
        s->scancode_set = 2;
    }
    common_post_load(&s->common);
    return 0;
}

static int mouse_post_load(void *opaque, int version_id)
{
    struct ps2_mouse_state *s = opaque;

    (void)version_id;
    common_post_load(&s->common);
    s->mouse_dw = 0;
    return 0;
}

static const struct vmstate_field common_fields[] = {
    VMSTATE_I32(write_cmd, struct ps2_common),
    VMSTATE_I32(rptr, struct ps2_common),
    VMSTATE_I32(wptr, struct ps2_common),
    VMSTATE_I32(count, struct ps2_common),
    VMSTATE_BUFFER(data, struct ps2_common),
    VMSTATE_END,
};

static const struct vmstate_desc common_vmsd = {
    .name = "PS2 Common State", .version_id = 3, .minimum_version_id = 2,
    .fields = common_fields,
};

static bool ledstate_needed(void *opaque)
{
    return ((const struct ps2_kbd_state *)opaque)->ledstate != 0;
}

static bool high_bit_needed(void *opaque)
{
    return ((const struct ps2_kbd_state *)opaque)->need_high_bit;
}

static bool cqueue_needed(void *opaque)
{
    return ((const struct ps2_kbd_state *)opaque)->common.cwptr != -1;
}

static const struct vmstate_field ledstate_fields[] = {
    VMSTATE_I32(ledstate, struct ps2_kbd_state), VMSTATE_END,
};
static const struct vmstate_desc ledstate_vmsd = {
    .name = "ps2kbd/ledstate", .version_id = 3, .minimum_version_id = 2,
    .needed = ledstate_needed, .fields = ledstate_fields,
};

static const struct vmstate_field high_bit_fields[] = {
    VMSTATE_BOOL(need_high_bit, struct ps2_kbd_state), VMSTATE_END,
};
static const struct vmstate_desc high_bit_vmsd = {
    .name = "ps2kbd/need_high_bit", .version_id = 1, .minimum_version_id = 1,
    .needed = high_bit_needed, .fields = high_bit_fields,
};

static const struct vmstate_field cqueue_fields[] = {
    { .name = "parent_obj.queue.cwptr", .kind = VMS_I32,
      .offset = offsetof(struct ps2_kbd_state, common.cwptr),
      .size = sizeof(int32_t) },
    VMSTATE_END,
};
static const struct vmstate_desc cqueue_vmsd = {
    .name = "ps2kbd/command_reply_queue",
    .needed = cqueue_needed, .fields = cqueue_fields,
};

static const struct vmstate_desc *const kbd_subsections[] = {
    &ledstate_vmsd, &high_bit_vmsd, &cqueue_vmsd, NULL,
};

static const struct vmstate_field kbd_fields[] = {
    VMSTATE_STRUCT_V(common, struct ps2_kbd_state, 0, common_vmsd,
                     struct ps2_common),
    VMSTATE_I32(scan_enabled, struct ps2_kbd_state),
    VMSTATE_I32(translate, struct ps2_kbd_state),
    VMSTATE_I32_V(scancode_set, struct ps2_kbd_state, 3),
    VMSTATE_END,
};

const struct vmstate_desc ps2_kbd_vmsd = {
    .name = "ps2kbd",
    .version_id = 3,
    .minimum_version_id = 2,
    .fields = kbd_fields,
    .subsections = kbd_subsections,
    .pre_load = kbd_pre_load,
    .post_load = kbd_post_load,
};

static const struct vmstate_field mouse_fields[] = {
    VMSTATE_STRUCT_V(common, struct ps2_mouse_state, 0, common_vmsd,
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
