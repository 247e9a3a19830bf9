/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PS/2 keyboard (and the byte ring the mouse shares, ps2-mouse.c).
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

#include "ps2-int.h"
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

void ps2_ring_reset(struct ps2_common *c)
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
void ps2_ring_queue(struct ps2_common *c, const uint8_t *b, int n,
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
    ps2_ring_reset(&k->st.common);
    k->st.ledstate = 0;
}

void ps2kbd_queue(struct ps2_kbd *k, uint8_t b)
{
    ps2_ring_queue(&k->st.common, &b, 1, k->irq, k->opaque);
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
    ps2_ring_reset(&k->st.common);
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

/* ---- saved state ---- */

void ps2_common_post_load(struct ps2_common *c)
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
    ps2_common_post_load(&s->common);
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

const struct vmstate_desc ps2_common_vmsd = {
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
    VMSTATE_STRUCT_V(common, struct ps2_kbd_state, 0, ps2_common_vmsd,
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

