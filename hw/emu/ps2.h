/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PS/2 keyboard and mouse behind the i8042, saved as QEMU 7.2's
 * "ps2kbd" v3 (subsections ledstate, need_high_bit,
 * command_reply_queue) and "ps2mouse" v2.
 *
 * Each device has a 256-byte ring of which at most 16 bytes hold
 * scancodes or mouse packets, plus up to 8 bytes of command replies
 * queued in front of them (the keyboard's "command reply queue").
 * The i8042 reads bytes with ps2_read_data() and writes commands with
 * ps2kbd_write()/ps2mouse_write(); input arrives through
 * ps2kbd_put_set2() (set-2 make/break bytes, as vkbd/VNC produce after
 * their keymap) and ps2mouse_event().  The device tells the i8042
 * whether it has data through its `irq` hook.
 */
#ifndef XENDM_HW_PS2_H
#define XENDM_HW_PS2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmstate.h"

#define PS2_BUFFER_SIZE 256
#define PS2_QUEUE_SIZE 16
#define PS2_QUEUE_HEADROOM 8

/* "PS2 Common State" v3 */
struct ps2_common {
    int32_t write_cmd;
    int32_t rptr, wptr, count;
    int32_t cwptr;            /* -1: no command replies queued */
    uint8_t data[PS2_BUFFER_SIZE];
};

struct ps2_kbd_state {
    struct ps2_common common;
    int32_t scan_enabled;
    int32_t translate;
    int32_t scancode_set;
    int32_t ledstate;
    bool need_high_bit;
};

struct ps2_mouse_state {
    struct ps2_common common;
    uint8_t mouse_status, mouse_resolution, mouse_sample_rate;
    uint8_t mouse_wrap, mouse_type, mouse_detect_state;
    int32_t mouse_dx, mouse_dy, mouse_dz, mouse_dw;  /* dw: not saved */
    uint8_t mouse_buttons;
};

struct ps2_kbd {
    struct ps2_kbd_state st;
    void (*irq)(void *opaque, int level);
    void *opaque;
};

struct ps2_mouse {
    struct ps2_mouse_state st;
    void (*irq)(void *opaque, int level);
    void *opaque;
};

extern const struct vmstate_desc ps2_kbd_vmsd;
extern const struct vmstate_desc ps2_mouse_vmsd;

void ps2kbd_init(struct ps2_kbd *k, void (*irq)(void *, int), void *opaque);
void ps2mouse_init(struct ps2_mouse *m, void (*irq)(void *, int),
                   void *opaque);
void ps2kbd_reset(struct ps2_kbd *k);
void ps2mouse_reset(struct ps2_mouse *m);

/* Pops the next byte (or repeats the last one when empty). */
uint8_t ps2_read_data(struct ps2_common *c, void (*irq)(void *, int),
                      void *opaque);
uint8_t ps2kbd_read(struct ps2_kbd *k);
uint8_t ps2mouse_read(struct ps2_mouse *m);
/* Queues one byte with IRQ (used by the i8042 without extended state). */
void ps2kbd_queue(struct ps2_kbd *k, uint8_t b);
void ps2mouse_queue(struct ps2_mouse *m, uint8_t b);

void ps2kbd_write(struct ps2_kbd *k, uint8_t val);
void ps2mouse_write(struct ps2_mouse *m, uint8_t val);
void ps2kbd_set_translation(struct ps2_kbd *k, int on);

/* Key input: set-2 bytes (0xe0 prefixes, 0xf0 break) of one event. */
void ps2kbd_put_set2(struct ps2_kbd *k, const uint8_t *codes, size_t n);
/* Mouse input: relative motion, wheel, buttons (bit0 left ...). */
void ps2mouse_event(struct ps2_mouse *m, int dx, int dy, int dz,
                    uint8_t buttons);

#endif
