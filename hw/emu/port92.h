/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PS/2 system control port A at 0x92 (QEMU's "port92", which
 * pc_superio_init creates beside the i8042 for every PC machine,
 * xenfv included), saved as QEMU's "port92" v1 (one byte, outport).
 *
 * Bit 1 is the fast A20 gate: recorded and read back, nothing else
 * (Xen does not model A20 masking for HVM guests).  Bit 0 is the fast
 * reset: a 0 -> 1 transition asks the machine for a reset, which the
 * ioreq server forwards to Xen as a reboot, as qemu-xen does.  Having
 * the port matters for firmware: SeaBIOS's set_a20 reads the port and
 * writes the value back with bit 1 set, so a port that read as 0xff
 * would turn that into a reset request on a QEMU-like board.
 *
 * Trust: any byte value is accepted; a loaded outport is accepted as
 * QEMU does (any value; the reset bit only acts on a transition).
 */
#ifndef XENDM_HW_PORT92_H
#define XENDM_HW_PORT92_H

#include <stdint.h>

#include "vmstate.h"

#define PORT92_IOPORT 0x92

struct port92_state {
    uint8_t outport;
};

struct port92 {
    struct port92_state st;
    void (*request_reset)(void *opaque);
    void *opaque;
};

extern const struct vmstate_desc port92_vmsd;

void port92_init(struct port92 *p, void (*request_reset)(void *opaque),
                 void *opaque);
void port92_reset(struct port92 *p);
uint8_t port92_read(struct port92 *p);
void port92_write(struct port92 *p, uint8_t val);

#endif
