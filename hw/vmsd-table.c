/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every device state description xendm has (see vmsd-table.h).
 * Append one line per description: { "<QEMU type name>", &vmstate_x }.
 * The "type" is the key of the -dump-vmstate JSON (QEMU uses the QOM
 * type name there); descriptions that are not devices in QEMU (the
 * global "timer") use their section name.
 */
#include "config.h"

#include <stddef.h>

#include "../src/cpu-timers.h"
#include "emu/chipset.h"
#include "emu/pci.h"
#include "emu/pckbd.h"
#include "emu/platform.h"
#include "emu/ps2.h"
#include "emu/serial.h"
#include "vmsd-table.h"

const struct vmsd_table_entry vmsd_table[] = {
    { "timer", &vmstate_cpu_timers },
    { "PCIHost", &pci_host_vmsd },
    { "PCIBUS", &pci_bus_vmsd },
    { "i440FX", &i440fx_vmsd },
    { "PIIX3-xen", &piix3_vmsd },
    { "isa-serial", &serial_isa_vmsd },
    { "ps2-kbd", &ps2_kbd_vmsd },
    { "ps2-mouse", &ps2_mouse_vmsd },
    { "i8042", &pckbd_isa_vmsd },
    { "xen-platform", &platform_vmsd },
    { NULL, NULL },
};
