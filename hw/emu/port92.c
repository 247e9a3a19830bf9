/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * System control port A (see port92.h).  QEMU's semantics: a write
 * stores the byte and, when bit 0 goes from 0 to 1, requests a system
 * reset; reads return the stored byte; reset clears bit 0 only.
 */
#include <stddef.h>

#include "port92.h"

void port92_init(struct port92 *p, void (*request_reset)(void *opaque),
                 void *opaque)
{
    p->st.outport = 0;
    p->request_reset = request_reset;
    p->opaque = opaque;
}

void port92_reset(struct port92 *p)
{
    p->st.outport &= (uint8_t)~1u;
}

uint8_t port92_read(struct port92 *p)
{
    return p->st.outport;
}

void port92_write(struct port92 *p, uint8_t val)
{
    uint8_t old = p->st.outport;

    p->st.outport = val;
    if ((val & 1) && !(old & 1) && p->request_reset) {
        p->request_reset(p->opaque);
    }
}

static const struct vmstate_field port92_fields[] = {
    VMSTATE_U8(outport, struct port92_state),
    VMSTATE_END,
};

const struct vmstate_desc port92_vmsd = {
    .name = "port92",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = port92_fields,
};
