/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The i8042 keyboard controller at ports 0x60/0x64 with its PS/2
 * keyboard (IRQ 1) and mouse (IRQ 12), saved as QEMU 7.2's ISA
 * "pckbd" v3 (subsections pckbd_outport and pckbd/extended_state).
 *
 * `extended_state` is a machine property, as in QEMU: off for the
 * xenfv machine (pc-i440fx-3.1 compatibility, where controller
 * replies go through the keyboard queue) and on for current pc
 * machines (replies held in the controller).  A guest reset request
 * (outport bit 0 cleared, command 0xfe or a pulse of bit 0) goes to
 * the machine's `reset` hook.
 */
#ifndef XENDM_HW_PCKBD_H
#define XENDM_HW_PCKBD_H

#include <stdbool.h>
#include <stdint.h>

#include "ps2.h"
#include "vmstate.h"

/* Unsaved members first (see serial.h for why). */
struct pckbd_state {
    bool extended_state;          /* configuration, not saved */
    bool outport_present, extended_state_loaded;
    uint8_t pending;
    uint8_t write_cmd, status, mode, pending_tmp;
    uint8_t outport, obdata, cbdata;
    uint32_t migration_flags, obsrc;
};

struct pckbd {
    struct pckbd_state st;
    struct ps2_kbd kbd;
    struct ps2_mouse mouse;
    void (*set_irq)(void *opaque, unsigned isa_irq, int level);
    void (*reset)(void *opaque);
    void *opaque;
};

extern const struct vmstate_desc pckbd_isa_vmsd;

void pckbd_init(struct pckbd *k, bool extended_state,
                void (*set_irq)(void *, unsigned, int),
                void (*reset)(void *), void *opaque);
void pckbd_reset(struct pckbd *k);

uint8_t pckbd_read_data(struct pckbd *k);
uint8_t pckbd_read_status(struct pckbd *k);
void pckbd_write_data(struct pckbd *k, uint8_t val);
void pckbd_write_command(struct pckbd *k, uint8_t val);

/* After a committed load of pckbd/ps2kbd/ps2mouse: re-drive IRQs. */
void pckbd_loaded(struct pckbd *k);

#endif
