/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Register bits and helpers shared by the UART's logic (serial.c) and
 * its saved-state description (serial-state.c).
 */
#ifndef XENDM_HW_SERIAL_INT_H
#define XENDM_HW_SERIAL_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "serial.h"

#define LCR_DLAB 0x80
#define IER_MSI 0x08
#define IER_RLSI 0x04
#define IER_THRI 0x02
#define IER_RDI 0x01
#define IIR_NO_INT 0x01
#define IIR_ID 0x06
#define IIR_MSI 0x00
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_RLSI 0x06
#define IIR_CTI 0x0c
#define IIR_FE 0xc0
#define MCR_LOOP 0x10
#define MCR_OUT2 0x08
#define MSR_DCD 0x80
#define MSR_DSR 0x20
#define MSR_CTS 0x10
#define MSR_ANY_DELTA 0x0f
#define LSR_TEMT 0x40
#define LSR_THRE 0x20
#define LSR_BI 0x10
#define LSR_OE 0x02
#define LSR_DR 0x01
#define LSR_INT_ANY 0x1e
#define FCR_XFR 0x04
#define FCR_RFR 0x02
#define FCR_FE 0x01
#define MAX_XMIT_RETRY 4
#define NS_PER_SEC 1000000000LL

bool serial_fifo_empty(const struct serial_fifo *f);
void serial_fifo_reset(struct serial_fifo *f);
/* Character time from LCR and divisor, as QEMU computes it. */
void serial_update_parameters(struct serial_state *st, uint32_t baudbase);
/* Sets FCR's sticky bits, the IIR FIFO bits and the trigger level. */
void serial_write_fcr(struct serial_state *st, uint8_t val);

#endif
